"""One leader per scope: the advisory lock is held by one session, and is free the moment it ends."""

from __future__ import annotations

import time

import pytest

from launchpad.db.repository.telemetry.leader import still_leading, try_lead
from tests.db.telemetry_seed import collector

pytestmark = pytest.mark.postgres


def test_one_session_leads_a_scope_and_the_lock_is_free_once_it_ends(any_migrated_url: str) -> None:
    with collector(any_migrated_url) as second, collector(any_migrated_url) as other_scope:
        with collector(any_migrated_url) as first:
            assert try_lead(first, "dev") and still_leading(first, "dev")
            assert not try_lead(second, "dev") and not still_leading(second, "dev")
            assert try_lead(other_scope, "shard-1")  # another scope has its own leader
        # the first session closed: no lease to wait out, only its backend's exit (milliseconds)
        deadline = time.monotonic() + 2
        while not try_lead(second, "dev") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert still_leading(second, "dev")
