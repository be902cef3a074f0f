"""The debtor's one combined schedule, from a plan version's request and proposal.

Pure arithmetic over integer cents: per payment date the total and the transfers in it, per
creditor what is left after each of its payments, and the total debt after each date. Every
figure is a sum of the proposal's payments, so the totals add up by construction; the checks
at the end make a broken proposal fail loudly instead of showing a debtor wrong numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from debt_coord.planning.accounts import remittance
from debt_coord.planning.variations import Carried, ClaimThen
from solver.calendar import income_events, payment_day_for, payment_days
from solver.metrics import kept_back
from solver.models import PlanProposal, PlanRequest
from solver.variation import IN_HAND


@dataclass(frozen=True)
class Payee:
    """Where one claim is paid: the creditor's account and the reference it asked for."""

    iban: str | None
    payment_reference: str | None


@dataclass(frozen=True)
class Transfer:
    """One bank transfer on a payment date."""

    claim_id: str
    creditor_id: str
    creditor: str
    amount_cents: int
    iban: str | None
    payment_reference: str | None
    creditor_left_cents: int
    """What is left of this creditor's whole debt (all its claims) after this date's transfers."""
    account: str | None = None
    """The account the plan pays it to (``solver.models.ClaimIn.account``): a creditor's claims with the same one
    travel as one bank transfer on a date."""


def together(group: Sequence[Transfer]) -> Transfer:
    """One bank transfer for claims travelling together (``PaymentDate.bank_transfers``): their sum with every
    reference; a claim alone is its own transfer."""
    if len(group) == 1:
        return group[0]
    return replace(group[0], claim_id="", amount_cents=sum(x.amount_cents for x in group),
                   payment_reference=remittance([x.payment_reference or "" for x in group]))


@dataclass(frozen=True)
class PaymentDate:
    number: int
    """1 for the first payment date of the plan, 2 for the second, ..."""
    date: dt.date
    total_cents: int
    transfers: tuple[Transfer, ...]
    after_income: tuple[str, ...]
    """The income (labels) whose arrival makes this payment possible, when the plan's calendar knows it."""
    left_cents: int
    """The total debt left after this date's transfers."""
    keep_cents: int = 0
    """Of the money in hand after this date's transfers, what a later date needs: the debtor puts it aside."""
    keep_for: dt.date | None = None
    """The later payment date that needs it."""

    def bank_transfers(self) -> tuple[tuple[Transfer, ...], ...]:
        """The transfers the debtor makes on this date: the claims' transfers to the same account as one."""
        groups: dict[object, list[Transfer]] = {}
        for index, transfer in enumerate(self.transfers):
            groups.setdefault(transfer.account or index, []).append(transfer)
        return tuple(tuple(group) for group in groups.values())


@dataclass(frozen=True)
class Deposit:
    """Via the counsellor: one transfer from the debtor into the organisation's account, on a day money comes in."""

    number: int
    """1 for the first deposit of the plan, 2 for the second, ..."""
    date: dt.date
    amount_cents: int
    after_income: tuple[str, ...]
    """The income whose arrival this deposit follows."""


@dataclass(frozen=True)
class CreditorPoint:
    date: dt.date
    paid_cents: int
    left_cents: int


@dataclass(frozen=True)
class CreditorBalance:
    creditor_id: str
    creditor: str
    owed_cents: int
    paid_cents: int
    left_cents: int
    """What the plan leaves of this debt after its last payment."""
    after_each_payment: tuple[CreditorPoint, ...]


@dataclass(frozen=True)
class CombinedSchedule:
    currency: str
    start_date: dt.date
    term_end: dt.date
    """The last day of the plan's term."""
    owed_cents: int
    paid_cents: int
    left_cents: int
    dates: tuple[PaymentDate, ...]
    """Directly: the debtor's transfers. Via the counsellor: the organisation's distributions to the creditors."""
    creditors: tuple[CreditorBalance, ...]
    via_counsellor: bool = False
    """The debtor pays the counselling organisation, which pays the creditors (the plan has payout days)."""
    deposits: tuple[Deposit, ...] = ()
    """Via the counsellor: what the debtor pays into the organisation's account (empty when paying directly)."""

    def next_deposit(self, today: dt.date) -> Deposit | None:
        """The first deposit on or after `today`; None when every deposit date has passed."""
        return next((d for d in self.deposits if d.date >= today), None)

    @property
    def last_payment_date(self) -> dt.date | None:
        return self.dates[-1].date if self.dates else None

    def next_date(self, today: dt.date) -> PaymentDate | None:
        """The first payment date on or after `today`; None when every payment date has passed."""
        return next((d for d in self.dates if d.date >= today), None)


def combined_schedule(
    request: PlanRequest,
    proposal: PlanProposal,
    owners: Mapping[str, str],
    payees: Mapping[str, Payee],
    carried: Carried | None = None,
) -> CombinedSchedule:
    """The schedule a debtor follows. `owners` maps each claim to its creditor organisation; a creditor
    holding several claims is one balance; each claim is its own transfer, except that claims sharing an account in
    the request travel together (``PaymentDate.bank_transfers``).
    A variation's schedule is the plan as it runs: what it `carried` over from the agreed plan, then its own."""
    whole = _claims_then(request, owners, carried)
    account_of = {claim.id: claim.account for claim in request.claims}
    order = {claim_id: i for i, claim_id in enumerate(whole)}
    creditor_of = {claim_id: then.organisation_id for claim_id, then in whole.items()}
    names: dict[str, str] = {}
    owed: dict[str, int] = {}
    for then in whole.values():
        names.setdefault(then.organisation_id, then.creditor)
        owed[then.organisation_id] = owed.get(then.organisation_id, 0) + then.owed_cents

    payments = [*(carried.payments if carried is not None else ()), *proposal.payments]
    unknown = sorted({p.claim_id for p in payments} - set(whole))
    if unknown:
        raise ValueError(f"the proposal pays claims that are not in its request: {', '.join(unknown)}")
    incomes = {day.date: day.income_ids for day in payment_days(request)}

    by_date: dict[dt.date, list[tuple[str, int]]] = {}
    for payment in payments:
        by_date.setdefault(payment.date, []).append((payment.claim_id, payment.amount_cents))

    # From the dates' money in and out (plans stored before the proposal said what is kept back have them too).
    # Via the counsellor the organisation holds what waits for a later date: the debtor puts nothing aside.
    via = request.policy.payout_day_of_month is not None
    keep = {} if via else kept_back([(d.date, d.capacity_cents, d.used_cents)
                                     for d in sorted(proposal.dates, key=lambda d: d.date)])
    left = dict(owed)
    total_left = sum(owed.values())
    points: dict[str, list[CreditorPoint]] = {creditor: [] for creditor in owed}
    dates: list[PaymentDate] = []
    for number, day in enumerate(sorted(by_date), start=1):
        lines = sorted(by_date[day], key=lambda line: order[line[0]])
        paid_today: dict[str, int] = {}
        for claim_id, amount in lines:
            creditor = creditor_of[claim_id]
            paid_today[creditor] = paid_today.get(creditor, 0) + amount
        for creditor, amount in paid_today.items():
            left[creditor] -= amount
            points[creditor].append(CreditorPoint(day, amount, left[creditor]))
        total = sum(paid_today.values())
        total_left -= total
        transfers = tuple(
            Transfer(
                claim_id=claim_id, creditor_id=creditor_of[claim_id], creditor=whole[claim_id].creditor,
                amount_cents=amount, iban=payees[claim_id].iban if claim_id in payees else None,
                payment_reference=payees[claim_id].payment_reference if claim_id in payees else None,
                creditor_left_cents=left[creditor_of[claim_id]], account=account_of.get(claim_id),
            )
            for claim_id, amount in lines
        )
        keep_cents, keep_for = keep.get(day, (0, None))
        dates.append(PaymentDate(number, day, total, transfers, incomes.get(day, ()), total_left, keep_cents, keep_for))

    balances = tuple(
        CreditorBalance(creditor, names[creditor], owed[creditor], owed[creditor] - left[creditor], left[creditor],
                        tuple(points[creditor]))
        for creditor in owed
    )
    schedule = CombinedSchedule(
        currency=request.currency, start_date=request.start_date,
        term_end=request.end_date - dt.timedelta(days=1),
        owed_cents=sum(owed.values()), paid_cents=sum(d.total_cents for d in dates), left_cents=total_left,
        dates=tuple(dates), creditors=balances, via_counsellor=via,
        deposits=_with_carried(deposits(request, proposal), carried) if via else (),
    )
    _check(schedule, proposal, carried)
    return schedule


def _claims_then(request: PlanRequest, owners: Mapping[str, str], carried: Carried | None) -> dict[str, ClaimThen]:
    """Every claim of the plan as a whole, in the request's order (a variation's claims paid in full before it
    first): its creditor, and all it is owed in the plan (a variation's claims owe the rest, received the start)."""
    whole = dict(carried.claims) if carried is not None else {}
    for claim in request.claims:
        whole[claim.id] = ClaimThen(claim.creditor, owners.get(claim.id, claim.id),
                                    claim.outstanding_cents + claim.received_cents)
    return whole


def _with_carried(own: Sequence[Deposit], carried: Carried | None) -> tuple[Deposit, ...]:
    """A variation's deposits: those carried over from the agreed plan, then its own, numbered again."""
    days: list[tuple[dt.date, int, tuple[str, ...]]] = [(day, cents, ()) for day, cents in
                                                        (carried.deposits if carried else ())]
    days += [(d.date, d.amount_cents, d.after_income) for d in own]
    return tuple(Deposit(n, day, cents, after) for n, (day, cents, after) in enumerate(sorted(days), start=1))


def deposits(request: PlanRequest, proposal: PlanProposal) -> tuple[Deposit, ...]:
    """Via the counsellor: the debtor's transfers into the organisation's account, one per day money comes in.

    The day is the income's date plus the plan's lag, a bank day (where the direct route would pay the creditors).
    Each deposit is the money available on that day, in date order, until the deposits reach what the plan pays in
    total: the deposit that reaches it is cut down and later days get none, so the debtor never pays in more than
    the creditors will receive. The organisation pays a creditor on a payout day only from money that came in before
    it (solver.calendar.payout_day), and the plan never pays more than came in by then, so the deposits made before
    each payout day cover everything paid out up to and including it.
    """
    policy = request.policy
    came_in: dict[dt.date, tuple[int, list[str]]] = {}
    in_hand = 0  # a variation's money held already: in the reserve, not deposited again
    for event in income_events(request):
        if event.income_id == IN_HAND:
            in_hand += event.available_cents
            continue
        day = payment_day_for(event.date, policy.payment_lag_days, policy.holidays)
        cents, ids = came_in.get(day, (0, []))
        came_in[day] = (cents + event.available_cents, ids if event.income_id in ids else [*ids, event.income_id])
    still_to_pay = proposal.metrics.total_paid_cents - in_hand
    found: list[Deposit] = []
    for day in sorted(came_in):
        cents, ids = came_in[day]
        amount = min(cents, still_to_pay)
        if amount <= 0:
            continue
        still_to_pay -= amount
        found.append(Deposit(len(found) + 1, day, amount, tuple(ids)))
    if still_to_pay > 0:
        raise ValueError(f"the plan pays {still_to_pay} cents more than the income it was planned from")
    return tuple(found)


def _check(schedule: CombinedSchedule, proposal: PlanProposal, carried: Carried | None) -> None:
    """The sums a debtor could redo on paper must hold; a proposal that breaks them is not shown."""
    before = carried.counted if carried is not None else {}
    if schedule.paid_cents != proposal.metrics.total_paid_cents + sum(before.values()):
        raise ValueError(f"the payments add up to {schedule.paid_cents} cents, the proposal says "
                         f"{proposal.metrics.total_paid_cents} and {sum(before.values())} before it")
    paid = {r.claim_id: r.paid_cents for r in proposal.claims}
    paid = {claim: paid.get(claim, 0) + before.get(claim, 0) for claim in {*paid, *before}}
    for claim_id, cents in _sum_by_claim(schedule.dates).items():
        if paid.get(claim_id, 0) != cents:
            raise ValueError(f"claim {claim_id} gets {cents} cents in payments, the proposal says {paid.get(claim_id)}")
    for balance in schedule.creditors:
        if balance.left_cents < 0:
            raise ValueError(f"{balance.creditor} would be paid more than it is owed")
    if schedule.owed_cents - schedule.paid_cents != schedule.left_cents:
        raise ValueError("owed minus paid is not what is left")


def _sum_by_claim(dates: Sequence[PaymentDate]) -> dict[str, int]:
    sums: dict[str, int] = {}
    for date in dates:
        for transfer in date.transfers:
            sums[transfer.claim_id] = sums.get(transfer.claim_id, 0) + transfer.amount_cents
    return sums
