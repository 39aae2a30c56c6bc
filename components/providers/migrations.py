"""The Migrations dynamic resource of SupabaseSchema (components/supabase_schema.py): preview shows pending
migrations and a changed migration set as an update, and with nothing pending runs `db check` on the live
database, each finding failing the preview; create/update apply them. The bodies: launchpad/providers/migrations.py."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ResourceProvider, UpdateResult


class _MigrationsProvider(ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from launchpad.db.errors import MigrationError
        from launchpad.providers import migrations as ops

        inputs = dict(news)
        applied_before = bool((_olds or {}).get("checksums"))  # the resource exists: an `up` applied them
        url, migrations_dir = news.get("database_url"), news["migrations_dir"]
        try:
            inputs["pending"] = ops.pending_versions(url, migrations_dir, applied_before)
            # With migrations pending, the live check waits for `up`: they may be what fixes its findings.
            found = [] if inputs["pending"] else ops.findings(url, migrations_dir)
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
        from launchpad.providers import migrations as ops

        with ops.no_traceback():
            outs = ops.apply(props["database_url"], props["migrations_dir"], props["checksums"])
        return CreateResult("supabase-schema", outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from launchpad.providers import migrations as ops

        with ops.no_traceback():
            return UpdateResult(ops.apply(news["database_url"], news["migrations_dir"], news["checksums"]))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class _Migrations(pulumi.dynamic.Resource, module="launchpad", name="Migrations"):
    applied_versions: pulumi.Output[list[str]]
    applied_count: pulumi.Output[int]
    pending: pulumi.Output[list[str]]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        outputs = {"applied_versions": None, "applied_count": None, "pending": None}
        super().__init__(_MigrationsProvider(), name, {**props, **outputs}, opts)
