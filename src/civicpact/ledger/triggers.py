"""The append-only triggers of the ledger's tables, lifted for the length of one transaction (restore only).

The triggers are those of migrations 0002 and 0004, read from the migrations themselves so that there is one
definition. A restore replaces every row of a database, the ledger's included, and so must delete them: it drops
the triggers inside its transaction and creates them again before the commit. If anything fails in between, the
rollback brings the triggers back with the rows, so outside that transaction the tables are never unguarded.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType

from django.db import connection


def _migrations() -> tuple[ModuleType, ModuleType]:
    return (
        importlib.import_module("civicpact.ledger.migrations.0002_append_only_triggers"),
        importlib.import_module("civicpact.ledger.migrations.0004_confidentiality_claims"),
    )


def append_only_tables() -> list[str]:
    first, second = _migrations()
    return [*first.APPEND_ONLY_TABLES, *second.TABLES]


def _sqlite_statements(script: str) -> list[str]:
    """One statement per trigger: cursor.execute runs one at a time (executescript would commit first)."""
    return [part.strip() + " END" for part in script.split("END;") if part.strip()]


def _create_statements() -> list[str]:
    first, second = _migrations()
    statements: list[str] = []
    for table in first.APPEND_ONLY_TABLES:
        if connection.vendor == "postgresql":
            statements.append(first.POSTGRES_CREATE.format(table=table))
        else:
            statements.extend(_sqlite_statements(first.SQLITE_CREATE.format(table=table)))
    for table in second.TABLES:
        if connection.vendor == "postgresql":
            statements.append(second.POSTGRES_CREATE.format(table=table))
        else:
            statements.extend(_sqlite_statements(second.SQLITE_CREATE.format(table=table)))
    return statements


def _drop_statements() -> list[str]:
    statements: list[str] = []
    for table in append_only_tables():
        if connection.vendor == "postgresql":
            statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_update")
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    return statements


@contextlib.contextmanager
def append_only_suspended() -> Iterator[None]:
    """Inside the caller's transaction: drop the append-only triggers, and create them again when the block ends
    normally. An exception skips the re-creation: the caller's rollback restores them."""
    if connection.vendor not in {"postgresql", "sqlite"}:
        raise NotImplementedError(f"no append-only triggers written for {connection.vendor}")
    if not connection.in_atomic_block:
        raise RuntimeError("append_only_suspended() must run inside transaction.atomic()")
    with connection.cursor() as cursor:
        for statement in _drop_statements():
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in _create_statements():
            cursor.execute(statement)
