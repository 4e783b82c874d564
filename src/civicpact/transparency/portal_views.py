"""The public portal's pages (no login): search and browse what was published, and the story of each contract.

Views only parse the query, call `compiled` (the compiled-record cache: the lists in SQL, a process's record) or
`portal` (the words of one process, from published releases only) and render.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from civicpact.transparency import compiled, portal
from civicpact.transparency.models import STAGE_LABELS, STATUS_LABELS, CompiledRecord, ItemKind, RecordItem
from civicpact.transparency.withheld import withheld_fields

PAGE_SIZE = 20
BULK_URL = "/api/v1/ocds/bulk/releases.json"


def record_url(ocid: str) -> str:
    return f"/api/v1/ocds/records/{ocid}"


def releases_url(ocid: str) -> str:
    return f"/api/v1/ocds/releases?ocid={ocid}"


def _query(request: HttpRequest) -> tuple[str, str]:
    return request.GET.get("q", "").strip()[:200], request.GET.get("status", "").strip()[:40]


def _status_choices(values: Iterable[str], labels: Mapping[str, str | Promise]) -> list[tuple[str, str]]:
    return [(v, str(labels.get(v, v.capitalize()))) for v in sorted({v for v in values if v})]


def _browse(
    request: HttpRequest,
    *,
    kind: str,
    title: str,
    rows: QuerySet[Any, Any],
    choices: list[tuple[str, str]],
    labels: Mapping[str, str | Promise],
    shape: Callable[[Any], Sequence[Any]] = list,
) -> HttpResponse:
    """One list page: words searched, one status filter, 20 to a page, all in SQL over the compiled-record cache
    (a constant number of queries whatever the number of processes)."""
    q, chosen = _query(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "kind": kind,
        "title": title,
        "page": page,
        "rows": shape(page.object_list),
        "q": q,
        "status": chosen,
        "choices": choices,
        "total": page.paginator.count,
        "updated": compiled.last_updated(),
        "data_url": BULK_URL,
        "status_labels": labels,
    }
    return render(request, f"transparency/{kind}_list.html", context)


def home(request: HttpRequest) -> HttpResponse:
    compiled.records_refresh()
    by_kind = dict(
        RecordItem.objects.exclude(kind=ItemKind.SUPPLIER).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    suppliers = RecordItem.objects.filter(kind=ItemKind.SUPPLIER).values("item_id").distinct().count()
    counts = [
        (_("Projects"), CompiledRecord.objects.count(), "transparency:project-list"),
        (_("Tenders"), by_kind.get(ItemKind.TENDER, 0), "transparency:tender-list"),
        (_("Awards"), by_kind.get(ItemKind.AWARD, 0), "transparency:award-list"),
        (_("Contracts"), by_kind.get(ItemKind.CONTRACT, 0), "transparency:contract-list"),
        (_("Suppliers"), suppliers, "transparency:supplier-list"),
    ]
    context = {
        "counts": counts,
        "recent": compiled.project_rows()[:5],
        "contracts": compiled.item_rows(ItemKind.CONTRACT)[:5],
        "updated": compiled.last_updated(),
        "data_url": BULK_URL,
    }
    return render(request, "transparency/home.html", context)


SHOWN = 10  # results of each kind on the search page


def search(request: HttpRequest) -> HttpResponse:
    """Everything whose words match, by kind, a few of each with a link to the full list."""
    q, _status = _query(request)
    groups: list[tuple[str, str, Sequence[Any], int]] = []
    if q:
        compiled.records_refresh()
        projects = compiled.project_rows(q=q)
        groups = [(_("Projects"), "project", list(projects[:SHOWN]), projects.count())]
        for label, kind in (
            (_("Tenders"), ItemKind.TENDER),
            (_("Awards"), ItemKind.AWARD),
            (_("Contracts"), ItemKind.CONTRACT),
        ):
            rows = compiled.item_rows(kind, q=q)
            groups.append((label, kind.value, list(rows[:SHOWN]), rows.count()))
        suppliers = compiled.supplier_rows(q=q)
        groups.append((_("Suppliers"), "supplier", compiled.supplier_page(suppliers[:SHOWN]), suppliers.count()))
    context = {
        "q": q,
        "groups": groups,
        "shown": SHOWN,
        "found": sum(g[3] for g in groups),
        "updated": compiled.last_updated(),
        "data_url": BULK_URL,
    }
    return render(request, "transparency/search.html", context)


def project_list(request: HttpRequest) -> HttpResponse:
    compiled.records_refresh()
    q, stage = _query(request)
    return _browse(
        request,
        kind="project",
        title=_("Projects"),
        rows=compiled.project_rows(q=q, stage=stage),
        choices=_status_choices(compiled.project_stages(), STAGE_LABELS),
        labels=STAGE_LABELS,
    )


def _item_list(request: HttpRequest, kind: ItemKind, title: str) -> HttpResponse:
    compiled.records_refresh()
    q, status = _query(request)
    return _browse(
        request,
        kind=kind.value,
        title=title,
        rows=compiled.item_rows(kind, q=q, status=status),
        choices=_status_choices(compiled.item_statuses(kind), STATUS_LABELS),
        labels=STATUS_LABELS,
    )


def tender_list(request: HttpRequest) -> HttpResponse:
    return _item_list(request, ItemKind.TENDER, _("Tenders"))


def award_list(request: HttpRequest) -> HttpResponse:
    return _item_list(request, ItemKind.AWARD, _("Awards"))


def contract_list(request: HttpRequest) -> HttpResponse:
    return _item_list(request, ItemKind.CONTRACT, _("Contracts"))


def supplier_list(request: HttpRequest) -> HttpResponse:
    compiled.records_refresh()
    q, status = _query(request)
    labels = {"won": _("Won a contract or award"), "bid": _("Bid only")}
    return _browse(
        request,
        kind="supplier",
        title=_("Suppliers"),
        rows=compiled.supplier_rows(q=q, status=status),
        choices=_status_choices(labels, labels),
        labels=labels,
        shape=compiled.supplier_page,
    )


def _process(ocid: str) -> portal.Process:
    process = compiled.process_get(ocid=ocid)
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
    deductions = portal.statement_deductions(contract)
    months = portal.performance_months(contract, deductions)
    suppliers = process.suppliers_of(contract)
    withheld = withheld_fields(contract)
    context = {
        "process": process,
        "contract": contract,
        "award": process.award(contract.get("awardID")),
        "suppliers": suppliers,
        "deal": portal.deal(suppliers, contract, withheld),
        "parties": portal.party_rows(process, contract),
        "terms": portal.contract_terms(contract_id=contract_id),
        "duration": portal.duration(contract.get("period")),
        "risks": portal.risks(contract),
        "data_ip": portal.data_ip_terms(contract),
        "documents": portal.documents(contract, contract.get("implementation")),
        "payments": portal.payments(contract, deductions),
        "milestones": portal.milestones(contract),
        "agreed_metrics": contract.get("agreedMetrics", ()),
        "months": months,
        "availability_chart": portal.availability_chart(months),
        "deductions_chart": portal.deductions_chart(months),
        "timeline": portal.timeline(process, contract_id=contract_id),
        "updated": process.updated,
        "record_url": record_url(ocid),
        "releases_url": releases_url(ocid),
        "status_labels": STATUS_LABELS,
        "withheld": withheld,
    }
    return render(request, "transparency/contract_detail.html", context)


def supplier_detail(request: HttpRequest, party_id: str) -> HttpResponse:
    compiled.records_refresh()
    found = compiled.supplier_get(party_id=party_id)
    if found is None:
        raise Http404("No supplier with this identifier was published.")
    supplier, updated = found
    involved = {p.ocid for p, _award in supplier.awards} | {p.ocid for p, _contract in supplier.contracts}
    context = {
        "supplier": supplier,
        "performance": portal.supplier_record(supplier),
        "updated": updated or compiled.last_updated(),
        "record_urls": sorted((ocid, record_url(ocid)) for ocid in involved),
        "data_url": BULK_URL,
    }
    return render(request, "transparency/supplier_detail.html", context)
