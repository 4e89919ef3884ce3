"""Fixtures of the helpers tests: every test starts with a fresh data policy state."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpers.data.policy import PolicyState, use_state


@pytest.fixture(autouse=True)
def policy_state() -> Iterator[PolicyState]:
    """A fresh policy state for the test (no banner shown, nothing unreachable), the previous one restored after."""
    with use_state() as fresh:
        yield fresh
