"""The compiled-record cache: every contracting process's compiled release, stored with the summary the portal's
lists read (`CompiledRecord`, one row per ocid, and `RecordItem`, one row per tender, award, contract and supplier of
a process).

Never stale, and rebuilt lazily on read. The ledger only appends, and its writers take turns (`release_append` locks
the chain head), so release storage ids are committed in increasing order. The cache's high-water mark is the
largest `last_release_pk` it holds; one indexed query (`_stale`) lists the ocids with a release above it — none
when the cache is fresh — and only those are recompiled, under a lock (PostgreSQL: a transaction-level advisory lock;
SQLite: its IMMEDIATE transactions already take turns). The ledger never imports this module (import-linter).

A detail read (`process_get`, `record_get`) compares the newest release of its own ocid with the cached one and,
when they differ, refreshes the stale records (in normal use: that ocid's alone). Deleting every row rebuilds the
whole cache on the next read (or run `records_rebuild`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower

from civicpact.ledger.models import Release
from civicpact.transparency import portal, records
from civicpact.transparency.models import CompiledRecord, ItemKind, RecordItem

Json = dict[str, Any]
CHUNK = 500  # ocids recompiled per batch
LOCK_KEY = 7_300_417  # the advisory lock of the cache's writers (PostgreSQL)


# --- keeping the cache fresh ---------------------------------------------------------------------------------------


def _stale() -> QuerySet[Release, dict[str, Any]]:
    """The ocids with a release newer than the cache's high-water mark, with their newest release's storage id."""
    high = CompiledRecord.objects.order_by("-last_release_pk").values("last_release_pk")[:1]
    stale: QuerySet[Release, dict[str, Any]] = (
        Release.objects.order_by()
        .filter(pk__gt=Coalesce(Subquery(high), Value(0)))
        .values("ocid")
        .annotate(last=Max("pk"))
    )
    return stale


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def records_refresh() -> list[str]:
    """Recompile the records that a newer release made stale (one query when nothing is); the ocids recompiled."""
    if not _stale().exists():
        return []
    with transaction.atomic():
        _lock()
        stale = sorted(_stale().values_list("ocid", flat=True))  # again, under the lock
        for start in range(0, len(stale), CHUNK):
            _rebuild(stale[start : start + CHUNK])
    return stale


def records_rebuild() -> int:
    """Drop the cache and compile every record again; the number of records."""
    with transaction.atomic():
        _lock()
        RecordItem.objects.all().delete()
        CompiledRecord.objects.all().delete()
    return len(records_refresh())


def _rebuild(ocids: Sequence[str]) -> None:
    grouped: dict[str, list[tuple[int, str, datetime, Json]]] = {ocid: [] for ocid in ocids}
    rows = Release.objects.filter(ocid__in=ocids).order_by("ocid", "date")
    for pk, ocid, release_id, date, body in rows.values_list("pk", "ocid", "release_id", "date", "body"):
        grouped[ocid].append((pk, release_id, date, body))
    _store([(ocid, entries) for ocid, entries in grouped.items() if entries])


def _store(processes: Sequence[tuple[str, Sequence[tuple[int, str, datetime, Json]]]]) -> list[CompiledRecord]:
    """Compile and write the records of these processes (releases in date order), replacing what was cached."""
    saved, items = [], []
    for ocid, entries in processes:
        bodies = tuple(body for *_, body in entries)
        process = portal.Process(ocid, bodies, records.compile_release(bodies))
        pk, release_id, date, _ = entries[-1]
        saved.append(_summary(process, last_pk=pk, last_id=release_id, updated=date, count=len(entries)))
        items.extend(_items(process, updated=date))
    ocids = [ocid for ocid, _ in processes]
    RecordItem.objects.filter(ocid__in=ocids).delete()
    CompiledRecord.objects.filter(ocid__in=ocids).delete()
    CompiledRecord.objects.bulk_create(saved)
    RecordItem.objects.bulk_create(items, batch_size=1000)
    return saved


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None
    except InvalidOperation:
        return None


def _summary(process: portal.Process, *, last_pk: int, last_id: str, updated: datetime, count: int) -> CompiledRecord:
    budget = dict(process.planning.get("budget") or {}).get("amount") or {}
    return CompiledRecord(
        ocid=process.ocid,
        compiled=process.compiled,
        last_release_pk=last_pk,
        last_release_id=last_id,
        release_count=count,
        updated=updated,
        title=process.title[:500],
        stage=process.stage,
        buyer=process.buyer[:300],
        budget_amount=_amount(budget.get("amount")),
        budget_currency=str(budget.get("currency", ""))[:3],
        haystack=process.haystack,
    )


def _items(process: portal.Process, *, updated: datetime) -> list[RecordItem]:
    """The process's lines in the tender, award, contract and supplier lists, as `portal` words them."""
    common = {"ocid": process.ocid, "updated": updated, "process_title": process.title[:500], "buyer": process.buyer}
    items = []
    for kind, rows in (
        (ItemKind.TENDER, portal.tender_rows([process])),
        (ItemKind.AWARD, portal.award_rows([process])),
        (ItemKind.CONTRACT, portal.contract_rows([process])),
    ):
        for position, row in enumerate(rows):
            items.append(
                RecordItem(
                    kind=kind,
                    position=position,
                    item_id=str(row.item.get("id", ""))[:200],
                    title=str(row.item.get("title") or "")[:500],
                    status=row.status[:40],
                    item=row.item,
                    suppliers=[{"id": str(s.get("id", "")), "name": str(s.get("name", ""))} for s in row.suppliers],
                    haystack=row.haystack,
                    **common,
                )
            )
    for position, supplier in enumerate(portal.suppliers([process])):
        won: dict[str, Decimal] = {}
        for _, award in supplier.awards:
            value = award.get("value") or {}
            if value.get("amount") is not None:
                currency = str(value.get("currency", ""))
                won[currency] = won.get(currency, Decimal(0)) + Decimal(str(value["amount"]))
        items.append(
            RecordItem(
                kind=ItemKind.SUPPLIER,
                position=position,
                item_id=supplier.party_id[:200],
                title=supplier.name[:500],
                status="won" if supplier.awards or supplier.contracts else "bid",
                awards=len(supplier.awards),
                contracts=len(supplier.contracts),
                won={currency: str(amount) for currency, amount in won.items()},
                haystack=supplier.haystack,
                **common,
            )
        )
    return items


# --- one process ---------------------------------------------------------------------------------------------------


def _fresh(ocid: str) -> tuple[tuple[Json, ...], Json] | None:
    """One process's releases and its compiled release, recompiled only when a newer release than the cached one
    exists (two queries when fresh); None when nothing was published under the ocid.

    A stale record is refreshed with every other stale one (`records_refresh`), never alone: storing one ocid's newer
    release alone would raise the high-water mark above releases of other ocids not yet compiled. Only a record
    missing from an otherwise fresh cache (deleted by hand) is compiled alone."""
    for attempt in range(2):
        entries = list(
            Release.objects.filter(ocid=ocid).order_by("date").values_list("pk", "release_id", "date", "body")
        )
        if not entries:
            return None
        bodies = tuple(body for *_, body in entries)
        cached = CompiledRecord.objects.filter(ocid=ocid).values_list("last_release_pk", "compiled").first()
        if cached is not None and cached[0] == entries[-1][0]:
            return bodies, cached[1]
        if attempt == 0:
            records_refresh()
    with transaction.atomic():
        _lock()
        (record,) = _store([(ocid, entries)])
    return bodies, record.compiled


def process_get(*, ocid: str) -> portal.Process | None:
    """One published contracting process with its releases and (cached) compiled release."""
    fresh = _fresh(ocid)
    return portal.Process(ocid, fresh[0], fresh[1]) if fresh else None


def record_get(*, ocid: str, versioned: bool = False) -> Json | None:
    """The OCDS record of one ocid (releases embedded, compiledRelease, optionally versionedRelease)."""
    fresh = _fresh(ocid)
    if fresh is None:
        return None
    bodies, compiled = fresh
    result: Json = {"ocid": ocid, "releases": list(bodies), "compiledRelease": compiled}
    if versioned:
        result["versionedRelease"] = records.versioned_release(bodies)
    return result


# --- everything ----------------------------------------------------------------------------------------------------


def compiled_releases() -> Iterator[Json]:
    """Every process's compiled release, in ocid order, from the cache (refreshed first)."""
    records_refresh()
    rows = CompiledRecord.objects.order_by("ocid").values_list("compiled", flat=True)
    yield from rows.iterator(chunk_size=CHUNK)


def processes() -> Iterator[portal.Process]:
    """Every process with its releases and cached compiled release, in ocid order (two streamed queries)."""
    records_refresh()
    compiled = CompiledRecord.objects.order_by("ocid").values_list("ocid", "compiled").iterator(chunk_size=CHUNK)
    releases = Release.objects.order_by("ocid", "date").values_list("ocid", "body").iterator(chunk_size=CHUNK)
    pending = next(releases, None)
    for ocid, body in compiled:
        bodies = []
        while pending is not None and pending[0] == ocid:
            bodies.append(pending[1])
            pending = next(releases, None)
        yield portal.Process(ocid, tuple(bodies), body)


def process_list() -> list[portal.Process]:
    """Every process, the most recently updated first."""
    return sorted(processes(), key=lambda p: (p.compiled.get("date", ""), p.ocid), reverse=True)


def last_updated() -> datetime | None:
    updated: datetime | None = CompiledRecord.objects.aggregate(latest=Max("updated"))["latest"]
    return updated


# --- the portal's lists, in SQL ------------------------------------------------------------------------------------


def _matching(rows: QuerySet[Any, Any], q: str) -> QuerySet[Any, Any]:
    """Every word of the query in the row's words (stored lower case)."""
    for word in q.lower().split():
        rows = rows.filter(haystack__contains=word)
    return rows


def project_rows(*, q: str = "", stage: str = "") -> QuerySet[CompiledRecord]:
    """The projects' list, newest first, without the compiled release."""
    rows = _matching(CompiledRecord.objects.defer("compiled", "haystack").order_by("-updated", "-ocid"), q)
    return rows.filter(stage=stage) if stage else rows


def project_stages() -> list[str]:
    return list(CompiledRecord.objects.order_by().values_list("stage", flat=True).distinct())


def item_rows(kind: ItemKind, *, q: str = "", status: str = "") -> QuerySet[RecordItem]:
    """A list of tenders, awards or contracts, newest process first."""
    rows = _matching(RecordItem.objects.filter(kind=kind).defer("haystack", "won"), q)
    return rows.filter(status=status) if status else rows


def item_statuses(kind: ItemKind) -> list[str]:
    return list(RecordItem.objects.filter(kind=kind).order_by().values_list("status", flat=True).distinct())


@dataclass(frozen=True)
class SupplierRow:
    """A supplier across processes: its name, how many awards and contracts, the value it won."""

    party_id: str
    name: str
    award_count: int
    contract_count: int
    value_won: str = "—"


def supplier_rows(*, q: str = "", status: str = "") -> QuerySet[RecordItem, dict[str, Any]]:
    """Suppliers by party id, alphabetically, with their counts summed over processes (values, for a paginator)."""
    rows = RecordItem.objects.filter(kind=ItemKind.SUPPLIER)
    if q:
        rows = rows.filter(item_id__in=_matching(rows, q).values("item_id"))
    grouped = (
        rows.order_by()
        .values("item_id")
        .annotate(name=Min("title"), award_count=Sum("awards"), contract_count=Sum("contracts"))
        .order_by(Lower("name"), "item_id")
    )
    if status == "won":
        return grouped.filter(Q(award_count__gt=0) | Q(contract_count__gt=0))
    if status == "bid":
        return grouped.filter(award_count=0, contract_count=0)
    return grouped


def supplier_page(rows: Iterable[dict[str, Any]]) -> list[SupplierRow]:
    """A page of `supplier_rows` with the value each won (one query)."""
    rows = list(rows)
    won: dict[str, dict[str, Decimal]] = {}
    ids = [row["item_id"] for row in rows]
    for party_id, amounts in RecordItem.objects.filter(kind=ItemKind.SUPPLIER, item_id__in=ids).values_list(
        "item_id", "won"
    ):
        for currency, amount in amounts.items():
            totals = won.setdefault(party_id, {})
            totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount)
    return [
        SupplierRow(
            row["item_id"],
            row["name"],
            row["award_count"] or 0,
            row["contract_count"] or 0,
            ", ".join(
                portal.money({"amount": a, "currency": c}) for c, a in sorted(won.get(row["item_id"], {}).items())
            )
            or "—",
        )
        for row in rows
    ]


def supplier_get(*, party_id: str) -> tuple[portal.Supplier, datetime | None] | None:
    """One supplier across the processes it is part of (from the cache), and when they were last updated."""
    ocids = RecordItem.objects.filter(kind=ItemKind.SUPPLIER, item_id=party_id).values("ocid")
    rows = list(CompiledRecord.objects.filter(ocid__in=ocids).values_list("ocid", "compiled", "updated"))
    involved = [portal.Process(ocid, (), compiled) for ocid, compiled, _ in rows]
    supplier = next((s for s in portal.suppliers(involved) if s.party_id == party_id), None)
    if supplier is None:
        return None
    return supplier, max((updated for *_, updated in rows), default=None)
