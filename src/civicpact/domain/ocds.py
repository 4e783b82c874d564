"""Mapping CivicPact's state to OCDS 1.1.5 + the OCDS for PPPs profile. Pure: dicts in, dicts out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from civicpact.domain.money import to_cents
from civicpact.domain.performance.regime import Kpi, Regime
from civicpact.domain.risks import RiskCategory, ocds_allocation, ocds_category

OCDS_VERSION = "1.1"
OCID_PREFIX_PATTERN = re.compile(r"^ocds-[a-z0-9]{6}$")

# The profile's 14 extensions, pinned to the versions kept in shared/ocds (see its README).
PPP_EXTENSIONS: Mapping[str, tuple[str, str]] = {
    "bids": ("ocds_bid_extension", "v1.1.5"),
    "charges": ("ocds_charges_extension", "master"),
    "documentation_details": ("ocds_documentation_extension", "master"),
    "finance": ("ocds_finance_extension", "master"),
    "location": ("ocds_location_extension", "v1.1.5"),
    "metrics": ("ocds_metrics_extension", "1.1"),
    "milestone_documents": ("ocds_milestone_documents_extension", "v1.1.5"),
    "performance_failures": ("ocds_performance_failures_extension", "master"),
    "project": ("ocds_project_extension", "master"),
    "risk_allocation": ("ocds_riskAllocation_extension", "master"),
    "shareholders": ("ocds_shareholders_extension", "master"),
    "signatories": ("ocds_contract_signatories_extension", "master"),
    "tariffs": ("ocds_tariffs_extension", "1.1"),
    "ppp": ("ocds_ppp_extension", "1.1"),
}


def extension_urls() -> list[str]:
    base = "https://raw.githubusercontent.com/open-contracting-extensions"
    return [f"{base}/{repo}/{ref}/extension.json" for repo, ref in PPP_EXTENSIONS.values()]


def check_ocid_prefix(prefix: str) -> None:
    if not OCID_PREFIX_PATTERN.match(prefix):
        raise ValueError(f"ocid prefix {prefix!r} must look like 'ocds-' followed by six lower-case letters or digits")


def make_ocid(prefix: str, local_id: str) -> str:
    check_ocid_prefix(prefix)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", local_id):
        raise ValueError(f"local id {local_id!r} may hold only letters, digits, '.', '_' and '-'")
    return f"{prefix}-{local_id}"


def format_date(moment: datetime) -> str:
    """OCDS dates: ISO 8601 in UTC with milliseconds and a Z."""
    if moment.tzinfo is None:
        raise ValueError("OCDS dates must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_release(
    *,
    ocid: str,
    release_id: str,
    date: datetime,
    tags: Sequence[str],
    initiation_type: str = "tender",
    language: str = "en",
    sections: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A release: the required OCDS fields first, then the sections a stage publishes."""
    if not tags:
        raise ValueError("a release needs at least one tag")
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": release_id,
        "date": format_date(date),
        "tag": list(tags),
        "initiationType": initiation_type,
        "language": language,
    }
    for key, value in (sections or {}).items():
        if key in release:
            raise ValueError(f"section {key!r} would overwrite a required release field")
        release[key] = value
    return release


def organisation_reference(party_id: str, name: str) -> dict[str, str]:
    return {"id": party_id, "name": name}


def party(
    *, party_id: str, name: str, roles: Iterable[str], legal_name: str = "", scheme: str = "", identifier: str = ""
) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": party_id, "name": name, "roles": sorted(set(roles))}
    if identifier:
        ident: dict[str, str] = {"id": identifier}
        if scheme:
            ident["scheme"] = scheme
        if legal_name:
            ident["legalName"] = legal_name
        entry["identifier"] = ident
    return entry


def with_earlier_roles(
    parties: Sequence[Mapping[str, Any]], earlier: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """A release's parties with every role each already had in the process's earlier releases (`earlier`, newest
    first). OCDS merges `parties` by id but replaces a party's `roles` array whole, so a release naming a party
    with only its new roles would drop the old ones from the compiled release (the buyer's `funder`, a supplier's
    `tenderer`). Every release written this way carries a party's roles so far, so the newest release naming a
    party is enough: the scan stops once each party is found."""
    wanted = {str(p["id"]) for p in parties}
    known: dict[str, set[str]] = {}
    for release in earlier:
        for entry in release.get("parties", ()):
            key = str(entry.get("id"))
            if key in wanted and key not in known:
                known[key] = set(entry.get("roles", ()))
        if len(known) == len(wanted):
            break
    out = []
    for entry in parties:
        roles = set(entry.get("roles", ())) | known.get(str(entry["id"]), set())
        out.append({**entry, "roles": sorted(roles)} if roles else dict(entry))
    return out


def release_package(
    releases: Sequence[Mapping[str, Any]],
    *,
    uri: str,
    published_date: datetime,
    publisher_name: str,
    publisher_uri: str = "",
) -> dict[str, Any]:
    publisher: dict[str, str] = {"name": publisher_name}
    if publisher_uri:
        publisher["uri"] = publisher_uri
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": extension_urls(),
        "publishedDate": format_date(published_date),
        "publisher": publisher,
        "releases": [dict(r) for r in releases],
    }


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    """An OCDS Value. JSON has no decimals, so amounts are written as numbers rounded to cents."""
    return {"amount": float(to_cents(amount)), "currency": currency}


@dataclass(frozen=True)
class PartyShare:
    party_id: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class GateMilestone:
    milestone_id: str
    title: str
    date_met: datetime


@dataclass(frozen=True)
class DocumentRef:
    document_id: str
    document_type: str
    title: str
    date_published: datetime
    description: str = ""
    url: str = ""
    media_type: str = ""  # the file's IANA media type (OCDS `format`)
    date_modified: datetime | None = None  # a document revised under the same id (e.g. the questions and answers)


@dataclass(frozen=True)
class ProjectPlan:
    """What a project's planning release publishes once it passes a gate."""

    project_id: str
    title: str
    description: str
    rationale: str
    currency: str
    buyer: PartyShare
    shares: tuple[PartyShare, ...]
    approvals: tuple[GateMilestone, ...] = ()
    documents: tuple[DocumentRef, ...] = ()


def document(d: DocumentRef) -> dict[str, Any]:
    """An OCDS document: only what is set (url and format once the file is public)."""
    out: dict[str, Any] = {"id": d.document_id, "documentType": d.document_type, "title": d.title}
    if d.description:
        out["description"] = d.description
    if d.url:
        out["url"] = d.url
    out["datePublished"] = format_date(d.date_published)
    if d.date_modified is not None:
        out["dateModified"] = format_date(d.date_modified)
    if d.media_type:
        out["format"] = d.media_type
    return out


def project_planning_sections(plan: ProjectPlan) -> dict[str, Any]:
    """parties, buyer and planning (budget, project, approval milestones, documents) for a planning release."""
    total = sum((s.amount for s in plan.shares), Decimal("0"))
    roles: dict[str, set[str]] = {plan.buyer.party_id: {"buyer"}}
    names = {plan.buyer.party_id: plan.buyer.name}
    for share in plan.shares:
        roles.setdefault(share.party_id, set()).add("funder")
        names[share.party_id] = share.name
    split = "; ".join(f"{s.name}: {to_cents(s.amount)} {plan.currency}" for s in plan.shares)
    planning: dict[str, Any] = {
        "rationale": plan.rationale,
        "budget": {
            "id": f"{plan.project_id}-budget",
            "description": f"Pooled budget. {split}" if split else "Pooled budget.",
            "amount": money(total, plan.currency),
            "project": plan.title,
            "projectID": plan.project_id,
        },
        "project": {
            "id": plan.project_id,
            "title": plan.title,
            "description": plan.description,
            "totalValue": money(total, plan.currency),
        },
    }
    if plan.approvals:
        planning["milestones"] = [
            {
                "id": m.milestone_id,
                "title": m.title,
                "type": "approval",
                "code": "projectApproval",
                "status": "met",
                "dateMet": format_date(m.date_met),
            }
            for m in plan.approvals
        ]
    if plan.documents:
        planning["documents"] = [document(d) for d in plan.documents]
    return {
        "parties": [party(party_id=pid, name=names[pid], roles=sorted(r)) for pid, r in sorted(roles.items())],
        "buyer": organisation_reference(plan.buyer.party_id, plan.buyer.name),
        "planning": planning,
    }


@dataclass(frozen=True)
class AmendmentNote:
    amendment_id: str
    date: datetime
    rationale: str
    description: str


@dataclass(frozen=True)
class TenderNotice:
    """What a tender release publishes: never anything sealed (bids appear only as counts after opening)."""

    tender_id: str
    title: str
    description: str
    status: str  # OCDS tender status: active, complete, cancelled
    method: str  # procurementMethod
    method_details: str
    value: Decimal
    currency: str
    buyer: PartyShare
    tender_start: datetime
    tender_end: datetime
    enquiry_end: datetime
    award_criteria_details: str
    eligibility: str = ""
    tenderers: int | None = None  # after opening only
    amendments: tuple[AmendmentNote, ...] = ()
    method_rationale: str = ""  # why this method: the route's reason, and a sole source's recorded justification
    documents: tuple[DocumentRef, ...] = ()
    has_enquiries: bool = False  # questions were answered (published as a `clarifications` document)
    later_stage: bool = False  # a stage after the first: it replaces the previous stage as the process's tender


# Optional tender fields a later stage clears when it has none, so that the compiled release does not keep the
# previous stage's value (ocdsmerge removes a field that a newer release sets to null).
STAGE_CLEARED = ("numberOfTenderers", "eligibilityCriteria", "procurementMethodRationale")


def tender_sections(notice: TenderNotice) -> dict[str, Any]:
    """parties, buyer and tender for a tender or tenderUpdate release."""
    tender: dict[str, Any] = {
        "id": notice.tender_id,
        "title": notice.title,
        "description": notice.description,
        "status": notice.status,
        "procuringEntity": organisation_reference(notice.buyer.party_id, notice.buyer.name),
        "value": money(notice.value, notice.currency),
        "procurementMethod": notice.method,
        "procurementMethodDetails": notice.method_details,
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": notice.award_criteria_details,
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": format_date(notice.tender_start), "endDate": format_date(notice.tender_end)},
        "enquiryPeriod": {"startDate": format_date(notice.tender_start), "endDate": format_date(notice.enquiry_end)},
        "hasEnquiries": notice.has_enquiries,
    }
    if notice.eligibility:
        tender["eligibilityCriteria"] = notice.eligibility
    if notice.method_rationale:
        tender["procurementMethodRationale"] = notice.method_rationale
    if notice.tenderers is not None:
        tender["numberOfTenderers"] = notice.tenderers
    if notice.later_stage:
        for name in STAGE_CLEARED:
            tender.setdefault(name, None)
    if notice.documents:
        tender["documents"] = [document(d) for d in notice.documents]
    if notice.amendments:
        tender["amendments"] = [
            {
                "id": a.amendment_id,
                "date": format_date(a.date),
                "rationale": a.rationale,
                "description": a.description,
            }
            for a in notice.amendments
        ]
    return {
        "parties": [party(party_id=notice.buyer.party_id, name=notice.buyer.name, roles=["buyer", "procuringEntity"])],
        "buyer": organisation_reference(notice.buyer.party_id, notice.buyer.name),
        "tender": tender,
    }


@dataclass(frozen=True)
class ContractParty:
    party_id: str
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class ContractNotice:
    """What a contract or contract-amendment release publishes."""

    contract_id: str
    award_id: str
    title: str
    description: str
    status: str  # OCDS contractStatus
    value: Decimal
    currency: str
    start: date
    end: date
    parties: tuple[ContractParty, ...]
    date_signed: datetime | None = None
    signatories: tuple[str, ...] = ()  # party ids
    amendments: tuple[AmendmentNote, ...] = ()
    direct_award_date: datetime | None = None  # a contract entered directly: publish the award it rests on
    risks: tuple[AllocatedRisk, ...] = ()  # the project's risk register, published as riskAllocation


@dataclass(frozen=True)
class AllocatedRisk:
    """A risk of the project's register as the contract allocates it. We keep our own (finer) category and the
    private party's share; `risk_allocation` maps both to the profile's codelists."""

    risk_id: str  # stable per risk, e.g. risk-<pk>
    category: RiskCategory
    category_label: str  # our category's name, kept in the notes where the OCDS code is coarser
    title: str
    description: str
    share_transferred: float  # 0..1: the share of the cost borne by the private party
    reason: str  # why this allocation


def risk_allocation(risks: Iterable[AllocatedRisk]) -> list[dict[str, Any]]:
    """The contract's `riskAllocation` (risk allocation extension): the category from the riskCategory codelist
    (`domain.risks.ocds_category`), the allocation from the closed riskAllocation codelist (`ocds_allocation`: the
    party bearing the larger share, `undefined` for an even split), and notes with the exact split, our own category
    and the reason. Empty texts are left out (the extension's strings have a minimum length of 1)."""
    out = []
    for risk in risks:
        allocation, split = ocds_allocation(risk.share_transferred)
        description = ": ".join(part.strip() for part in (risk.title, risk.description) if part.strip())
        notes = " ".join(
            part for part in (split, f"Register category: {risk.category_label}.", risk.reason.strip()) if part
        )
        entry: dict[str, Any] = {"id": risk.risk_id, "category": ocds_category(risk.category)}
        if description:
            entry["description"] = description
        entry["allocation"] = allocation
        entry["notes"] = notes
        out.append(entry)
    return out


@dataclass(frozen=True)
class VfmFigures:
    """The latest value-for-money simulation of a business case (means of present costs, real terms)."""

    case_version: int
    iterations: int
    psc_base: float  # the public sector comparator without risk
    psc_mean: float  # risk-adjusted
    ppp_base: float
    ppp_mean: float  # with the risks the city retains
    vfm_mean: float
    vfm_percent_of_psc: float
    probability_ppp_cheaper: float


@dataclass(frozen=True)
class AppraisalFigures:
    """What the business case says about the PPP option, for an award's `evaluationIndicators`."""

    case_version: int
    discount_rate: float  # real, decimal fraction
    mid_year: bool
    currency: str
    npv: Decimal | None = None  # the cost-benefit analysis's net present value
    npv_summary: str = ""
    vfm: VfmFigures | None = None


def evaluation_indicators(figures: AppraisalFigures) -> dict[str, Any]:
    """The PPP profile's `awards.evaluationIndicators`: the discount rate, the risk premium and the net present
    value, each with its details. CivicPact prices risks explicitly (the risk-adjusted comparator of the
    value-for-money simulation) rather than as a premium on the discount rate, so the risk premium is 0 and its
    details give the risk adjustment in money; the value-for-money figures go in the net present value's details
    (the extension has no field of its own for them)."""
    convention = "mid" if figures.mid_year else "end"
    out: dict[str, Any] = {
        "discountRate": figures.discount_rate,
        "discountRateDetails": f"Real discount rate of the business case (version {figures.case_version}), "
        f"{convention}-year convention.",
        "riskPremium": 0.0,
    }
    vfm = figures.vfm
    premium = "No risk premium is added to the discount rate: risks are priced explicitly."
    if vfm is not None:
        premium += (
            f" In the value-for-money simulation (business case version {vfm.case_version}, {vfm.iterations:,} "
            f"iterations) the risks add {vfm.psc_mean - vfm.psc_base:,.0f} {figures.currency} to the public sector "
            f"comparator's present cost ({vfm.psc_base:,.0f} without risk, {vfm.psc_mean:,.0f} risk-adjusted) and "
            f"the risks the city retains {vfm.ppp_mean - vfm.ppp_base:,.0f} to the PPP's ({vfm.ppp_mean:,.0f})."
        )
    out["riskPremiumDetails"] = premium
    details = []
    if figures.npv is not None:
        out["netPresentValue"] = money(figures.npv, figures.currency)
        details.append(figures.npv_summary or "Net present value of the cost-benefit analysis.")
    if vfm is not None:
        details.append(
            f"Value for money: the PPP's present cost is {vfm.vfm_mean:,.0f} {figures.currency} below the "
            f"risk-adjusted public sector comparator on average ({vfm.vfm_percent_of_psc:.1f}% of it), and lower "
            f"in {vfm.probability_ppp_cheaper:.0%} of the simulated futures."
        )
    if details:
        out["netPresentValueDetails"] = " ".join(details)
    return out


AWARD_UPDATE_STATUSES = frozenset({"active", "cancelled", "unsuccessful"})


def award_status(*, award_id: str, status: str, description: str = "") -> dict[str, Any]:
    """An awardUpdate's entry for an award published earlier: its id and new status from the closed awardStatus
    codelist (published `pending` at the decision; `active` once its contract is in force; `cancelled` when set
    aside, e.g. by an upheld complaint). The description, when given, replaces the award's (the reasons for the
    award): give it only when the new status needs explaining. Nothing else changes, so a release may carry it
    beside other sections."""
    if status not in AWARD_UPDATE_STATUSES:
        raise ValueError(f"{status!r} is not an award status an update publishes")
    entry = {"id": award_id, "status": status}
    if description:
        entry["description"] = description
    return entry


def _day(day: date) -> str:
    return format_date(datetime(day.year, day.month, day.day, tzinfo=UTC))


def contract_sections(notice: ContractNotice) -> dict[str, Any]:
    """parties and contracts (with signatories and amendments); awards too for a contract entered directly."""
    names = {p.party_id: p.name for p in notice.parties}
    contract: dict[str, Any] = {
        "id": notice.contract_id,
        "awardID": notice.award_id,
        "title": notice.title,
        "description": notice.description,
        "status": notice.status,
        "value": money(notice.value, notice.currency),
        "period": {"startDate": _day(notice.start), "endDate": _day(notice.end)},
    }
    if notice.date_signed is not None:
        contract["dateSigned"] = format_date(notice.date_signed)
    if notice.signatories:
        contract["signatories"] = [organisation_reference(pid, names[pid]) for pid in notice.signatories]
    if notice.amendments:
        contract["amendments"] = [
            {"id": a.amendment_id, "date": format_date(a.date), "rationale": a.rationale, "description": a.description}
            for a in notice.amendments
        ]
    if notice.risks:  # the extension's array has at least one item
        contract["riskAllocation"] = risk_allocation(notice.risks)
    sections: dict[str, Any] = {
        "parties": [party(party_id=p.party_id, name=p.name, roles=p.roles) for p in notice.parties],
        "contracts": [contract],
    }
    if notice.direct_award_date is not None:
        suppliers = [p for p in notice.parties if "supplier" in p.roles]
        sections["awards"] = [
            {
                "id": notice.award_id,
                "title": notice.title,
                "status": "active",
                "date": format_date(notice.direct_award_date),
                "value": money(notice.value, notice.currency),
                "suppliers": [organisation_reference(p.party_id, p.name) for p in suppliers],
            }
        ]
    return sections


# --- the performance regime: agreed metrics, and what an issued payment statement publishes -------------------------

PERCENT_UNIT: Mapping[str, str] = {"name": "percent", "scheme": "UNCEFACT", "id": "P1"}
HOURS_UNIT: Mapping[str, str] = {"name": "hours", "scheme": "UNCEFACT", "id": "HUR"}
SCORE_UNIT: Mapping[str, str] = {"name": "score"}
AVAILABILITY_METRIC = "availability"  # the metric's id, in agreedMetrics and in implementation.metrics


@dataclass(frozen=True)
class CorrectedStatement:
    """The issued statement a correction replaces (its id as published, its number and net payment)."""

    statement_id: str
    number: int
    net_payment: Decimal


@dataclass(frozen=True)
class IssuedStatement:
    """An issued payment statement, as its implementation release publishes it. Ids are derived from
    `statement_id` (the transaction, the statement's document) or from the month (the metric observations and
    performance failures, which a correction revises), so publishing the same statement twice gives the same ids."""

    statement_id: str  # stable per statement, e.g. statement-<pk>
    number: int  # 1; a correction of an issued statement 2, 3…
    month: str  # YYYY-MM
    issued: datetime
    regime_version: int
    regime: Regime  # the regime version the statement used
    figures: Mapping[str, Any]  # money.Statement.as_dict(), as frozen with the issued statement
    payer: ContractParty  # the city
    payee: ContractParty  # the partner
    corrects: CorrectedStatement | None = None


def _number(value: Decimal) -> float | int:
    """A JSON number for a measure: an integer when it is whole."""
    return int(value) if value == value.to_integral_value() else float(value)


def _text_amount(amount: Decimal, currency: str) -> str:
    return f"{to_cents(amount):f} {currency}"


def month_period(month: str, tz: str) -> dict[str, str]:
    """An OCDS period for a month in the regime's local time: from its first midnight to its last millisecond."""
    year, number = (int(part) for part in month.split("-"))
    zone = ZoneInfo(tz)
    start = datetime(year, number, 1, tzinfo=zone)
    following = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return {"startDate": format_date(start), "endDate": format_date(following - timedelta(milliseconds=1))}


def _kpi_target(kpi: Kpi) -> str:
    if kpi.kind == "response_time":
        return f"a response within {kpi.target:f} hours"
    if kpi.kind == "fix_time":
        return f"a fix within {kpi.target:f} hours"
    return f"a score of at least {kpi.target:f}"


def _kpi_unit(kpi: Kpi) -> dict[str, str]:
    return dict(SCORE_UNIT if kpi.kind == "periodic" else HOURS_UNIT)


def _availability_rule(regime: Regime) -> str:
    """The contracted availability deduction, in words (a performance failure's penaltyContracted)."""
    availability, measurement = regime.availability, regime.measurement
    if availability.mode == "rate":
        base = f"{_text_amount(availability.rate or Decimal(0), regime.currency)} per unavailable service interval"
    else:
        weightings = ", ".join(f"{c.name} {c.weighting:f}%" for c in regime.asset_classes)
        base = (
            "each asset's share of the monthly unitary charge (its class's weighting, "
            f"{weightings}, divided among the class's assets) for each unavailable service interval, "
            "over its service intervals in the month"
        )
    parts = [
        f"Deducted: {base} ({measurement.interval_minutes}-minute intervals).",
        f"An outage fixed within {availability.rectification_minutes} minutes costs nothing; a longer one counts "
        "from its start.",
        f"An interval unavailable but used counts {availability.ubu_factor:f} of one.",
    ]
    if len(availability.multipliers) > 1:
        ratchet = ", ".join(f"{m:f}" for m in availability.multipliers)
        parts.append(f"An asset's 1st, 2nd, … deductible outages in the month count {ratchet} times.")
    parts.append(f"The month's deductions are capped at {regime.cap_percent:f}% of the unitary charge.")
    return " ".join(parts)


def _imposed(amount: Decimal, events: int, figures: Mapping[str, Any], where: str) -> str:
    """A performance failure's penaltyImposed: the category's deduction, and the cap when it applied."""
    currency = str(figures["currency"])
    if events == 0 and amount == 0:
        return "None."
    text = f"{_text_amount(amount, currency)} deducted from {where}."
    if figures.get("capped"):
        text += (
            f" The month's deductions of {_text_amount(Decimal(figures['gross_deductions']), currency)} were capped "
            f"at {_text_amount(Decimal(figures['cap_amount']), currency)}: that much was deducted in all."
        )
    return text


def _failure(
    *,
    failure_id: str,
    period: Mapping[str, str],
    category: str,
    events: int,
    contracted: str,
    amount: Decimal,
    figures: Mapping[str, Any],
    where: str,
) -> dict[str, Any]:
    """A performance failure disclosure: penaltyPaid is true when a deduction was withheld from the payment that
    the same release publishes (left out when nothing was deducted)."""
    failure: dict[str, Any] = {
        "id": failure_id,
        "period": dict(period),
        "category": category,
        "events": events,
        "penaltyContracted": contracted,
        "penaltyImposed": _imposed(amount, events, figures, where),
    }
    if amount > 0 and Decimal(figures["deductions_applied"]) > 0:
        failure["penaltyPaid"] = True
    return failure


def _kpi_observed(line: Mapping[str, Any], kpi: Kpi | None, month: str, period: Mapping[str, str]) -> dict[str, Any]:
    """A KPI's metric in a statement's implementation (the same id as its agreed metric, `kpi-<key>`): the month's
    number of failures to meet the target, as counted for the statement (its penalty is a performance failure)."""
    failures = int(line["failures"])
    target = f" ({_kpi_target(kpi)})" if kpi is not None else ""
    return {
        "id": f"kpi-{line['kpi']}",
        "title": str(line["name"]),
        "description": f"Failures to meet the target{target} in the month.",
        "observations": [
            {
                "id": f"kpi-{line['kpi']}-{month}",
                "period": dict(period),
                "measure": failures,
                "unit": {"name": "failures"},
                "notes": "Target met every time." if failures == 0 else f"{failures} failure(s) to meet the target.",
            }
        ],
    }


def statement_implementation(statement: IssuedStatement) -> dict[str, Any]:
    """A contract's `implementation` for an issued payment statement: its transaction (the net payment from the
    city to the partner; for a correction, the difference from the statement it corrects), the statement as a
    financial progress report, the month's availability against the target (`metrics`), and the month's
    performance failures with the penalties imposed (`performanceFailures`: availability and each KPI, every
    category every month, so that a correction revises each of them)."""
    figures, regime, month = statement.figures, statement.regime, statement.month
    currency = str(figures["currency"])
    net = Decimal(figures["net_payment"])
    period = month_period(month, regime.measurement.timezone)
    label = f"statement #{statement.number} for {month} (regime version {statement.regime_version})"
    corrects = statement.corrects
    amount = net if corrects is None else net - corrects.net_payment
    transaction: dict[str, Any] = {
        "id": statement.statement_id,
        "date": format_date(statement.issued),
        "value": money(amount, currency),
        "payer": organisation_reference(statement.payer.party_id, statement.payer.name),
        "payee": organisation_reference(statement.payee.party_id, statement.payee.name),
    }
    deductions = Decimal(figures["deductions_applied"])
    summary = (
        f"Payment statement #{statement.number} for {month}, under performance regime version "
        f"{statement.regime_version}: unitary charge {_text_amount(Decimal(figures['monthly_charge']), currency)}, "
        f"deductions {_text_amount(deductions, currency)}"
        + (" (capped)" if figures.get("capped") else "")
        + f", bonus {_text_amount(Decimal(figures['bonus']), currency)}, net payment {_text_amount(net, currency)}."
    )
    if corrects is not None:
        summary += (
            f" It corrects statement #{corrects.number} ({corrects.statement_id}), whose net payment was "
            f"{_text_amount(corrects.net_payment, currency)}: its transaction {statement.statement_id} is the "
            f"difference, {_text_amount(amount, currency)}."
        )
    report = document(
        DocumentRef(
            document_id=statement.statement_id,
            document_type="financialProgressReport",
            title=f"Payment statement {month} #{statement.number}",
            date_published=statement.issued,
            description=summary,
        )
    )
    target = regime.availability.target_percent
    percent = figures.get("contract_availability_percent")
    actual: dict[str, Any] = {
        "id": f"{AVAILABILITY_METRIC}-{month}",
        "period": dict(period),
    }
    if percent is None:
        actual["notes"] = "No service interval in the month: no availability figure."
    else:
        met = "met" if Decimal(percent) >= target else "not met"
        actual |= {
            "measure": _number(Decimal(percent)),
            "unit": dict(PERCENT_UNIT),
            "notes": f"Target {target:f}% (regime version {statement.regime_version}): {met}.",
        }
    metric = {
        "id": AVAILABILITY_METRIC,
        "title": "Availability",
        "description": "Contract availability in the month: available service intervals over all service "
        "intervals of the register's assets.",
        "observations": [
            actual,
            {
                "id": f"{AVAILABILITY_METRIC}-{month}-target",
                "period": dict(period),
                "measure": _number(target),
                "unit": dict(PERCENT_UNIT),
                "notes": f"The target in force (regime version {statement.regime_version}), not an observation.",
            },
        ],
    }
    events = sum(int(a["events"]) - int(a["rectified_events"]) for a in figures.get("assets", ()))
    failures = [
        _failure(
            failure_id=f"{month}-{AVAILABILITY_METRIC}",
            period=period,
            category="Availability",
            events=events,
            contracted=_availability_rule(regime),
            amount=Decimal(figures["availability_deductions"]),
            figures=figures,
            where=label,
        )
    ]
    kpis = {k.key: k for k in regime.kpis}
    metrics = [metric]
    for line in figures.get("kpis", ()):
        kpi = kpis.get(str(line["kpi"]))
        metrics.append(_kpi_observed(line, kpi, month, period))
        rule = (
            f"{_text_amount(Decimal(line['deduction_per_failure']), currency)} for each failure to meet the target"
            + (f" ({_kpi_target(kpi)})." if kpi is not None else ".")
        )
        failures.append(
            _failure(
                failure_id=f"{month}-kpi-{line['kpi']}",
                period=period,
                category=str(line["name"]),
                events=int(line["failures"]),
                contracted=rule,
                amount=Decimal(line["deduction"]),
                figures=figures,
                where=label,
            )
        )
    return {
        "transactions": [transaction],
        "documents": [report],
        "metrics": metrics,
        "performanceFailures": failures,
    }


def statement_sections(statement: IssuedStatement, *, contract_id: str, award_id: str) -> dict[str, Any]:
    """parties (the payer and payee, with all their roles) and the contract's implementation for an issued
    payment statement."""
    return {
        "parties": [
            party(party_id=p.party_id, name=p.name, roles=p.roles) for p in (statement.payer, statement.payee)
        ],
        "contracts": [{"id": contract_id, "awardID": award_id, "implementation": statement_implementation(statement)}],
    }


def agreed_metrics(regime: Regime, *, version: int) -> list[dict[str, Any]]:
    """A contract's agreedMetrics from its performance regime: the availability target and each KPI's target.
    Ids do not depend on the version, so a new regime version revises the targets."""
    measurement = regime.measurement
    metrics: list[dict[str, Any]] = [
        {
            "id": AVAILABILITY_METRIC,
            "title": "Availability",
            "description": (
                f"Contract availability in a month: the service intervals ({measurement.interval_minutes} "
                f"minutes, within each asset class's service hours, {measurement.timezone} time) in which the "
                f"assets were available, over all their service intervals. Performance regime version {version}."
            ),
            "observations": [
                {
                    "id": f"{AVAILABILITY_METRIC}-target",
                    "measure": _number(regime.availability.target_percent),
                    "unit": dict(PERCENT_UNIT),
                    "notes": _availability_rule(regime),
                }
            ],
        }
    ]
    for kpi in regime.kpis:
        metrics.append(
            {
                "id": f"kpi-{kpi.key}",
                "title": kpi.name,
                "description": f"Target: {_kpi_target(kpi)}. Performance regime version {version}.",
                "observations": [
                    {
                        "id": f"kpi-{kpi.key}-target",
                        "measure": _number(kpi.target),
                        "unit": _kpi_unit(kpi),
                        "notes": f"{_text_amount(kpi.deduction_per_failure, regime.currency)} deducted for each "
                        "failure to meet the target.",
                    }
                ],
            }
        )
    return metrics


def agreed_metrics_sections(regime: Regime, *, version: int, contract_id: str, award_id: str) -> dict[str, Any]:
    """The contract's agreedMetrics, for a contractUpdate release when a regime version is saved."""
    return {
        "contracts": [
            {"id": contract_id, "awardID": award_id, "agreedMetrics": agreed_metrics(regime, version=version)}
        ]
    }
