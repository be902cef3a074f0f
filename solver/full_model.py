"""The general CP-SAT model with one amount per claim and day, for explanations and fallback.

- ``x[i][t]`` what claim i gets on day t, ``y[i][t]`` whether it gets a transfer then;
  ``paid[i]`` its total, never more than it is owed (a fact, not a request item);
  ``carry[t]`` the money saved after day t. Saving is allowed, borrowing is not.
- Hard: the plan pays exactly the reachable amount R.
- The limits are each tied to one request item (``claims[c001].min_payment_cents``,
  ``policy.max_transfers_per_date``, ``policy.rule`` for the awards, ...). In explain mode
  every limit holds only under its item's literal, and those literals are solved as CP-SAT
  assumptions, so an infeasible request yields the items that cannot hold together.

The pattern model in ``solver.engine`` is much faster and used first; this model is used
when no combination of patterns fits (rare limits) and to explain infeasibility.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.kept_back import fold_fits, is_direct, kept_back_variables, upper_bound
from solver.problem import Problem

PERCENT = 100


@dataclass
class FullModel:
    problem: Problem
    explain: bool
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: list[list[cp_model.IntVar]] = field(default_factory=list)
    y: list[list[cp_model.IntVar]] = field(default_factory=list)
    paid: list[cp_model.IntVar] = field(default_factory=list)
    carry: list[cp_model.IntVar] = field(default_factory=list)
    deviation: list[cp_model.IntVar] = field(default_factory=list)
    kept: list[cp_model.IntVar] = field(default_factory=list)
    """A direct plan: per date, the money kept back for later dates (solver.kept_back)."""
    guards: dict[str, cp_model.IntVar] = field(default_factory=dict)
    sent: dict[int, list[cp_model.IntVar]] = field(default_factory=dict)
    """Per account with several claims, per day: whether a transfer goes to it, at least the OR of its claims' y (the
    transfers objective keeps it there; as in ``solver.pattern_model``)."""

    def build(self) -> FullModel:
        self._payment_variables()
        self._account_transfers()
        self._capacity()
        for i in range(self.problem.n_claims):
            self._claim_limits(i)
        self._date_limits()
        if not self.explain:
            self._timing()
            if is_direct(self.problem):
                most_paid = [min(self.problem.cumulative_capacity[t], sum(upper_bound(xs[t]) for xs in self.x))
                             for t in range(self.problem.n_days)]
                self.kept = kept_back_variables(self.model, self.problem, self.carry, most_paid)
        return self

    def guard(self, constraint: cp_model.Constraint, item: str) -> None:
        """In explain mode the constraint holds only while its item's literal is assumed."""
        if self.explain:
            if item not in self.guards:
                self.guards[item] = self.model.new_bool_var(item)
            constraint.only_enforce_if(self.guards[item])

    def _most_paid(self, i: int) -> int:
        if self.explain:
            return self.problem.request.claims[i].outstanding_cents
        return self.problem.most_paid(i)

    def moved_objective(self, rows: Sequence[Sequence[int]]) -> cp_model.LinearExprT:
        """A variation's first objective: cents between x and the agreed rows (solver.variation)."""
        terms = []
        for i, row in enumerate(rows):
            for t, agreed in enumerate(row):
                gap = self.model.new_int_var(0, max(agreed, self.problem.cumulative_capacity[t]), f"moved_{i}_{t}")
                self.model.add(gap >= self.x[i][t] - agreed)
                self.model.add(gap >= agreed - self.x[i][t])
                terms.append(gap)
        return cp_model.LinearExpr.sum(terms)

    def _payment_variables(self) -> None:
        p = self.problem
        for i in range(p.n_claims):
            most = self._most_paid(i)
            xs, ys = [], []
            for t in range(p.n_days):
                open_day = self.explain or p.windows[i][t]
                bound = min(most, p.cumulative_capacity[t]) if open_day else 0
                x = self.model.new_int_var(0, bound, f"x_{i}_{t}")
                y = self.model.new_bool_var(f"y_{i}_{t}")
                self.model.add(x <= bound * y)
                self.model.add(x >= y)
                xs.append(x)
                ys.append(y)
            self.x.append(xs)
            self.y.append(ys)
            # A claim's total as one variable: the limits on totals (the rule, a fixed
            # installment) then propagate through the sum that must make up R.
            paid = self.model.new_int_var(0, most, f"paid_{i}")
            self.model.add(paid == sum(xs))
            self.paid.append(paid)

    def _account_transfers(self) -> None:
        """One transfer per (account, day) for the accounts that several claims share; none for the others."""
        p = self.problem
        for account, claims in p.shared_accounts.items():
            row = []
            for t in range(p.n_days):
                sent = self.model.new_bool_var(f"a_{account}_{t}")
                ys = [self.y[i][t] for i in claims]
                for y in ys:
                    self.model.add_implication(y, sent)
                row.append(sent)
            self.sent[account] = row

    def _day_transfers(self, t: int) -> list[cp_model.IntVar]:
        """What the transfer limit counts on day t: a claim's y, or its account's transfer when it shares one."""
        sharing = {i for claims in self.problem.shared_accounts.values() for i in claims}
        own = [self.y[i][t] for i in range(self.problem.n_claims) if i not in sharing]
        return own + [row[t] for row in self.sent.values()]

    def _capacity(self) -> None:
        p = self.problem
        previous = self.model.new_constant(0)
        for t, day in enumerate(p.days):
            carry = self.model.new_int_var(0, p.cumulative_capacity[t], f"carry_{t}")
            spent = cp_model.LinearExpr.sum([self.x[i][t] for i in range(p.n_claims)])
            self.model.add(carry == previous + day.capacity_cents - spent)
            self.carry.append(carry)
            previous = carry
        self.model.add(sum(self.paid) == p.reachable)

    def _claim_limits(self, i: int) -> None:
        p = self.problem
        claim = p.request.claims[i]
        item = f"claims[{claim.id}]"
        minimum_item = (
            f"{item}.min_payment_cents"
            if claim.min_payment_cents is not None
            else "policy.min_payment_cents"
        )
        for t in range(p.n_days):
            x, y = self.x[i][t], self.y[i][t]
            if claim.fixed_installment_cents is not None:  # takes the place of the minimum
                fixed = claim.fixed_installment_cents
                self.guard(self.model.add(x == fixed * y), f"{item}.fixed_installment_cents")
            elif p.minimums[i] > 1:
                self.guard(self.model.add(x >= p.minimums[i] * y), minimum_item)
            if self.explain and not p.windows[i][t]:
                early = claim.earliest_date is not None and p.days[t].date < claim.earliest_date
                field_name = "earliest_date" if early else "latest_end_date"
                self.guard(self.model.add(y == 0), f"{item}.{field_name}")
        if claim.fixed_installment_cents is not None:
            # The same limit on the claim's total: with the count as one integer, CP-SAT sees
            # at once that no number of installments makes up the total, instead of trying
            # every combination of days (seconds, then "no plan in time" without the items).
            count = self.model.new_int_var(0, p.n_days, f"installments_{i}")
            self.model.add(count == sum(self.y[i]))
            self.guard(
                self.model.add(self.paid[i] == claim.fixed_installment_cents * count),
                f"{item}.fixed_installment_cents",
            )
        if claim.max_transfers is not None:
            self.guard(self.model.add(sum(self.y[i]) <= claim.max_transfers), f"{item}.max_transfers")
        paid = self.paid[i]
        self.guard(self.model.add(paid >= p.awards[i] - p.tolerances[i]), "policy.rule")
        self.guard(self.model.add(paid <= self.problem.most_paid(i)), "policy.rule")

    def _date_limits(self) -> None:
        p = self.problem
        limit = p.request.policy.max_transfers_per_date
        if limit is None or limit >= p.n_accounts:
            return
        for t in range(p.n_days):
            transfers = sum(self._day_transfers(t))
            self.guard(self.model.add(transfers <= limit), "policy.max_transfers_per_date")

    def _timing(self) -> None:
        """Per claim, the largest gap (whole percent of its award) between what it has by a
        day and its target share of the award; the award stands in for the unknown total."""
        p = self.problem
        for i in range(p.n_claims):
            award = p.awards[i]
            if award == 0:
                continue
            span = p.share_denominators[i]
            most = self._most_paid(i)
            # A claim whose minimum payment is above its award is paid more than its award,
            # so its gap can pass 100% of the award.
            z = self.model.new_int_var(0, -(-PERCENT * max(most, award) // award), f"timing_{i}")
            received = self.model.new_constant(0)
            for t in range(p.n_days):
                cumulative = self.model.new_int_var(0, most, f"c_{i}_{t}")
                self.model.add(cumulative == received + self.x[i][t])
                received = cumulative
                target = award * p.share_numerators[i][t] // span
                self.model.add(PERCENT * (cumulative - target) <= award * z)
                self.model.add(PERCENT * (target - cumulative) <= award * z)
            self.deviation.append(z)

    def timing_objective(self) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.sum(self.deviation)

    def transfers_objective(self) -> cp_model.LinearExprT:
        if not self.sent:
            return sum(y for ys in self.y for y in ys)
        return sum(transfer for t in range(self.problem.n_days) for transfer in self._day_transfers(t))

    def lateness_objective(self) -> cp_model.LinearExprT:
        return sum(self.carry)

    def later_objective(self) -> cp_model.LinearExprT:
        """After timing and transfers: lateness, in a direct plan after the money kept back (folded exactly). Should
        that fold not fit in exact integers, the money kept back alone: it never exceeds the lateness (money in hand)
        and equals it in a settlement, where nothing is left at the end."""
        if not self.kept:
            return self.lateness_objective()
        kept_range = sum(upper_bound(var) for var in self.kept)
        lateness_range = sum(self.problem.cumulative_capacity)
        if not fold_fits(kept_range, lateness_range):
            return sum(self.kept)
        return cp_model.LinearExpr.weighted_sum([sum(self.kept), self.lateness_objective()], [lateness_range + 1, 1])

    def hint(self, amounts: Sequence[Sequence[int]]) -> None:
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for i, row in enumerate(amounts):
            for t, amount in enumerate(row):
                self.model.add_hint(self.x[i][t], amount)
                self.model.add_hint(self.y[i][t], amount > 0)
        for account, sent_row in self.sent.items():
            claims = self.problem.shared_accounts[account]
            for t, sent in enumerate(sent_row):
                self.model.add_hint(sent, any(amounts[i][t] > 0 for i in claims))

    def amounts(self, solver: cp_model.CpSolver) -> list[list[int]]:
        return [[int(solver.value(x)) for x in xs] for xs in self.x]
