"""Agents through the API: the logic behind /api/agents, over launchpad.db.repository.

A change is, in this order and all or nothing: the request converted into an agent file's data (convert.py);
validated by the fleet's own loader and rules, with the fleet's defaults, lockfiles and quotas
(launchpad.fleet.load_api_agent); the user's quota; then ONE transaction that writes the agent row, its
sealed secret values and the operation that deploys it (CONTRACT: enqueue in the same transaction). A
refusal leaves no row, no operation and no secret. A dry run validates the same way and queues a preview
operation with the agent as it would be (no secret value in it), changing nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
from pydantic import BaseModel, ValidationError

from launchpad.db.repository import api_agents as repo
from launchpad.db.repository import operations as ops
from launchpad.db.repository.agent_record import agent_record
from launchpad.db.repository.telemetry import reads as telemetry_reads
from launchpad.errors import FleetError
from launchpad.fleet import load_api_agent
from launchpad.fleet.api_source import ApiAgent
from launchpad.fleet.loader import DEFAULTS_FILE
from launchpad.fleet.quantity import format_bytes, parse_quantity
from launchpad.fleet.resolved import Agent as ResolvedAgent
from launchpad.sealed import seal
from launchpad.source.pydantic_problems import problems_from
from launchpad.stacks.placement import stack_for
from services.api.agents import models
from services.api.agents.convert import Converted, request_terms, to_spec
from services.api.agents.git_names import GitNames
from services.api.auth.principal import Principal
from services.api.config import ApiConfig
from services.api.database import Database
from services.api.errors import ApiError, Detail, not_found, problem_details, validation_error


@dataclass
class Agents:
    """What the agents' service works with: app.state.agents."""

    db: Database
    config: ApiConfig
    git: GitNames


@dataclass(frozen=True)
class Result:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


# Reading.


def etag(revision: int) -> str:
    return f'"{revision}"'


def present(row: repo.AgentRow) -> models.Agent:
    spec = row.spec or {}
    resources = dict(row.resources or {})
    scaling = resources.pop("scaling", {})
    character = spec.get("character") if row.source == "api" else row.character
    return models.Agent(
        name=row.name, source="api" if row.source == "api" else "git", status=row.status, paused=row.paused,
        revision=row.revision, owner=row.user_id, platforms=sorted(row.platforms), replicas=row.replicas,
        createdAt=row.created_at, updatedAt=row.updated_at, href=f"/api/agents/{row.name}",
        description=str(spec.get("description") or ""), file=row.source_file, stack=row.stack,
        namespace=row.namespace, tenant=row.tenant, image=row.image, character=dict(character or {}),
        plugins=list(row.plugins),
        platformModes={p: str((v or {}).get("mode", "")) for p, v in row.platforms.items()},
        model=spec.get("model"), resources=resources, scaling=scaling, environment=list(row.secrets),
        restartedAt=row.restarted_at,
    )


def summary(row: repo.AgentListing) -> models.AgentListItem:
    return models.AgentListItem(
        name=row.name, source="api" if row.source == "api" else "git", status=row.status, paused=row.paused,
        revision=row.revision, owner=row.user_id, platforms=sorted(row.platforms), replicas=row.replicas,
        createdAt=row.created_at, updatedAt=row.updated_at, href=f"/api/agents/{row.name}", tenant=row.tenant,
        image=row.image, health=row.health, replicasReady=row.replicas_ready,
    )


def operation_ref(
    op: ops.Operation | ops.Enqueued, kind: str, dry_run: bool, state: str = "queued"
) -> models.OperationRef:
    if isinstance(op, ops.Operation):
        return models.OperationRef(id=op.id, kind=op.kind, state=op.state, dryRun=op.dry_run,
                                   href=f"/api/operations/{op.id}")
    return models.OperationRef(id=op.id, kind=kind, state=state, dryRun=dry_run, href=f"/api/operations/{op.id}")


def list_agents(svc: Agents, who: Principal, status: str | None, owner: str | None, limit: int,
                offset: int) -> models.AgentPage:
    if owner is not None and not who.admin and owner != who.user_id:
        raise ApiError(403, "INSUFFICIENT_PERMISSIONS", "only administrators list other users' agents")
    with svc.db.read(who) as conn:
        rows, total = repo.list_agents(conn, status=status, owner=owner, limit=limit, offset=offset)
    return models.AgentPage(agents=[summary(r) for r in rows], total=total, limit=limit, offset=offset)


def get_agent(svc: Agents, who: Principal, name: str) -> repo.AgentRow:
    with svc.db.read(who) as conn:
        row = repo.get_agent(conn, name)
    if row is None:
        raise not_found(name)
    return row


def agent_status(svc: Agents, who: Principal, name: str) -> models.AgentStatus:
    with svc.db.read(who) as conn:
        row = repo.get_agent(conn, name)
        if row is None:
            raise not_found(name)
        last = repo.last_operation(conn, name)
        seen = telemetry_reads.observed(conn, row.id)
    scaling = (row.resources or {}).get("scaling", {})
    low, high = (0, 0) if row.paused else (int(scaling.get("minReplicas", row.replicas)),
                                            int(scaling.get("maxReplicas", row.replicas)))
    return models.AgentStatus(
        name=row.name, source="api" if row.source == "api" else "git", status=row.status, paused=row.paused,
        revision=row.revision, replicas={"min": low, "max": high},
        lastOperation=operation_ref(last, last.kind, last.dry_run) if last else None,
        lastError=list(last.error_lines) if last and last.state == "failed" else [],
        observed=None if seen is None else models.Observed(
            health=seen.health, replicasDesired=seen.replicas_desired, replicasReady=seen.replicas_ready,
            restarts=seen.restarts, reason=seen.health_reason, changedAt=seen.health_changed_at,
        ),
    )


# Validating.


def parse_body(model: type[BaseModel], body: object) -> dict[str, Any]:
    """The request's own shape (models.py), each problem at its JSON pointer."""
    if not isinstance(body, dict):
        raise validation_error([Detail("", "the body must be a JSON object")])
    try:
        model.model_validate(body)
    except ValidationError as exc:
        problems = problems_from(exc, model, lambda loc: ("request", 0), body)
        raise validation_error(problem_details(problems)) from None
    return body


def _defaults_file(svc: Agents) -> str | None:
    import os

    path = svc.git.agents_dir / DEFAULTS_FILE
    return os.path.relpath(path) if path.is_file() else None


def validate(svc: Agents, name: str, converted: Converted, paused: bool = False,
             restarted_at: str | None = None) -> ResolvedAgent:
    """The agent as the program will load it, or a 400 with every problem at its pointer in the request."""
    details = list(converted.problems)
    agent: ResolvedAgent | None = None
    try:
        agent = load_api_agent(svc.git.agents_dir, ApiAgent(name, converted.spec, paused, restarted_at))
    except FleetError as exc:
        defaults = _defaults_file(svc)
        # A field the conversion already refused says so in the request's terms; the loader's word on what the
        # refusal left out (a database URL that names no host: no `database:`) would only repeat it.
        refused = {detail.pointer for detail in details}
        loaded = [Detail(converted.pointer(p, defaults), request_terms(p.message)) for p in exc.problems]
        details += [detail for detail in loaded if detail.pointer not in refused]
    if details or agent is None:
        raise validation_error(_unique(details))
    return agent


def _unique(details: list[Detail]) -> list[Detail]:
    return list(dict.fromkeys(details))


def _memory(resources: dict[str, Any]) -> Decimal:
    limit = (resources.get("limits") or {}).get("memory")
    return parse_quantity(limit) if isinstance(limit, str) else Decimal(0)


def check_quota(conn: psycopg.Connection[Any], who: Principal, agent: ResolvedAgent, paused: bool) -> None:
    """The user's agents created through the API, with this one as it would be, within their quota."""
    if who.admin and str(agent.spec.owner) != who.user_id:
        return  # an administrator changing someone's agent: the owner's quota is theirs to set
    others = [u for u in repo.usage(conn, who.user_id) if u.name != agent.name]
    scaling = agent.spec.scaling
    replicas = sum(int((u.resources.get("scaling") or {}).get("maxReplicas", 1)) for u in others if not u.paused)
    memory = sum((_memory(u.resources) * int((u.resources.get("scaling") or {}).get("maxReplicas", 1))
                  for u in others if not u.paused), Decimal(0))
    mine_replicas = 0 if paused else scaling.max_replicas
    limit_memory = agent.spec.resources.limits.memory
    mine_memory = Decimal(0) if paused or limit_memory is None else parse_quantity(limit_memory) * mine_replicas
    quota = who.quota
    details = []
    if len(others) + 1 > quota.agents:
        details.append(Detail("", f"you have {len(others)} agent(s) of a quota of {quota.agents}: delete one first"))
    if replicas + mine_replicas > quota.replicas:
        details.append(Detail("/scaling/maxReplicas", f"{replicas} replica(s) in your other agents plus "
                              f"{mine_replicas} here is above your quota of {quota.replicas} (the sum of "
                              "scaling.maxReplicas)"))
    if memory + mine_memory > quota.memory_bytes:
        details.append(Detail("/resources/memory", f"{format_bytes(memory)} in your other agents plus "
                              f"{format_bytes(mine_memory)} here (limits.memory x maxReplicas) is above your quota "
                              f"of {quota.memory}"))
    if details:
        raise ApiError(403, "QUOTA_EXCEEDED", "the change would exceed your quota; nothing was created or changed",
                       details)


# Changing.


def fingerprint(svc: Agents, body: dict[str, Any]) -> str:
    """A keyed digest of a request (its body holds secret values: never an unkeyed hash of them)."""
    key = hmac.new(svc.config.keyring.current.secret, b"idempotency-key", hashlib.sha256).digest()
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def _sealed(svc: Agents, owner: str, name: str, values: dict[str, str | None]) -> dict[str, tuple[str, bytes]]:
    key = svc.config.keyring.current
    return {env: (key.id, seal(key, value, owner, name, env)) for env, value in values.items() if value is not None}


def _candidate(spec: dict[str, Any], paused: bool, restarted_at: str | None) -> dict[str, Any]:
    # What the deployer previews (CONTRACT: operations.candidate): never a secret value (the spec has none).
    return {"spec": spec, "paused": paused, "restartedAt": restarted_at}


def _taken(svc: Agents, conn: psycopg.Connection[Any], name: str) -> None:
    file = svc.git.file_of(name)
    holder = repo.name_holder(conn, name)
    if holder is not None and holder[0] == "git":
        file = holder[1] or file
    if file is not None:
        raise ApiError(409, "NAME_TAKEN_BY_GIT", f"agent name {name!r} is taken by the agent file {file} in git: "
                       "choose another name (an agent in git is changed through git)",
                       [Detail("/agentName", f"defined in git by {file}")])
    if holder is not None:
        raise ApiError(409, "NAME_TAKEN", f"agent name {name!r} is already taken: choose another name",
                       [Detail("/agentName", "already taken")])


def _preview_row(agent: ResolvedAgent, spec: dict[str, Any], stack: str, base: repo.AgentRow | None) -> repo.AgentRow:
    record = agent_record(agent)
    now = datetime.now(UTC)
    return repo.AgentRow(
        id=base.id if base else "", user_id=record.user_id, name=record.name, source="api", source_file=None,
        status=base.status if base else "pending", paused=agent.paused,
        revision=base.revision if base else 0, fleet=None, stack=stack, spec=spec, namespace=record.namespace,
        tenant=record.tenant, replicas=record.replicas, character=record.character, plugins=record.plugins,
        platforms=record.platforms, resources=record.resources, image=record.image,
        created_at=base.created_at if base else now, updated_at=now, restarted_at=base.restarted_at if base else None,
        secrets=sorted(spec.get("secrets") or {}),
    )


def create(svc: Agents, who: Principal, body: dict[str, Any], *, dry_run: bool,
           idempotency_key: str | None) -> Result:
    parse_body(models.CreateAgent, body)
    name = str(body["agentName"])
    digest = fingerprint(svc, body) if idempotency_key else ""
    with svc.db.change(who) as conn:
        earlier = repo.remembered(conn, who.user_id, idempotency_key) if idempotency_key else None
        if earlier is not None:
            return _replay(earlier, digest)
        _taken(svc, conn, name)  # first: a name git holds is the answer, whatever else the body says
    converted = to_spec(body, who.user_id)
    agent = validate(svc, name, converted)
    fleet = svc.config.fleet
    stack = stack_for(fleet.stack, fleet.settings, name, agent.spec.tenant)
    spec = converted.spec
    try:
        with svc.db.change(who) as conn:
            _taken(svc, conn, name)
            check_quota(conn, who, agent, paused=False)
            if dry_run:
                queued = ops.enqueue(conn, user_id=who.user_id, agent_name=name, stack=stack, kind="create",
                                     dry_run=True, candidate=_candidate(spec, False, None))
                change = models.AgentChange(agent=present(_preview_row(agent, spec, stack, None)),
                                            operation=operation_ref(queued, "create", True), dryRun=True)
                return Result(202, change.model_dump(mode="json"), {})
            agent_id, revision = repo.insert_agent(conn, agent_record(agent), spec, fleet=fleet.stack, stack=stack)
            repo.set_secrets(conn, agent_id, who.user_id, _sealed(svc, who.user_id, name, converted.values), [])
            queued = ops.enqueue(conn, user_id=who.user_id, agent_name=name, stack=stack, kind="create",
                                 agent_revision=revision, idempotency_key=idempotency_key)
            row = repo.get_agent(conn, name)
            assert row is not None
            change = models.AgentChange(agent=present(row), operation=operation_ref(queued, "create", False))
            result = Result(201, change.model_dump(mode="json"),
                            {"Location": f"/api/agents/{name}", "ETag": etag(revision)})
            if idempotency_key:
                repo.remember(conn, who.user_id, idempotency_key, digest, result.status,
                              {"body": result.body, "headers": result.headers})
            return result
    except psycopg.errors.UniqueViolation:
        # Another request took the name (or used the key) between our check and our insert.
        if idempotency_key:
            with svc.db.change(who) as conn:
                earlier = repo.remembered(conn, who.user_id, idempotency_key)
            if earlier is not None:
                return _replay(earlier, digest)
        raise ApiError(409, "NAME_TAKEN", f"agent name {name!r} is already taken: choose another name",
                       [Detail("/agentName", "already taken")]) from None


def _replay(earlier: repo.Remembered, digest: str) -> Result:
    if earlier.fingerprint != digest:
        raise ApiError(422, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for a different request; "
                       "use a new key for a new request")
    headers = dict(earlier.response.get("headers") or {})
    body = dict(earlier.response.get("body") or {})
    return Result(earlier.status_code, body, {**headers, "Idempotent-Replayed": "true"})


def _api_row(conn: psycopg.Connection[Any], name: str) -> repo.AgentRow:
    """The API agent `name`, locked for a change; 404 when the caller cannot see it, 409 when git holds it
    or it is being deleted."""
    row = repo.get_agent(conn, name)
    if row is None:
        raise not_found(name)
    if row.source != "api":
        file = row.source_file or "an agent file"
        raise ApiError(409, "AGENT_IN_GIT", f"agent {name!r} is defined in git by {file}: change it there (a pull "
                       "request); the API changes only the agents created through it",
                       [Detail("", f"defined in git by {file}")])
    locked = repo.get_agent(conn, name, lock=True)
    if locked is None:  # an administrator's read of a row the update policy does not give them: not theirs
        raise not_found(name)
    if locked.status == "deleting":
        raise ApiError(409, "AGENT_DELETING", f"agent {name!r} is being deleted")
    return locked


def _matches(if_match: str | None, revision: int) -> bool:
    if if_match is None:
        return True
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    return "*" in tags or etag(revision) in tags


def change(svc: Agents, who: Principal, name: str, *, kind: ops.Kind, body: dict[str, Any] | None = None,
           paused: bool | None = None, restart: bool = False, dry_run: bool = False,
           if_match: str | None = None, answer: int = 202) -> Result:
    """PATCH (`body`, a merge patch in the request's terms; answered 200), pause/resume (`paused`), restart,
    scale (a body); the others are answered 202, accepted for the deployer."""
    if body is not None and "agentName" in body and body["agentName"] not in (None, name):
        raise validation_error([Detail("/agentName", "an agent's name cannot change (it is its Kubernetes names): "
                                       "create a new agent and delete this one")])
    with svc.db.change(who) as conn:
        row = _api_row(conn, name)
        if not _matches(if_match, row.revision):
            raise ApiError(412, "PRECONDITION_FAILED", f"agent {name!r} is at revision {row.revision}, not the "
                           "If-Match given: read it again (its ETag) and retry",
                           headers={"ETag": etag(row.revision)})
        base = dict(row.spec or {})
        converted = to_spec({k: v for k, v in (body or {}).items() if k != "agentName"}, row.user_id, base)
        new_paused = row.paused if paused is None else paused
        restarted = datetime.now(UTC).isoformat() if restart else (
            row.restarted_at.isoformat() if row.restarted_at else None)
        agent = validate(svc, name, converted, new_paused, restarted)
        if not new_paused:  # pausing frees replicas and memory; the agent itself still counts, as before
            check_quota(conn, who, agent, new_paused)
        fleet = svc.config.fleet
        stack = stack_for(fleet.stack, fleet.settings, name, agent.spec.tenant)
        if dry_run:
            queued = ops.enqueue(conn, user_id=row.user_id, agent_name=name, stack=stack, kind=kind, dry_run=True,
                                 candidate=_candidate(converted.spec, new_paused, restarted),
                                 agent_revision=row.revision)
            preview = present(_preview_row(agent, converted.spec, stack, row))
            out = models.AgentChange(agent=preview, operation=operation_ref(queued, kind, True), dryRun=True)
            return Result(202, out.model_dump(mode="json"), {})
        revision = repo.update_agent(conn, row.id, agent_record(agent), converted.spec, paused=new_paused,
                                     stack=stack, restart=restart)
        removed = [env for env, value in converted.values.items() if value is None]
        repo.set_secrets(conn, row.id, row.user_id, _sealed(svc, row.user_id, name, converted.values), removed)
        queued = ops.enqueue(conn, user_id=row.user_id, agent_name=name, stack=stack, kind=kind,
                             agent_revision=revision)
        fresh = repo.get_agent(conn, name)
        assert fresh is not None
        out = models.AgentChange(agent=present(fresh), operation=operation_ref(queued, kind, False))
    return Result(answer, out.model_dump(mode="json"), {"ETag": etag(revision)})


def delete(svc: Agents, who: Principal, name: str, *, dry_run: bool, if_match: str | None) -> Result:
    with svc.db.change(who) as conn:
        row = repo.get_agent(conn, name)
        if row is not None and row.source == "api" and row.status == "deleting":
            last = repo.last_operation(conn, name)  # asked before: the same answer
            if last is not None and last.kind == "delete":
                out = models.AgentChange(agent=present(row), operation=operation_ref(last, "delete", False))
                return Result(202, out.model_dump(mode="json"), {})
        row = _api_row(conn, name)
        if not _matches(if_match, row.revision):
            raise ApiError(412, "PRECONDITION_FAILED", f"agent {name!r} is at revision {row.revision}, not the "
                           "If-Match given", headers={"ETag": etag(row.revision)})
        stack = row.stack or svc.config.fleet.stack
        if dry_run:
            queued = ops.enqueue(conn, user_id=row.user_id, agent_name=name, stack=stack, kind="delete",
                                 dry_run=True, agent_revision=row.revision)
            out = models.AgentChange(agent=present(row), operation=operation_ref(queued, "delete", True), dryRun=True)
            return Result(202, out.model_dump(mode="json"), {})
        revision = repo.mark_deleting(conn, row.id)
        queued = ops.enqueue(conn, user_id=row.user_id, agent_name=name, stack=stack, kind="delete",
                             agent_revision=revision)
        fresh = repo.get_agent(conn, name)
        out = models.AgentChange(agent=present(fresh) if fresh else None,
                                 operation=operation_ref(queued, "delete", False))
    return Result(202, out.model_dump(mode="json"), {})


def scale_body(scale: models.Scale) -> dict[str, Any]:
    """`{replicas: n}`: a fixed count (min = max = n); or `{minReplicas, maxReplicas}` (pause stops it)."""
    if scale.replicas is not None and (scale.minReplicas is not None or scale.maxReplicas is not None):
        raise validation_error([Detail("/replicas", "give replicas, or minReplicas and maxReplicas, not both")])
    if scale.replicas is not None:
        return {"scaling": {"minReplicas": scale.replicas, "maxReplicas": scale.replicas}}
    if scale.minReplicas is None and scale.maxReplicas is None:
        raise validation_error([Detail("", "give replicas, or minReplicas and/or maxReplicas")])
    return {"scaling": {k: v for k, v in (("minReplicas", scale.minReplicas), ("maxReplicas", scale.maxReplicas))
                        if v is not None}}

