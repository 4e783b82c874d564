"""Backup and restore (docs/backup.md): `service.backup_create` and `service.backup_restore`.

Not a Django app (it has no models): a layer above the apps that reads and writes all of them, like the CLI.
No app imports it (import-linter).
"""
