"""Bulk data: everything published as one release package (JSON), and flattened by flattentool (XLSX, and CSV
files in a ZIP) with the package metadata on a `Meta` sheet in the layout flattentool's own unflatten reads back
(`--metatab-name Meta --metatab-vertical-orientation`: a field path and its value per row).

Files are generated on first request into `CIVICPACT_DATA_DIR/ocds-bulk/<key>/` and served from there until the
ledger changes: the key is the newest release's storage id (the ledger only appends) plus a digest of the package
metadata, so a new release or a new licence setting gives new files. Older folders are removed.
"""

from __future__ import annotations

import enum
import hashlib
import json
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings

from civicpact.ledger.ocds_mirror import ocds_dir
from civicpact.transparency import packages, selectors

MAIN_SHEET = "main"
META_SHEET = "Meta"


class BulkFormat(enum.Enum):
    JSON = ("releases.json", "application/json")
    XLSX = ("releases.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    CSV_ZIP = ("releases-csv.zip", "application/zip")

    @property
    def filename(self) -> str:
        return self.value[0]

    @property
    def media_type(self) -> str:
        return self.value[1]


def bulk_root() -> Path:
    return Path(settings.DATA_DIR) / "ocds-bulk"


def export_package() -> dict[str, Any]:
    """A release package of everything published: the package metadata and the releases as stored, nothing else."""
    return packages.release_package(selectors.all_releases(), uri=packages.bulk_uri())


def _key() -> str:
    meta = packages.metadata(uri=packages.bulk_uri(), published_date=packages.latest_date([]))
    meta.pop("publishedDate")
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:12]
    return f"{selectors.latest_release_key()}-{digest}"


def bulk_file(kind: BulkFormat) -> Path:
    """The bulk file of this kind for the ledger's current contents, generated when missing."""
    folder = bulk_root() / _key()
    target = folder / kind.filename
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    package_path = folder / BulkFormat.JSON.filename
    if not package_path.exists():
        _write_atomic(package_path, json.dumps(export_package(), ensure_ascii=False).encode())
    if kind is BulkFormat.XLSX:
        _write_atomic(target, flatten_xlsx(package_path))
    elif kind is BulkFormat.CSV_ZIP:
        _write_atomic(target, flatten_csv_zip(package_path))
    _prune(keep=folder)
    return target


def _write_atomic(path: Path, content: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=".tmp-") as handle:
        handle.write(content)
    Path(handle.name).replace(path)


def _prune(*, keep: Path) -> None:
    for folder in bulk_root().iterdir():
        if folder.is_dir() and folder != keep:
            shutil.rmtree(folder, ignore_errors=True)


def schema_path() -> Path:
    return Path(ocds_dir()) / "ppp-profile" / "schema" / "patched" / "release-schema.json"


def meta_rows(package: dict[str, Any]) -> list[tuple[str, str]]:
    """The package metadata as (field path, value) rows; arrays of strings joined by ';' as flattentool does."""
    rows: list[tuple[str, str]] = []
    for key, value in package.items():
        if key in {"releases", "records", "links"}:
            continue
        if isinstance(value, dict):
            rows.extend((f"{key}/{sub}", str(subvalue)) for sub, subvalue in value.items())
        elif isinstance(value, list):
            rows.append((key, ";".join(str(v) for v in value)))
        else:
            rows.append((key, str(value)))
    return rows


def _flatten(package_path: Path, output_format: str, output_name: Path) -> None:
    """flattentool's flatten over the PPP profile's patched schema. Its notes about schema fields it skips (objects
    without properties, such as `parties/details`) are warnings, silenced as libcoveocds silences them."""
    from flattentool import flatten
    from flattentool.exceptions import FlattenToolWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FlattenToolWarning)
        flatten(
            str(package_path),
            schema=str(schema_path()),
            output_name=str(output_name),
            output_format=output_format,
            main_sheet_name=MAIN_SHEET,
            root_list_path="releases",
            root_id="ocid",
            remove_empty_schema_columns=True,
        )


def flatten_xlsx(package_path: Path) -> bytes:
    from openpyxl import load_workbook

    package = json.loads(package_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="civicpact-flatten-") as tmp:
        out = Path(tmp) / "releases.xlsx"
        _flatten(package_path, "xlsx", out)
        workbook = load_workbook(out)
        meta = workbook.create_sheet(META_SHEET, 0)
        for row in meta_rows(package):
            meta.append(row)
        workbook.save(out)
        return out.read_bytes()


def flatten_csv_zip(package_path: Path) -> bytes:
    import csv
    import io

    package = json.loads(package_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="civicpact-flatten-") as tmp:
        out = Path(tmp) / "csv"
        _flatten(package_path, "csv", out)
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(meta_rows(package))
        (out / f"{META_SHEET}.csv").write_text(text.getvalue(), encoding="utf-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out.glob("*.csv")):
                archive.write(path, arcname=path.name)
        return buffer.getvalue()
