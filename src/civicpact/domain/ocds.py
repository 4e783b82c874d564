"""Mapping CivicPact's state to OCDS 1.1.5 + the OCDS for PPPs profile. Pure: dicts in, dicts out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from civicpact.domain.money import to_cents

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
        "hasEnquiries": False,
    }
    if notice.eligibility:
        tender["eligibilityCriteria"] = notice.eligibility
    if notice.method_rationale:
        tender["procurementMethodRationale"] = notice.method_rationale
    if notice.tenderers is not None:
        tender["numberOfTenderers"] = notice.tenderers
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
