"""Released migration files that were amended on purpose, with the checksums they were released with.

A released file is not edited: its change goes in a new file. The one exception is a file that cannot
apply at all somewhere it must, since no later file can run before it. A database that applied such a file
as released holds what the amended text would have made, so its history row is not drift; any other
checksum still is.
"""

from __future__ import annotations

AMENDED: dict[str, frozenset[str]] = {
    # 20250601000000_supabase_baseline.sql failed on hosted Supabase as `postgres`: `create table if not
    # exists auth.users` needs CREATE on schema auth, which PostgreSQL checks before existence and hosted
    # projects no longer grant (supabase/postgres migration 20250421084701_revoke_admin_roles_from_postgres).
    # Amended to look in the catalog first; where the objects were missing it creates the same ones.
    "20250601000000": frozenset({"d9f6251e3eb04771eba6187a2a2d470283e25b7331f174ded5bbe98303e345d3"}),
}


def matches(version: str, applied_checksum: str, file_checksum: str) -> bool:
    """Does the checksum recorded when `version` was applied fit the file as it is now?"""
    return applied_checksum == file_checksum or applied_checksum in AMENDED.get(version, frozenset())
