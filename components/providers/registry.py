"""The agent registry (`public.agents` rows) as two dynamic resources, one per stack instead of one per agent:

- `RegisteredAgents`, in every stack that runs agents: upserts the rows of that stack's agents. Its state
  keeps one 16-character digest per agent; the records themselves are its inputs. It never deletes a row:
  an agent that leaves a shard stack has usually moved to another one, which upserts the same row.
- `RegistryMembers`, in the stack that sees the whole fleet (the platform stack, or the only stack of an
  unsharded fleet): the (owner, name) key of every agent; it deletes the row of an agent that left the fleet.

So an agent that moves between shards keeps its row through the move, and no two stacks ever write or
delete the same row in one run. The database URL is a secret input; only `RegistryMembers` keeps it in its
outputs (encrypted), because a delete receives the outputs alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from launchpad.db.repository.record import AgentRecord


class _RegisteredAgentsProvider(ResourceProvider):
    # Bodies import launchpad.db only; the provider holds no secret, so its pickle (a reference to this
    # class, ~100 bytes) need not be encrypted in the state.
    serialize_as_secret_always = False

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        from launchpad.providers.registry import record_digest

        wanted = {name: record_digest(r) for name, r in (news.get("records") or {}).items()}
        changed = wanted != (olds.get("digests") or {}) or olds.get("schema") != news.get("schema")
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("registered-agents", self._register(props, {}))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._register(news, olds.get("digests") or {}))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None  # see the module docstring: RegistryMembers removes rows

    @staticmethod
    def _register(props: dict[str, Any], registered: dict[str, str]) -> dict[str, Any]:
        from launchpad.providers import registry as ops

        records: dict[str, Any] = props.get("records") or {}
        digests = {name: ops.record_digest(r) for name, r in records.items()}
        changed = [records[name] for name, digest in sorted(digests.items()) if registered.get(name) != digest]
        with ops.no_traceback():
            ops.register_records(props["database_url"], changed, bool(props.get("create_owner")))
        return {"digests": digests, "schema": props.get("schema")}


class RegisteredAgents(pulumi.dynamic.Resource, module="launchpad", name="RegisteredAgents"):
    """Upserts the rows of `records`; create it with depends_on the schema (or, in a shard, with `schema`
    read from the platform stack)."""

    digests: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        database_url: pulumi.Input[str],
        records: Sequence[AgentRecord],
        opts: pulumi.ResourceOptions | None = None,
        *,
        schema: pulumi.Input[Any] = None,  # the platform's applied migrations: a new schema re-registers
        create_owner: bool = False,  # dev databases only: see launchpad.db.repository.registry.upsert_agent
    ) -> None:
        super().__init__(
            _RegisteredAgentsProvider(),
            name,
            {
                "database_url": pulumi.Output.secret(database_url),
                "records": {r.name: dataclasses.asdict(r) for r in records},
                "schema": schema,
                "create_owner": create_owner,
                "digests": None,
            },
            opts,
        )


class _RegistryMembersProvider(ResourceProvider):
    serialize_as_secret_always = False

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("members") != news.get("members"), replaces=[],
                          delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("registry-members", self._outs(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from launchpad.providers import registry as ops

        with ops.no_traceback():
            ops.unregister_keys(news["database_url"], _left(olds.get("members"), news.get("members")))
        return UpdateResult(self._outs(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        from launchpad.providers import registry as ops

        with ops.no_traceback():
            ops.unregister_keys(props["database_url"], _left(props.get("members"), {}))

    @staticmethod
    def _outs(props: dict[str, Any]) -> dict[str, Any]:
        from launchpad.providers import registry as ops

        # Kept (as a secret) because delete receives only the outputs.
        url = ops.secret(ops.plain(props["database_url"]))
        return {"members": props.get("members") or {}, "database_url": url}


def _left(old: Mapping[str, str] | None, new: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """(owner, name) of every agent in `old` that is not in `new` with the same owner."""
    new = new or {}
    return [(owner, name) for name, owner in sorted((old or {}).items()) if new.get(name) != owner]


class RegistryMembers(pulumi.dynamic.Resource, module="launchpad", name="RegistryMembers"):
    """The fleet's agents as name -> owner; removing one deletes its row (and, by cascade, its secrets,
    metrics and logs)."""

    def __init__(
        self,
        name: str,
        database_url: pulumi.Input[str],
        members: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            _RegistryMembersProvider(),
            name,
            {"database_url": pulumi.Output.secret(database_url), "members": dict(members)},
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["database_url"])),
        )
