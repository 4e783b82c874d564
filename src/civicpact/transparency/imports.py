"""Importing another publisher's OCDS release or record package (docs/ocds-import.md).

Everything is checked before anything is written, and the report names each problem by its path in the file; a
package with any problem imports nothing. An accepted package is stored in one transaction with its audit event.
The same file imported again (same sha256) is recognised and nothing is stored twice.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from civicpact.accounts.models import Role
from civicpact.accounts.permissions import has_role
from civicpact.domain.ocds import OCDS_VERSION
from civicpact.ledger.exceptions import SchemaMissing
from civicpact.ledger.models import Ocid
from civicpact.ledger.ocds_mirror import ocds_dir
from civicpact.ledger.services import audit_append
from civicpact.ledger.validation import release_package_errors
from civicpact.transparency.models import ImportedPackage, ImportedRelease, PackageKind

MAX_PROBLEMS = 200
MAX_MESSAGE = 300
LOOKUP_BATCH = 500
CORE_SCHEMA_BASE = "https://standard.open-contracting.org/schema/1__1__5/"
# Where each declared extension URL is found offline: the URL prefix and its folder under CIVICPACT_OCDS_DIR.
EXTENSION_MIRRORS = {
    "https://raw.githubusercontent.com/": "extensions/",
    "https://standard.open-contracting.org/profiles/ppp/extension/1__0__0__beta4/": "ppp-profile/schema/profile/",
}


class ImportRefused(Exception):
    """The person may not import packages."""


def can_import(user: Any) -> bool:
    """Only administrators import other publishers' data into the portal."""
    return has_role(user, Role.ADMINISTRATOR)


@dataclass
class ImportReport:
    """What the check found and what was done; `problems` are {"path", "message"} in file order."""

    file_name: str
    digest: str
    kind: str = ""
    problems: list[dict[str, str]] = field(default_factory=list)
    package: ImportedPackage | None = None
    already_imported: bool = False
    release_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, path: str, message: str) -> None:
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"path": path or "(top level)", "message": message})

    def package_id_text(self) -> str:
        return str(self.package.pk) if self.package else "-"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "file_name": self.file_name,
            "digest": self.digest,
            "kind": self.kind,
            "imported": self.ok and not self.already_imported,
            "already_imported": self.already_imported,
            "package_id": self.package.pk if self.package else None,
            "release_count": self.release_count,
            "problems": self.problems,
        }


def package_import(*, actor: Any, data: bytes, file_name: str = "") -> ImportReport:
    """Check `data` and, when it has no problem, import it whole. Refused for anyone but administrators
    (`actor=None` is the command line, run by whoever runs the server)."""
    if actor is not None and not can_import(actor):
        raise ImportRefused("Only administrators may import OCDS data.")
    report = ImportReport(file_name=file_name, digest=hashlib.sha256(data).hexdigest())
    existing = ImportedPackage.objects.filter(digest=report.digest).first()
    if existing is not None:
        report.kind, report.package, report.already_imported = existing.kind, existing, True
        report.release_count = existing.releases.count()
        return report
    package = _parse(data, report)
    if package is not None:
        _check(package, report)
    if package is None or not report.ok:
        _record_refusal(actor, report)
        return report
    with transaction.atomic():
        report.package = _store(actor, package, report)
    return report


def _parse(data: bytes, report: ImportReport) -> dict[str, Any] | None:
    try:
        package = json.loads(data)
    except UnicodeDecodeError:
        report.add("", "the file is not UTF-8 text: save it as UTF-8 JSON")
        return None
    except json.JSONDecodeError as exc:
        report.add("", f"not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}")
        return None
    if not isinstance(package, dict):
        report.add("", "expected a JSON object: an OCDS release package or record package")
        return None
    if isinstance(package.get("releases"), list):
        report.kind = PackageKind.RELEASE_PACKAGE
    elif isinstance(package.get("records"), list):
        report.kind = PackageKind.RECORD_PACKAGE
    else:
        report.add("", "neither a release package (a 'releases' array) nor a record package (a 'records' array)")
        return None
    return package


def _check(package: dict[str, Any], report: ImportReport) -> None:
    if package.get("version") != OCDS_VERSION:
        report.add("version", f"OCDS version {package.get('version')!r} is not supported: only {OCDS_VERSION!r}")
    _check_extensions(package.get("extensions", []), report)
    for problem in _schema_errors(package, report.kind):
        report.add(problem["path"], problem["message"])
    _check_identifiers(package, report)


def _check_extensions(extensions: Any, report: ImportReport) -> None:
    if not isinstance(extensions, list):
        return  # the schema reports it
    base = Path(ocds_dir())
    for index, url in enumerate(extensions):
        if not isinstance(url, str):
            continue
        local = next(
            (base / folder / url[len(p) :] for p, folder in EXTENSION_MIRRORS.items() if url.startswith(p)), None
        )
        if local is None or not url.endswith("/extension.json") or not local.is_file():
            report.add(
                f"extensions/{index}",
                f"{url}: not an extension that can be applied here (only the OCDS for PPPs profile's extensions, "
                "at the versions this deployment mirrors, are known)",
            )


@cache
def _record_package_validator(ocds_dir: str) -> Draft4Validator:
    """The core record package schema, with the PPP profile's release schema for embedded and compiled releases."""
    root = Path(ocds_dir)
    patched = root / "ppp-profile" / "schema" / "patched" / "release-schema.json"
    core = root / "standard-1__1__5" / "schema"
    if not patched.exists() or not (core / "record-package-schema.json").exists():
        raise SchemaMissing(
            f"OCDS schemas not found under {root}: set CIVICPACT_OCDS_DIR or run `civicpact ocds fetch-schemas`"
        )
    schema = json.loads((core / "record-package-schema.json").read_text(encoding="utf-8"))
    release = json.loads(patched.read_text(encoding="utf-8"))
    versioned = json.loads((core / "versioned-release-validation-schema.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resources(
        [
            (CORE_SCHEMA_BASE + "release-schema.json", DRAFT4.create_resource(release)),
            (CORE_SCHEMA_BASE + "versioned-release-validation-schema.json", DRAFT4.create_resource(versioned)),
        ]
    )
    return Draft4Validator(schema, registry=registry, format_checker=FormatChecker())


def _schema_errors(package: dict[str, Any], kind: str) -> list[dict[str, str]]:
    if kind == PackageKind.RELEASE_PACKAGE:
        return release_package_errors(package)
    validator = _record_package_validator(ocds_dir())
    errors = sorted(validator.iter_errors(package), key=lambda e: [str(p) for p in e.absolute_path])
    return [{"path": "/".join(str(p) for p in e.absolute_path), "message": _message(e)} for e in errors]


def _message(error: Any) -> str:
    """jsonschema's message without a copy of a whole object or array in it."""
    if isinstance(error.instance, dict | list):
        what = "this object" if isinstance(error.instance, dict) else "this array"
        return str(error.message).replace(repr(error.instance), what)
    return str(error.message)


def _check_identifiers(package: dict[str, Any], report: ImportReport) -> None:
    """Duplicate ocids and release ids in the file, ids already imported, and ocids that are this publisher's own."""
    rows = list(_rows(package, report.kind))
    seen: Counter[tuple[str, str]] = Counter()
    for path, row in rows:
        key = (row["ocid"], row["release_id"])
        seen[key] += 1
        if seen[key] == 2 and all(key):  # once per duplicate; a missing ocid or id is the schema's to report
            report.add(f"{path}/id", f"release id {key[1]!r} appears more than once for ocid {key[0]!r}")
        if row["date"] is None:
            report.add(f"{path}/date", "not an ISO 8601 date-time with a time zone")
    if report.kind == PackageKind.RECORD_PACKAGE:
        ocids = Counter(r.get("ocid") for r in package["records"] if isinstance(r, dict))
        for index, record in enumerate(package["records"]):
            if isinstance(record, dict) and ocids[record.get("ocid")] > 1:
                report.add(f"records/{index}/ocid", f"ocid {record.get('ocid')!r} has more than one record")
    _check_against_stored(rows, report)


def _check_against_stored(rows: list[tuple[str, dict[str, Any]]], report: ImportReport) -> None:
    ocids = sorted({row["ocid"] for _, row in rows})
    own: set[str] = set()
    stored: set[tuple[str, str]] = set()
    for start in range(0, len(ocids), LOOKUP_BATCH):  # within every database's limit on query parameters
        batch = ocids[start : start + LOOKUP_BATCH]
        own.update(Ocid.objects.filter(ocid__in=batch).values_list("ocid", flat=True))
        stored.update(ImportedRelease.objects.filter(ocid__in=batch).values_list("ocid", "release_id"))
    imported_ocids = {ocid for ocid, _ in stored}
    reported: set[str] = set()
    for path, row in rows:
        ocid = row["ocid"]
        if ocid in own and ocid not in reported:
            report.add(f"{path}/ocid", f"ocid {ocid!r} is one of this publisher's own contracting processes")
            reported.add(ocid)
        elif ocid in imported_ocids and ocid not in reported:
            report.add(f"{path}/ocid", f"ocid {ocid!r} was already imported from another package")
            reported.add(ocid)
        elif (ocid, row["release_id"]) in stored:
            report.add(f"{path}/id", f"release {row['release_id']!r} of {ocid!r} was already imported")


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _rows(package: Mapping[str, Any], kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, row) for each release to store: a release package's releases; a record package's embedded releases,
    or its compiled release when the record only links to its releases."""
    if kind == PackageKind.RELEASE_PACKAGE:
        for index, release in enumerate(package["releases"]):
            if isinstance(release, dict):
                yield f"releases/{index}", _row(release, compiled=False)
        return
    for index, record in enumerate(package["records"]):
        if not isinstance(record, dict):
            continue
        embedded = [r for r in record.get("releases") or [] if isinstance(r, dict) and "ocid" in r and "id" in r]
        if embedded:
            for position, release in enumerate(embedded):
                yield f"records/{index}/releases/{position}", _row(release, compiled=False)
        elif isinstance(record.get("compiledRelease"), dict):
            yield f"records/{index}/compiledRelease", _row(record["compiledRelease"], compiled=True)


def _row(release: Mapping[str, Any], *, compiled: bool) -> dict[str, Any]:
    return {
        "ocid": str(release.get("ocid", "")),
        "release_id": str(release.get("id", "")),
        "date": _date(release.get("date")),
        "compiled": compiled,
        "body": dict(release),
    }


def _store(actor: Any, package: dict[str, Any], report: ImportReport) -> ImportedPackage:
    publisher = package.get("publisher") or {}
    stored = ImportedPackage(
        digest=report.digest,
        kind=report.kind,
        file_name=report.file_name[:255],
        uri=str(package.get("uri", ""))[:2000],
        published_date=str(package.get("publishedDate", ""))[:40],
        publisher_name=str(publisher.get("name", ""))[:300],
        publisher=publisher,
        version=str(package.get("version", "")),
        extensions=list(package.get("extensions", [])),
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
        imported_at=timezone.now(),
    )
    stored.full_clean()
    stored.save(force_insert=True)
    releases = [ImportedRelease(package=stored, **row) for _, row in _rows(package, report.kind)]
    for release in releases:
        release.full_clean(exclude=["package"], validate_unique=False, validate_constraints=False)
    ImportedRelease.objects.bulk_create(releases, batch_size=500)
    report.release_count = len(releases)
    audit_append(
        actor=actor,
        action="ocds.import",
        obj=stored,
        payload={
            "digest": report.digest,
            "kind": report.kind,
            "publisher": stored.publisher_name,
            "uri": stored.uri,
            "releases": report.release_count,
            "ocids": sorted({r.ocid for r in releases}),
        },
        public=True,
    )
    return stored


def _record_refusal(actor: Any, report: ImportReport) -> None:
    """A refused import leaves a private trace: who tried which file, and how many problems it had."""
    with transaction.atomic():
        audit_append(
            actor=actor,
            action="ocds.import-refuse",
            obj=f"ocds.package:{report.digest}",
            payload={"file_name": report.file_name, "kind": report.kind, "problems": len(report.problems)},
        )
