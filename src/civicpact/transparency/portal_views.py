"""The public portal's pages (no login): search and browse what was published, and the story of each contract.

Views only parse the query, call `portal` (the read side, which reads published releases only) and render.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from civicpact.transparency import portal
from civicpact.transparency.withheld import withheld_fields

PAGE_SIZE = 20
BULK_URL = "/api/v1/ocds/bulk/releases.json"


def record_url(ocid: str) -> str:
    return f"/api/v1/ocds/records/{ocid}"


def releases_url(ocid: str) -> str:
    return f"/api/v1/ocds/releases?ocid={ocid}"


def _query(request: HttpRequest) -> tuple[str, str]:
    return request.GET.get("q", "").strip()[:200], request.GET.get("status", "").strip()[:40]


def _status_choices(values: Sequence[str], labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(v, labels.get(v, v.capitalize())) for v in sorted({v for v in values if v})]


def _browse(
    request: HttpRequest,
    *,
    kind: str,
    title: str,
    rows: Sequence[Any],
    haystack: Callable[[Any], str],
    status: Callable[[Any], str],
    labels: dict[str, str],
    processes: Sequence[portal.Process],
) -> HttpResponse:
    """One list page: words searched, one status filter, 20 to a page."""
    q, chosen = _query(request)
    choices = _status_choices([status(r) for r in rows], labels)
    found = [r for r in rows if (not q or portal.matches(haystack(r), q)) and (not chosen or status(r) == chosen)]
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "kind": kind,
        "title": title,
        "page": page,
        "rows": page.object_list,
        "q": q,
        "status": chosen,
        "choices": choices,
        "total": len(found),
        "updated": portal.last_updated(processes),
        "data_url": BULK_URL,
        "status_labels": labels,
    }
    return render(request, f"transparency/{kind}_list.html", context)


def home(request: HttpRequest) -> HttpResponse:
    processes = portal.process_list()
    contracts = portal.contract_rows(processes)
    counts = [
        ("Projects", len(processes), "transparency:project-list"),
        ("Tenders", len(portal.tender_rows(processes)), "transparency:tender-list"),
        ("Awards", len(portal.award_rows(processes)), "transparency:award-list"),
        ("Contracts", len(contracts), "transparency:contract-list"),
        ("Suppliers", len(portal.suppliers(processes)), "transparency:supplier-list"),
    ]
    context = {
        "counts": counts,
        "recent": processes[:5],
        "contracts": contracts[:5],
        "updated": portal.last_updated(processes),
        "data_url": BULK_URL,
    }
    return render(request, "transparency/home.html", context)


def search(request: HttpRequest) -> HttpResponse:
    """Everything whose words match, by kind, a few of each with a link to the full list."""
    q, _ = _query(request)
    processes = portal.process_list()
    groups: list[tuple[str, str, list[Any]]] = []
    if q:
        groups = [
            ("Projects", "project", [p for p in processes if portal.matches(p.haystack, q)]),
            ("Tenders", "tender", [r for r in portal.tender_rows(processes) if portal.matches(r.haystack, q)]),
            ("Awards", "award", [r for r in portal.award_rows(processes) if portal.matches(r.haystack, q)]),
            ("Contracts", "contract", [r for r in portal.contract_rows(processes) if portal.matches(r.haystack, q)]),
            ("Suppliers", "supplier", [s for s in portal.suppliers(processes) if portal.matches(s.haystack, q)]),
        ]
    context = {
        "q": q,
        "groups": groups,
        "found": sum(len(g[2]) for g in groups),
        "updated": portal.last_updated(processes),
        "data_url": BULK_URL,
    }
    return render(request, "transparency/search.html", context)


def project_list(request: HttpRequest) -> HttpResponse:
    processes = portal.process_list()
    return _browse(
        request,
        kind="project",
        title="Projects",
        rows=processes,
        haystack=lambda p: p.haystack,
        status=lambda p: p.stage,
        labels={},
        processes=processes,
    )


def tender_list(request: HttpRequest) -> HttpResponse:
    processes = portal.process_list()
    return _browse(
        request,
        kind="tender",
        title="Tenders",
        rows=portal.tender_rows(processes),
        haystack=lambda r: r.haystack,
        status=lambda r: r.status,
        labels=portal.STATUS_LABELS,
        processes=processes,
    )


def award_list(request: HttpRequest) -> HttpResponse:
    processes = portal.process_list()
    return _browse(
        request,
        kind="award",
        title="Awards",
        rows=portal.award_rows(processes),
        haystack=lambda r: r.haystack,
        status=lambda r: r.status,
        labels=portal.STATUS_LABELS,
        processes=processes,
    )


def contract_list(request: HttpRequest) -> HttpResponse:
    processes = portal.process_list()
    return _browse(
        request,
        kind="contract",
        title="Contracts",
        rows=portal.contract_rows(processes),
        haystack=lambda r: r.haystack,
        status=lambda r: r.status,
        labels=portal.STATUS_LABELS,
        processes=processes,
    )


def supplier_list(request: HttpRequest) -> HttpResponse:
    processes = portal.process_list()
    return _browse(
        request,
        kind="supplier",
        title="Suppliers",
        rows=portal.suppliers(processes),
        haystack=lambda s: s.haystack,
        status=lambda s: "won" if s.awards or s.contracts else "bid",
        labels={"won": "Won a contract or award", "bid": "Bid only"},
        processes=processes,
    )


def _process(ocid: str) -> portal.Process:
    process = portal.process_get(ocid=ocid)
    if process is None:
        raise Http404("Nothing was published under this ocid.")
    return process


def project_detail(request: HttpRequest, ocid: str) -> HttpResponse:
    process = _process(ocid)
    contracts = [(c, process.suppliers_of(c)) for c in process.contracts]
    context = {
        "process": process,
        "planning": process.planning,
        "project": process.project,
        "tenders": process.tenders,
        "awards": process.awards,
        "contracts": contracts,
        "documents": portal.documents(process.planning, *process.tenders),
        "timeline": portal.timeline(process),
        "updated": process.updated,
        "record_url": record_url(ocid),
        "releases_url": releases_url(ocid),
    }
    return render(request, "transparency/project_detail.html", context)


def contract_detail(request: HttpRequest, ocid: str, contract_id: str) -> HttpResponse:
    process = _process(ocid)
    contract = process.contract(contract_id)
    if contract is None:
        raise Http404("No such contract was published in this contracting process.")
    months = portal.performance_months(contract)
    context = {
        "process": process,
        "contract": contract,
        "award": process.award(contract.get("awardID")),
        "suppliers": process.suppliers_of(contract),
        "parties": portal.party_rows(process, contract),
        "terms": portal.contract_terms(contract_id=contract_id),
        "duration": portal.duration(contract.get("period")),
        "risks": portal.risks(contract),
        "data_ip": portal.data_ip_terms(contract),
        "documents": portal.documents(contract, contract.get("implementation")),
        "payments": portal.payments(contract),
        "milestones": portal.milestones(contract),
        "agreed_metrics": contract.get("agreedMetrics", ()),
        "months": months,
        "availability_chart": portal.availability_chart(months),
        "deductions_chart": portal.deductions_chart(months),
        "timeline": portal.timeline(process, contract_id=contract_id),
        "updated": process.updated,
        "record_url": record_url(ocid),
        "releases_url": releases_url(ocid),
        "status_labels": portal.STATUS_LABELS,
        "withheld": withheld_fields(contract),
    }
    return render(request, "transparency/contract_detail.html", context)


def supplier_detail(request: HttpRequest, party_id: str) -> HttpResponse:
    processes = portal.process_list()
    supplier = next((s for s in portal.suppliers(processes) if s.party_id == party_id), None)
    if supplier is None:
        raise Http404("No supplier with this identifier was published.")
    involved = {p.ocid for p, _ in supplier.awards} | {p.ocid for p, _ in supplier.contracts}
    context = {
        "supplier": supplier,
        "performance": portal.supplier_record(supplier),
        "updated": portal.last_updated([p for p in processes if p.ocid in involved]) or portal.last_updated(processes),
        "record_urls": sorted((ocid, record_url(ocid)) for ocid in involved),
        "data_url": BULK_URL,
    }
    return render(request, "transparency/supplier_detail.html", context)
