"""OCDS records compiled from the releases in the ledger, with ocdsmerge and the PPP profile's schema.

The ledger keeps every release exactly as published; a record is computed from them: the compiled release (the
latest state of the contracting process) and, on request, the versioned release (every value with the release that
set it). Merging follows the schema's merge rules (arrays of objects merge by `id`), so the patched PPP-profile
schema read from CIVICPACT_OCDS_DIR is the one used.

Compiled releases are cached per ocid (`compiled.py`): read records and compiled releases from there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import ocdsmerge

from civicpact.ledger.exceptions import SchemaMissing
from civicpact.ledger.ocds_mirror import ocds_dir


@cache
def _merger(ocds_dir: str) -> ocdsmerge.Merger:
    path = Path(ocds_dir) / "ppp-profile" / "schema" / "patched" / "release-schema.json"
    if not path.exists():
        raise SchemaMissing(
            f"OCDS schemas not found under {path.parent}: set CIVICPACT_OCDS_DIR or run `civicpact ocds fetch-schemas`"
        )
    return ocdsmerge.Merger(schema=json.loads(path.read_text(encoding="utf-8")))


def merger() -> ocdsmerge.Merger:
    """The merger for this deployment's schema (built once per process)."""
    return _merger(ocds_dir())


def compile_release(releases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The compiled release of one contracting process's releases (in date order)."""
    return dict(merger().create_compiled_release([dict(r) for r in releases]))


def versioned_release(releases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return dict(merger().create_versioned_release([dict(r) for r in releases]))
