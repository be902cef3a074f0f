"""The payouts tests' world: the usual organisations, the counselling one with a payout account."""

from __future__ import annotations

import pytest

from tests.payouts.flow import set_payout_account_of
from tests.support import World, build_world


@pytest.fixture
def world(database_url: str) -> World:
    built = build_world(database_url)
    set_payout_account_of(database_url)
    return built
