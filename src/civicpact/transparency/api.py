"""The OCDS API (/api/v1/ocds/): release and record packages, bulk data, red flags. Public: it serves only what is
published."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from civicpact.accounts.auth import PUBLIC
from civicpact.transparency import redflags
from civicpact.transparency.data_api import router as data_router
from civicpact.transparency.import_api import add_import_operations

router = Router(tags=["ocds"])


# --- red flags (issue 7, part 8) -------------------------------------------------------------------------------------


class RedFlagIndicatorOut(Schema):
    code: str  # Cardinal's code (R003…) or ours (PPP01…)
    title: str
    source: str  # "Cardinal" or "CivicPact"
    why: str  # why it is a red flag, in plain language
    checked: int  # processes (or organisations, for R025 and R038) the indicator could be computed on
    flagged: int  # findings


class RedFlagOut(Schema):
    code: str
    title: str
    explanation: str  # what was found, with the published numbers


class FlaggedProcessOut(Schema):
    ocid: str
    title: str
    record: str  # the OCDS record's path in this API
    flags: list[RedFlagOut]


class RedFlagSummaryOut(Schema):
    as_of: datetime | None  # the latest published release the summary covers
    processes_checked: int
    indicators: list[RedFlagIndicatorOut]
    flagged_processes: list[FlaggedProcessOut]
    organisation_findings: int  # findings about buyers or tenderers across processes, counted, not named


@router.get(
    "/red-flags",
    response=RedFlagSummaryOut,
    auth=PUBLIC,
    summary="The red flags' public summary: counts per indicator and the flagged processes (docs/red-flags.md)",
)
def red_flag_summary(request: HttpRequest) -> dict[str, object]:
    return redflags.red_flag_summary()


router.add_router("", data_router)
add_import_operations(router)  # imported OCDS data (docs/ocds-import.md): GET/POST /imports, GET /imported/{ocid}
