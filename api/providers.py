"""Dependency providers: a unit of work per request, and any area's service on it."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, TypeVar

from litestar.datastructures import State
from litestar.di import Provide

from debt_coord.kernel.service import Service
from debt_coord.kernel.uow import UnitOfWork

S = TypeVar("S", bound=Service[Any])


async def provide_uow(state: State) -> AsyncGenerator[UnitOfWork, None]:
    """The request's unit of work: its use case commits; whatever it did not commit is rolled back."""
    async with state.units() as uow:
        yield uow


def service(kind: type[S]) -> Provide:
    """`kind` on the request's unit of work."""

    def provide(uow: UnitOfWork) -> Any:
        return kind(uow)

    return Provide(provide, sync_to_thread=False)
