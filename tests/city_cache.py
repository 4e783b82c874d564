"""The demo city for the tests, seeded once per test process on SQLite and put back from its rows afterwards.

Seeding through the real services takes about a second and some 1,500 tests ask for the city (profiled on
2026-12-07: over half the suite's time was this set-up). So the first test on SQLite seeds it as before; the rows
that seeding added are read back and kept, and later tests get the same rows by plain INSERTs (Django's foreign keys
are deferred on SQLite, so the order does not matter), inside their own transaction as before.

A kept city is used only when it is certainly what seeding would make now:
- on SQLite only (on PostgreSQL every test seeds, so that pass keeps testing the seeding itself);
- with the same settings (a test that changes one before asking for the city seeds its own);
- less than two minutes after it was made, by the clock and by the wall: a test that moved the clock seeds its own,
  and the seeded deadlines never drift far from "now";
- on a database at the state the city was seeded on: every table with the same number of rows and the same highest
  rowid (a fixture that wrote rows first, or the flush after a transactional test, makes the next test seed);
- a table in which seeding changed a row that was already there (the audit chain's head) is put back whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import LazyObject, Promise

FRESH_FOR = timedelta(minutes=2)
PER_TEST_SETTINGS = {"CIVICPACT_TELEMETRY_DIR"}  # set afresh for every test (tests/conftest.py); seeding ignores it


@dataclass
class KeptCity:
    key: str
    made_at: datetime
    made_at_monotonic: float
    ids: dict[str, int]
    fingerprint: list[tuple[Any, ...]]  # per table, its rows and highest rowid before seeding
    rows: list[tuple[str, list[str], list[tuple[Any, ...]], bool]]  # table, columns, rows seeding added, whole?


_kept: dict[str, KeptCity] = {}  # "city": the one kept in this process


def _settings_key() -> str:
    names = sorted({n for n in dir(settings) if n.isupper() and n not in PER_TEST_SETTINGS})  # overrides list twice
    return repr([(n, _value(getattr(settings, n))) for n in names])


def _value(value: Any) -> str:
    """A setting's value as text; a lazy one by its value (its repr changes once it is first read)."""
    return repr(str(value)) if isinstance(value, LazyObject | Promise) else repr(value)


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return [t for t in connection.introspection.table_names(cursor) if not t.startswith("sqlite_")]


def _rows(table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - a table name from the introspection
        return [d[0] for d in cursor.description], cursor.fetchall()


def _fingerprint(tables: list[str]) -> list[tuple[Any, ...]]:
    """Each table's number of rows and highest rowid, in one query."""
    parts = [f"SELECT '{t}', COUNT(*), MAX(rowid) FROM \"{t}\"" for t in tables]  # noqa: S608 - introspected names
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return list(cursor.fetchall())


def _fresh(kept: KeptCity, key: str) -> bool:
    return (
        kept.key == key
        and abs(timezone.now() - kept.made_at) < FRESH_FOR
        and time.monotonic() - kept.made_at_monotonic < FRESH_FOR.total_seconds()
        and _fingerprint(_tables()) == kept.fingerprint
    )


def _put_back(kept: KeptCity) -> dict[str, int]:
    # in one transaction (a savepoint inside the test's): the foreign keys are checked at its end, and a
    # transactional test (autocommit) would otherwise check each INSERT on its own
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows, whole in kept.rows:
            if whole:
                cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608 - a table name from the introspection
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("%s" for _ in columns)
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608
    return dict(kept.ids)


def _seed_and_keep(seed: Callable[[], dict[str, int]], key: str) -> dict[str, int]:
    tables = _tables()
    fingerprint = _fingerprint(tables)
    before = {table: _rows(table) for table in tables}
    made_at, made_at_monotonic = timezone.now(), time.monotonic()
    ids = seed()
    added: list[tuple[str, list[str], list[tuple[Any, ...]], bool]] = []
    for table in tables:
        columns, rows = _rows(table)
        old = set(before[table][1])
        if not old <= set(rows):  # seeding changed a row that was there: the table is put back whole
            added.append((table, columns, rows, True))
            continue
        new = [row for row in rows if row not in old]
        if new:
            added.append((table, columns, new, False))
    _kept["city"] = KeptCity(key, made_at, made_at_monotonic, dict(ids), fingerprint, added)
    return ids


def demo_city(seed: Callable[[], dict[str, int]]) -> dict[str, int]:
    """The demo city in the current test's database: put back from the kept rows when that is certainly the same,
    else seeded (and kept for the next tests, on SQLite)."""
    if connection.vendor != "sqlite":
        return seed()
    key = _settings_key()
    kept = _kept.get("city")
    if kept is not None and _fresh(kept, key):
        return _put_back(kept)
    return _seed_and_keep(seed, key)
