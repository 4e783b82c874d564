"""Validate OCDS packages against the OCDS for PPPs schema read from CIVICPACT_OCDS_DIR, offline (ocds_mirror.py
fetches the pinned files there once when CIVICPACT_OCDS_FETCH is on)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from civicpact.ledger.exceptions import SchemaMissing
from civicpact.ledger.ocds_mirror import ocds_dir

__all__ = ["SchemaMissing", "release_package_errors"]


def _patched_dir(folder: str) -> Path:
    path = Path(folder) / "ppp-profile" / "schema" / "patched"
    if not (path / "release-schema.json").exists():
        raise SchemaMissing(
            f"OCDS schemas not found under {path}: set CIVICPACT_OCDS_DIR to the folder holding ppp-profile/, "
            "or run `civicpact ocds fetch-schemas`"
        )
    return path


@cache
def _package_validator(folder: str) -> Draft4Validator:
    patched = _patched_dir(folder)
    release_schema = json.loads((patched / "release-schema.json").read_text(encoding="utf-8"))
    package_schema = json.loads((patched / "release-package-schema.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(release_schema["id"], DRAFT4.create_resource(release_schema))
    return Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())


def release_package_errors(package: dict[str, Any]) -> list[dict[str, str]]:
    """Every schema error as {"path": ..., "message": ...}; empty when the package is valid."""
    validator = _package_validator(ocds_dir())
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    return [{"path": "/".join(str(p) for p in e.absolute_path), "message": e.message} for e in errors]
