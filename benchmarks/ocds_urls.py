"""CivicPact's URLs plus the benchmark's minimal view (benchmarks/ocds_wsgi.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path

from civicpact.ledger.models import Release
from civicpact.transparency.models import CompiledRecord


def minimal_records(request: HttpRequest) -> JsonResponse:
    """The rows of one record page (the page's compiled records, their releases) as JSON: no framework beyond Django,
    no package metadata, no validation of the query."""
    size = settings.CIVICPACT_OCDS_PAGE_SIZE
    start = (int(request.GET.get("page", "1")) - 1) * size
    rows = list(CompiledRecord.objects.order_by("ocid").values_list("ocid", "compiled")[start : start + size])
    grouped: dict[str, list[Any]] = {ocid: [] for ocid, _ in rows}
    for ocid, body in Release.objects.filter(ocid__in=grouped).order_by("ocid", "date").values_list("ocid", "body"):
        grouped[ocid].append(body)
    records = [{"ocid": ocid, "releases": grouped[ocid], "compiledRelease": body} for ocid, body in rows]
    return JsonResponse({"records": records})


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/minimal-records", minimal_records),
    path("", include("civicpact.urls")),
]
