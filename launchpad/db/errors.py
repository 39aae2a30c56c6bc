"""Errors a user of `migrate` sees. Every message names the file (and statement, line) and never a password."""

from __future__ import annotations

from launchpad.errors import UserError


class MigrationError(UserError):
    """Base of every error the runner reports; exit code 1 in the CLI."""


class MigrationFileError(MigrationError):
    """A file in the migrations directory is misnamed, duplicated or unreadable."""


class MigrationSyntaxError(MigrationError):
    """A file does not parse as SQL; found before anything is applied."""


class MigrationFailed(MigrationError):
    """A statement failed; its file was rolled back whole and nothing after it ran."""

    def __init__(self, file: str, statement: int, line: int, message: str) -> None:
        self.file = file
        self.statement = statement
        self.line = line
        super().__init__(f"{file}:{line}: statement {statement} failed, file rolled back: {message}")


class MigrationLocked(MigrationError):
    """A file could not get a lock it needs in time (lock_timeout), every attempt; it was rolled back."""


class MigrationDrift(MigrationError):
    """An applied migration's file changed after it was applied."""


class MigrationOutOfOrder(MigrationError):
    """A pending migration sorts before the latest applied one (as `supabase db push` refuses it)."""


class HistoryTableError(MigrationError):
    """The history table cannot be created or completed (no CREATE, not its owner); nothing was applied."""


class DatabaseUnavailable(MigrationError):
    """Connecting to the database failed (message redacted)."""


class RegistryError(MigrationError):
    """Registering or removing an agent row failed (message redacted)."""
