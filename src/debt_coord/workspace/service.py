"""Workspace users: made by an operator (`debt-coord users create`), who then set their own password with a
one-time link, and sign in with e-mail and password.

Passwords are hashed with argon2 (argon2-cffi's defaults, RFC 9106). The set-password token is designed as the
other tokens are: long and random, shown once, only its SHA-256 stored, expiring. Signing in takes as long for
an unknown address as for a wrong password (a dummy hash is checked), so the answer does not tell which
addresses exist; five failures in a row lock the account for fifteen minutes, and a locked account is not
even checked.

An operator can send a new set-password link (`users reset`: any earlier unused link stops working, the password
keeps working until the new link is used) and disable or enable a user. A new password and disabling raise the
account's `session_epoch`: every session remembers the epoch it was opened with, so the open sessions end at once
(api/workspace/session.py compares it on every request). A disabled user signs in as an unknown address does.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from dataclasses import dataclass

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, select

from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from debt_coord.kernel.service import Service
from debt_coord.organisations.models import Organisation
from debt_coord.organisations.service import counselling_organisation, hash_key
from debt_coord.workspace.models import WorkspaceAccount

TOKEN_PREFIX = "pwd_"
SET_PASSWORD_VALID = dt.timedelta(days=7)
MAX_FAILURES = 5
LOCKED_FOR = dt.timedelta(minutes=15)
MIN_PASSWORD = 12
MAX_PASSWORD = 256
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Invitation:
    account: WorkspaceAccount
    token: str
    """Shown once (in the set-password link); only its hash is stored."""


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the account and its organisation, or why not."""

    account: WorkspaceAccount | None
    organisation: Organisation | None = None
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.account is not None


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInputError(f"{value!r} is not an e-mail address.", [FieldError("/email", "not an e-mail address")])
    return email


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WorkspaceAccountService(Service[WorkspaceAccount]):
    class Repo(SQLAlchemyAsyncRepository[WorkspaceAccount]):
        model_type = WorkspaceAccount

    repository_type = Repo

    async def invite(self, organisation_name: str, email: str) -> Invitation:
        """A user of a counselling organisation, with a one-time set-password token."""
        address = normalise_email(email)
        organisation = await self._organisation(organisation_name)
        if await self.get_one_or_none(email=address) is not None:
            raise ConflictError(f"A user {address} already exists.", [FieldError("/email", "already in use")])
        account = WorkspaceAccount(organisation_id=organisation.id, email=address)
        token = _new_token(account)
        self.session.add(account)
        await self.session.flush()
        await self.uow.commit()
        return Invitation(account, token)

    async def reset(self, email: str) -> Invitation:
        """A new one-time set-password token for an existing user; an earlier unused one stops working. The password
        (if any) keeps working until the new token is used."""
        account = await self._by_email(email)
        token = _new_token(account)
        await self.uow.commit()
        return Invitation(account, token)

    async def set_enabled(self, email: str, enabled: bool) -> WorkspaceAccount:
        """Disable (the user cannot sign in, and its open sessions end) or enable a user again."""
        account = await self._by_email(email)
        if not enabled and account.disabled_at is None:
            account.disabled_at = _now()
            account.session_epoch += 1
        elif enabled:
            account.disabled_at = None
        await self.uow.commit()
        return account

    async def accounts(self, organisation_name: str) -> list[WorkspaceAccount]:
        """The users of an organisation, by e-mail address."""
        organisation = await self._organisation(organisation_name)
        found = await self.session.execute(select(WorkspaceAccount)
                                           .where(WorkspaceAccount.organisation_id == organisation.id)
                                           .order_by(WorkspaceAccount.email))
        return list(found.scalars())

    async def _organisation(self, name: str) -> Organisation:
        return await counselling_organisation(self.session, name, "has workspace users")

    async def _by_email(self, email: str) -> WorkspaceAccount:
        address = normalise_email(email)
        account = await self.get_one_or_none(email=address)
        if account is None:
            raise NotFoundError(f"No workspace user {address}.")
        return account

    async def invitation(self, token: str) -> WorkspaceAccount | None:
        """The account a live set-password token is for, or None (unknown, used or expired)."""
        account = await self.get_one_or_none(set_password_token_hash=hash_key(token.strip()))
        if account is None or account.set_password_expires_at is None or account.set_password_expires_at <= _now():
            return None
        return account

    async def set_password(self, token: str, password: str) -> WorkspaceAccount:
        """Sets the password with a one-time token; the token is used up, and a lock is lifted."""
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInputError(f"A password has {MIN_PASSWORD} to {MAX_PASSWORD} characters.",
                                    [FieldError("/password", f"at least {MIN_PASSWORD} characters")])
        account = await self.invitation(token)
        if account is None:
            raise NotFoundError("This set-password link does not work (any more): unknown, used or expired.")
        account.password_hash = _HASHER.hash(password)
        account.set_password_token_hash = None
        account.set_password_expires_at = None
        account.failed_sign_ins = 0
        account.locked_until = None
        account.session_epoch += 1  # a new password ends every session opened with the old one
        await self.uow.commit()
        return account

    async def sign_in(self, email: str, password: str) -> SignIn:
        """Checks e-mail and password, counting failures (the count is committed, so the answer is a value)."""
        found = (await self.session.execute(
            _with_organisation()
            .where(WorkspaceAccount.email == email.strip().lower()))).one_or_none()
        account, organisation = (None, None) if found is None else (found[0], found[1])
        if account is None or account.password_hash is None or account.disabled_at is not None:
            _verify(_DUMMY_HASH, password)  # as long as a real check: the answer's time does not tell
            return SignIn(None)
        now = _now()
        if account.locked_until is not None and account.locked_until > now:
            return SignIn(None, locked_until=account.locked_until)
        password_hash = account.password_hash
        if not _verify(password_hash, password):
            account.failed_sign_ins += 1
            account.locked_until = None  # an earlier lock is over
            if account.failed_sign_ins >= MAX_FAILURES:
                account.failed_sign_ins, account.locked_until = 0, now + LOCKED_FOR
            await self.uow.commit()
            return SignIn(None, locked_until=account.locked_until)
        account.failed_sign_ins, account.locked_until, account.last_sign_in_at = 0, None, now
        if _HASHER.check_needs_rehash(password_hash):
            account.password_hash = _HASHER.hash(password)
        await self.uow.commit()
        return SignIn(account, organisation)

    async def signed_in(self, account_id: uuid.UUID) -> tuple[WorkspaceAccount, Organisation] | None:
        """A session's account and its organisation, or None when it is gone."""
        row = (await self.session.execute(
            _with_organisation()
            .where(WorkspaceAccount.id == account_id))).one_or_none()
        return None if row is None else (row[0], row[1])


def _new_token(account: WorkspaceAccount) -> str:
    """A fresh one-time set-password token for `account` (replacing any earlier one); only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    account.set_password_token_hash = hash_key(token)
    account.set_password_expires_at = _now() + SET_PASSWORD_VALID
    return token


def _with_organisation() -> Select[WorkspaceAccount, Organisation]:
    return select(WorkspaceAccount, Organisation).join(Organisation,
                                                       Organisation.id == WorkspaceAccount.organisation_id)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
