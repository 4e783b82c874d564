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
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.db.models import F
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from civicpact import l10n
from civicpact.contracts.models import MECHANISM_LABELS, ContractVersion
from civicpact.domain.contracts import ContractStatus
from civicpact.domain.structuring import MODEL_LABELS, PartnershipModel
from civicpact.performance.selectors import published_deductions
from civicpact.transparency.models import ocds_status_label, process_stage_label
from civicpact.web import charts

Json = dict[str, Any]
Labels = dict[str, str | Promise]

# OCDS release tags in words.
TAG_LABELS: Labels = {
    "planning": pgettext_lazy("release tag", "Planning"),
    "planningUpdate": gettext_lazy("Planning update"),
    "tender": gettext_lazy("Tender notice"),
    "tenderAmendment": gettext_lazy("Tender amendment"),
    "tenderUpdate": gettext_lazy("Tender update"),
    "tenderCancellation": gettext_lazy("Tender cancelled"),
    "award": pgettext_lazy("release tag", "Award"),
    "awardUpdate": gettext_lazy("Award update"),
    "awardCancellation": gettext_lazy("Award cancelled"),
    "contract": gettext_lazy("Contract signed"),
    "contractUpdate": gettext_lazy("Contract update"),
    "contractAmendment": gettext_lazy("Contract amendment"),
    "implementation": gettext_lazy("Implementation"),
    "implementationUpdate": gettext_lazy("Implementation update"),
    "contractTermination": gettext_lazy("Contract terminated"),
}
ALLOCATION_LABELS: Labels = {
    "publicAuthority": gettext_lazy("The city (public authority)"),
    "privateParty": gettext_lazy("The partner (private party)"),
    "shared": gettext_lazy("Shared"),
    "undefined": gettext_lazy("Shared equally"),
}
RISK_CATEGORY_LABELS: Labels = {
    "landAcquisition": gettext_lazy("Land acquisition"),
    "siteSuitability": gettext_lazy("Site suitability"),
    "construction": gettext_lazy("Construction"),
    "design": gettext_lazy("Design"),
    "availabilityAndQuality": gettext_lazy("Availability and quality"),
    "demand": gettext_lazy("Demand"),
    "exchangeRate": gettext_lazy("Exchange rate"),
    "inflation": gettext_lazy("Inflation"),
    "interestRate": gettext_lazy("Interest rate"),
    "refinancing": gettext_lazy("Refinancing"),
    "regulatory": gettext_lazy("Regulatory"),
    "changeInLaw": gettext_lazy("Change in law"),
    "political": gettext_lazy("Political"),
    "environmental": gettext_lazy("Environmental"),
    "social": gettext_lazy("Social"),
    "compliance": gettext_lazy("Compliance"),
    "earlyTermination": gettext_lazy("Early termination"),
    "forceMajeure": gettext_lazy("Force majeure"),
    "residualValue": gettext_lazy("Residual value"),
    "other": gettext_lazy("Other"),
}
ROLE_LABELS: Labels = {
    "buyer": gettext_lazy("buyer"),
    "payer": gettext_lazy("payer"),
    "payee": gettext_lazy("payee"),
    "procuringEntity": gettext_lazy("procuring entity"),
    "privateParty": gettext_lazy("private partner"),
    "supplier": gettext_lazy("supplier"),
    "tenderer": gettext_lazy("bidder"),
    "funder": gettext_lazy("funder"),
    "interestedParty": gettext_lazy("interested party"),
}
SUPPLIER_ROLES = {"supplier", "tenderer", "privateParty"}
PUBLIC_CONTRACT_STATES = (ContractStatus.ACTIVE, ContractStatus.TERMINATED, ContractStatus.EXPIRED)
DATA_IP_MARKERS = re.compile(r"\b(data|intellectual property|IP|licen[cs]e|lock[- ]in|open standards?)\b", re.I)
STATEMENT_MONTH = re.compile(r"(\d{4}-\d{2})")


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def label(labels: Mapping[str, str | Promise], key: Any) -> str:
    """A code in words, in the reader's language (the code itself when it has no words)."""
    return str(labels.get(str(key), str(key if key is not None else "")))


def money(value: Mapping[str, Any] | None) -> str:
    """An OCDS Value in the reader's words: `€24,000,000.00` (English), `24 000 000,00 €` (French)."""
    if not value or value.get("amount") is None:
        return "—"
    return l10n.money(value["amount"], str(value.get("currency") or "") or None)


def percent(value: Any) -> str:
    """A published percentage with the decimals it was published with (`75.701%`, `99.0%`), the reader's way
    (`75,701 %`)."""
    try:
        number = Decimal(str(value))
        exponent = number.as_tuple().exponent
    except (InvalidOperation, ValueError):
        return _("%(number)s%%") % {"number": value}
    digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return _("%(number)s%%") % {"number": formats.number_format(number, digits)}


def day(value: datetime) -> str:
    """The date of an OCDS date-time (as published, in UTC), in the reader's words: `15 Mar 2024`."""
    return l10n.when(date(value.year, value.month, value.day))


def duration(period: Mapping[str, Any] | None) -> str:
    """A contract's term in years and months: `10 years`, `1 year and 6 months`."""
    start, end = parse_date((period or {}).get("startDate")), parse_date((period or {}).get("endDate"))
    if start is None or end is None:
        return "—"
    after = end + timedelta(days=1)  # the end date is the term's last day
    months = (after.year - start.year) * 12 + after.month - start.month - (1 if after.day < start.day else 0)
    years, rest = divmod(months, 12)
    in_years = ngettext("%(count)s year", "%(count)s years", years) % {"count": l10n.number(years)}
    in_months = ngettext("%(count)s month", "%(count)s months", rest) % {"count": l10n.number(rest)}
    if years and rest:
        return _("%(years)s and %(months)s") % {"years": in_years, "months": in_months}
    if years:
        return in_years
    if rest:
        return in_months
    return _("under a month")


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
        """Where the process stands, from its latest release: Planning, Tender, Award or Contract (stored and
        filtered as such; `stage_label` words it in the reader's language)."""
        if self.contracts:
            return "Contract"
        if self.awards:
            return "Award"
        if self.tenders:
            return "Tender"
        return "Planning"

    @property
    def stage_label(self) -> str:
        return process_stage_label(self.stage)

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
        return ocds_status_label(self.status)


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
        return _words(
            self.name, *(p.title for p, _award in self.awards), *(c.get("title") for _process, c in self.contracts)
        )

    @property
    def value_won(self) -> str:
        totals: dict[str, Decimal] = {}
        for _process, award in self.awards:
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


def _status(item: Mapping[str, Any]) -> str:
    """An item's OCDS status in words, lower case, for a sentence."""
    status = str(item.get("status", ""))
    return ocds_status_label(status).lower() if status else ""


def _tender_words(tender: Mapping[str, Any]) -> list[str]:
    out = []
    if tender.get("title"):
        out.append(_("Tender “%(title)s” (%(status)s).") % {"title": tender["title"], "status": _status(tender)})
    end = parse_date((tender.get("tenderPeriod") or {}).get("endDate"))
    if end:
        out.append(_("Bids due by %(date)s.") % {"date": day(end)})
    if tender.get("numberOfTenderers") is not None:
        n = int(tender["numberOfTenderers"])
        out.append(ngettext("%(count)s bid received.", "%(count)s bids received.", n) % {"count": l10n.number(n)})
    out.extend(
        _("Amended: %(change)s") % {"change": a.get("description") or a.get("rationale")}
        for a in tender.get("amendments", ())
    )
    return out


def _contract_words(contract: Mapping[str, Any], tags: Sequence[str]) -> list[str]:
    out = []
    if "contract" in tags and contract.get("title"):
        signed = parse_date(contract.get("dateSigned"))
        words = {"title": contract["title"], "value": money(contract.get("value"))}
        if signed:
            out.append(_("Contract “%(title)s” for %(value)s, signed %(date)s.") % {**words, "date": day(signed)})
        else:
            out.append(_("Contract “%(title)s” for %(value)s.") % words)
    if contract.get("riskAllocation"):
        n = len(contract["riskAllocation"])
        out.append(
            ngettext("Risk allocation: %(count)s risk.", "Risk allocation: %(count)s risks.", n)
            % {"count": l10n.number(n)}
        )
    if contract.get("agreedMetrics"):
        n = len(contract["agreedMetrics"])
        out.append(
            ngettext(
                "Performance regime: %(count)s agreed measure.", "Performance regime: %(count)s agreed measures.", n
            )
            % {"count": l10n.number(n)}
        )
    out.extend(
        _("Amendment: %(change)s") % {"change": a.get("description") or a.get("rationale")}
        for a in contract.get("amendments", ())
    )
    implementation = contract.get("implementation") or {}
    for t in implementation.get("transactions", ()):
        payee = (t.get("payee") or {}).get("name") or _("the partner")
        out.append(_("Payment of %(value)s to %(payee)s.") % {"value": money(t.get("value")), "payee": payee})
    for metric in implementation.get("metrics", ()):
        for o in metric.get("observations", ()):
            if observation_kind(o) == "actual" and metric.get("id") == "availability":
                month = str((o.get("period") or {}).get("startDate"))[:7]
                out.append(
                    _("Availability %(percent)s in %(month)s.")
                    % {"percent": percent(o.get("measure")), "month": month}
                )
    failures = implementation.get("performanceFailures", ())
    if failures:
        n = sum(int(f.get("events", 0)) for f in failures)
        out.append(
            ngettext("%(count)s performance failure reported.", "%(count)s performance failures reported.", n)
            % {"count": l10n.number(n)}
        )
    out.extend(_milestone_words(implementation.get("milestones", ())))
    return out


def _milestone_words(milestones: Sequence[Mapping[str, Any]]) -> list[str]:
    """A release carries the contract's whole milestone schedule: how much of it is met, and the latest met."""
    if not milestones:
        return []
    met = [m for m in milestones if m.get("status") == "met"]
    words = _("Milestones: %(met)s of %(total)s met.") % {
        "met": l10n.number(len(met)),
        "total": l10n.number(len(milestones)),
    }
    dated = [(parse_date(m.get("dateMet")), m) for m in met]
    latest = max(((when, m) for when, m in dated if when), key=lambda pair: pair[0], default=None)
    if latest is not None:
        words += " " + _("Latest: %(title)s, met %(date)s.") % {
            "title": latest[1].get("title"),
            "date": day(latest[0]),
        }
    return [words]


def release_words(body: Mapping[str, Any]) -> list[str]:
    """What a release published or changed, in words (in the reader's language; the published texts as published)."""
    tags = list(body.get("tag", ()))
    out: list[str] = []
    planning = body.get("planning") or {}
    if planning:
        if planning.get("budget"):
            out.append(_("Budget of %(value)s.") % {"value": money((planning["budget"] or {}).get("amount"))})
        met = [m.get("title") for m in planning.get("milestones", ()) if m.get("status") == "met"]
        if met:
            out.append(_("Approved: %(decision)s.") % {"decision": met[-1]})
        out.extend(
            _("Document: %(title)s.") % {"title": d.get("title")}
            for d in planning.get("documents", ())
            if d.get("title")
        )
    if body.get("tender"):
        out.extend(_tender_words(body["tender"]))
    for award in body.get("awards", ()):
        names = ", ".join(s.get("name", "") for s in award.get("suppliers", ()))
        if names or award.get("value"):
            out.append(
                _("Award to %(suppliers)s for %(value)s (%(status)s).")
                % {"suppliers": names or "—", "value": money(award.get("value")), "status": _status(award)}
            )
        else:  # an update of the award's status alone
            out.append(_("The award is now %(status)s.") % {"status": _status(award)})
    for contract in body.get("contracts", ()):
        out.extend(_contract_words(contract, tags))
    if out:
        return out
    changed = ", ".join(k for k in body if k not in {"ocid", "id", "date", "tag"})
    return [_("Changed: %(fields)s") % {"fields": changed}]


@dataclass(frozen=True)
class TimelineEntry:
    date: datetime | None
    release_id: str
    tags: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def tag_labels(self) -> list[str]:
        return [label(TAG_LABELS, t) for t in self.tags]


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
            label(RISK_CATEGORY_LABELS, r.get("category", "")),
            str(r.get("description", "")),
            label(ALLOCATION_LABELS, r.get("allocation", "")),
            str(r.get("notes", "")),
        )
        for r in contract.get("riskAllocation", ())
    ]


@dataclass(frozen=True)
class Deal:
    """The words of a contract's summary sentence: who is paid, and up to how much."""

    partners: str
    amount: str


def deal(suppliers: Sequence[Mapping[str, Any]], contract: Mapping[str, Any], withheld: Mapping[str, str]) -> Deal:
    """`Lumen Grid and Harbour Light`, `€24,000,000.00`; `its partner` when none is published, `an amount withheld:
    <reason>, until <date>` or `an amount not published` when the value is not."""
    names = [str(s.get("name", "")) for s in suppliers]
    partners = names[0] if names else _("its partner")
    for name in names[1:]:
        partners = _("%(names)s and %(name)s") % {"names": partners, "name": name}
    if contract.get("value"):
        amount = money(contract.get("value"))
    else:
        amount = _("an amount %(state)s") % {"state": withheld.get("value") or _("not published")}
    return Deal(partners, amount)


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
    return [(p, ", ".join(label(ROLE_LABELS, r) for r in p.get("roles", ()))) for p in parties]


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
    deductions = statement_deductions(*(c for _process, c in supplier.contracts))
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
        _("Availability against target by month (%)"),
        list(range(len(shown))),
        [(_("Availability"), values)],
        line=(_("Target"), targets),
        height=280,
    )
    top, plot_h = max([*values, *targets]) or 1.0, chart.height - 50.0
    ticks = [(v, percent(f"{v:g}")) for v in (0.0, 25.0, 50.0, 75.0) if v < top - 10] + [(top, percent(f"{top:.1f}"))]
    y_labels = tuple((14 + (top - v) / top * plot_h, text) for v, text in ticks)
    return replace(_months_axis(chart, [m.month for m in shown]), y_labels=y_labels)


def deductions_chart(months: Sequence[Month]) -> charts.YearColumns | None:
    shown = [m for m in months if m.deductions is not None]
    if not shown:
        return None
    currency = shown[0].currency
    chart = charts.year_columns(
        _("Deductions from the payments by month (%(currency)s)") % {"currency": currency},
        list(range(len(shown))),
        [(_("Deductions"), [float(m.deductions or 0) for m in shown])],
        height=240,
    )
    return _months_axis(chart, [m.month for m in shown])
