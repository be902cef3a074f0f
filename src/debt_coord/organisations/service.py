"""Organisations and their API keys. Keys are random, shown once, stored as SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.kernel.actors import Role
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.kernel.service import Service
from debt_coord.kernel.validation import normalise_phone
from debt_coord.organisations.models import ApiKey, Organisation, OrganisationKind

KEY_PREFIX = "dck_"
_ROLE_FOR_KIND = {
    OrganisationKind.COUNSELLING: {Role.COUNSELLOR},
    OrganisationKind.CREDITOR: {Role.CREDITOR},
    OrganisationKind.PLATFORM: {Role.ADMIN},
}


async def counselling_organisation(session: AsyncSession, name: str, purpose: str) -> Organisation:
    """The counselling organisation of that name (the commands name organisations), for `purpose`: what only a
    counselling organisation does, in words ("has workspace users")."""
    organisation = (await session.execute(select(Organisation).where(Organisation.name == name))).scalar_one_or_none()
    if organisation is None:
        raise NotFoundError(f"no organisation named {name!r}; create it with `debt-coord orgs create`")
    if organisation.kind is not OrganisationKind.COUNSELLING:
        raise InvalidInputError(f"{name!r} is {_a(organisation.kind.value)} organisation; only a counselling "
                                f"organisation {purpose}", [FieldError("/org", f"{_a(organisation.kind.value)} "
                                                                               "organisation")])
    return organisation


def _a(word: str) -> str:
    """The word with its indefinite article: 'an admin', 'a creditor'."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def hash_key(plain_key: str) -> str:
    # Keys carry 256 random bits, so a plain SHA-256 cannot be brute-forced; no slow hash needed.
    return hashlib.sha256(plain_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    plain_key: str


class OrganisationService(Service[Organisation]):
    class Repo(SQLAlchemyAsyncRepository[Organisation]):
        model_type = Organisation

    repository_type = Repo

    async def register(self, name: str, kind: OrganisationKind, contact_email: str | None = None,
                       contact_phone: str | None = None) -> Organisation:
        if contact_phone is not None:
            try:
                contact_phone = normalise_phone(contact_phone)
            except ValueError as error:
                raise InvalidInputError(f"The phone number {contact_phone!r} is not valid.",
                                        [FieldError("/contact_phone", str(error))]) from None
        if await self.get_one_or_none(name=name) is not None:
            raise ConflictError(f"An organisation named {name!r} already exists.",
                                [FieldError("/name", "already in use")])
        organisation = await self.create(Organisation(
            name=name, kind=kind, contact_email=contact_email, contact_phone=contact_phone,
        ))
        await self.uow.commit()
        return organisation

    async def listed(self, page: PageRequest, kind: OrganisationKind | None = None) -> Page[Organisation]:
        """A page of the organisations (of one kind) by name."""
        query = select(Organisation) if kind is None else select(Organisation).where(Organisation.kind == kind)
        return await fetch_page(self.session, query, (Organisation.name, Organisation.id), page)

    async def find(self, organisation_id: uuid.UUID) -> Organisation:
        organisation = await self.get_one_or_none(id=organisation_id)
        if organisation is None:
            raise NotFoundError(f"No organisation {organisation_id}.")
        return organisation


class ApiKeyService(Service[ApiKey]):
    class Repo(SQLAlchemyAsyncRepository[ApiKey]):
        model_type = ApiKey

    repository_type = Repo

    async def issue(self, organisation: Organisation, role: Role, label: str = "") -> IssuedKey:
        if role not in _ROLE_FOR_KIND[organisation.kind]:
            raise InvalidInputError(
                f"{_a(organisation.kind.value).capitalize()} organisation cannot hold {_a(role.value)} key.",
                [FieldError("/role", f"not a role for {_a(organisation.kind.value)} organisation")],
            )
        plain = KEY_PREFIX + secrets.token_urlsafe(32)
        key = await self.create(ApiKey(
            organisation_id=organisation.id, role=role, label=label,
            prefix=plain[:12], key_hash=hash_key(plain),
        ))
        await self.uow.commit()
        return IssuedKey(key=key, plain_key=plain)

    async def authenticate(self, plain_key: str) -> tuple[ApiKey, Organisation] | None:
        """The live key and its organisation, or None for an unknown or revoked key."""
        query = (
            select(ApiKey, Organisation)
            .join(Organisation, Organisation.id == ApiKey.organisation_id)
            .where(ApiKey.key_hash == hash_key(plain_key), ApiKey.revoked_at.is_(None))
        )
        row = (await self.session.execute(query)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def listed(self, page: PageRequest) -> Page[ApiKey]:
        """A page of every key, live and revoked, in the order issued."""
        return await fetch_page(self.session, select(ApiKey), (ApiKey.created_at, ApiKey.id), page)

    async def revoke(self, key_id: uuid.UUID) -> ApiKey:
        key = await self.get_one_or_none(id=key_id)
        if key is None:
            raise NotFoundError(f"No API key {key_id}.")
        if key.revoked_at is None:
            key = await self.update({"revoked_at": dt.datetime.now(dt.UTC)}, item_id=key_id)
            await self.uow.commit()
        return key
