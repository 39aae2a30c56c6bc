"""Reading an operation and its events as the user: row-level security shows only their own."""

from __future__ import annotations

import uuid

from launchpad.db.repository import operations as ops
from services.api.auth.principal import Principal
from services.api.database import Database
from services.api.errors import ApiError
from services.api.operations import models


def _not_found(operation_id: str) -> ApiError:
    return ApiError(404, "OPERATION_NOT_FOUND", f"no operation {operation_id}")


def get_operation(db: Database, who: Principal, operation_id: str) -> models.Operation:
    try:
        uuid.UUID(operation_id)
    except ValueError:
        raise _not_found(operation_id) from None
    with db.read(who) as conn:
        op = ops.get_operation(conn, operation_id)
        if op is None:
            raise _not_found(operation_id)
        events = ops.list_events(conn, operation_id)
    return models.Operation(
        id=op.id, agent=op.agent_name, kind=op.kind, state=op.state, dryRun=op.dry_run, stack=op.stack,
        revision=op.agent_revision, attempts=op.attempts, createdAt=op.created_at, startedAt=op.started_at,
        finishedAt=op.finished_at, summary=op.summary, violations=list(op.violations), errorLines=list(op.error_lines),
        candidate=op.candidate,
        events=[models.OperationEvent(seq=e.seq, at=e.at, kind=e.kind, message=e.message, detail=e.detail)
                for e in events],
    )
