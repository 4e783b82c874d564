"""The backup's errors. Each message is one line saying what is wrong and, where it can, what to do."""

from __future__ import annotations


class BackupError(Exception):
    """Base error of backup and restore."""


class BackupRefused(BackupError):
    """Bad usage or a target that must not be touched: nothing was changed (the CLI's exit 2)."""


class ArchiveDamaged(BackupError):
    """The archive does not match its manifest, or cannot be read to its end: nothing was changed (exit 1)."""


class RestoreCheckFailed(BackupError):
    """The restored data failed a check (row counts, foreign keys, the audit chain) and was rolled back (exit 1)."""
