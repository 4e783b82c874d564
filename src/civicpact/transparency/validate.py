"""Validate OCDS release and record packages with the ecosystem's own validator (libcoveocds), offline.

libcoveocds downloads the standard and every extension a package declares. Here the standard comes from a ZIP of
`standard-1__1__5/` built once (in memory) from CIVICPACT_OCDS_DIR, and the requests that ocdsextensionregistry
makes (extension metadata, schema patches and codelists, GitHub archive ZIPs) go through a `requests` transport
adapter, `LocalOCDSAdapter`, mounted on ocdsextensionregistry's shared session: it answers from the mirror in
CIVICPACT_OCDS_DIR and refuses anything else, so no network is touched.

Record packages: libcoveocds dereferences the record package schema with jsonref, which fetches the versioned release
schema with a fresh `requests` session that no adapter can reach without patching the library. So a record package
is checked in two passes: the releases embedded in its records go through libcoveocds as a release package with the
same metadata (codelists, extensions, additional fields, the additional checks), and the records themselves (each
`compiledRelease` and the package structure) through jsonschema against `ppp-profile/schema/patched/`.

`validate_package(data)` returns a `Report`; `Report.is_valid` is what the CLI's exit code and the tests read.
"""

from __future__ import annotations

import dataclasses
import io
import json
import mimetypes
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from civicpact.ledger.exceptions import SchemaMissing
from civicpact.ledger.ocds_mirror import ocds_dir

STANDARD_TAG = "1__1__5"
RAW_GITHUB = "https://raw.githubusercontent.com/"
GITHUB = "https://github.com/"
STANDARD_SCHEMA = f"https://standard.open-contracting.org/schema/{STANDARD_TAG}/"
PPP_PROFILE = "https://standard.open-contracting.org/profiles/ppp/"


class OCDSDirMissing(SchemaMissing):
    """CIVICPACT_OCDS_DIR does not hold the standard's schema."""


@dataclass(frozen=True)
class Report:
    """What libcoveocds (and, for records, jsonschema) found. Empty lists and dicts mean nothing was found.

    `validation_errors`: schema errors as {"type", "message", "path", "value"}; `additional_closed_codelist_values`
    and `additional_open_codelist_values`: {path: {"codelist", "values", "count", ...}}; `additional_fields`: paths
    of fields neither the standard nor a declared extension defines; `invalid_extension`: {url: reason} for
    declared extensions that could not be applied; `is_extended_schema`: whether any declared extension was
    applied; `extensions`: the declared extension URLs; `additional_checks`: libcoveocds' extra checks (e.g. empty
    fields), {check: [findings]}; `conformance_errors`: ocid prefix and other conformance findings;
    `records_errors`: jsonschema errors of a record package's records ("path", "message").
    """

    package_type: str  # "release package" or "record package"
    releases: int
    ocids: int
    validation_errors: list[dict[str, Any]] = field(default_factory=list)
    additional_closed_codelist_values: dict[str, Any] = field(default_factory=dict)
    additional_open_codelist_values: dict[str, Any] = field(default_factory=dict)
    additional_fields: list[str] = field(default_factory=list)
    invalid_extension: dict[str, str] = field(default_factory=dict)
    is_extended_schema: bool = False
    extensions: list[str] = field(default_factory=list)
    additional_checks: dict[str, Any] = field(default_factory=dict)
    conformance_errors: dict[str, Any] = field(default_factory=dict)
    records_errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        """No schema error, no value outside a closed codelist, every declared extension applied."""
        return not (
            self.validation_errors
            or self.additional_closed_codelist_values
            or self.invalid_extension
            or self.records_errors
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "package_type": self.package_type,
            "is_valid": self.is_valid,
            "releases": self.releases,
            "ocids": self.ocids,
            "validation_errors": self.validation_errors,
            "additional_closed_codelist_values": self.additional_closed_codelist_values,
            "additional_open_codelist_values": self.additional_open_codelist_values,
            "additional_fields": self.additional_fields,
            "invalid_extension": self.invalid_extension,
            "is_extended_schema": self.is_extended_schema,
            "extensions": self.extensions,
            "additional_checks": self.additional_checks,
            "conformance_errors": self.conformance_errors,
            "records_errors": self.records_errors,
        }


class LocalOCDSAdapter(HTTPAdapter):
    """A transport adapter that answers OCDS schema and extension URLs from a local mirror (see shared/ocds's README):

    - `https://raw.githubusercontent.com/<owner>/<repo>/<ref>/<file>` → `extensions/<owner>/<repo>/<ref>/<file>`
    - `https://github.com/<owner>/<repo>/archive/<ref>.zip` → a ZIP of `extensions/<owner>/<repo>/<ref>/`
    - `https://standard.open-contracting.org/schema/1__1__5/<file>` → `standard-1__1__5/schema/<file>`
    - `https://standard.open-contracting.org/profiles/ppp/…/<file>` → `ppp-profile/schema/profile/<file>`

    A file missing from the mirror is a 404; any other URL is refused (a ConnectionError), never fetched.
    """

    def __init__(self, ocds_dir: Path) -> None:
        super().__init__(max_retries=0)
        self.ocds_dir = ocds_dir

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        content = self._content(url)
        status, reason = (200, "OK") if content is not None else (404, "Not Found")
        media_type = (
            (mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream") if content else "text/plain"
        )
        body = content if content is not None else b"not in the local OCDS mirror"
        raw = HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Type": media_type, "Content-Length": str(len(body))},
            status=status,
            reason=reason,
            preload_content=False,
            decode_content=False,
        )
        return self.build_response(request, raw)

    def _content(self, url: str) -> bytes | None:
        path = urlsplit(url).path
        if url.startswith(RAW_GITHUB):
            return self._file(self.ocds_dir / "extensions", path)
        if url.startswith(STANDARD_SCHEMA):
            return self._file(self.ocds_dir / "standard-1__1__5" / "schema", path.rsplit("/", 1)[-1])
        if url.startswith(PPP_PROFILE):
            return self._file(self.ocds_dir / "ppp-profile" / "schema" / "profile", path.rsplit("/", 1)[-1])
        if url.startswith(GITHUB):
            parts = path.strip("/").split("/")  # owner, repo, "archive", ref.zip
            if len(parts) == 4 and parts[2] == "archive" and parts[3].endswith(".zip"):
                return self._archive(parts[0], parts[1], parts[3].removesuffix(".zip"))
            return None
        raise requests.ConnectionError(f"offline: {url} is not served from the local OCDS mirror")

    def _file(self, root: Path, relative: str) -> bytes | None:
        target = (root / relative.lstrip("/")).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            return None
        return target.read_bytes()

    def _archive(self, owner: str, repo: str, ref: str) -> bytes | None:
        root = (self.ocds_dir / "extensions" / owner / repo / ref).resolve()
        if not root.is_relative_to((self.ocds_dir / "extensions").resolve()) or not root.is_dir():
            return None
        return _zip_folder(root, top=f"{repo}-{ref}")


def _zip_folder(root: Path, *, top: str) -> bytes:
    """A ZIP like GitHub's archives: its first entry a top folder, the files under it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{top}/", "")
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, arcname=f"{top}/{path.relative_to(root).as_posix()}")
    return buffer.getvalue()


@cache
def standard_zip(ocds_dir: str) -> bytes:
    """The standard's schema as libcoveocds wants it (`<top>/schema/...`), built once per process."""
    root = Path(ocds_dir) / f"standard-{STANDARD_TAG}"
    if not (root / "schema" / "release-schema.json").is_file():
        raise OCDSDirMissing(
            f"the OCDS standard's schema is not under {root}: set CIVICPACT_OCDS_DIR or run "
            "`civicpact ocds fetch-schemas`"
        )
    return _zip_folder(root, top=f"standard-{STANDARD_TAG}")


def _mount(ocds_dir: str) -> None:
    """Route ocdsextensionregistry's session through the local mirror (configuration of its session; mounted again
    only when the mirror changes, e.g. a test pointing CIVICPACT_OCDS_DIR elsewhere)."""
    from ocdsextensionregistry import util

    current = util.session.get_adapter(RAW_GITHUB)
    if isinstance(current, LocalOCDSAdapter) and current.ocds_dir == Path(ocds_dir):
        return
    adapter = LocalOCDSAdapter(Path(ocds_dir))
    for prefix in ("https://", "http://"):
        util.session.mount(prefix, adapter)


def _libcove(data: dict[str, Any]) -> dict[str, Any]:
    import tempfile

    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    folder = ocds_dir()
    zipped = standard_zip(folder)  # raises OCDSDirMissing before anything is mounted
    _mount(folder)
    config = LibCoveOCDSConfig({"standard_zip": zipped, "context": "api"})
    with tempfile.TemporaryDirectory(prefix="civicpact-cove-") as out:
        result: dict[str, Any] = ocds_json_output(
            out, None, None, convert=False, json_data=data, lib_cove_ocds_config=config, record_pkg=False
        )
    return result


def _count_ocids(releases: list[Any]) -> int:
    return len({r.get("ocid") for r in releases if isinstance(r, dict)})


def _release_report(data: dict[str, Any], *, package_type: str) -> Report:
    result = _libcove(data)
    extensions = result.get("extensions") or {}
    fields = result.get("additional_fields") or []
    found = data.get("releases")
    releases: list[Any] = found if isinstance(found, list) else []
    return Report(
        package_type=package_type,
        releases=len(releases),
        ocids=_count_ocids(releases),
        validation_errors=[_plain(e) for e in result.get("validation_errors") or []],
        additional_closed_codelist_values=dict(result.get("additional_closed_codelist_values") or {}),
        additional_open_codelist_values=dict(result.get("additional_open_codelist_values") or {}),
        additional_fields=sorted(f"{f['path']}/{f['field']}" for f in fields),
        invalid_extension=dict(extensions.get("invalid_extension") or {}),
        is_extended_schema=bool(extensions.get("is_extended_schema")),
        extensions=[str(e) for e in data.get("extensions") or [] if isinstance(e, str)],
        additional_checks=dict(result.get("additional_checks") or {}),
        conformance_errors=dict(result.get("conformance_errors") or {}),
    )


def _plain(error: Any) -> dict[str, Any]:
    """libcoveocds' validation errors are dicts or (JSON text, locations) pairs, depending on the context."""
    if isinstance(error, dict):
        return error
    return {"error": json.loads(error[0]) if isinstance(error[0], str) else error[0], "locations": error[1]}


@cache
def _record_package_validator(ocds_dir: str) -> Any:
    """The standard's record package schema, its release `$ref`s resolved to the PPP profile's patched release
    schema and its versioned release to the standard's, all read from the mirror."""
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    standard = Path(ocds_dir) / f"standard-{STANDARD_TAG}" / "schema"
    patched = json.loads((Path(ocds_dir) / "ppp-profile/schema/patched/release-schema.json").read_text("utf-8"))
    versioned = json.loads((standard / "versioned-release-validation-schema.json").read_text("utf-8"))
    package = json.loads((standard / "record-package-schema.json").read_text("utf-8"))
    registry: Registry[Any] = Registry().with_resources(
        [
            (patched["id"], DRAFT4.create_resource(patched)),
            (STANDARD_SCHEMA + "release-schema.json", DRAFT4.create_resource(patched)),
            (versioned["id"], DRAFT4.create_resource(versioned)),
        ]
    )
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def _records_errors(data: dict[str, Any]) -> list[dict[str, str]]:
    validator = _record_package_validator(ocds_dir())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [{"path": "/".join(str(p) for p in e.absolute_path), "message": e.message} for e in errors]


def _record_report(data: dict[str, Any]) -> Report:
    """A record package: its embedded releases through libcoveocds as a release package with the same metadata,
    and the records (structure, each compiledRelease) through jsonschema."""
    records = [r for r in data.get("records") or [] if isinstance(r, dict)]
    embedded = [
        release
        for record in records
        for release in record.get("releases") or []
        if isinstance(release, dict) and "url" not in release  # a linked release has only url, date and tag
    ]
    as_releases = {k: v for k, v in data.items() if k not in {"records", "packages", "links"}} | {"releases": embedded}
    report = _release_report(as_releases, package_type="record package")
    return dataclasses.replace(report, ocids=len(records), records_errors=_records_errors(data))


def validate_package(data: Any) -> Report:
    """Validate a release or record package (parsed JSON). Raises `NotAPackage` for anything else."""
    if not isinstance(data, dict) or not ("releases" in data or "records" in data):
        raise NotAPackage("not an OCDS release or record package: a JSON object with 'releases' or 'records'")
    from libcoveocds.exceptions import OCDSVersionError

    try:
        if "records" in data:
            return _record_report(data)
        return _release_report(data, package_type="release package")
    except OCDSVersionError as exc:
        raise NotAPackage(str(exc)) from None


class NotAPackage(ValueError):
    """The input is not something libcoveocds can validate (not a package, an unknown OCDS version)."""


def _error_line(error: dict[str, Any]) -> str:
    where = error.get("path") or error.get("field") or "(top level)"
    message = error.get("description") or error.get("message") or json.dumps(error, default=str)
    return f"    {where}: {message}"


def report_lines(report: Report, *, name: str) -> list[str]:
    """The report for people: a verdict line, the figures, then each problem."""
    verdict = "VALID" if report.is_valid else "INVALID"
    lines = [
        f"{name}: {verdict} OCDS 1.1 {report.package_type} ({report.releases} releases, {report.ocids} ocids)",
        f"  extensions declared: {len(report.extensions)}, applied: "
        f"{len(report.extensions) - len(report.invalid_extension)} (extended schema: "
        f"{'yes' if report.is_extended_schema else 'no'})",
        f"  schema errors: {len(report.validation_errors)}; closed-codelist breaches: "
        f"{len(report.additional_closed_codelist_values)}; record errors: {len(report.records_errors)}",
        f"  additional fields: {len(report.additional_fields)}; open-codelist additions: "
        f"{len(report.additional_open_codelist_values)}",
    ]
    if report.validation_errors:
        lines.append("  schema errors:")
        lines.extend(_error_line(e) for e in report.validation_errors)
    if report.records_errors:
        lines.append("  record errors (jsonschema, PPP profile):")
        lines.extend(_error_line(e) for e in report.records_errors)
    for path, entry in report.additional_closed_codelist_values.items():
        lines.append(f"  not in the closed codelist {entry.get('codelist')}: {path} = {', '.join(entry['values'])}")
    for url, reason in report.invalid_extension.items():
        lines.append(f"  extension not applied: {url} ({reason})")
    lines.extend(f"  additional field (warning): {path}" for path in report.additional_fields)
    for path, entry in report.additional_open_codelist_values.items():
        lines.append(f"  open codelist {entry.get('codelist')} extended (note): {path} = {', '.join(entry['values'])}")
    for check, findings in report.additional_checks.items():
        lines.append(f"  {check} (warning): {len(findings)} finding(s)")
    return lines
