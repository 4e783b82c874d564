"""The OCDS API (/api/v1/ocds/): release and record packages, bulk data, red flags. Public: it serves only what is
published."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["ocds"])

from civicpact.transparency.data_api import router as data_router  # noqa: E402

router.add_router("", data_router)
