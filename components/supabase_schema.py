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

import pulumi

from components.providers.migrations import _Migrations
from components.providers.migrations import _MigrationsProvider as _MigrationsProvider  # old states' path
from components.providers.retired import _RegistrationProvider as _RegistrationProvider  # old states' path
from launchpad.contracts import SUPABASE_SCHEMA
from launchpad.db.migrations.files import discover

DEFAULT_MIGRATIONS_DIR = "supabase/migrations"


@dataclass
class SupabaseSchemaArgs:
    database_url: pulumi.Input[str]  # made a secret here whether or not the caller did
    migrations_dir: str = DEFAULT_MIGRATIONS_DIR  # relative to the program's directory, as stored in state


class SupabaseSchema(pulumi.ComponentResource):
    applied_versions: pulumi.Output[list[str]]
    applied_count: pulumi.Output[int]

    def __init__(self, name: str, args: SupabaseSchemaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SUPABASE_SCHEMA, name, None, opts)
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
