"""Which code does the work of each kind of job.

A handler is `async (services, job) -> result`: it runs inside the job's transaction on
`services.session`, may read and write through it, and must not commit: the runner commits
the handler's writes and the job's success together, once.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # the services import this package (to enqueue): no import of them at run time
    from debt_coord.models import Job
    from debt_coord.services.context import Services

Handler: TypeAlias = "Callable[[Services, Job], Awaitable[dict[str, Any]]]"

_LAZY: dict[str, str] = {
    # Imported on first use: the services import this package to enqueue jobs.
    "solve_plan": "debt_coord.services.plans:solve_plan_job",
}
_LOADED: dict[str, Handler] = {}


class UnknownJobKindError(LookupError):
    pass


def register(kind: str, handler: Handler | str) -> None:
    """Name the handler of `kind`: a callable, or 'module:function' imported on first use."""
    _LOADED.pop(kind, None)
    if isinstance(handler, str):
        _LAZY[kind] = handler
    else:
        _LAZY.pop(kind, None)
        _LOADED[kind] = handler


def kinds() -> set[str]:
    return set(_LAZY) | set(_LOADED)


def handler_for(kind: str) -> Handler:
    if kind in _LOADED:
        return _LOADED[kind]
    if kind not in _LAZY:
        raise UnknownJobKindError(kind)
    module_name, _, name = _LAZY[kind].partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), name)
    _LOADED[kind] = handler
    return handler


def preload() -> None:
    """Import every handler now: a worker does this before it forks its pool, so no job pays for the imports."""
    for kind in list(_LAZY):
        handler_for(kind)
