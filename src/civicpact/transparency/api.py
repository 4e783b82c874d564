"""The OCDS API (/api/v1/ocds/): release and record packages, bulk data, red flags. Public: it serves only what is
published."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["ocds"])
