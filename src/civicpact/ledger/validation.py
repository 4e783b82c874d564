"""Validate OCDS packages against the OCDS for PPPs schema read from CIVICPACT_OCDS_DIR, offline."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from civicpact.ledger.exceptions import LedgerError


class SchemaMissing(LedgerError):
    pass


def _patched_dir() -> Path:
    path = Path(settings.CIVICPACT_OCDS_DIR) / "ppp-profile" / "schema" / "patched"
    if not (path / "release-schema.json").exists():
        raise SchemaMissing(
            f"OCDS schemas not found under {path}: set CIVICPACT_OCDS_DIR to the folder holding ppp-profile/"
        )
    return path


@cache
def _package_validator(ocds_dir: str) -> Draft4Validator:
    patched = _patched_dir()
    release_schema = json.loads((patched / "release-schema.json").read_text(encoding="utf-8"))
    package_schema = json.loads((patched / "release-package-schema.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(release_schema["id"], DRAFT4.create_resource(release_schema))
    return Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())


def release_package_errors(package: dict[str, Any]) -> list[dict[str, str]]:
    """Every schema error as {"path": ..., "message": ...}; empty when the package is valid."""
    validator = _package_validator(settings.CIVICPACT_OCDS_DIR)
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    return [{"path": "/".join(str(p) for p in e.absolute_path), "message": e.message} for e in errors]
