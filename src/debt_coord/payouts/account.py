"""A counselling organisation's payout account: the IBAN debtors pay into and payout runs pay from, and its day."""

from __future__ import annotations

from dataclasses import dataclass

from schwifty import BIC
from schwifty.exceptions import SchwiftyException

from debt_coord.kernel.uow import UnitOfWork
from debt_coord.kernel.validation import normalise_iban
from debt_coord.organisations.service import counselling_organisation


@dataclass(frozen=True)
class PayoutAccount:
    iban: str
    bic: str | None
    day_of_month: int

    @classmethod
    def checked(cls, iban: str, bic: str | None, day_of_month: int) -> PayoutAccount:
        """The account in compact form; ValueError saying what is wrong."""
        compact = normalise_iban(iban)
        if bic is not None:
            try:
                bic = str(BIC(bic).compact)
            except SchwiftyException as error:
                raise ValueError(f"not a valid BIC: {error}") from None
        if not 1 <= day_of_month <= 28:
            raise ValueError(f"the payout day is a day of the month from 1 to 28 (every month has it), not "
                             f"{day_of_month}")
        return cls(compact, bic, day_of_month)


async def set_payout_account(uow: UnitOfWork, organisation_name: str, account: PayoutAccount) -> str:
    """Set it on the counselling organisation of that name and commit; what was set, in words."""
    organisation = await counselling_organisation(uow.session, organisation_name,
                                                  "pays creditors on behalf of debtors")
    organisation.payout_iban, organisation.payout_bic = account.iban, account.bic
    organisation.payout_day_of_month = account.day_of_month
    await uow.commit()
    return (f"{organisation_name}: payout account {account.iban}{f' ({account.bic})' if account.bic else ''}, "
            f"payout runs monthly on the first bank day on or after day {account.day_of_month}")
