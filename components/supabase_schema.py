"""`agent-launchpad:index:SupabaseSchema`: the fleet's control-plane schema, applied by the migration runner
through a Pulumi dynamic provider. (The registry rows: components/registry.py.)

Preview shows pending migrations (the `pending` property, computed in check) and a changed migration set
(the `checksums` property) as an update; with nothing pending it also runs `db check` (launchpad.db.check)
on the live database, and each finding fails the preview. The database URL is a secret input and never an
output of the schema. Deleting the resource leaves the schema in place: dropping a database is not a
deploy's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ResourceProvider, UpdateResult

from launchpad.db.migrations.files import discover

DEFAULT_MIGRATIONS_DIR = "supabase/migrations"


class _MigrationsProvider(ResourceProvider):
    # Method bodies import launchpad.db only: dill pickles this class into the state by value.
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from launchpad.db.errors import MigrationError
        from launchpad.providers import db_ops as provider_ops

        inputs = dict(news)
        applied = list((_olds or {}).get("applied_versions") or [])
        url, migrations_dir = news.get("database_url"), news["migrations_dir"]
        try:
            inputs["pending"] = provider_ops.pending_versions(url, migrations_dir, applied)
            # With migrations pending, the live check waits for `up`: they may be what fixes its findings.
            found = [] if inputs["pending"] else provider_ops.findings(url, migrations_dir)
        except MigrationError as exc:
            # Drift or a broken file: a check failure is reported as one line naming the file, where a raised
            # exception would reach the user as a provider traceback. The messages never hold the URL.
            return CheckResult(inputs, [CheckFailure("migrations_dir", str(exc))])
        # The live database differs from what the migrations declare: one failure per finding, each naming
        # the object and the fix. No property: the engine would print the (secret) URL input's placeholder.
        return CheckResult(inputs, [CheckFailure("", line) for line in found])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in ("checksums", "migrations_dir") if olds.get(key) != news.get(key)] + (
            ["pending"] if news.get("pending") else []
        )
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        from launchpad.providers import db_ops as provider_ops

        with provider_ops.no_traceback():
            outs = provider_ops.apply(props["database_url"], props["migrations_dir"], props["checksums"])
        return CreateResult("supabase-schema", outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from launchpad.providers import db_ops as provider_ops

        with provider_ops.no_traceback():
            return UpdateResult(provider_ops.apply(news["database_url"], news["migrations_dir"], news["checksums"]))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class _Migrations(pulumi.dynamic.Resource, module="launchpad", name="Migrations"):
    applied_versions: pulumi.Output[list[str]]
    applied_count: pulumi.Output[int]
    pending: pulumi.Output[list[str]]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        outputs = {"applied_versions": None, "applied_count": None, "pending": None}
        super().__init__(_MigrationsProvider(), name, {**props, **outputs}, opts)


@dataclass
class SupabaseSchemaArgs:
    database_url: pulumi.Input[str]  # made a secret here whether or not the caller did
    migrations_dir: str = DEFAULT_MIGRATIONS_DIR  # relative to the program's directory, as stored in state


class SupabaseSchema(pulumi.ComponentResource):
    applied_versions: pulumi.Output[list[str]]
    applied_count: pulumi.Output[int]

    def __init__(self, name: str, args: SupabaseSchemaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("agent-launchpad:index:SupabaseSchema", name, None, opts)
        checksums = {f.version: f.checksum for f in discover(Path(args.migrations_dir))}
        self.migrations = _Migrations(
            f"{name}-migrations",
            {
                "database_url": pulumi.Output.secret(args.database_url),
                "migrations_dir": args.migrations_dir,
                "checksums": checksums,
            },
            pulumi.ResourceOptions(parent=self),
        )
        self.applied_versions = self.migrations.applied_versions
        self.applied_count = self.migrations.applied_count
        self.register_outputs({"applied_versions": self.applied_versions, "applied_count": self.applied_count})


class _RegistrationProvider(ResourceProvider):
    """Retired: the per-agent `AgentRegistration` resources of stacks deployed before components/registry.py.
    Their state names this class (dill pickles it by reference), so it stays importable; the registry rows
    now belong to RegisteredAgents and RegistryMembers, so deleting an old registration leaves its row."""

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None
