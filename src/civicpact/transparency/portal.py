"""Reads for the public portal (/open/): only what is published.

Everything shown comes from the OCDS releases in the ledger (`ledger.Release`), compiled per contracting process with
ocdsmerge (`records.compile_release`) and cached (`compiled.py`), so a draft, a sealed bid, an evaluator's note, an
internal risk note or a dispute can never appear: they are never released. The one exception is the partnership
model and the payment mechanisms of a contract, which the PPP profile has no field for: they are read from the
contract's version *in force* (signed by every party), never from a draft version.

This module words one process (`Process`, its rows, timeline, terms, payments and months); `compiled.py` stores
those words per process when a record is compiled, and the lists read them with SQL (docs/portal.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import F

from civicpact.contracts.models import MECHANISM_LABELS, ContractVersion
from civicpact.domain.contracts import ContractStatus
from civicpact.domain.structuring import MODEL_LABELS, PartnershipModel
from civicpact.performance.selectors import published_deductions
from civicpact.transparency.models import STATUS_LABELS
from civicpact.web import charts

Json = dict[str, Any]

# OCDS release tags in words.
TAG_LABELS = {
    "planning": "Planning",
    "planningUpdate": "Planning update",
    "tender": "Tender notice",
    "tenderAmendment": "Tender amendment",
    "tenderUpdate": "Tender update",
    "tenderCancellation": "Tender cancelled",
    "award": "Award",
    "awardUpdate": "Award update",
    "awardCancellation": "Award cancelled",
    "contract": "Contract signed",
    "contractUpdate": "Contract update",
    "contractAmendment": "Contract amendment",
    "implementation": "Implementation",
    "implementationUpdate": "Implementation update",
    "contractTermination": "Contract terminated",
}
ALLOCATION_LABELS = {
    "publicAuthority": "The city (public authority)",
    "privateParty": "The partner (private party)",
    "shared": "Shared",
    "undefined": "Shared equally",
}
RISK_CATEGORY_LABELS = {
    "landAcquisition": "Land acquisition",
    "siteSuitability": "Site suitability",
    "construction": "Construction",
    "design": "Design",
    "availabilityAndQuality": "Availability and quality",
    "demand": "Demand",
    "exchangeRate": "Exchange rate",
    "inflation": "Inflation",
    "interestRate": "Interest rate",
    "refinancing": "Refinancing",
    "regulatory": "Regulatory",
    "changeInLaw": "Change in law",
    "political": "Political",
    "environmental": "Environmental",
    "social": "Social",
    "compliance": "Compliance",
    "earlyTermination": "Early termination",
    "forceMajeure": "Force majeure",
    "residualValue": "Residual value",
    "other": "Other",
}
ROLE_LABELS = {
    "buyer": "buyer",
    "payer": "payer",
    "payee": "payee",
    "procuringEntity": "procuring entity",
    "privateParty": "private partner",
    "supplier": "supplier",
    "tenderer": "bidder",
    "funder": "funder",
    "interestedParty": "interested party",
}
SUPPLIER_ROLES = {"supplier", "tenderer", "privateParty"}
PUBLIC_CONTRACT_STATES = (ContractStatus.ACTIVE, ContractStatus.TERMINATED, ContractStatus.EXPIRED)
DATA_IP_MARKERS = re.compile(r"\b(data|intellectual property|IP|licen[cs]e|lock[- ]in|open standards?)\b", re.I)
STATEMENT_MONTH = re.compile(r"(\d{4}-\d{2})")


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def money(value: Mapping[str, Any] | None) -> str:
    """An OCDS Value in words: `EUR 24,000,000.00`."""
    if not value or value.get("amount") is None:
        return "—"
    return f"{value.get('currency', '')} {Decimal(str(value['amount'])):,.2f}".strip()


def duration(period: Mapping[str, Any] | None) -> str:
    start, end = parse_date((period or {}).get("startDate")), parse_date((period or {}).get("endDate"))
    if start is None or end is None:
        return "—"
    after = end + timedelta(days=1)  # the end date is the term's last day
    months = (after.year - start.year) * 12 + after.month - start.month - (1 if after.day < start.day else 0)
    years, rest = divmod(months, 12)
    parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
    if rest:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " and ".join(parts) or "under a month"


def _words(*texts: Any) -> str:
    return " ".join(str(t) for t in texts if t).lower()


def matches(haystack: str, query: str) -> bool:
    """Every word of the query appears in the text (case-insensitive)."""
    return all(word in haystack for word in query.lower().split())


# --- one contracting process ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Process:
    """One contracting process (an ocid): its releases as published, in date order, and its compiled release."""

    ocid: str
    releases: tuple[Json, ...]
    compiled: Json

    @property
    def updated(self) -> datetime | None:
        return parse_date(self.compiled.get("date"))

    @property
    def planning(self) -> Json:
        return dict(self.compiled.get("planning") or {})

    @property
    def project(self) -> Json:
        return dict(self.planning.get("project") or {})

    @property
    def title(self) -> str:
        """The project's published title, else its tender's, else its first contract's."""
        for candidate in (self.project.get("title"), (self.compiled.get("tender") or {}).get("title")):
            if candidate:
                return str(candidate)
        for contract in self.contracts:
            if contract.get("title"):
                return str(contract["title"])
        return self.ocid

    @property
    def description(self) -> str:
        return str(self.project.get("description") or (self.compiled.get("tender") or {}).get("description") or "")

    @property
    def buyer(self) -> str:
        buyer = self.compiled.get("buyer") or {}
        if buyer.get("name"):
            return str(buyer["name"])
        names = [p["name"] for p in self.parties.values() if "buyer" in p.get("roles", ())]
        return names[0] if names else "—"

    @cached_property
    def parties(self) -> dict[str, Json]:
        return {str(p["id"]): p for p in self.compiled.get("parties", ()) if "id" in p}

    @cached_property
    def tenders(self) -> list[Json]:
        """Every tender published under this ocid (each stage of a procedure is a tender of its own), in the order
        they were first published, each as its latest release left it."""
        latest: dict[str, Json] = {}
        for body in self.releases:
            tender = body.get("tender")
            if tender and tender.get("id"):
                latest[str(tender["id"])] = {**latest.get(str(tender["id"]), {}), **tender}
        return list(latest.values())

    @property
    def awards(self) -> list[Json]:
        return list(self.compiled.get("awards", ()))

    @property
    def contracts(self) -> list[Json]:
        return list(self.compiled.get("contracts", ()))

    def contract(self, contract_id: str) -> Json | None:
        return next((c for c in self.contracts if str(c.get("id")) == contract_id), None)

    def award(self, award_id: str | None) -> Json | None:
        return next((a for a in self.awards if str(a.get("id")) == award_id), None)

    def suppliers_of(self, contract: Mapping[str, Any]) -> list[Json]:
        """The contract's suppliers: those of its award, else the parties with a supplier role."""
        award = self.award(contract.get("awardID"))
        if award and award.get("suppliers"):
            return list(award["suppliers"])
        return [{"id": p["id"], "name": p["name"]} for p in self.parties.values() if "supplier" in p.get("roles", ())]

    @property
    def stage(self) -> str:
        """Where the process stands, in words, from its latest release."""
        if self.contracts:
            return "Contract"
        if self.awards:
            return "Award"
        if self.tenders:
            return "Tender"
        return "Planning"

    @property
    def haystack(self) -> str:
        return _words(
            self.title,
            self.description,
            self.buyer,
            self.ocid,
            *(t.get("title") for t in self.tenders),
            *(c.get("title") for c in self.contracts),
            *(p.get("name") for p in self.parties.values()),
        )


def last_updated(processes: Sequence[Process]) -> datetime | None:
    dates = [p.updated for p in processes if p.updated]
    return max(dates) if dates else None


# --- rows of the lists ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a list: what it is, where it links, and the text searched."""

    process: Process
    item: Json
    haystack: str
    status: str = ""
    suppliers: tuple[Json, ...] = ()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.capitalize())


def tender_rows(processes: Sequence[Process]) -> list[Row]:
    return [
        Row(p, t, _words(t.get("title"), t.get("description"), p.buyer, p.title), str(t.get("status", "")))
        for p in processes
        for t in reversed(p.tenders)
    ]


def award_rows(processes: Sequence[Process]) -> list[Row]:
    rows = []
    for p in processes:
        for a in p.awards:
            suppliers = tuple(a.get("suppliers", ()))
            text = _words(a.get("title"), a.get("description"), p.buyer, p.title, *(s.get("name") for s in suppliers))
            rows.append(Row(p, a, text, str(a.get("status", "")), suppliers))
    return rows


def contract_rows(processes: Sequence[Process]) -> list[Row]:
    rows = []
    for p in processes:
        for c in p.contracts:
            suppliers = tuple(p.suppliers_of(c))
            text = _words(c.get("title"), c.get("description"), p.buyer, p.title, *(s.get("name") for s in suppliers))
            rows.append(Row(p, c, text, str(c.get("status", "")), suppliers))
    return rows


@dataclass
class Supplier:
    """A supplier as the published data show it: the processes where it is a party with a supplier's role."""

    party_id: str
    name: str
    awards: list[tuple[Process, Json]] = field(default_factory=list)
    contracts: list[tuple[Process, Json]] = field(default_factory=list)
    bids: int = 0

    @property
    def haystack(self) -> str:
        return _words(self.name, *(p.title for p, _ in self.awards), *(c.get("title") for _, c in self.contracts))

    @property
    def value_won(self) -> str:
        totals: dict[str, Decimal] = {}
        for _, award in self.awards:
            value = award.get("value") or {}
            if value.get("amount") is not None:
                currency = str(value.get("currency", ""))
                totals[currency] = totals.get(currency, Decimal(0)) + Decimal(str(value["amount"]))
        return ", ".join(money({"amount": a, "currency": c}) for c, a in sorted(totals.items())) or "—"


def suppliers(processes: Sequence[Process]) -> list[Supplier]:
    """Everyone published as a supplier, tenderer or private party, by party id, alphabetically."""
    found: dict[str, Supplier] = {}
    for p in processes:
        for party in p.parties.values():
            if SUPPLIER_ROLES & set(party.get("roles", ())):
                entry = found.setdefault(str(party["id"]), Supplier(str(party["id"]), str(party.get("name", ""))))
                entry.bids += "tenderer" in party.get("roles", ())
        for award in p.awards:
            for s in award.get("suppliers", ()):
                entry = found.setdefault(str(s["id"]), Supplier(str(s["id"]), str(s.get("name", ""))))
                entry.awards.append((p, award))
        for contract in p.contracts:
            for s in p.suppliers_of(contract):
                entry = found.setdefault(str(s["id"]), Supplier(str(s["id"]), str(s.get("name", ""))))
                entry.contracts.append((p, contract))
    return sorted(found.values(), key=lambda s: s.name.lower())


# --- the timeline of releases -----------------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _tender_words(tender: Mapping[str, Any]) -> list[str]:
    out = []
    if tender.get("title"):
        status = STATUS_LABELS.get(str(tender.get("status")), str(tender.get("status", "")))
        out.append(f"Tender “{tender['title']}” ({status.lower()}).")
    end = parse_date((tender.get("tenderPeriod") or {}).get("endDate"))
    if end:
        out.append(f"Bids due by {end:%d %B %Y}.")
    if tender.get("numberOfTenderers") is not None:
        out.append(f"{_count(int(tender['numberOfTenderers']), 'bid')} received.")
    out.extend(f"Amended: {a.get('description') or a.get('rationale')}" for a in tender.get("amendments", ()))
    return out


def _contract_words(contract: Mapping[str, Any], tags: Sequence[str]) -> list[str]:
    out = []
    if "contract" in tags and contract.get("title"):
        signed = parse_date(contract.get("dateSigned"))
        when = f", signed {signed:%d %B %Y}" if signed else ""
        out.append(f"Contract “{contract['title']}” for {money(contract.get('value'))}{when}.")
    if contract.get("riskAllocation"):
        out.append(f"Risk allocation: {_count(len(contract['riskAllocation']), 'risk')}.")
    if contract.get("agreedMetrics"):
        out.append(f"Performance regime: {_count(len(contract['agreedMetrics']), 'agreed measure')}.")
    out.extend(f"Amendment: {a.get('description') or a.get('rationale')}" for a in contract.get("amendments", ()))
    implementation = contract.get("implementation") or {}
    for t in implementation.get("transactions", ()):
        out.append(f"Payment of {money(t.get('value'))} to {(t.get('payee') or {}).get('name', 'the partner')}.")
    for metric in implementation.get("metrics", ()):
        for o in metric.get("observations", ()):
            if observation_kind(o) == "actual" and metric.get("id") == "availability":
                out.append(f"Availability {o.get('measure')}% in {str((o.get('period') or {}).get('startDate'))[:7]}.")
    failures = implementation.get("performanceFailures", ())
    if failures:
        out.append(f"{_count(sum(int(f.get('events', 0)) for f in failures), 'performance failure')} reported.")
    out.extend(_milestone_words(implementation.get("milestones", ())))
    return out


def _milestone_words(milestones: Sequence[Mapping[str, Any]]) -> list[str]:
    """A release carries the contract's whole milestone schedule: how much of it is met, and the latest met."""
    if not milestones:
        return []
    met = [m for m in milestones if m.get("status") == "met"]
    words = f"Milestones: {len(met)} of {len(milestones)} met."
    dated = [(parse_date(m.get("dateMet")), m) for m in met]
    latest = max(((when, m) for when, m in dated if when), key=lambda pair: pair[0], default=None)
    if latest is not None:
        words += f" Latest: {latest[1].get('title')}, met {latest[0].day} {latest[0]:%B %Y}."
    return [words]


def release_words(body: Mapping[str, Any]) -> list[str]:
    """What a release published or changed, in words."""
    tags = list(body.get("tag", ()))
    out: list[str] = []
    planning = body.get("planning") or {}
    if planning:
        if planning.get("budget"):
            out.append(f"Budget of {money((planning['budget'] or {}).get('amount'))}.")
        met = [m.get("title") for m in planning.get("milestones", ()) if m.get("status") == "met"]
        if met:
            out.append(f"Approved: {met[-1]}.")
        out.extend(f"Document: {d.get('title')}." for d in planning.get("documents", ()) if d.get("title"))
    if body.get("tender"):
        out.extend(_tender_words(body["tender"]))
    for award in body.get("awards", ()):
        names = ", ".join(s.get("name", "") for s in award.get("suppliers", ()))
        status = STATUS_LABELS.get(str(award.get("status")), str(award.get("status", "")))
        if names or award.get("value"):
            out.append(f"Award to {names or '—'} for {money(award.get('value'))} ({status.lower()}).")
        else:  # an update of the award's status alone
            out.append(f"The award is now {status.lower()}.")
    for contract in body.get("contracts", ()):
        out.extend(_contract_words(contract, tags))
    return out or ["Changed: " + ", ".join(k for k in body if k not in {"ocid", "id", "date", "tag"})]


@dataclass(frozen=True)
class TimelineEntry:
    date: datetime | None
    release_id: str
    tags: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def tag_labels(self) -> list[str]:
        return [TAG_LABELS.get(t, t) for t in self.tags]


def timeline(process: Process, *, contract_id: str | None = None) -> list[TimelineEntry]:
    """The process's releases, newest first; for a contract, those that touch it (or its award) only."""
    entries = []
    for body in process.releases:
        if contract_id is not None:
            touches = any(str(c.get("id")) == contract_id for c in body.get("contracts", ()))
            contract = process.contract(contract_id) or {}
            touches |= any(str(a.get("id")) == contract.get("awardID") for a in body.get("awards", ()))
            if not touches:
                continue
        entries.append(
            TimelineEntry(
                parse_date(body.get("date")),
                str(body.get("id", "")),
                tuple(body.get("tag", ())),
                tuple(release_words(body)),
            )
        )
    return list(reversed(entries))


# --- a contract: terms, payments, performance -------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """The terms the PPP profile has no field for, from the version in force."""

    partnership_model: str
    payment_mechanisms: tuple[str, ...]


def contract_terms(*, contract_id: str) -> Terms | None:
    """The partnership model and payment mechanisms of the version in force of a signed contract (`contract-<pk>`),
    None for a contract that is not in force (a draft version's terms are never read)."""
    match = re.fullmatch(r"contract-(\d+)", contract_id)
    if match is None:
        return None
    version = (
        ContractVersion.objects.filter(
            contract_id=int(match.group(1)),
            contract__status__in=[s.value for s in PUBLIC_CONTRACT_STATES],
            contract__in_force=F("number"),
        )
        .only("partnership_model", "payment_mechanisms")
        .first()
    )
    if version is None:
        return None
    try:
        model = MODEL_LABELS[PartnershipModel(version.partnership_model)]
    except ValueError:
        model = version.partnership_model
    return Terms(model, tuple(MECHANISM_LABELS.get(m, m) for m in version.payment_mechanisms))


@dataclass(frozen=True)
class Risk:
    category: str
    description: str
    allocation: str
    notes: str


def risks(contract: Mapping[str, Any]) -> list[Risk]:
    return [
        Risk(
            RISK_CATEGORY_LABELS.get(str(r.get("category")), str(r.get("category", ""))),
            str(r.get("description", "")),
            ALLOCATION_LABELS.get(str(r.get("allocation")), str(r.get("allocation", ""))),
            str(r.get("notes", "")),
        )
        for r in contract.get("riskAllocation", ())
    ]


def data_ip_terms(contract: Mapping[str, Any]) -> list[Risk]:
    """The published risks that speak of data, IP, licences, lock-in or open standards."""
    return [r for r in risks(contract) if DATA_IP_MARKERS.search(f"{r.description} {r.notes}")]


@dataclass(frozen=True)
class Payment:
    date: datetime | None
    value: str
    amount: Decimal | None
    payer: str
    payee: str
    month: str
    document: str
    deductions: Decimal | None
    currency: str


def _statement_ids(contract: Mapping[str, Any]) -> list[str]:
    """The ids of the contract's published payments whose statement document is published and not withheld."""
    implementation = contract.get("implementation") or {}
    shown = {str(d.get("id")) for d in implementation.get("documents", ()) if not d.get("accessDetails")}
    return [str(t.get("id")) for t in implementation.get("transactions", ()) if str(t.get("id")) in shown]


def statement_deductions(*contracts: Mapping[str, Any]) -> dict[str, Decimal]:
    """{payment id: deductions applied} for the contracts' published payments, read from the payment statements
    themselves (their figures: structured data, not the document's wording), in one query. A payment whose statement
    document is withheld by a confidentiality claim gets none, as the document's summary is withheld."""
    return published_deductions(ocds_ids=[i for c in contracts for i in _statement_ids(c)])


def payments(contract: Mapping[str, Any], deductions: Mapping[str, Decimal] | None = None) -> list[Payment]:
    """The published payments (implementation transactions), each with the statement document of the same id and
    its deductions (`statement_deductions`, read here when not given)."""
    implementation = contract.get("implementation") or {}
    documents = {str(d.get("id")): d for d in implementation.get("documents", ())}
    deducted = statement_deductions(contract) if deductions is None else deductions
    out = []
    for t in implementation.get("transactions", ()):
        document = documents.get(str(t.get("id")), {})
        month = STATEMENT_MONTH.search(str(document.get("title", "")))
        value = t.get("value") or {}
        out.append(
            Payment(
                parse_date(t.get("date")),
                money(value),
                Decimal(str(value["amount"])) if value.get("amount") is not None else None,
                str((t.get("payer") or {}).get("name", "")),
                str((t.get("payee") or {}).get("name", "")),
                month.group(1) if month else "",
                str(document.get("title", "")),
                deducted.get(str(t.get("id"))),
                str(value.get("currency", "")),
            )
        )
    return sorted(out, key=lambda p: (p.month, p.date.isoformat() if p.date else ""))


@dataclass(frozen=True)
class Failure:
    month: str
    category: str
    events: int
    imposed: str


@dataclass
class Month:
    """One month of published performance."""

    month: str
    availability: Decimal | None = None
    target: Decimal | None = None
    deductions: Decimal | None = None
    paid: Decimal | None = None
    currency: str = ""
    failures: list[Failure] = field(default_factory=list)

    @property
    def met(self) -> bool | None:
        if self.availability is None or self.target is None:
            return None
        return self.availability >= self.target

    @property
    def failure_events(self) -> int:
        return sum(f.events for f in self.failures)


def observation_kind(observation: Mapping[str, Any]) -> str:
    """'target' for the target in force that a statement publishes beside the month's figure (its id ends in
    '-target'; the metrics extension's dimensions are free-form, so the kind is not published as a field), else
    'actual'."""
    return "target" if str(observation.get("id", "")).endswith("-target") else "actual"


def performance_months(contract: Mapping[str, Any], deductions: Mapping[str, Decimal] | None = None) -> list[Month]:
    """Availability against target, deductions, payments and failures by month, from the published implementation
    (a later statement for the same month replaces the earlier one); `deductions` as for `payments`."""
    implementation = contract.get("implementation") or {}
    months: dict[str, Month] = {}

    def month(key: str) -> Month:
        return months.setdefault(key, Month(key))

    for metric in implementation.get("metrics", ()):
        for o in metric.get("observations", ()):
            key = str((o.get("period") or {}).get("startDate", ""))[:7]
            if not key or o.get("measure") is None:
                continue
            kind = observation_kind(o)
            if metric.get("id") == "availability":
                if kind == "actual":
                    month(key).availability = Decimal(str(o["measure"]))
                elif kind == "target":
                    month(key).target = Decimal(str(o["measure"]))
    for f in implementation.get("performanceFailures", ()):
        key = str((f.get("period") or {}).get("startDate", ""))[:7]
        if key:
            month(key).failures.append(
                Failure(key, str(f.get("category", "")), int(f.get("events", 0)), str(f.get("penaltyImposed", "")))
            )
    for p in payments(contract, deductions):
        if p.month:
            entry = month(p.month)
            entry.deductions, entry.paid, entry.currency = p.deductions, p.amount, p.currency
    return [months[k] for k in sorted(months)]


def party_rows(process: Process, contract: Mapping[str, Any]) -> list[tuple[Json, str]]:
    """The contract's signatories (else every party of the process), each with its roles in words."""
    ids = [str(p.get("id")) for p in contract.get("signatories", ())]
    parties = [process.parties[i] for i in ids if i in process.parties] or list(process.parties.values())
    return [(p, ", ".join(ROLE_LABELS.get(r, r) for r in p.get("roles", ()))) for p in parties]


@dataclass(frozen=True)
class Record:
    """A supplier's contract and its published months."""

    process: Process
    contract: Json
    months: list[Month]

    @property
    def below_target(self) -> list[str]:
        return [m.month for m in self.months if m.met is False]

    @property
    def deductions(self) -> str:
        shown = [m for m in self.months if m.deductions is not None]
        if not shown:
            return "—"
        return money({"amount": sum(m.deductions or Decimal(0) for m in shown), "currency": shown[0].currency})


def supplier_record(supplier: Supplier) -> list[Record]:
    deductions = statement_deductions(*(c for _, c in supplier.contracts))
    return [Record(p, c, performance_months(c, deductions)) for p, c in supplier.contracts]


def milestones(contract: Mapping[str, Any]) -> list[Json]:
    implementation = contract.get("implementation") or {}
    by_id: dict[str, Json] = {}
    for m in [*contract.get("milestones", ()), *implementation.get("milestones", ())]:
        by_id[str(m.get("id"))] = {**by_id.get(str(m.get("id")), {}), **m}
    return list(by_id.values())


def documents(*sections: Mapping[str, Any] | None) -> list[Json]:
    """The published documents of the given sections (planning, tender, contract, implementation)."""
    return [dict(d) for s in sections if s for d in s.get("documents", ())]


# --- charts -----------------------------------------------------------------------------------------------------


def _months_axis(chart: charts.YearColumns, labels: Sequence[str]) -> charts.YearColumns:
    """year_columns labels its x axis with the index it was given: put the months there instead."""
    return replace(chart, x_labels=tuple((x, labels[int(text)]) for x, text in chart.x_labels))


def availability_chart(months: Sequence[Month]) -> charts.YearColumns | None:
    """Columns of the month's availability, the target as a dashed line, on an axis from 0%."""
    shown = [m for m in months if m.availability is not None]
    if not shown:
        return None
    values = [float(m.availability or 0) for m in shown]
    targets = [float(m.target if m.target is not None else 0) for m in shown]
    chart = charts.year_columns(
        "Availability against target by month (%)",
        list(range(len(shown))),
        [("Availability", values)],
        line=("Target", targets),
        height=280,
    )
    top, plot_h = max([*values, *targets]) or 1.0, chart.height - 50.0
    ticks = [(v, f"{v:g}%") for v in (0.0, 25.0, 50.0, 75.0) if v < top - 10] + [(top, f"{top:.1f}%")]
    y_labels = tuple((14 + (top - v) / top * plot_h, text) for v, text in ticks)
    return replace(_months_axis(chart, [m.month for m in shown]), y_labels=y_labels)


def deductions_chart(months: Sequence[Month]) -> charts.YearColumns | None:
    shown = [m for m in months if m.deductions is not None]
    if not shown:
        return None
    currency = shown[0].currency
    chart = charts.year_columns(
        f"Deductions from the payments by month ({currency})",
        list(range(len(shown))),
        [("Deductions", [float(m.deductions or 0) for m in shown])],
        height=240,
    )
    return _months_axis(chart, [m.month for m in shown])
