"""The position of a client in the live streams, as its events' `id` (and so its Last-Event-ID):
`status:<n>,logs:<n>,metrics:<n>,alerts:<n>,agents:<n>,operations:<n>,opevents:<n>`, each the last row of that
stream it has been sent (the collector's streams' `seq`, supabase/migrations/20261207400000_observed_health.sql;
the control plane's commit-ordered positions, launchpad/db/repository/changes.py)."""

from __future__ import annotations

from launchpad.db.repository.telemetry.reads import STREAMS
from services.api.errors import Detail, validation_error

Cursor = dict[str, int]


def encode(cursor: Cursor) -> str:
    return ",".join(f"{stream}:{cursor[stream]}" for stream in STREAMS)


def decode(text: str) -> Cursor:
    cursor: Cursor = {}
    for part in text.split(","):
        stream, _, value = part.strip().partition(":")
        if stream not in STREAMS or not value.isdigit() or stream in cursor:
            raise validation_error([Detail(None, "an event id this API sent (" + ",".join(f"{s}:<n>" for s in STREAMS)
                                                 + ")", "Last-Event-ID")])  # fmt: skip
        cursor[stream] = int(value)
    if set(cursor) != set(STREAMS):
        raise validation_error([Detail(None, f"every stream's position ({', '.join(STREAMS)})",
                                       "Last-Event-ID")])  # fmt: skip
    return cursor
