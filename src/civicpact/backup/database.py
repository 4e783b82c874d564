"""The database part of a backup: every table as JSON lines, written and read through Django's own field classes.

Why not pg_dump or SQLite's backup API: one format for both databases (a city that outgrows SQLite restores its
backup into PostgreSQL), no client tools of the right version on the machine, and the archive can say how many
rows each table holds and be checked row by row. Why not plain dumpdata/loaddata: Django's JSON encoder cuts
datetimes to milliseconds, and the audit chain hashes microseconds; loaddata saves row by row and runs `pre_save`
(auto_now would restamp rows). So: the fixture format (one object per line), full-precision times, content types
and permissions by natural key (their ids differ between databases), raw inserts in batches through the models of
the archive's migration state (docs/decisions/0011-backup-format.md).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.duration import duration_iso_string
from django.utils.encoding import is_protected_type
from django.utils.functional import Promise

from civicpact.backup.exceptions import RestoreCheckFailed

# Rows that migrations make themselves, or that are worthless (and sensitive) in another deployment: sessions are
# bearer credentials, and everybody signs in again after a restore.
EXCLUDED = frozenset({"contenttypes.contenttype", "auth.permission", "sessions.session"})
BY_NATURAL_KEY = ("contenttypes.contenttype", "auth.permission")
SESSIONS_TABLE = "django_session"
CHAIN_HEAD_TABLE = "ledger_chainhead"  # its genesis row (seq 0) is made by a migration: it is no data
BATCH_ROWS = 500

Node = tuple[str, str]


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def backed_up_models(registry: Apps = global_apps) -> list[type[models.Model]]:
    """Every table with data, the many-to-many link tables included, in a fixed order."""
    chosen = [
        m
        for m in registry.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and label(m) not in EXCLUDED
    ]
    return sorted(chosen, key=label)


# --- migrations ------------------------------------------------------------------------------------------------


def migration_state() -> dict[str, list[str]]:
    """The migrations applied to the database, by app."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    state: dict[str, list[str]] = {}
    for app, name in recorder.applied_migrations():
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def nodes_of(state: Mapping[str, Iterable[str]]) -> set[Node]:
    return {(app, name) for app, names in state.items() for name in names}


def unapplied_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def unknown_migrations(state: Mapping[str, Iterable[str]]) -> list[str]:
    """Migrations of the archive that this code does not have (the archive is from a newer CivicPact)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return sorted(f"{app}.{name}" for app, name in nodes_of(state) if (app, name) not in graph.nodes)


def is_current(state: Mapping[str, Iterable[str]]) -> bool:
    """Whether the state is this code's latest (every migration applied)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return set(graph.nodes) <= nodes_of(state)


def _targets(state: Mapping[str, Iterable[str]]) -> list[tuple[str, str | None]]:
    """The archive's last migration of every app this code migrates (None: none of the app's)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    nodes = nodes_of(state)
    targets: list[tuple[str, str | None]] = []
    for app in sorted(loader.migrated_apps):
        mine = {node for node in nodes if node[0] == app}
        leaves = [n for n in mine if not any(child.key in mine for child in loader.graph.node_map[n].children)]
        targets.append((app, leaves[0][1]) if len(leaves) == 1 else (app, None))
    return targets


def migrate_to(state: Mapping[str, Iterable[str]]) -> None:
    """Bring an empty database to the archive's migration state (content types and permissions included)."""
    executor = MigrationExecutor(connection)
    targets = _targets(state)
    executor.migrate(targets, plan=executor.migration_plan(targets))
    emit_post_migrate_signal(0, False, connection.alias)


def historical_models(state: Mapping[str, Iterable[str]]) -> Apps:
    """The models as the archive's migration state defines them: the rows are loaded through these."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    nodes = [(app, name) for app, name in _targets(state) if name is not None]
    return loader.project_state(nodes, at_end=True).apps


# --- writing ---------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def snapshot() -> Iterator[None]:
    """One consistent view of every table: a REPEATABLE READ, READ ONLY transaction on PostgreSQL; on SQLite the
    transaction (IMMEDIATE) holds the write lock, so writers wait while the tables are read."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


class _Encoder(json.JSONEncoder):
    """Django's encoder, but datetimes and times keep their microseconds (the audit chain hashes them)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.date | datetime.time):
            return o.isoformat()
        if isinstance(o, decimal.Decimal | uuid.UUID | Promise):
            return str(o)
        if isinstance(o, datetime.timedelta):
            return duration_iso_string(o)
        return super().default(o)


class NaturalKeys:
    """Content types and permissions by natural key, both ways; read once from the database."""

    def __init__(self) -> None:
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        types: dict[Any, tuple[str, ...]] = {
            pk: (app, model) for pk, app, model in ContentType.objects.values_list("pk", "app_label", "model")
        }
        permissions: dict[Any, tuple[str, ...]] = {
            pk: (codename, *types[type_id])
            for pk, codename, type_id in Permission.objects.values_list("pk", "codename", "content_type_id")
        }
        self.keys: dict[str, dict[Any, tuple[str, ...]]] = {
            "contenttypes.contenttype": types,
            "auth.permission": permissions,
        }
        self.ids = {name: {key: pk for pk, key in keys.items()} for name, keys in self.keys.items()}

    def key(self, model: str, pk: Any) -> list[str]:
        return list(self.keys[model][pk])

    def id(self, model: str, key: list[Any], where: str) -> Any:
        try:
            return self.ids[model][tuple(key)]
        except KeyError:
            raise RestoreCheckFailed(f"{where}: no {model} {key} in this database") from None


def _dumped(obj: models.Model, field: models.Field[Any, Any], natural: NaturalKeys) -> Any:
    if field.is_relation:
        raw = getattr(obj, field.attname)
        target = label(field.related_model)  # type: ignore[arg-type]
        if raw is not None and target in natural.keys:
            return natural.key(target, raw)
        return raw
    value = field.value_from_object(obj)
    return value if is_protected_type(value) else field.value_to_string(obj)


def dump_table(model: type[models.Model], out: IO[bytes], natural: NaturalKeys) -> int:
    """Write the table as JSON lines in primary-key order; returns the rows written."""
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if not f.primary_key]
    rows = 0
    for obj in model._base_manager.order_by("pk").iterator(chunk_size=2000):
        line = {
            "model": meta.label_lower,
            "pk": _dumped(obj, meta.pk, natural),
            "fields": {f.name: _dumped(obj, f, natural) for f in fields},
        }
        out.write(json.dumps(line, cls=_Encoder, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        out.write(b"\n")
        rows += 1
    return rows


# --- reading ---------------------------------------------------------------------------------------------------


def _quoted(table: str) -> str:
    return connection.ops.quote_name(table)


def existing_tables() -> set[str]:
    return set(connection.introspection.table_names())


def tables_with_rows(tables: Iterable[str]) -> list[str]:
    """Which of the tables hold data (the chain head's genesis row does not count)."""
    existing = existing_tables()
    found: list[str] = []
    with connection.cursor() as cursor:
        for table in sorted(set(tables) & existing):
            where = " WHERE seq <> 0" if table == CHAIN_HEAD_TABLE else ""
            cursor.execute(f"SELECT 1 FROM {_quoted(table)}{where} LIMIT 1")  # noqa: S608 - a model's table name
            if cursor.fetchone():
                found.append(table)
    return found


def wipe(tables: Iterable[str]) -> None:
    """Empty the tables (inside the caller's transaction; the ledger's triggers must be suspended)."""
    present = sorted(set(tables) & existing_tables())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses a table with foreign-key checks still deferred in this transaction: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for sql in connection.ops.sql_flush(no_style(), present, reset_sequences=False):
            cursor.execute(sql)


def _loaded(field: models.Field[Any, Any], raw: Any, natural: NaturalKeys, where: str) -> Any:
    if raw is None:
        return None
    if field.is_relation:
        target = label(field.related_model)  # type: ignore[arg-type]
        if isinstance(raw, list):
            return natural.id(target, raw, where)
        return field.target_field.to_python(raw)  # type: ignore[attr-defined]
    return field.to_python(raw)


def load_table(model: type[models.Model], path: Path, natural: NaturalKeys) -> int:
    """Insert the file's rows as they are (no save(), no pre_save: auto_now fields keep their times); returns
    the rows inserted."""
    meta = model._meta
    fields = list(meta.local_concrete_fields)
    by_name = {f.name: f for f in fields}
    batch_size = max(1, min(BATCH_ROWS, connection.ops.bulk_batch_size(fields, [None] * BATCH_ROWS)))
    batch: list[models.Model] = []
    rows = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            where = f"{path.name} line {number}"
            batch.append(_instance(model, line, by_name, natural, where))
            rows += 1
            if len(batch) >= batch_size:
                _insert(model, batch, fields)
                batch = []
    if batch:
        _insert(model, batch, fields)
    return rows


def _instance(
    model: type[models.Model],
    line: bytes,
    by_name: Mapping[str, models.Field[Any, Any]],
    natural: NaturalKeys,
    where: str,
) -> models.Model:
    meta = model._meta
    try:
        data = json.loads(line)
        if data["model"] != meta.label_lower:
            raise RestoreCheckFailed(f"{where}: a row of {data['model']} among {meta.label_lower}")
        values = {meta.pk.attname: _loaded(meta.pk, data["pk"], natural, where)}
        for name, raw in data["fields"].items():
            field = by_name.get(name)
            if field is None:
                raise RestoreCheckFailed(f"{where}: {meta.label_lower} has no field {name!r} at this migration state")
            values[field.attname] = _loaded(field, raw, natural, where)
    except (ValueError, KeyError, TypeError, ValidationError) as exc:  # not JSON, or a value a field refuses
        raise RestoreCheckFailed(f"{where}: unreadable row ({exc})") from None
    return model(**values)


def _insert(model: type[models.Model], batch: list[models.Model], fields: list[models.Field[Any, Any]]) -> None:
    """What loaddata's save_base(raw=True) does, a batch at a time: values as given, primary keys included."""
    model._base_manager._insert(batch, fields=fields, using=connection.alias, raw=True)  # type: ignore[attr-defined]


def reset_sequences(models_loaded: list[type[models.Model]]) -> None:
    """Primary-key sequences past the rows inserted with their ids (PostgreSQL; SQLite keeps up by itself)."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_loaded):
            cursor.execute(sql)


def check_foreign_keys(tables: list[str]) -> None:
    try:
        connection.check_constraints(table_names=tables)
    except (IntegrityError, DatabaseError) as exc:
        raise RestoreCheckFailed(f"the restored rows break a foreign key: {exc}") from None


def row_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {_quoted(table)}")  # noqa: S608 - a model's table name
        (count,) = cursor.fetchone()
    return int(count)
