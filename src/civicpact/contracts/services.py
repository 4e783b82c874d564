"""Writes of the contracts app: the draft contract from an award, a contract entered directly, amendments as
new versions, signatures per party, documents, and the contract releases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation, User
from civicpact.appraisal.selectors import risk_allocation_list
from civicpact.contracts.hooks import run_in_force_hooks
from civicpact.contracts.models import (
    Contract,
    ContractDocument,
    ContractParty,
    ContractVersion,
    Milestone,
    Signature,
)
from civicpact.contracts.selectors import is_partner
from civicpact.domain import ocds
from civicpact.domain.contracts import (
    AMENDMENT_RATIONALES,
    RATIONALE_LABELS,
    ContractStatus,
    MilestoneKind,
    Party,
    PartyRole,
    PlannedMilestone,
    Rationale,
    Terms,
    changed_fields,
    milestone_ocds,
    milestone_payment,
    ocds_roles,
    ocds_status,
    schedule_errors,
    terms_errors,
    unsigned_parties,
)
from civicpact.ledger.services import audit_append, release_append
from civicpact.pipeline.models import Project
from civicpact.pipeline.services import project_ocid
from civicpact.tendering.evaluation import signature_blockers
from civicpact.tendering.models import Award
from civicpact.tendering.services import planning_link, process_ocid
from civicpact.util import upload_digest

TERM_FIELDS = ("title", "description", "value", "start_date", "end_date", "partnership_model", "payment_mechanisms")


class ContractError(Exception):
    """A refusal whose message is shown as it is (409 in the API)."""


class StaleContract(ContractError):
    """The contract changed since the editor loaded it."""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _parties(raw: Iterable[Mapping[str, Any]]) -> tuple[Party, ...]:
    """Parties from [{organisation (id), role}]: each organisation must exist; ValidationError names the entry."""
    out = []
    for index, entry in enumerate(raw):
        ident = entry.get("organisation")
        organisation = Organisation.objects.filter(pk=ident).first() if isinstance(ident, int | str) else None
        if organisation is None:
            raise ValidationError({f"parties[{index}]": f"No organisation has the id {entry.get('organisation')!r}."})
        try:
            role = PartyRole(str(entry.get("role")))
        except ValueError:
            roles = ", ".join(r.value for r in PartyRole)
            raise ValidationError({f"parties[{index}]": f"The role must be one of {roles}."}) from None
        out.append(Party(organisation.pk, organisation.name, role))
    return tuple(out)


def _terms(fields: Mapping[str, Any], parties: tuple[Party, ...]) -> Terms:
    try:
        value = Decimal(str(fields["value"]))
    except (InvalidOperation, KeyError):
        raise ValidationError({"value": _("Give the contract value as an amount.")}) from None
    for name in ("start_date", "end_date"):
        if not isinstance(fields.get(name), date):
            raise ValidationError({name: _("Give the date as YYYY-MM-DD.")})
    return Terms(
        title=str(fields.get("title", "")),
        description=str(fields.get("description", "")),
        value=value,
        start=fields["start_date"],
        end=fields["end_date"],
        partnership_model=str(fields.get("partnership_model", "")),
        payment_mechanisms=tuple(fields.get("payment_mechanisms") or ()),
        parties=parties,
    )


def _check(terms: Terms) -> None:
    names = {"start": "start_date", "end": "end_date"}
    errors = {names.get(k, k): v for k, v in terms_errors(terms).items()}
    if errors:
        raise ValidationError(errors)


def _add_version(
    contract: Contract, terms: Terms, *, number: int, rationale: Rationale, details: str, actor: User, changes: Any
) -> ContractVersion:
    version = ContractVersion(
        contract=contract,
        number=number,
        title=terms.title.strip(),
        description=terms.description.strip(),
        value=terms.value,
        start_date=terms.start,
        end_date=terms.end,
        partnership_model=terms.partnership_model,
        payment_mechanisms=list(terms.payment_mechanisms),
        parties=[{"organisation": p.organisation_id, "name": p.name, "role": p.role.value} for p in terms.parties],
        rationale=rationale,
        details=details.strip(),
        changes=list(changes),
        created_by=actor,
    )
    version.full_clean()
    version.save(force_insert=True)
    ContractParty.objects.filter(contract=contract).delete()
    ContractParty.objects.bulk_create(
        [ContractParty(contract=contract, organisation_id=p.organisation_id, role=p.role) for p in terms.parties]
    )
    return version


def contract_from_award(*, award: Award, price: Decimal, actor: User) -> Contract:
    """The draft contract an award creates: the city (the project's lead department) and the winner as partner,
    the awarded price, the term from the end of the standstill over the project's duration, the model and
    payment mechanisms chosen at structuring. Called in the award's transaction."""
    tender = award.tender
    project = tender.project
    model = project.model_choices.first()
    sheet = project.term_sheets.first()
    start = timezone.localdate(award.standstill_end) + timedelta(days=1)
    years = int(project.duration_years or 1)
    try:
        end = start.replace(year=start.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28) - timedelta(days=1)
    mechanisms = list((sheet.terms if sheet else {}).get("payment_mechanisms") or ["milestone"])
    parties = (
        Party(project.lead_department_id, project.lead_department.name, PartyRole.CITY),
        Party(award.bid.supplier_id, award.bid.supplier.name, PartyRole.PARTNER),
    )
    terms = Terms(
        title=tender.title,
        description=tender.description,
        value=price,
        start=start,
        end=end,
        partnership_model=model.chosen_model if model else "managed_services",
        payment_mechanisms=tuple(mechanisms),
        parties=parties,
    )
    _check(terms)
    contract = Contract.objects.create(project=project, award=award, created_by=actor)
    _add_version(
        contract,
        terms,
        number=1,
        rationale=Rationale.INITIAL,
        details=f"Drafted from the award: {award.reasons}",
        actor=actor,
        changes=[],
    )
    audit_append(actor=actor, action="contract.draft", obj=contract, payload={"award": award.pk, "value": str(price)})
    return contract


def contract_void(*, award: Award, reason: str, actor: User) -> None:
    """The award was set aside: its draft contract can no longer be signed."""
    contract = Contract.objects.select_for_update().filter(award=award).first()
    if contract is None:
        return
    contract.status = ContractStatus.VOID
    contract.save(update_fields=["status"])
    audit_append(actor=actor, action="contract.void", obj=contract, payload={"reason": reason})


def contract_create(*, actor: User, project_id: int, parties: Iterable[Mapping[str, Any]], **fields: Any) -> Contract:
    """A contract entered directly, for a PPP signed before CivicPact: its signatures are then recorded."""
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit enter contracts."))
    unknown = set(fields) - set(TERM_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "is not a contract field"})
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        terms = _terms(fields, _parties(parties))
        _check(terms)
        contract = Contract.objects.create(project=project, entered_directly=True, created_by=actor)
        _add_version(
            contract,
            terms,
            number=1,
            rationale=Rationale.INITIAL,
            details="Entered directly: signed before CivicPact.",
            actor=actor,
            changes=[],
        )
        audit_append(actor=actor, action="contract.enter", obj=contract, payload={"project": project.pk})
        return contract


def contract_amend(
    *,
    actor: User,
    contract_id: int,
    expected_version: int,
    rationale: str,
    details: str,
    parties: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> ContractVersion:
    """A new version with a rationale from the fixed list; it is in force once every party has signed it (the
    previous one stays in force, and readable, until then)."""
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit amend contracts."))
    try:
        reason = Rationale(rationale)
    except ValueError:
        reason = Rationale.INITIAL
    if reason not in AMENDMENT_RATIONALES:
        names = ", ".join(r.value for r in AMENDMENT_RATIONALES)
        raise ValidationError({"rationale": _("Choose the rationale from the list: %(names)s.") % {"names": names}})
    if not details.strip():
        raise ValidationError({"details": _("Say what changes and why.")})
    unknown = set(fields) - set(TERM_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "is not a contract field"})
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        if contract.version != expected_version:
            raise StaleContract(_("The contract was changed by someone else after you opened it; reload and redo."))
        if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
            raise ContractError(
                _("A %(status)s contract cannot be amended.") % {"status": contract.get_status_display().lower()}
            )
        latest = contract.latest
        before = latest.terms()
        merged = {name: getattr(latest, name) for name in TERM_FIELDS} | fields
        terms = _terms(merged, _parties(parties) if parties is not None else before.parties)
        _check(terms)
        changes = changed_fields(before, terms)
        if not changes:
            raise ValidationError({"__all__": _("Nothing changed.")})
        contract.version += 1
        contract.save(update_fields=["version"])
        version = _add_version(
            contract, terms, number=contract.version, rationale=reason, details=details, actor=actor, changes=changes
        )
        audit_append(
            actor=actor,
            action="contract.amend",
            obj=contract,
            payload={"version": version.number, "rationale": reason.value, "changes": list(changes)},
            public=contract.status == ContractStatus.ACTIVE,
        )
        return version


def _may_sign_for(actor: User, organisation_id: int) -> bool:
    return permissions.can_manage_contracts(actor) or any(
        org.pk == organisation_id for org in permissions.supplier_organisations(actor)
    )


def contract_sign(
    *,
    actor: User,
    contract_id: int,
    number: int,
    organisation_id: int,
    signatory_name: str,
    signatory_title: str = "",
    signed_at: datetime | None = None,
) -> Signature:
    """A party signs the latest version (a partner's own user, or the city recording a party's signature). Once
    every party has signed, that version is in force: the first time the contract becomes active."""
    _require(
        _may_sign_for(actor, organisation_id),
        _("Only the party's own users sign for it; contract managers and the PPP unit record signatures."),
    )
    if not signatory_name.strip():
        raise ValidationError({"signatory_name": _("Give the name of the person who signs.")})
    now = timezone.now()
    if signed_at is not None and signed_at > now:
        raise ValidationError({"signed_at": _("A signature cannot be dated in the future.")})
    with transaction.atomic():
        contract = Contract.objects.select_for_update(of=("self",)).select_related("award__tender").get(pk=contract_id)
        if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
            raise ContractError(
                _("A %(status)s contract cannot be signed.") % {"status": contract.get_status_display().lower()}
            )
        version = contract.versions.filter(number=number).first()
        if version is None or number != contract.version:
            raise ContractError(
                _("Only the latest version (v%(number)s) can be signed.") % {"number": contract.version}
            )
        party = next((p for p in version.party_list() if p.organisation_id == organisation_id), None)
        if party is None:
            raise ValidationError({"organisation": _("This organisation is not a party to the contract.")})
        if contract.award is not None and contract.in_force is None:
            blockers = signature_blockers(contract.award.tender, now)
            if blockers:
                raise ContractError(
                    _("The contract may not be signed yet: %(blockers)s.") % {"blockers": "; ".join(blockers)}
                )
        if version.signatures.filter(organisation_id=organisation_id).exists():
            raise ContractError(
                _("%(party)s has already signed version %(number)s.") % {"party": party.name, "number": number}
            )
        signature = Signature(
            version=version,
            organisation_id=organisation_id,
            signatory_name=signatory_name.strip(),
            signatory_title=signatory_title.strip(),
            signed_at=signed_at or now,
            recorded_by=actor,
        )
        signature.full_clean()
        signature.save(force_insert=True)
        audit_append(
            actor=actor,
            action="contract.sign",
            obj=contract,
            payload={"version": number, "party": party.name, "signatory": signature.signatory_name},
        )
        if not unsigned_parties(version.party_list(), version.signed_by()):
            first = contract.in_force is None
            contract.in_force = number
            if contract.status == ContractStatus.DRAFT:
                contract.status = ContractStatus.ACTIVE
            contract.save(update_fields=["in_force", "status"])
            _contract_release(actor, contract, tag="contract" if first else "contractAmendment")
            audit_append(
                actor=actor,
                action="contract.in_force",
                obj=contract,
                payload={"version": number, "title": version.title, "value": str(version.value)},
                public=True,
            )
            run_in_force_hooks(actor=actor, contract=contract, first=first)  # e.g. the regime's agreedMetrics
        return signature


def _signed_on(version: ContractVersion) -> datetime:
    return max(s.signed_at for s in version.signatures.all())


def contract_ocid(actor: User, contract: Contract) -> str:
    """An awarded contract belongs to its tender's contracting process; one entered directly to its project's."""
    if contract.award is not None:
        return process_ocid(actor, contract.award.tender)
    return project_ocid(actor=actor, project=contract.project)


def _contract_release(actor: User, contract: Contract, *, tag: str) -> None:
    ocid = contract_ocid(actor, contract)
    version = contract.current
    if version is None:  # called once a version is in force
        raise ContractError("No version of the contract is in force yet.")
    parties = tuple(
        ocds.ContractParty(f"org-{p.organisation_id}", p.name, ocds_roles(p.role)) for p in version.party_list()
    )
    first = contract.versions.get(number=1)
    amendments = tuple(
        ocds.AmendmentNote(
            f"{contract.ocds_id}-v{v.number}",
            _signed_on(v),
            f"{RATIONALE_LABELS[Rationale(v.rationale)]}: {v.details}",
            "Changed: " + ", ".join(name.replace("_", " ") for name in v.changes) + ".",
        )
        for v in contract.versions.filter(number__gt=1, number__lte=version.number)
        if not unsigned_parties(v.party_list(), v.signed_by())
    )
    notice = ocds.ContractNotice(
        contract_id=contract.ocds_id,
        award_id=f"award-{contract.award_id}" if contract.award_id else f"award-direct-{contract.pk}",
        title=version.title,
        description=version.description,
        status=ocds_status(ContractStatus(contract.status)),
        value=Decimal(version.value),
        currency=settings.CIVICPACT_CURRENCY,
        start=version.start_date,
        end=version.end_date,
        parties=parties,
        date_signed=_signed_on(first),
        signatories=tuple(f"org-{p.organisation_id}" for p in version.party_list()),
        amendments=amendments,
        direct_award_date=_signed_on(first) if contract.entered_directly else None,
        risks=risk_allocation_list(project=contract.project),
    )
    sections = ocds.contract_sections(notice) | (planning_link(contract.award.tender) if contract.award else {})
    tags = [tag]
    if contract.award is not None and tag == "contract":
        # the award the tendering published as pending is in force with its contract: same release, same date
        sections["awards"] = [ocds.award_status(award_id=notice.award_id, status="active")]
        tags.append("awardUpdate")
    release_append(actor=actor, ocid=ocid, tags=tags, sections=sections)


def contract_document_attach(
    *, actor: User, contract_id: int, upload: UploadedFile, title: str, document_type: str
) -> ContractDocument:
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit attach documents."))
    size, sha256 = upload_digest(upload, settings.CIVICPACT_TENDER_DOCUMENT_MAX_BYTES)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        document = ContractDocument(
            contract=contract,
            title=title.strip() or str(upload.name or "document")[:200],
            document_type=document_type,
            file=upload,
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=size,
            sha256=sha256,
            uploaded_by=actor,
        )
        document.full_clean()
        document.save()
        audit_append(
            actor=actor,
            action="contract.document",
            obj=contract,
            payload={"document": document.pk, "title": document.title, "sha256": document.sha256},
        )
        return document


# --- transition and milestones ---------------------------------------------------------------------------------------


def milestones_plan(*, actor: User, contract_id: int, items: Iterable[Mapping[str, Any]]) -> list[Milestone]:
    """Replace the milestones not yet reported with this plan; the whole schedule (those reported included)
    is checked: dates within the term, payment shares adding up to 100 where there are any."""
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit plan milestones."))
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
            raise ContractError(
                _("A %(status)s contract has no milestones to plan.")
                % {"status": contract.get_status_display().lower()}
            )
        kept = list(contract.milestones.filter(actual_date__isnull=False))
        planned = []
        for index, item in enumerate(items):
            try:
                kind = MilestoneKind(str(item.get("kind")))
            except ValueError:
                kinds = ", ".join(k.value for k in MilestoneKind)
                raise ValidationError(
                    {f"milestones[{index}]": _("The kind must be one of %(kinds)s.") % {"kinds": kinds}}
                ) from None
            when = item.get("planned_date")
            if not isinstance(when, date):
                raise ValidationError({f"milestones[{index}]": _("Give the planned date as YYYY-MM-DD.")})
            share = item.get("payment_percent")
            try:
                percent = None if share in (None, "") else Decimal(str(share))
            except InvalidOperation:
                raise ValidationError(
                    {f"milestones[{index}]": _("The payment share %(share)r is not a number.") % {"share": share}}
                ) from None
            planned.append(PlannedMilestone(kind, str(item.get("title", "")).strip(), when, percent))
        latest = contract.latest
        schedule = [
            *(PlannedMilestone(MilestoneKind(m.kind), m.title, m.planned_date, m.payment_percent) for m in kept),
            *planned,
        ]
        errors = schedule_errors(schedule, latest.start_date, latest.end_date)
        if errors:  # indexes of the new items follow the reported ones
            shift = len(kept)
            raise ValidationError(
                {
                    (f"milestones[{int(k[11:-1]) - shift}]" if k.startswith("milestones[") else k): v
                    for k, v in errors.items()
                }
            )
        contract.milestones.filter(actual_date__isnull=True).delete()
        created = Milestone.objects.bulk_create(
            [
                Milestone(
                    contract=contract,
                    kind=p.kind,
                    title=p.title,
                    planned_date=p.planned,
                    payment_percent=p.payment_percent,
                )
                for p in planned
            ]
        )
        audit_append(
            actor=actor,
            action="contract.milestones_plan",
            obj=contract,
            payload={"milestones": [{"title": p.title, "planned": p.planned.isoformat()} for p in planned]},
        )
        return created


def milestone_report(*, actor: User, milestone_id: int, actual_date: date) -> Milestone:
    """The partner (or the city) reports a milestone achieved on a date: it then awaits the city's acceptance."""
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().select_related("contract").get(pk=milestone_id)
        contract = milestone.contract
        _require(
            permissions.can_manage_contracts(actor) or is_partner(actor, contract),
            _("Only the partner or the contract's managers report a milestone achieved."),
        )
        if contract.status != ContractStatus.ACTIVE:
            raise ContractError(_("Milestones are reported once the contract is signed and in force."))
        if milestone.accepted:
            raise ContractError(_("This milestone is already accepted."))
        if actual_date > timezone.localdate():
            raise ValidationError({"actual_date": _("A milestone cannot be achieved in the future.")})
        milestone.actual_date, milestone.reported_by = actual_date, actor
        milestone.accepted, milestone.decision_note, milestone.decided_by, milestone.decided_at = None, "", None, None
        milestone.save()
        audit_append(
            actor=actor,
            action="contract.milestone_report",
            obj=contract,
            payload={"milestone": milestone.title, "actual_date": actual_date.isoformat()},
        )
        return milestone


def milestone_decide(*, actor: User, milestone_id: int, accept: bool, note: str) -> Milestone:
    """The city accepts a reported milestone (its payment becomes payable and it is published as met) or
    refuses it with a reason (the partner reports it again)."""
    _require(permissions.can_manage_contracts(actor), _("Only the contract's managers accept milestones."))
    if not accept and not note.strip():
        raise ValidationError({"note": _("Say why the milestone is refused.")})
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().select_related("contract__project").get(pk=milestone_id)
        if milestone.actual_date is None or milestone.accepted is not None:
            raise ContractError(
                _("Only a milestone reported achieved and not yet decided can be accepted or refused.")
            )
        contract = milestone.contract
        version = contract.current
        milestone.accepted, milestone.decision_note = accept, note.strip()
        milestone.decided_by, milestone.decided_at = actor, timezone.now()
        if accept and version is not None:
            milestone.payable = milestone_payment(Decimal(version.value), milestone.payment_percent)
        milestone.save()
        audit_append(
            actor=actor,
            action="contract.milestone_accept" if accept else "contract.milestone_refuse",
            obj=contract,
            payload={
                "milestone": milestone.title,
                "payable": str(milestone.payable or 0),
                "note": milestone.decision_note,
            },
            public=accept,
        )
        if accept:
            _milestones_release(actor, contract)
        return milestone


def _milestones_release(actor: User, contract: Contract) -> None:
    """An implementation release: the contract's milestones, met (with their date) or scheduled."""
    entries = []
    for m in contract.milestones.all():
        kind, code = milestone_ocds(MilestoneKind(m.kind))
        entry: dict[str, Any] = {
            "id": f"{contract.ocds_id}-milestone-{m.pk}",
            "title": m.title,
            "type": kind,
            "dueDate": ocds.format_date(datetime.combine(m.planned_date, datetime.min.time(), tzinfo=UTC)),
            "status": "met" if m.accepted else "scheduled",
        }
        if code:
            entry["code"] = code
        if m.accepted and m.actual_date:
            entry["dateMet"] = ocds.format_date(datetime.combine(m.actual_date, datetime.min.time(), tzinfo=UTC))
        entries.append(entry)
    award_id = f"award-{contract.award_id}" if contract.award_id else f"award-direct-{contract.pk}"
    sections = {
        "contracts": [{"id": contract.ocds_id, "awardID": award_id, "implementation": {"milestones": entries}}]
    }
    release_append(actor=actor, ocid=contract_ocid(actor, contract), tags=["implementation"], sections=sections)
