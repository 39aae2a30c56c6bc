"""`FleetSources`: one dynamic resource per stack and part that records the git fleet's files the program read
(launchpad/stacks/sources.py says which) in the database, for the deploy workers, which no longer find them in
their image (launchpad/images/control_plane.py). Its inputs hold each file's path and sha256, never the bytes
(a fleet's characters and lockfiles would grow the state by megabytes): the provider reads the bytes when it
writes, and only for files whose digest changed. A destroyed stack forgets its rows."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult


class _FleetSourcesProvider(ResourceProvider):
    serialize_as_secret_always = False  # plain functions only: the pickle is a reference

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Not the directory: it is where this run found the files (a CI checkout, a worker's copy), not what was
        # recorded, so a worker's `up` over the same files changes nothing.
        from launchpad.db.repository.fleet_sources import manifest_digest

        before = {k: olds.get(k) for k in ("fleet", "stack", "part", "digest", "schema")}
        after = {k: news.get(k) for k in ("fleet", "stack", "part", "schema")}
        after["digest"] = manifest_digest(news.get("files") or {})
        return DiffResult(changes=before != after, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"fleet-sources-{props['part']}", self._write(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from launchpad.providers import fleet_sources as ops

        if (olds.get("fleet"), olds.get("stack"), olds.get("part")) != (news["fleet"], news["stack"], news["part"]):
            with ops.no_traceback():
                ops.forget(olds)  # another recorder now: the old one's rows go
        return UpdateResult(self._write(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        from launchpad.providers import fleet_sources as ops

        with ops.no_traceback():
            ops.forget(props)

    @staticmethod
    def _write(props: dict[str, Any]) -> dict[str, Any]:
        from launchpad.providers import fleet_sources as ops

        with ops.no_traceback():
            ops.record(props)
        return ops.outputs(props)


class FleetSources(pulumi.dynamic.Resource, module="launchpad", name="FleetSources"):
    """Records `files` (path relative to `directory` -> sha256) as this stack's `part` of the fleet's files."""

    def __init__(
        self,
        name: str,
        database_url: pulumi.Input[str],
        *,
        fleet: str,
        part: str,
        directory: Path,
        files: Mapping[str, str],
        schema: pulumi.Input[Any] = None,  # the applied migrations: a new schema records again
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            _FleetSourcesProvider(),
            name,
            {
                "database_url": pulumi.Output.secret(database_url),
                "fleet": fleet,
                "stack": pulumi.get_stack(),
                "part": part,
                "directory": str(directory.resolve()),
                "files": dict(files),
                "schema": schema,
                "digest": None,
            },
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["database_url"])),
        )
