"""Writes of the tendering app: tenders from projects, publication, sealed bids, opening, clarifications."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation, User
from civicpact.domain import ocds
from civicpact.domain.evaluation import EvaluationInputError, Scheme
from civicpact.domain.pipeline import Stage as ProjectStage
from civicpact.domain.structuring import Route, route_to_ocds
from civicpact.domain.tendering import (
    LOCKED_STAGES,
    PAID_STAGES,
    Procedure,
    Stage,
    Timeline,
    next_stages,
    procedure_for_route,
    stage_errors,
    timeline_errors,
)
from civicpact.ledger.services import audit_append, ocid_mint, release_append
from civicpact.notifications.models import Kind
from civicpact.notifications.services import notify, supplier_users
from civicpact.pipeline.models import Project
from civicpact.pipeline.services import project_ocid
from civicpact.tendering import sealing
from civicpact.tendering.exceptions import DeadlinePassed, Sealed, StaleTender, TenderingError
from civicpact.tendering.models import (
    CLOSED,
    Amendment,
    Bid,
    BidStatus,
    BidVersion,
    Clarification,
    EvaluatorAssignment,
    Opening,
    Tender,
    TenderDocument,
    TenderStatus,
)
from civicpact.tendering.wording import Phrase, lower
from civicpact.util import human_size, upload_digest

TIMELINE_FIELDS = {
    "publication": "publication_date",
    "clarification_deadline": "clarification_deadline",
    "submission_deadline": "submission_deadline",
    "opening": "opening_date",
    "evaluation_end": "evaluation_end",
    "standstill_end": "standstill_end",
}
EDITABLE = (
    "title",
    "lot",
    "description",
    "requirements",
    "value_estimate",
    "criteria",
    "price_formula",
    "eligibility",
    *TIMELINE_FIELDS.values(),
    "keep",
    "phase_payment",
    "proponent",
    "proposal_summary",
    "swiss_rule",
    "swiss_bonus",
    "match_days",
)
CREATE_ONLY = ("stage",)  # a stage's place in the procedure is fixed when it is created


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def scheme_of(tender: Tender) -> Scheme:
    """The tender's evaluation scheme; a bad tree raises ValidationError naming the field (criteria...)."""
    try:
        return Scheme.from_mapping({"criteria": tender.criteria, "price_formula": tender.price_formula})
    except EvaluationInputError as exc:
        field = exc.field if exc.field.startswith(("criteria", "price_formula")) else f"criteria.{exc.field}"
        raise ValidationError({field: str(exc)}) from None


def _timeline(tender: Tender) -> Timeline:
    return Timeline(**{step: getattr(tender, field) for step, field in TIMELINE_FIELDS.items()})


def _check(tender: Tender) -> None:
    errors = {
        TIMELINE_FIELDS[step]: message
        for step, message in timeline_errors(_timeline(tender), procedure=Procedure(tender.procedure)).items()
    }
    errors |= _stage_problems(tender)
    if errors:
        raise ValidationError(errors)
    scheme_of(tender)
    tender.full_clean(exclude=["master_key_id", "wrapped_key"])


def _stage_problems(tender: Tender) -> dict[str, str]:
    """The stage's place in its procedure, its number to keep, its phase payment and a Swiss challenge's terms."""
    after = Stage(tender.previous_stage.stage) if tender.previous_stage is not None else None
    stage = Stage(tender.stage)
    errors = stage_errors(Procedure(tender.procedure), stage, after, tender.keep)
    if tender.phase_payment is not None and stage not in PAID_STAGES:
        errors["phase_payment"] = gettext_noop(
            "Only a pre-commercial procurement phase has a phase payment: leave it empty"
        )
    if stage != Stage.COMPETING_OFFERS:
        if tender.proponent_id or tender.swiss_rule:
            errors["proponent"] = gettext_noop("Only a Swiss challenge has a proponent and a rule: leave them empty")
        return errors
    if tender.proponent is None or not tender.proponent.can_bid:
        errors["proponent"] = gettext_noop(
            "Name the proponent: the verified supplier whose unsolicited proposal is challenged"
        )
    if not tender.proposal_summary.strip():
        errors["proposal_summary"] = gettext_noop(
            "Publish the proponent's proposal (what it offers) for competing offers"
        )
    if tender.swiss_rule not in ("match", "bonus"):
        errors["swiss_rule"] = gettext_noop("Choose the rule: the proponent may match the best offer, or gets a bonus")
    elif tender.swiss_rule == "bonus":
        if not 0 < Decimal(tender.swiss_bonus or 0) <= 100:
            errors["swiss_bonus"] = gettext_noop("Give the proponent's bonus in points, above 0 and up to 100")
        elif tender.price_formula == "price_per_quality_point":
            errors["swiss_bonus"] = gettext_noop("A bonus in points needs the lowest_relative or linear price formula")
    elif not tender.match_days:
        errors["match_days"] = gettext_noop("Give the proponent at least 1 day to match the best competing offer")
    return errors


def tender_create(*, actor: User, project_id: int, **fields: Any) -> Tender:
    """A draft tender for a project that passed its structuring gate, under its chosen route's procedure."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit prepares tenders."))
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        if project.stage != ProjectStage.PROCUREMENT:
            raise ValidationError(
                {"project": gettext_noop("Only a project that passed its structuring gate can be tendered.")}
            )
        route = project.route_choices.first()
        if route is None:
            raise ValidationError({"project": gettext_noop("The project has no procurement route chosen.")})
        unknown = set(fields) - set(EDITABLE) - set(CREATE_ONLY)
        if unknown:
            raise ValidationError({sorted(unknown)[0]: gettext_noop("is not a tender field")})
        procedure = procedure_for_route(route.chosen_route)
        fields.setdefault("stage", next_stages(procedure, None)[0])
        if procedure == Procedure.SWISS_CHALLENGE and "proponent" not in fields:
            from civicpact.tendering.proposals import swiss_defaults  # the project's accepted proposal, if any

            fields = swiss_defaults(project) | fields
        tender = Tender(
            project=project,
            procedure=procedure,
            created_by=actor,
            master_key_id="",
            wrapped_key=b"",
            **fields,
        )
        _check(tender)
        tender.save()
        tender.master_key_id, tender.wrapped_key = sealing.new_data_key(tender.pk)
        tender.save(update_fields=["master_key_id", "wrapped_key"])
        audit_append(actor=actor, action="tender.create", obj=tender, payload={"project": project.pk})
        return tender


def tender_update(*, actor: User, tender_id: int, expected_version: int, **fields: Any) -> Tender:
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit edits tenders."))
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=tender_id)
        if tender.version != expected_version:
            raise StaleTender(
                gettext_noop("The tender was changed by someone else after you opened it; reload and redo.")
            )
        if tender.status != TenderStatus.DRAFT:
            raise TenderingError(gettext_noop("A published tender's conditions change only by an amendment."))
        for name, value in fields.items():
            if name not in EDITABLE:
                raise ValidationError({name: gettext_noop("is not a tender field")})
            setattr(tender, name, value)
        _check(tender)
        tender.version += 1
        tender.save()
        audit_append(actor=actor, action="tender.update", obj=tender, payload={"fields": sorted(fields)})
        return tender


def _buyer(project: Project) -> ocds.PartyShare:
    return ocds.PartyShare(f"org-{project.lead_department_id}", project.lead_department.name, Decimal(0))


def _criteria_text(tender: Tender) -> str:
    parts = [f"{c.name} {weight:g}%" for c, weight in scheme_of(tender).leaves()]
    return f"Weighted criteria: {'; '.join(parts)}. Price formula: {tender.price_formula.replace('_', ' ')}."


def _amendments(tender: Tender) -> tuple[ocds.AmendmentNote, ...]:
    return tuple(
        ocds.AmendmentNote(
            f"amendment-{a.pk}",
            a.amended_at,
            a.rationale,
            "Changed: " + ", ".join(name.replace("_", " ") for name in sorted(a.changes)) + ".",
        )
        for a in tender.amendments.all()
    )


def method_rationale(tender: Tender) -> str:
    """The route's recorded reason, with a sole source's justification first: published with the tender."""
    route = tender.project.route_choices.first()
    if route is None:
        return ""
    justification = route.get_sole_source_justification_display() if route.sole_source_justification else ""
    return f"{justification}. {route.reason}" if justification else route.reason


def process_ocid(actor: User, tender: Tender) -> str:
    """The ocid of the tender's contracting process (its stages share it). A project's first procedure continues
    the project's planning process (its ocid); each further one — another lot — is a contracting process of its
    own, with a new ocid whose releases point back to the planning process."""
    first = tender.first_stage
    if first.ocid:
        return first.ocid
    project = first.project
    project_ocid(actor=actor, project=project)
    taken = Tender.objects.filter(project=project, ocid=project.ocid).exclude(pk=first.pk).exists()
    first.ocid = ocid_mint(actor=actor, obj=first, local_id=f"tender-{first.pk}").ocid if taken else project.ocid
    Tender.objects.filter(pk=first.pk).update(ocid=first.ocid)
    if tender.pk == first.pk:
        tender.ocid = first.ocid
    return first.ocid


def planning_link(tender: Tender) -> dict[str, Any]:
    """relatedProcesses pointing a separate contracting process (a lot) back to the project's planning process."""
    project = tender.project
    if not project.ocid or tender.first_stage.ocid in ("", project.ocid):
        return {}
    return {
        "relatedProcesses": [
            {
                "id": "planning",
                "relationship": ["planning"],
                "title": project.title,
                "scheme": "ocid",
                "identifier": project.ocid,
            }
        ]
    }


def clarifications_document(tender: Tender) -> ocds.DocumentRef | None:
    """Every answered question of the tender (stage) as one `clarifications` document, revised under the same id
    as answers are added; the askers are not named. None until a question is answered."""
    answered = [c for c in tender.clarifications.order_by("answered_at", "pk") if c.answer]
    times = [c.answered_at for c in answered if c.answered_at is not None]
    if not answered or not times:
        return None
    text = " ".join(f"Q{n}: {c.question} A{n}: {c.answer}" for n, c in enumerate(answered, start=1))
    first, last = times[0], times[-1]
    return ocds.DocumentRef(
        document_id=f"tender-{tender.pk}-clarifications",
        document_type="clarifications",
        title="Questions and answers",
        date_published=first,
        description=text,
        url=f"{settings.CIVICPACT_PUBLIC_URL.rstrip('/')}/tenders/{tender.pk}/",
        date_modified=last if last != first else None,
    )


def _tender_release(
    actor: User,
    tender: Tender,
    *,
    status: str,
    tag: str,
    tenderers: int | None = None,
    extra_documents: tuple[ocds.DocumentRef, ...] = (),
) -> None:
    project = tender.project
    clarifications = clarifications_document(tender)
    if tenderers is None:  # after the opening, every release of the stage repeats its number of tenderers
        opening = Opening.objects.filter(tender=tender).first()
        tenderers = len(opening.bids) if opening is not None else None
    ocid = process_ocid(actor, tender)
    route = project.route_choices.first()
    method, details = route_to_ocds(Route(route.chosen_route)) if route else ("open", tender.procedure_label)
    notice = ocds.TenderNotice(
        tender_id=f"tender-{tender.pk}",
        title=f"{tender.title} — {tender.lot}" if tender.lot else tender.title,
        description=tender.description,
        status=status,
        method=method,
        method_details=f"{details} ({tender.procedure_label})",
        value=tender.value_estimate,
        currency=settings.CIVICPACT_CURRENCY,
        buyer=_buyer(project),
        tender_start=tender.publication_date,
        tender_end=tender.submission_deadline,
        enquiry_end=tender.clarification_deadline,
        award_criteria_details=_criteria_text(tender),
        eligibility="; ".join(tender.eligibility),
        tenderers=tenderers,
        amendments=_amendments(tender),
        method_rationale=method_rationale(tender),
        documents=tuple(
            ocds.DocumentRef(
                document_id=f"tender-document-{d.pk}",
                document_type=d.document_type,
                title=d.title,
                date_published=max(d.uploaded_at, tender.published_at or d.uploaded_at),
                url=document_url(d),
                media_type=d.content_type,
            )
            for d in tender.documents.all()
        )
        + ((clarifications,) if clarifications else ())
        + extra_documents,
        has_enquiries=clarifications is not None,
        later_stage=tender.previous_stage_id is not None,
    )
    sections = ocds.tender_sections(notice) | planning_link(tender)
    release_append(actor=actor, ocid=ocid, tags=[tag], sections=sections)


def ocds_tender_status(tender: Tender) -> str:
    """The OCDS tenderStatus of a published tender (stage): active until it is awarded or its stage closed."""
    if tender.status == TenderStatus.CANCELLED:
        return "cancelled"
    return "complete" if tender.status in (TenderStatus.AWARDED, TenderStatus.COMPLETED) else "active"


def tender_publish(*, actor: User, tender_id: int, expected_version: int) -> Tender:
    """Publish now: the tender becomes public and open for bids until its submission deadline."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit publishes tenders."))
    with transaction.atomic():
        tender = Tender.objects.select_for_update().select_related("project__lead_department").get(pk=tender_id)
        if tender.version != expected_version:
            raise StaleTender(
                gettext_noop("The tender was changed by someone else after you opened it; reload and redo.")
            )
        if tender.status != TenderStatus.DRAFT:
            raise TenderingError(gettext_noop("The tender is already published."))
        now = timezone.now()
        tender.publication_date = now
        _check(tender)
        tender.status, tender.published_at, tender.version = TenderStatus.PUBLISHED, now, tender.version + 1
        tender.save()
        _tender_release(actor, tender, status="active", tag="tender")
        audit_append(actor=actor, action="tender.publish", obj=tender, payload={"title": tender.title}, public=True)
        return tender


def _supplier_of(actor: User) -> Organisation:
    organisations = [org for org in permissions.supplier_organisations(actor) if org.can_bid]
    if not organisations:
        raise PermissionDenied(gettext_noop("Only users of a verified supplier may bid."))
    return organisations[0]


def _validated_payload(tender: Tender, payload: Mapping[str, Any]) -> dict[str, Any]:
    """A bid's contents: an answer per scored criterion, the price when there is a price criterion, an optional
    consortium. Every problem is a ValidationError naming the field; nothing is stored before this passes."""
    scheme = scheme_of(tender)
    errors: dict[str, str] = {}
    answers = payload.get("answers") or {}
    if not isinstance(answers, Mapping):
        raise ValidationError({"answers": gettext_noop("answers must map each criterion to your answer")})
    clean: dict[str, Any] = {"answers": {}}
    for criterion, _weight in scheme.leaves():
        if criterion.is_price:
            price = payload.get("price")
            try:
                amount = Decimal(str(price))
            except ArithmeticError:
                amount = Decimal(-1)
            if price in (None, "") or not amount.is_finite() or amount <= 0:
                errors["price"] = gettext_noop("Give your price as an amount above zero.")
            else:
                clean["price"] = str(amount)
            continue
        text = str(answers.get(criterion.key, "")).strip()
        if not text:
            errors[f"answers.{criterion.key}"] = Phrase(
                gettext_noop("Answer “%(criterion)s”: it is required."), {"criterion": criterion.name}
            )
        elif len(text) > 20_000:
            errors[f"answers.{criterion.key}"] = Phrase(
                gettext_noop("The answer to “%(criterion)s” is over 20,000 characters."), {"criterion": criterion.name}
            )
        clean["answers"][criterion.key] = text
    schedule = payload.get("price_schedule") or []
    if schedule:
        clean["price_schedule"] = _price_schedule(schedule, clean.get("price"), errors)
    consortium = payload.get("consortium") or []
    if consortium:
        clean["consortium"] = _consortium(consortium, errors)
    documents = payload.get("documents") or []
    if documents:
        clean["documents"] = _documents(documents, errors)
    if errors:
        raise ValidationError(errors)
    return clean


def _documents(documents: Any, errors: dict[str, str]) -> list[dict[str, str]]:
    """Attached documents as {name, content_type, data (base64)}: sealed inside the bid, never stored apart."""
    limit, most = settings.CIVICPACT_BID_DOCUMENT_MAX_BYTES, settings.CIVICPACT_BID_DOCUMENTS_MAX
    if not isinstance(documents, list) or len(documents) > most:
        errors["documents"] = Phrase(gettext_noop("Attach at most %(most)s documents."), {"most": most})
        return []
    clean = []
    for index, document in enumerate(documents):
        where = f"documents[{index}]"
        name = str(document.get("name", "")).strip() if isinstance(document, Mapping) else ""
        try:
            data = base64.b64decode(str(document.get("data", "")), validate=True) if name else b""
        except ValueError:
            errors[where] = Phrase(
                gettext_noop("%(name)s: its content is not valid base64."),
                {"name": name or Phrase(gettext_noop("a document"))},
            )
            continue
        if not name or not data:
            errors[where] = gettext_noop("Each document needs a file name and some content.")
        elif len(data) > limit:
            errors[where] = Phrase(
                gettext_noop("%(name)s is %(size)s, over the %(limit)s limit."),
                {"name": name, "size": human_size(len(data)), "limit": human_size(limit)},
            )
        else:
            content_type = str(document.get("content_type") or "application/octet-stream")[:100]
            clean.append({"name": name[:200], "content_type": content_type, "data": base64.b64encode(data).decode()})
    return clean


def _price_schedule(lines: Any, price: str | None, errors: dict[str, str]) -> list[dict[str, str]]:
    """The price broken down into items whose amounts add up to the price exactly."""
    if price is None:
        if "price" not in errors:
            errors["price_schedule"] = gettext_noop("A price schedule needs a price to break down.")
        return []
    if not isinstance(lines, list):
        errors["price_schedule"] = gettext_noop("price_schedule must be a list of items with their amounts")
        return []
    clean, total = [], Decimal(0)
    for index, line in enumerate(lines):
        item = str(line.get("item", "")).strip() if isinstance(line, Mapping) else ""
        try:
            amount = Decimal(str(line.get("amount"))) if isinstance(line, Mapping) else Decimal(-1)
        except ArithmeticError:
            amount = Decimal(-1)
        if not item or not amount.is_finite() or amount <= 0:
            errors[f"price_schedule[{index}]"] = "Each line needs an item and an amount above zero."
            continue
        clean.append({"item": item[:200], "amount": str(amount)})
        total += amount
    if clean and len(clean) == len(lines) and total != Decimal(price):
        errors["price_schedule"] = Phrase(
            gettext_noop("The price schedule adds up to %(total)s, not the price %(price)s."),
            {"total": f"{total:f}", "price": f"{Decimal(price):f}"},
        )
    return clean


def _consortium(members: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(members, list):
        errors["consortium"] = gettext_noop("consortium must be a list of members with their shares")
        return []
    clean, total = [], Decimal(0)
    for index, member in enumerate(members):
        name = str(member.get("name", "")).strip() if isinstance(member, Mapping) else ""
        try:
            share = Decimal(str(member.get("share"))) if isinstance(member, Mapping) else Decimal(-1)
        except ArithmeticError:
            share = Decimal(-1)
        if not name or not share.is_finite() or not 0 < share <= 100:
            errors[f"consortium[{index}]"] = "Each member needs a name and a share above 0 and up to 100 (%)."
            continue
        clean.append({"name": name, "share": str(share), "role": str(member.get("role", "member"))})
        total += share
    if clean and total != 100:
        errors["consortium"] = Phrase(
            gettext_noop("The members' shares add up to %(total)s%%, not 100%%."), {"total": str(total)}
        )
    return clean


def invited_supplier_ids(tender: Tender) -> set[int] | None:
    """The suppliers a later stage invites (those its previous stage kept); None when any verified supplier may
    bid (a first stage)."""
    if tender.previous_stage_id is None:
        return None
    result = getattr(tender.previous_stage, "stage_result", None)
    return result.kept_supplier_ids if result is not None else set()


def _check_invited(tender: Tender, supplier: Organisation) -> None:
    invited = invited_supplier_ids(tender)
    if invited is not None and supplier.pk not in invited:
        raise PermissionDenied(
            Phrase(
                gettext_noop(
                    "Only the suppliers kept at the previous stage are invited to bid at this stage; "
                    "%(supplier)s was not kept."
                ),
                {"supplier": supplier.name},
            )
        )


def bid_submit(*, actor: User, tender_id: int, payload: Mapping[str, Any]) -> BidVersion:
    """Seal and store a (new version of a) bid before the deadline; the receipt is the ciphertext's hash."""
    supplier = _supplier_of(actor)
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=tender_id)
        if tender.status != TenderStatus.PUBLISHED:
            raise TenderingError(gettext_noop("This tender is not open for bids."))
        now = timezone.now()
        if tender.deadline_passed(now):
            raise DeadlinePassed(
                gettext_noop(
                    "The submission deadline passed at %(deadline)s (%(zone)s); bids are no longer accepted."
                ),
                {"deadline": tender.submission_deadline, "zone": settings.TIME_ZONE},
            )
        _check_invited(tender, supplier)
        clean = _validated_payload(tender, payload)
        try:
            with transaction.atomic():
                bid, _created = Bid.objects.get_or_create(tender=tender, supplier=supplier)
        except IntegrityError:  # a concurrent first submission won the race: use its bid row
            bid = Bid.objects.get(tender=tender, supplier=supplier)
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        if tender.stage in LOCKED_STAGES and bid.current_number:
            raise TenderingError(
                gettext_noop("Your best and final offer is locked: it cannot be revised or replaced.")
            )
        number = bid.current_number + 1
        key = sealing.unwrap(tender.pk, tender.master_key_id, bytes(tender.wrapped_key))
        blob = sealing.seal(key, {**clean, "supplier": supplier.name}, sealing.bid_aad(tender.pk, bid.pk, number))
        version = BidVersion(
            bid=bid,
            number=number,
            sealed=blob,
            receipt=sealing.receipt_hash(blob),
            submitted_at=now,
            submitted_by=actor,
        )
        version.full_clean()
        version.save(force_insert=True)
        bid.current_number, bid.status = number, BidStatus.SUBMITTED
        bid.save(update_fields=["current_number", "status"])
        audit_append(
            actor=actor,
            action="bid.submit",
            obj=tender,
            payload={"bid": bid.pk, "number": number, "receipt": version.receipt},
        )
        return version


def bid_withdraw(*, actor: User, tender_id: int) -> Bid:
    supplier = _supplier_of(actor)
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=tender_id)
        if tender.deadline_passed(timezone.now()):
            raise DeadlinePassed(gettext_noop("The submission deadline has passed; a bid can no longer be withdrawn."))
        bid = Bid.objects.select_for_update().filter(tender=tender, supplier=supplier).first()
        if bid is None or bid.status == BidStatus.WITHDRAWN:
            raise TenderingError(gettext_noop("You have no current bid on this tender."))
        if tender.stage in LOCKED_STAGES:
            raise TenderingError(gettext_noop("Your best and final offer is locked: it cannot be withdrawn."))
        bid.status = BidStatus.WITHDRAWN
        bid.save(update_fields=["status"])
        audit_append(actor=actor, action="bid.withdraw", obj=tender, payload={"bid": bid.pk})
        return bid


def tender_open(*, actor: User, tender_id: int) -> Opening:
    """Record the opening once the deadline has passed: who, when, and every current bid's receipt."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit opens bids."))
    with transaction.atomic():
        tender = Tender.objects.select_for_update().select_related("project__lead_department").get(pk=tender_id)
        now = timezone.now()
        if tender.status != TenderStatus.PUBLISHED:
            raise TenderingError(gettext_noop("Only a published tender whose bids are still sealed can be opened."))
        if not tender.deadline_passed(now):
            raise Sealed(gettext_noop("The submission deadline has not passed: the bids stay sealed."))
        current = [
            {"bid": v.bid_id, "supplier": v.bid.supplier_id, "number": v.number, "receipt": v.receipt}
            for v in BidVersion.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED)
            .select_related("bid")
            .order_by("bid_id", "number")
            if v.number == v.bid.current_number
        ]
        opening = Opening(tender=tender, opened_by=actor, opened_at=now, bids=current)
        opening.full_clean()
        opening.save(force_insert=True)
        tender.status, tender.version = TenderStatus.OPENED, tender.version + 1
        tender.save(update_fields=["status", "version"])
        _tender_release(actor, tender, status="active", tag="tenderUpdate", tenderers=len(current))
        audit_append(
            actor=actor,
            action="tender.open",
            obj=tender,
            payload={"bids": [{"bid": b["bid"], "receipt": b["receipt"]} for b in current]},
            public=True,
        )
        return opening


def can_read_bids(actor: Any, tender: Tender) -> bool:
    """After the recorded opening: the PPP unit, and committee members who declared no conflict."""
    if not Opening.objects.filter(tender=tender).exists():
        return False
    if permissions.can_manage_tenders(actor):
        return True
    seat = EvaluatorAssignment.objects.filter(tender=tender, evaluator_id=getattr(actor, "pk", None)).first()
    return seat is not None and seat.declared_at is not None and not seat.recused


def bid_contents(*, actor: User, bid: Bid) -> dict[str, Any]:
    """The decrypted current version of a bid: only after the recorded opening, only for the PPP unit (and, in
    a later step, the evaluators who declared no conflict)."""
    tender = bid.tender
    if not Opening.objects.filter(tender=tender).exists():
        raise Sealed(gettext_noop("The bids are sealed until the deadline has passed and the opening is recorded."))
    _require(
        can_read_bids(actor, tender),
        gettext_noop("Only the PPP unit, and evaluators who declared no conflict, read opened bids."),
    )
    return decrypt_current(bid)


def decrypt_current(bid: Bid) -> dict[str, Any]:
    """Decrypt a bid's current version, with no check of who asks: for bid_contents (which checks) and for the
    evaluation's own computations after the opening (ranking, award, release)."""
    tender = bid.tender
    version = bid.versions.get(number=bid.current_number)
    key = sealing.unwrap(tender.pk, tender.master_key_id, bytes(tender.wrapped_key))
    return sealing.unseal(key, bytes(version.sealed), sealing.bid_aad(tender.pk, bid.pk, version.number))


def clarification_ask(*, actor: User, tender_id: int, question: str) -> Clarification:
    supplier = _supplier_of(actor)
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=tender_id)
        _check_invited(tender, supplier)
        if tender.status != TenderStatus.PUBLISHED:
            raise TenderingError(gettext_noop("Questions can be asked only while the tender is open."))
        if timezone.now() >= tender.clarification_deadline:
            raise DeadlinePassed(gettext_noop("The clarification deadline has passed."))
        if not question.strip():
            raise ValidationError({"question": gettext_noop("Write your question.")})
        item = Clarification(tender=tender, asked_by=actor, question=question.strip())
        item.full_clean()
        item.save()
        audit_append(actor=actor, action="clarification.ask", obj=tender, payload={"clarification": item.pk})
        return item


def clarification_answer(*, actor: User, clarification_id: int, answer: str) -> Clarification:
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit answers questions."))
    with transaction.atomic():
        item = Clarification.objects.select_for_update().select_related("tender").get(pk=clarification_id)
        if item.answer:
            raise TenderingError(gettext_noop("This question is already answered."))
        if not answer.strip():
            raise ValidationError({"answer": gettext_noop("Write the answer.")})
        item.answer, item.answered_by, item.answered_at = answer.strip(), actor, timezone.now()
        item.full_clean()
        item.save()
        tender = Tender.objects.select_related("project__lead_department").get(pk=item.tender_id)
        if tender.status != TenderStatus.CANCELLED:  # the answer is published with the tender's questions
            _tender_release(actor, tender, status=ocds_tender_status(tender), tag="tenderUpdate")
        audit_append(
            actor=actor,
            action="clarification.answer",
            obj=item.tender,
            payload={"clarification": item.pk, "question": item.question, "answer": item.answer},
            public=True,
        )
        return item


def tender_cancel(*, actor: User, tender_id: int, reasons: str) -> Tender:
    """Cancel a tender before its award, with reasons; bids not yet opened stay sealed for good."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit cancels tenders."))
    if not reasons.strip():
        raise ValidationError({"reasons": gettext_noop("Give the reasons for the cancellation; they are published.")})
    with transaction.atomic():
        tender = Tender.objects.select_for_update().select_related("project__lead_department").get(pk=tender_id)
        if tender.status in CLOSED:
            raise TenderingError(
                gettext_noop("A tender that is %(status)s cannot be cancelled."),
                {"status": lower(TenderStatus(tender.status).label)},
            )
        was_public = tender.status != TenderStatus.DRAFT
        tender.status, tender.version = TenderStatus.CANCELLED, tender.version + 1
        tender.save(update_fields=["status", "version"])
        if was_public:
            details = ocds.DocumentRef(
                document_id=f"tender-{tender.pk}-cancellation",
                document_type="cancellationDetails",
                title="Reasons for the cancellation",
                date_published=timezone.now(),
                description=reasons.strip(),
            )
            _tender_release(actor, tender, status="cancelled", tag="tenderCancellation", extra_documents=(details,))
        audit_append(
            actor=actor, action="tender.cancel", obj=tender, payload={"reasons": reasons.strip()}, public=was_public
        )
        return tender


def tender_keys_rewrap(*, actor: User | None) -> int:
    """After a master-key rotation: rewrap every tender's data key under the current master key. Bids are not
    re-encrypted: only the tenders' small wrapped keys change. All tenders in one transaction, so a tender whose key
    cannot be unwrapped (`sealing.MasterKeyMissing`, `sealing.WrappedKeyDamaged`) stops the rotation with nothing
    rewrapped, and every tender stays readable by the keys it was readable by. Running it again rewraps nothing.
    Returns how many tenders were rewrapped (docs/keys.md)."""
    current, _key = sealing.current_master_key()
    with transaction.atomic():
        tenders = list(
            Tender.objects.select_for_update()
            .exclude(master_key_id=current)
            .exclude(master_key_id="")
            .only("pk", "master_key_id", "wrapped_key")
            .order_by("pk")
        )
        for tender in tenders:
            previous = tender.master_key_id
            tender.master_key_id, tender.wrapped_key = sealing.rewrap(tender.pk, previous, bytes(tender.wrapped_key))
            tender.save(update_fields=["master_key_id", "wrapped_key"])
            audit_append(
                actor=actor,
                action="tender.rewrap_key",
                obj=tender,
                payload={"from_master_key_id": previous, "master_key_id": current},
            )
        return len(tenders)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | datetime):
        return str(value)
    return value


def tender_amend(*, actor: User, tender_id: int, expected_version: int, rationale: str, **fields: Any) -> Amendment:
    """Change a published tender's conditions before its deadline. Bids already made must be re-confirmed (a new
    submission) and their bidders are told; the amendment and its rationale are published."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit amends tenders."))
    if not rationale.strip():
        raise ValidationError({"rationale": gettext_noop("Give the reason for the amendment; it is published.")})
    with transaction.atomic():
        tender = Tender.objects.select_for_update().select_related("project__lead_department").get(pk=tender_id)
        if tender.version != expected_version:
            raise StaleTender(
                gettext_noop("The tender was changed by someone else after you opened it; reload and redo.")
            )
        now = timezone.now()
        if tender.status != TenderStatus.PUBLISHED or tender.deadline_passed(now):
            raise TenderingError(gettext_noop("Only a published tender still open for bids can be amended."))
        changes = {}
        for name, value in fields.items():
            if name not in EDITABLE or name == "publication_date":
                raise ValidationError({name: gettext_noop("cannot be amended")})
            before = getattr(tender, name)
            if _plain(before) != _plain(value):
                changes[name] = [_plain(before), _plain(value)]
                setattr(tender, name, value)
        if not changes:
            raise ValidationError({"__all__": gettext_noop("Nothing changed.")})
        _check(tender)
        if tender.submission_deadline <= now:
            raise ValidationError(
                {"submission_deadline": gettext_noop("The new submission deadline must be in the future.")}
            )
        tender.version += 1
        tender.save()
        return _record_amendment(actor, tender, rationale, changes, now)


def _record_amendment(
    actor: User, tender: Tender, rationale: str, changes: dict[str, Any], now: datetime
) -> Amendment:
    """Bids made so far must be re-confirmed; the amendment is published and their bidders are told."""
    invalidated = list(Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).select_related("supplier"))
    Bid.objects.filter(pk__in=[b.pk for b in invalidated]).update(status=BidStatus.NEEDS_RECONFIRMATION)
    amendment = Amendment(
        tender=tender,
        rationale=rationale.strip(),
        changes=changes,
        amended_by=actor,
        amended_at=now,
        bids_invalidated=len(invalidated),
    )
    amendment.full_clean()
    amendment.save(force_insert=True)
    _tender_release(actor, tender, status="active", tag="tenderAmendment")
    audit_append(
        actor=actor,
        action="tender.amend",
        obj=tender,
        payload={"rationale": amendment.rationale, "fields": sorted(changes), "bids": len(invalidated)},
        public=True,
    )
    _tell_bidders(tender, amendment, [b.supplier for b in invalidated])
    return amendment


def tender_document_attach(
    *, actor: User, tender_id: int, upload: UploadedFile, title: str, document_type: str, rationale: str = ""
) -> TenderDocument:
    """Attach a document to a draft; to a published tender still open for bids only as an amendment (with its
    published rationale: bids made so far must be re-confirmed)."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit attaches tender documents."))
    size, sha256 = upload_digest(upload, settings.CIVICPACT_TENDER_DOCUMENT_MAX_BYTES)
    with transaction.atomic():
        tender = Tender.objects.select_for_update().select_related("project__lead_department").get(pk=tender_id)
        now = timezone.now()
        amending = tender.status != TenderStatus.DRAFT
        if amending and (tender.status != TenderStatus.PUBLISHED or tender.deadline_passed(now)):
            raise TenderingError(
                gettext_noop("Documents are added to a draft, or to a tender still open for bids by amendment.")
            )
        if amending and not rationale.strip():
            raise ValidationError(
                {"rationale": gettext_noop("Say why the document is added; the amendment is published.")}
            )
        document = TenderDocument(
            tender=tender,
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
            action="tender.document",
            obj=tender,
            payload={"document": document.pk, "title": document.title, "sha256": document.sha256},
            public=amending,
        )
        if amending:
            tender.version += 1
            tender.save(update_fields=["version"])
            _record_amendment(actor, tender, rationale, {"documents": [None, document.title]}, now)
        return document


def tender_document_remove(*, actor: User, document_id: int) -> None:
    """Only from a draft: once published, a document stays (a correction is a new document by amendment)."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit removes tender documents."))
    with transaction.atomic():
        document = TenderDocument.objects.select_related("tender").select_for_update().get(pk=document_id)
        if document.tender.status != TenderStatus.DRAFT:
            raise TenderingError(
                gettext_noop("A published tender's documents stay published; add a corrected one by amendment.")
            )
        document.file.delete(save=False)
        document.delete()
        audit_append(
            actor=actor, action="tender.document_remove", obj=document.tender, payload={"title": document.title}
        )


def document_url(document: TenderDocument) -> str:
    return f"{settings.CIVICPACT_PUBLIC_URL.rstrip('/')}/tenders/{document.tender_id}/documents/{document.pk}/"


def _tell_bidders(tender: Tender, amendment: Amendment, suppliers: list[Organisation]) -> None:
    """Tell the users of each bidder whose bid must be re-confirmed (notifications.services.notify)."""
    if not suppliers:
        return
    notify(
        recipients=supplier_users(s.pk for s in suppliers),
        kind=Kind.TENDER_AMENDED,
        title=lambda: gettext("Amended: %(title)s") % {"title": tender.title},
        body=lambda: (
            gettext(
                "The conditions of “%(title)s” changed: %(rationale)s Your bid must be re-confirmed by submitting it "
                "again before %(deadline)s; until then it will not be opened."
            )
            % {
                "title": tender.title,
                "rationale": amendment.rationale,
                "deadline": l10n.when(tender.submission_deadline, with_time=True),
            }
        ),
        url=reverse("tendering:tender-detail", args=[tender.pk]),
    )
