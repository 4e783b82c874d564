"""Readiness checks behind /readyz (docs/deployment.md, "Health checks").

Each check returns a `Check` with a short detail that names what to fix (a setting or a command), never a path, a
host or an exception's own text: /readyz answers anyone who reaches it. What went wrong in full is logged.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

logger = logging.getLogger(__name__)

MANIFEST_STORAGES = ("ManifestStaticFilesStorage", "CompressedManifestStaticFilesStorage")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _failed(name: str, detail: str, exc: BaseException) -> Check:
    logger.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
    return Check(name, False, f"{detail} ({type(exc).__name__})")


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failed("database", "unreachable: check DATABASE_URL and the database server", exc)
    return Check("database", True, connection.vendor)


def migrations_check() -> Check:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return _failed("migrations", "could not be read", exc)
    if plan:
        first = plan[0][0]
        return Check(
            "migrations",
            False,
            f"{len(plan)} not applied (first: {first.app_label}.{first.name}): run 'civicpact migrate'",
        )
    return Check("migrations", True, "all applied")


def ocds_schemas_check() -> Check:
    root = Path(settings.CIVICPACT_OCDS_DIR)
    needed = [
        root / "standard-1__1__5" / "schema" / "release-schema.json",
        root / "ppp-profile" / "schema" / "patched" / "release-schema.json",
    ]
    missing = [p.relative_to(root).as_posix() for p in needed if not p.is_file()]
    if missing:
        return Check("ocds_schemas", False, f"CIVICPACT_OCDS_DIR lacks {', '.join(missing)}")
    return Check("ocds_schemas", True, "present")


def writable_check(name: str, path: Path, setting: str) -> Check:
    """Whether a file can be created (and removed) in `path`, created first if it is missing."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".readyz-"):
            pass
    except OSError as exc:
        return _failed(name, f"{setting} is not writable", exc)
    return Check(name, True, "writable")


def documents_check() -> Check:
    """Uploaded documents: a writable folder, or an object store that answers."""
    if isinstance(default_storage, FileSystemStorage):
        return writable_check("documents", Path(default_storage.location), "CIVICPACT_MEDIA_ROOT")
    try:
        bucket = getattr(default_storage, "bucket_name", None)
        if bucket:  # S3: the bucket itself must answer (a missing object would hide a missing bucket)
            default_storage.connection.meta.client.head_bucket(Bucket=bucket)  # type: ignore[attr-defined]
        else:
            default_storage.exists(".civicpact-readyz")
    except Exception as exc:
        return _failed("documents", "the object store did not answer: check CIVICPACT_S3_*", exc)
    return Check("documents", True, "object store reachable")


def static_files_check() -> Check | None:
    """With hashed static file names (production), collectstatic must have written the manifest."""
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if not backend.endswith(MANIFEST_STORAGES):
        return None
    manifest = getattr(storages["staticfiles"], "manifest_name", "staticfiles.json")
    if not (Path(settings.STATIC_ROOT) / manifest).is_file():
        return Check("static_files", False, "not collected: run 'manage.py collectstatic'")
    return Check("static_files", True, "collected")


def cache_check() -> Check | None:
    """The shared cache (Redis), when REDIS_URL configures one."""
    if not settings.CIVICPACT_REDIS_URL:
        return None
    key, value = f"civicpact:readyz:{secrets.token_hex(4)}", secrets.token_hex(4)
    try:
        cache.set(key, value, timeout=10)
        answered = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        return _failed("cache", "Redis did not answer: check REDIS_URL", exc)
    if answered != value:
        return Check("cache", False, "Redis did not keep a value: check REDIS_URL")
    return Check("cache", True, "redis")


def worker_check() -> Check | None:
    """The task worker, when CIVICPACT_READYZ_WORKER_MINUTES is set: no task may have waited longer than that."""
    minutes = settings.CIVICPACT_READYZ_WORKER_MINUTES
    if not minutes:
        return None
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(minutes=minutes)
    try:
        waiting = DBTaskResult.objects.ready().filter(enqueued_at__lt=cutoff).count()
    except DatabaseError as exc:
        return _failed("worker", "the task queue could not be read", exc)
    if waiting:
        return Check("worker", False, f"{waiting} task(s) waiting over {minutes} min: is 'civicpact worker' running?")
    return Check("worker", True, f"no task waiting over {minutes} min")


def readiness() -> list[Check]:
    """Every check that applies to this deployment, in a fixed order."""
    database = database_check()
    checks = [
        database,
        migrations_check() if database.ok else Check("migrations", False, "not checked: no database"),
        ocds_schemas_check(),
        writable_check("data_dir", Path(settings.DATA_DIR), "CIVICPACT_DATA_DIR"),
        writable_check("telemetry_dir", Path(settings.CIVICPACT_TELEMETRY_DIR), "CIVICPACT_TELEMETRY_DIR"),
        documents_check(),
    ]
    optional = [static_files_check(), cache_check(), worker_check() if database.ok else None]
    return checks + [check for check in optional if check is not None]
