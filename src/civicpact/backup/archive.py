"""The archive: a gzip-compressed tar of one manifest and the files it lists with their SHA-256 (docs/backup.md).

    database/<app>.<model>.jsonl   one table, a Django fixture object per line, in primary-key order
    media/<path>                   the uploaded documents (the default storage's folder)
    telemetry/<path>               the telemetry store (Parquet, ingest journals and records, rejection reports)
    keys/bid-master-keys.json      the bid master keys, encrypted with the backup passphrase (only when one is set)
    manifest.json                  last: format, migration state, rows per table, every file's SHA-256 and size

No Django here. Writing hashes each file as it goes into the archive, so the manifest describes the bytes
archived. Reading is one streaming pass that hashes every member (and, for a restore, copies it to a staging
folder); the manifest is compared only once everything has been read, and a restore touches nothing before that.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import tarfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from civicpact.backup.exceptions import ArchiveDamaged, BackupRefused

FORMAT = "civicpact-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECTIONS = ("database", "media", "telemetry", "keys")
CHUNK = 1024 * 1024
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "backup-manifest.schema.json"

Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, message: str) -> None:
    """A progress callback that shows nothing."""


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "bytes": self.bytes}


def member_name_ok(name: str) -> bool:
    """A member may only be a relative path inside one of the sections, without '.', '..' or empty parts."""
    path = PurePosixPath(name)
    parts = name.split("/")
    return (
        not path.is_absolute()
        and len(parts) >= 2
        and parts[0] in SECTIONS
        and all(part not in {"", ".", ".."} for part in parts)
        and "\\" not in name
        and "\x00" not in name
    )


class _HashingReader:
    """Reads a file for tarfile while hashing exactly the bytes handed over."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.count += len(data)
        return data


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ArchiveWriter:
    """Writes an archive under a temporary name and renames it into place only when the manifest is in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
        self.files: dict[str, FileEntry] = {}
        self.bytes_in = 0
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._raw = os.fdopen(fd, "wb")  # closed by finish() or abort()
        self._tar = tarfile.open(fileobj=self._raw, mode="w:gz", format=tarfile.PAX_FORMAT)  # noqa: SIM115

    def add_stream(self, name: str, handle: IO[bytes], size: int, mtime: float = 0) -> FileEntry:
        if not member_name_ok(name):
            raise ValueError(f"not an archive member name: {name!r}")
        if name in self.files:
            raise ValueError(f"{name} is already in the archive")
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(mtime), 0o600
        reader = _HashingReader(handle)
        self._tar.addfile(info, reader)  # tarfile only calls read()
        entry = FileEntry(reader.digest.hexdigest(), reader.count)
        self.files[name] = entry
        self.bytes_in += reader.count
        return entry

    def add_file(self, name: str, source: Path) -> FileEntry:
        with source.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            return self.add_stream(name, handle, stat.st_size, stat.st_mtime)

    def finish(self, manifest: Mapping[str, Any]) -> str:
        """Add the manifest, close, fsync and rename into place; returns the archive's SHA-256."""
        data = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(data), 0o600
        info.mtime = int(os.path.getmtime(self.partial))
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        if self.path.exists():  # made meanwhile by someone else: keep theirs
            self.partial.unlink()
            raise BackupRefused(f"{self.path} appeared while the backup ran: nothing was overwritten")
        os.replace(self.partial, self.path)
        return file_sha256(self.path)

    def abort(self) -> None:
        for closer in (self._tar.close, self._raw.close):
            with contextlib.suppress(OSError, ValueError, tarfile.TarError):  # the partial file goes anyway
                closer()
        self.partial.unlink(missing_ok=True)


# --- reading ---------------------------------------------------------------------------------------------------

Destination = Callable[[str], Path | None]


@dataclass
class ArchiveContents:
    manifest: dict[str, Any]
    files: dict[str, FileEntry]
    small: dict[str, bytes]  # the keys section, kept in memory


def read_archive(path: Path, *, destination: Destination, progress: Progress = no_progress) -> ArchiveContents:
    """One pass over the archive: hash every member, copy it where `destination` says (None: nowhere), then check
    the manifest. Raises BackupRefused when the file is no CivicPact backup, ArchiveDamaged when it does not match
    its manifest or cannot be read to its end."""
    seen: dict[str, FileEntry] = {}
    small: dict[str, bytes] = {}
    manifest_bytes: bytes | None = None
    try:
        tar = tarfile.open(path, mode="r|*")  # noqa: SIM115 - the `with tar` below closes it
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BackupRefused(f"{path} is not a CivicPact backup archive (not a readable tar file: {exc})") from None
    try:
        with tar:
            for number, member in enumerate(tar, start=1):
                name = member.name
                if name in seen or (name == MANIFEST and manifest_bytes is not None):
                    raise ArchiveDamaged(f"{path}: {name} is in the archive twice")
                if name == MANIFEST and member.isreg():
                    manifest_bytes = _read_member(tar, member, MANIFEST_MAX_BYTES)
                    continue
                if not member.isreg() or not member_name_ok(name):
                    raise ArchiveDamaged(f"{path}: {name!r} is not a file a CivicPact backup holds")
                if name.startswith("keys/"):
                    data = _read_member(tar, member, MANIFEST_MAX_BYTES)
                    small[name] = data
                    seen[name] = FileEntry(hashlib.sha256(data).hexdigest(), len(data))
                else:
                    seen[name] = _copy_member(tar, member, destination(name))
                progress(number, 0, f"read {name}")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise ArchiveDamaged(f"{path} is truncated or damaged after {len(seen)} file(s): {exc}") from None
    if manifest_bytes is None:
        raise BackupRefused(f"{path} has no {MANIFEST}: it is not a CivicPact backup, or it was cut short")
    manifest = parse_manifest(manifest_bytes, where=f"{path}: {MANIFEST}")
    compare_files(manifest, seen)
    return ArchiveContents(manifest=manifest, files=seen, small=small)


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo, limit: int) -> bytes:
    if member.size > limit:
        raise ArchiveDamaged(f"{member.name} is {member.size} bytes: far larger than it can be")
    handle = tar.extractfile(member)
    if handle is None:  # pragma: no cover - only regular files get here
        raise ArchiveDamaged(f"{member.name} cannot be read")
    return handle.read()


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path | None) -> FileEntry:
    handle = tar.extractfile(member)
    if handle is None:  # pragma: no cover - only regular files get here
        raise ArchiveDamaged(f"{member.name} cannot be read")
    digest, count = hashlib.sha256(), 0
    out = _staging_file(member.name, target) if target is not None else None
    try:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            count += len(chunk)
            if out is not None:
                _write(out, target, chunk)
    finally:
        if out is not None:
            out.close()
    return FileEntry(digest.hexdigest(), count)


def _staging_file(name: str, target: Path) -> IO[bytes]:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return target.open("xb")
    except FileExistsError:
        raise ArchiveDamaged(f"{name} is in the archive twice") from None
    except OSError as exc:
        raise BackupRefused(f"cannot write {target}: {exc.strerror}; nothing was restored") from None


def _write(out: IO[bytes], target: Path | None, chunk: bytes) -> None:
    """A staging write; its failure (a full disk) is the target's problem, not the archive's."""
    try:
        out.write(chunk)
    except OSError as exc:
        raise BackupRefused(f"cannot write {target}: {exc.strerror}; nothing was restored") from None


def parse_manifest(data: bytes, *, where: str) -> dict[str, Any]:
    """The manifest, checked: its format and version first (a newer CivicPact's archive is refused as such), then
    its JSON Schema (src/civicpact/schemas/backup-manifest.schema.json)."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveDamaged(f"{where} is damaged: not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"{where}: not a CivicPact backup manifest (format is not {FORMAT!r})")
    version = manifest.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise BackupRefused(
            f"{where}: the archive is format {version}, made by a newer CivicPact; this one reads format "
            f"{FORMAT_VERSION}: restore with the version that made it"
        )
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    error = best_match(Draft202012Validator(schema).iter_errors(manifest))
    if error is not None:
        field = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ArchiveDamaged(f"{where} is damaged: {field}: {error.message}")
    return manifest


def compare_files(manifest: Mapping[str, Any], seen: Mapping[str, FileEntry]) -> None:
    """Every file the manifest lists is in the archive with its size and SHA-256, and nothing else is."""
    listed: Mapping[str, Mapping[str, Any]] = manifest["files"]
    for name, entry in listed.items():
        found = seen.get(name)
        if found is None:
            raise ArchiveDamaged(f"{name} is missing from the archive")
        if found.sha256 != entry["sha256"] or found.bytes != entry["bytes"]:
            raise ArchiveDamaged(
                f"{name} is damaged: its SHA-256 is {found.sha256[:16]}… ({found.bytes} bytes), the manifest says "
                f"{entry['sha256'][:16]}… ({entry['bytes']} bytes)"
            )
    for name in seen:
        if name not in listed:
            raise ArchiveDamaged(f"{name} is in the archive but not in its manifest")
