"""`debt-coord`: database, organisations and keys, demo data, solving. (`serve` is added by api.cli.)

Each command's module is imported only when that command runs (or when ``--help`` lists
them): `debt-coord solve` needs the solver, not the service stack (SQLAlchemy, Alembic, the
services), whose imports took about as long as a small solve.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click


class LazyGroup(click.Group):
    """A click group whose commands are named here and imported on first use."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})
        """Command name -> "module:attribute" of its click command."""

    def add_lazy_command(self, name: str, target: str) -> None:
        self.lazy_commands[name] = target

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module_name, attribute = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    lazy_commands={
        "db": "debt_coord.service_commands:db",
        "orgs": "debt_coord.service_commands:orgs",
        "keys": "debt_coord.service_commands:keys",
        "seed-demo": "debt_coord.service_commands:seed_demo_command",
        "worker": "debt_coord.worker_command:worker",
        "solve": "debt_coord.solve_command:solve",
        "messages": "debt_coord.messages.preview_command:messages",
        "users": "debt_coord.workspace.users_command:users",
    },
)
def main() -> None:
    """debt-coord: one debtor, many creditors, one plan."""


if __name__ == "__main__":
    sys.exit(main())
