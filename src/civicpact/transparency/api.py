"""The OCDS API (/api/v1/ocds/): release and record packages, bulk data, red flags. Public: it serves only what is
published."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["ocds"])

# Imported OCDS data (docs/ocds-import.md): GET/POST /imports, GET /imported/{ocid}.
from civicpact.transparency.import_api import add_import_operations  # noqa: E402

add_import_operations(router)
