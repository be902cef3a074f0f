"""Who is acting: the authenticated API key, or the system itself (CLI, seeding, workers)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from debt_coord.kernel.errors import ForbiddenError, Refusal


@dataclass(frozen=True)
class Actor:
    organisation_id: uuid.UUID
    role: Role
    name: str
    api_key_id: uuid.UUID | None = None

    @property
    def is_counsellor(self) -> bool:
        return self.role is Role.COUNSELLOR

    @property
    def is_creditor(self) -> bool:
        return self.role is Role.CREDITOR


class Role(StrEnum):
    ADMIN = "admin"
    COUNSELLOR = "counsellor"
    CREDITOR = "creditor"


def require_role(actor: Actor, allowed: bool, action: str) -> None:
    if not allowed:
        raise ForbiddenError(f"A {actor.role.value} key may not {action}.", code=Refusal.ROLE_NOT_ALLOWED,
                             facts={"role": actor.role.value})
