"""What the registry's dynamic providers (components/providers/registry.py) do: upsert a stack's agents' rows,
delete the rows of agents that left the fleet, over launchpad.db.repository. Records arrive in the engine's
wire form."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from contextlib import AbstractContextManager
from typing import Any

from launchpad.db.errors import MigrationError
from launchpad.db.repository.record import AgentRecord, SecretLocation
from launchpad.providers import host
from launchpad.providers.wire import plain, secret

__all__ = ["no_traceback", "plain", "record_digest", "register_records", "secret", "unregister_keys"]


def no_traceback() -> AbstractContextManager[None]:
    """A registry error (a MigrationError) reaches the user as its type and message (launchpad.providers.host)."""
    return host.no_traceback(MigrationError)


def record_from(data: dict[str, Any]) -> AgentRecord:
    # Pulumi drops null properties on the way through the engine: a record without a tenant arrives with
    # no `tenant` key at all, so absent optional fields come back as None.
    fields: dict[str, Any] = {f.name: None for f in dataclasses.fields(AgentRecord)}
    fields.update(data)
    fields["secrets"] = [SecretLocation(**s) for s in fields.get("secrets") or []]
    return AgentRecord(**fields)


def record_digest(record: dict[str, Any]) -> str:
    """Short digest of a record as the engine hands it over: what the registry keeps in the state instead
    of the record (the record itself is in the resource's inputs)."""
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]


def register_records(url: Any, records: list[dict[str, Any]], create_owner: bool = False) -> None:
    from launchpad.db.repository.registry import register_all

    register_all(str(plain(url)), [record_from(r) for r in records], create_owner=create_owner)


def unregister_keys(url: Any, keys: list[tuple[str, str]]) -> None:
    from launchpad.db.repository.registry import unregister_all

    unregister_all(str(plain(url)), keys)
