"""Backup and restore of a deployment: the database, the uploaded documents, the telemetry store and (encrypted by a
passphrase, or left out) the bid master keys. docs/backup.md says how to use them; docs/decisions/0011 why so.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from civicpact.backup import archive, database, keys
from civicpact.backup.archive import FORMAT, FORMAT_VERSION, ArchiveWriter, Progress, no_progress, read_archive
from civicpact.backup.exceptions import ArchiveDamaged, BackupRefused, RestoreCheckFailed
from civicpact.ledger.models import AuditEvent, ChainHead
from civicpact.ledger.selectors import audit_chain_verify
from civicpact.ledger.services import audit_append
from civicpact.ledger.triggers import append_only_suspended
from civicpact.performance.ingest import store_lock
from civicpact.tendering import sealing
from civicpact.tendering.models import Tender
from civicpact.tendering.selectors import tender_key_usage

SECTIONS = ("media", "telemetry")
CONTRACT_PART = re.compile(r"(?:^|/)contract=([^/]+)(?:/|$)")


def media_root() -> Path:
    """The uploaded documents' folder: the default storage's, which must be a folder on this machine."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupRefused(
            f"documents are kept by {type(storage).__name__}, not in a folder: back them up with that storage's own "
            "tools (docs/backup.md)"
        )
    return Path(storage.location)


def telemetry_root() -> Path:
    return Path(settings.CIVICPACT_TELEMETRY_DIR)


def _files_of(root: Path) -> list[Path]:
    """Regular files under the root, sorted; symbolic links are not followed, store locks are not data."""
    found: list[Path] = []
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink() and not (name == "lock" and "_ingest" in path.parts):
                found.append(path)
    return sorted(found)


def _roots() -> dict[str, Path]:
    return {"media": media_root(), "telemetry": telemetry_root()}


# --- backup ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    backup_id: str
    tables: int
    rows: int
    files: dict[str, int]
    bytes_in: int
    keys_included: bool
    keys_needed: dict[str, int]


def backup_create(*, out: Path, with_keys: bool = True, progress: Progress = no_progress) -> BackupResult:
    """Write one archive of everything that matters. Reads only: the database in one consistent snapshot, the
    telemetry store under each contract's shared store lock."""
    if out.exists():
        raise BackupRefused(f"{out} exists: choose another name (a backup never overwrites a file)")
    if not out.parent.is_dir():
        raise BackupRefused(f"{out.parent} is not a folder")
    if database.unapplied_migrations():
        raise BackupRefused("the database is not up to date: run 'civicpact migrate' first")
    passphrase = settings.CIVICPACT_BACKUP_PASSPHRASE if with_keys else ""
    if passphrase:
        keys.check_passphrase(passphrase)
    roots = _roots()
    models = database.backed_up_models()
    try:
        writer = ArchiveWriter(out)
    except OSError as exc:
        raise BackupRefused(f"cannot write {out}: {exc.strerror}") from None
    try:
        step = _Steps(len(models), progress)
        manifest = _write_database(writer, models, out.parent, step)
        # Listed after the snapshot: every document a row of the snapshot points to was written before it.
        files = {section: _files_of(root) for section, root in roots.items()}
        step.total += sum(len(found) for found in files.values())
        for section, root in roots.items():
            _write_files(writer, section, root, files[section], step)
        backup_id = str(uuid.uuid4())
        manifest["backup_id"] = backup_id
        manifest["bid_keys"] = _write_keys(writer, passphrase, backup_id, manifest.pop("key_usage"))
        manifest["sections"] = {section: {"files": len(files[section])} for section in roots}
        manifest["files"] = {name: entry.as_dict() for name, entry in writer.files.items()}
        sha256 = writer.finish(_ordered(manifest))
    except OSError as exc:
        writer.abort()
        raise BackupRefused(
            f"the backup stopped: {exc.filename or out}: {exc.strerror}; nothing was written"
        ) from None
    except BaseException:
        writer.abort()
        raise
    return BackupResult(
        path=out,
        sha256=sha256,
        backup_id=backup_id,
        tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"]),
        files={section: len(found) for section, found in files.items()},
        bytes_in=writer.bytes_in,
        keys_included=manifest["bid_keys"]["included"],
        keys_needed=manifest["bid_keys"]["tenders_by_key"],
    )


class _Steps:
    def __init__(self, total: int, progress: Progress) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def __call__(self, message: str) -> None:
        self.done += 1
        self.progress(self.done, self.total, message)


def _write_database(writer: ArchiveWriter, models: list[Any], scratch: Path, step: _Steps) -> dict[str, Any]:
    """Every table, in one snapshot; returns the manifest's first part."""
    tables: list[dict[str, Any]] = []
    with database.snapshot():
        natural = database.NaturalKeys()
        for model in models:
            name = f"database/{database.label(model)}.jsonl"
            with tempfile.TemporaryFile(dir=scratch) as handle:
                rows = database.dump_table(model, handle, natural)
                size = handle.tell()
                handle.seek(0)
                writer.add_stream(name, handle, size)
            tables.append({"model": database.label(model), "table": model._meta.db_table, "rows": rows, "file": name})
            step(f"database: {database.label(model)} ({rows} rows)")
        head = ChainHead.objects.filter(pk=1).values("seq", "hash").first() or {"seq": 0, "hash": "0" * 64}
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "civicpact_version": _version(),
            "database": {"vendor": connection.vendor, "method": "json-lines"},
            "migrations": database.migration_state(),
            "tables": tables,
            "audit_chain": {"events": AuditEvent.objects.count(), "head_seq": head["seq"], "head_hash": head["hash"]},
            "key_usage": tender_key_usage(),
        }


def _write_files(writer: ArchiveWriter, section: str, root: Path, files: list[Path], step: _Steps) -> None:
    """A section's files; the telemetry of a contract under its shared store lock (no ingest half-applied)."""
    by_contract: dict[str, list[Path]] = {}
    for path in files:
        match = CONTRACT_PART.search(path.relative_to(root).as_posix()) if section == "telemetry" else None
        by_contract.setdefault(match.group(1) if match else "", []).append(path)
    for contract, paths in sorted(by_contract.items()):
        lock = store_lock(root, contract, shared=True) if contract else contextlib.nullcontext()
        with lock:
            for path in paths:
                relative = path.relative_to(root).as_posix()
                writer.add_file(f"{section}/{relative}", path)
                step(f"{section}: {relative}")


def _write_keys(writer: ArchiveWriter, passphrase: str, backup_id: str, usage: dict[str, int]) -> dict[str, Any]:
    """The bid master keys, encrypted, when a passphrase is set; otherwise only which keys the tenders need."""
    part: dict[str, Any] = {"included": False, "tenders_by_key": usage}
    if not passphrase:
        return part
    if not settings.CIVICPACT_BID_MASTER_KEY:
        raise BackupRefused("CIVICPACT_BID_MASTER_KEY is not set: there is no key to back up (--without-keys)")
    sealed = keys.seal(
        keys.MasterKeys(settings.CIVICPACT_BID_MASTER_KEY, tuple(settings.CIVICPACT_BID_MASTER_KEYS_RETIRED)),
        passphrase=passphrase,
        backup_id=backup_id,
    )
    writer.add_stream(keys.MEMBER, io.BytesIO(sealed), len(sealed))
    return {**part, "included": True, "file": keys.MEMBER, "key_ids": sorted(_configured_keys())}


def _ordered(manifest: dict[str, Any]) -> dict[str, Any]:
    first = ["format", "format_version", "backup_id", "created_at", "civicpact_version", "database", "migrations"]
    return {**{k: manifest[k] for k in first}, **{k: v for k, v in manifest.items() if k not in first}}


def _version() -> str:
    try:
        return version("civicpact")
    except PackageNotFoundError:  # pragma: no cover - a checkout without `pip install -e .`
        return "unknown"


def _configured_keys() -> dict[str, bytes]:
    try:
        return sealing.master_keys()
    except ImproperlyConfigured as exc:
        raise BackupRefused(str(exc)) from None


# --- restore ---------------------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    checked_only: bool = False
    rows: int = 0
    files: dict[str, int] = field(default_factory=dict)
    chain_events: int = 0
    keys_installed: bool = False
    migrated_forward: bool = False
    replaced: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    same_state: bool
    current: bool
    replaced: list[str]
    unwrap_keys: dict[str, bytes]
    install: keys.MasterKeys | None = None


def backup_restore(
    *,
    archive_path: Path,
    force: bool = False,
    check_only: bool = False,
    allow_missing_keys: bool = False,
    progress: Progress = no_progress,
) -> RestoreResult:
    """Restore an archive into this deployment. Every file's SHA-256 is checked against the manifest before anything
    is touched; the rows go in, are counted and the audit chain re-verified in one transaction, then the documents
    and the telemetry replace their folders. A refusal or a failed check changes nothing."""
    if not archive_path.is_file():
        raise BackupRefused(f"{archive_path}: no such file")
    roots = _roots()
    occupied = database.tables_with_rows(m._meta.db_table for m in database.backed_up_models())
    replaced = [f"the database ({_some(occupied)})"] if occupied else []
    replaced += [f"{section} ({root})" for section, root in roots.items() if _files_of(root)]
    if replaced and not (force or check_only):
        raise BackupRefused(
            f"the target already holds data: {'; '.join(replaced)}. Restore into an empty deployment, or pass "
            "--force to replace all of it"
        )
    staging = None if check_only else _Staging(roots, Path(settings.DATA_DIR))
    try:
        destination = staging.destination if staging else _nowhere
        contents = read_archive(archive_path, destination=destination, progress=progress)
        manifest = contents.manifest
        plan = _plan(archive_path, contents, replaced, occupied=bool(occupied), allow_missing_keys=allow_missing_keys)
        result = RestoreResult(manifest=manifest, checked_only=check_only, replaced=plan.replaced)
        result.files = {section: manifest["sections"][section]["files"] for section in SECTIONS}
        result.rows = sum(t["rows"] for t in manifest["tables"])
        if staging is None:
            return result
        if not plan.same_state:
            database.migrate_to(manifest["migrations"])
        _load(archive_path, manifest, staging.database, plan, force=force, progress=progress)
        staging.swap()
        if plan.install is not None:
            _install_keys(plan.install)
            result.keys_installed = True
        if not plan.current:  # an older CivicPact's archive: loaded at its own state, now brought up to date
            call_command("migrate", interactive=False, verbosity=0)
            _check_chain(manifest, after="restored and migrated, but")
            _record(archive_path, manifest, force=force)
            result.migrated_forward = True
        result.chain_events = AuditEvent.objects.count()
        return result
    finally:
        if staging is not None:
            staging.cleanup()


def _nowhere(name: str) -> None:
    return None


def _plan(
    archive_path: Path,
    contents: archive.ArchiveContents,
    replaced: list[str],
    *,
    occupied: bool,
    allow_missing_keys: bool,
) -> _Plan:
    """The refusals that need the archive, before anything is touched: a newer CivicPact's archive, data at another
    migration state, missing keys."""
    manifest = contents.manifest
    unknown = database.unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupRefused(
            f"the archive was made by a newer CivicPact (migrations {', '.join(unknown[:3])}"
            f"{' …' if len(unknown) > 3 else ''} are unknown here): restore with the version that made it"
        )
    same_state = database.nodes_of(manifest["migrations"]) == database.nodes_of(database.migration_state())
    if occupied and not same_state:
        raise BackupRefused(
            "the database holds data at another migration state than the archive's: --force replaces data only at "
            "the same state; restore into an empty database"
        )
    unwrap_keys, install = _key_plan(archive_path, contents, allow_missing_keys=allow_missing_keys)
    return _Plan(
        same_state=same_state,
        current=database.is_current(manifest["migrations"]),
        replaced=replaced,
        unwrap_keys=unwrap_keys,
        install=install,
    )


def _some(tables: list[str]) -> str:
    more = f" and {len(tables) - 3} more tables" if len(tables) > 3 else ""
    return ", ".join(tables[:3]) + more


def _key_plan(
    archive_path: Path, contents: archive.ArchiveContents, *, allow_missing_keys: bool
) -> tuple[dict[str, bytes], keys.MasterKeys | None]:
    """The keys that will open the restored tenders, and the archive's keys to install in the data folder (when the
    deployment keeps its key there and lacks the archive's)."""
    needed = set(contents.manifest["bid_keys"]["tenders_by_key"])
    configured = _configured_keys()
    missing = needed - set(configured)
    if not missing:  # the archive's keys, if any, are not needed (nor opened)
        return configured, None
    carried = keys.MEMBER in contents.small
    from_archive = (
        archive_keys(contents, passphrase=settings.CIVICPACT_BACKUP_PASSPHRASE)
        if carried and settings.CIVICPACT_BACKUP_PASSPHRASE
        else None
    )
    archived = _fingerprints(from_archive) if from_archive else {}
    if from_archive is not None and missing <= set(archived):
        if settings.CIVICPACT_BID_MASTER_KEY_SOURCE == "data-dir":
            return {**configured, **archived}, from_archive
        raise BackupRefused(
            f"the archive's tenders are sealed under master key(s) {', '.join(sorted(missing))}, which this "
            f"deployment is not configured with: 'civicpact keys unpack {archive_path} --out FILE' writes them from "
            "the archive; set CIVICPACT_BID_MASTER_KEY(_FILE) and CIVICPACT_BID_MASTER_KEYS_RETIRED(_FILE) from it "
            "(docs/keys.md)"
        )
    if allow_missing_keys:
        return {**configured, **archived}, None
    hint = (
        "set CIVICPACT_BACKUP_PASSPHRASE to open the keys the archive carries"
        if carried and from_archive is None
        else "configure them from your key escrow (docs/keys.md)"
    )
    raise BackupRefused(
        f"the archive's tenders are sealed under master key(s) {', '.join(sorted(missing))}, which this deployment "
        f"does not have: {hint}, or pass --allow-missing-keys (those bids stay unreadable until the keys are set)"
    )


def archive_keys(contents: archive.ArchiveContents, *, passphrase: str) -> keys.MasterKeys:
    """The archive's bid master keys, decrypted and checked."""
    if keys.MEMBER not in contents.small:
        raise BackupRefused("this archive does not carry the bid master keys (it was made without a passphrase)")
    found = keys.unseal(contents.small[keys.MEMBER], passphrase=passphrase, backup_id=contents.manifest["backup_id"])
    try:
        _fingerprints(found)
    except ImproperlyConfigured as exc:
        raise ArchiveDamaged(f"{keys.MEMBER}: {exc}") from None
    return found


def _fingerprints(found: keys.MasterKeys) -> dict[str, bytes]:
    parsed = [sealing.parse_key(found.current, "the archive's current key")]
    parsed += [sealing.parse_key(text, "a retired key of the archive") for text in found.retired]
    return {sealing.key_id(key): key for key in parsed}


def _load(
    archive_path: Path, manifest: dict[str, Any], staged: Path, plan: _Plan, *, force: bool, progress: Progress
) -> None:
    """The rows, in one transaction: emptied tables, the archive's rows inserted raw, counted, foreign keys checked,
    every tender's data key unwrapped, the audit chain re-verified and the restore recorded in it."""
    registry = database.historical_models(manifest["migrations"])
    models = {database.label(m): m for m in database.backed_up_models(registry)}
    entries = manifest["tables"]
    for entry in entries:
        if entry["model"] not in models:
            raise ArchiveDamaged(f"{entry['file']}: {entry['model']} has no table at the archive's migration state")
    current_tables = {m._meta.db_table for m in database.backed_up_models()}
    tables = sorted({m._meta.db_table for m in models.values()} | current_tables | {database.SESSIONS_TABLE})
    with transaction.atomic():
        with append_only_suspended():
            database.wipe(tables)
            natural = database.NaturalKeys()
            for number, entry in enumerate(entries, start=1):
                model = models[entry["model"]]
                rows = database.load_table(model, staged / entry["file"].removeprefix("database/"), natural)
                if rows != entry["rows"] or database.row_count(entry["table"]) != entry["rows"]:
                    raise RestoreCheckFailed(f"{entry['file']}: {rows} rows loaded, the manifest says {entry['rows']}")
                progress(number, len(entries), f"database: {entry['model']} ({rows} rows)")
            database.reset_sequences([models[e["model"]] for e in entries])
            database.check_foreign_keys([e["table"] for e in entries])
        _check_tenders(plan.unwrap_keys)
        if plan.current:
            _check_chain(manifest, after="nothing was restored:")
            _record(archive_path, manifest, force=force)


def _check_tenders(available: Mapping[str, bytes]) -> None:
    """Every tender's data key unwraps under the keys the deployment will have (those it lacks were allowed)."""
    rows = Tender.objects.exclude(master_key_id="").values_list("pk", "master_key_id", "wrapped_key")
    for pk, kid, wrapped in rows.iterator():
        if kid in available:
            try:
                sealing.unwrap(pk, kid, bytes(wrapped), available)
            except sealing.WrappedKeyDamaged as exc:
                raise RestoreCheckFailed(f"{exc}; nothing was restored") from None


def _check_chain(manifest: Mapping[str, Any], *, after: str) -> None:
    verdict = audit_chain_verify()
    if not verdict.ok:
        raise RestoreCheckFailed(
            f"{after} the archive's audit chain is broken at event #{verdict.first_broken_seq}: {verdict.reason}"
        )
    head = ChainHead.objects.filter(pk=1).values("seq", "hash").first()
    expected = manifest["audit_chain"]
    if head is None or (head["seq"], head["hash"]) != (expected["head_seq"], expected["head_hash"]):
        raise RestoreCheckFailed(f"{after} the audit chain's head does not match the manifest's")
    if verdict.events_checked != expected["events"]:
        raise RestoreCheckFailed(
            f"{after} the audit chain has {verdict.events_checked} events, the manifest says {expected['events']}"
        )


def _record(archive_path: Path, manifest: Mapping[str, Any], *, force: bool) -> None:
    with transaction.atomic():
        audit_append(
            actor=None,
            action="system.restore",
            obj=f"backup:{manifest['backup_id']}",
            payload={
                "archive": archive_path.name,
                "backup_id": manifest["backup_id"],
                "created_at": manifest["created_at"],
                "rows": sum(t["rows"] for t in manifest["tables"]),
                "replaced_data": force,
            },
        )


def _install_keys(found: keys.MasterKeys) -> None:
    """Into the data folder, where this deployment keeps its key; the files they replace are kept aside."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    current, retired = Path(settings.BID_MASTER_KEY_FILE), Path(settings.BID_MASTER_KEYS_RETIRED_FILE)
    for path in (current, retired):
        if path.exists():
            os.replace(path, path.with_name(f"{path.name}.before-restore-{stamp}"))
    _write_secret(current, found.current)
    if found.retired:
        _write_secret(retired, "\n".join(found.retired))


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


class _Staging:
    """Where a restore puts the archive's files before they replace anything: a folder beside each target (so the
    final step is a rename on the same file system) and one in the data folder for the tables."""

    def __init__(self, roots: Mapping[str, Path], data_dir: Path) -> None:
        self.roots = dict(roots)
        self.folders: dict[str, Path] = {}
        self.replaced: list[Path] = []
        for section, root in self.roots.items():
            root.parent.mkdir(parents=True, exist_ok=True)
            self.folders[section] = Path(tempfile.mkdtemp(prefix=f".{root.name}.restore-", dir=root.parent))
        self.database = Path(tempfile.mkdtemp(prefix=".restore-database-", dir=data_dir))

    def destination(self, name: str) -> Path:
        section, _, rest = name.partition("/")
        return (self.database if section == "database" else self.folders[section]) / rest

    def swap(self) -> None:
        """Each staged folder in its target's place. Runs after the database's commit, so a failure here (a
        permission) is reported with where the archive's files wait, and that folder is kept."""
        for section, root in self.roots.items():
            staged, aside = self.folders[section], None
            try:
                if root.exists():
                    staged.chmod(root.stat().st_mode & 0o7777)
                    aside = root.with_name(f".{root.name}.replaced-{uuid.uuid4().hex[:8]}")
                    os.replace(root, aside)
                os.replace(staged, root)
            except OSError as exc:
                if aside is not None and aside.exists() and not root.exists():
                    os.replace(aside, root)  # the old folder back where it was, never deleted
                self.folders.pop(section)  # the staged files stay for the operator
                raise RestoreCheckFailed(
                    f"the database is restored, but {root} could not be replaced ({exc.strerror}): the archive's "
                    f"{section} files are in {staged}; move them there by hand"
                ) from None
            self.folders.pop(section)
            if aside is not None:
                self.replaced.append(aside)

    def cleanup(self) -> None:
        for folder in [*self.folders.values(), self.database, *self.replaced]:
            shutil.rmtree(folder, ignore_errors=True)
