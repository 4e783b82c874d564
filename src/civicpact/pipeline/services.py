"""Writes for needs, projects, pooled budgets, stage gates and documents. Each appends to the audit chain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation, OrganisationKind, User
from civicpact.domain import ocds
from civicpact.domain.pipeline import GateDecision, GateError, Stage, stage_after_gate
from civicpact.ledger.models import Release
from civicpact.ledger.services import audit_append, ocid_mint, release_append
from civicpact.pipeline.exceptions import GateRefused, StaleEdit
from civicpact.pipeline.gates import gate_blockers, planning_documents
from civicpact.pipeline.models import (
    BudgetShare,
    Document,
    GateRecord,
    Need,
    NeedStatus,
    Project,
    ProjectNeed,
    Rfi,
    RfiResponse,
    RfiStatus,
)

NEED_FIELDS = (
    "title",
    "problem_statement",
    "outcomes_sought",
    "kpis",
    "indicative_budget",
    "first_year",
    "last_year",
    "location",
    "assets",
    "sdgs",
    "tags",
)


def _clean_list(values: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        text = " ".join(str(value).split())
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _validate_need(need: Need) -> None:
    errors: dict[str, str] = {}
    if not need.problem_statement.strip():
        errors["problem_statement"] = _("Describe the problem; a need without one cannot be assessed.")
    if not need.outcomes_sought.strip():
        errors["outcomes_sought"] = _("Say what success would look like.")
    if any(not isinstance(g, int) or not 1 <= g <= 17 for g in need.sdgs):
        errors["sdgs"] = _("Sustainable Development Goals are numbered 1 to 17.")
    if need.first_year and need.last_year and need.last_year < need.first_year:
        errors["last_year"] = _("The last budget year cannot come before the first.")
    if errors:
        raise ValidationError(errors)
    need.full_clean()


def need_create(*, actor: User, department: Organisation, **fields: Any) -> Need:
    if department.kind != OrganisationKind.DEPARTMENT:
        raise ValidationError({"department": _("Needs belong to a city department.")})
    if not permissions.can_create_need(actor, department.pk):
        raise PermissionDenied(_("Only the department's lead or a procurement officer may register its needs."))
    with transaction.atomic():
        data = {k: fields[k] for k in NEED_FIELDS if k in fields}
        for key in ("kpis", "assets", "tags"):
            data[key] = _clean_list(data.get(key, []))
        need = Need(department=department, created_by=actor, updated_by=actor, **data)
        _validate_need(need)
        need.save()
        audit_append(
            actor=actor, action="need.create", obj=need, payload={"title": need.title, "department": department.pk}
        )
        return need


def need_update(*, actor: User, need_id: int, expected_version: int, **fields: Any) -> Need:
    """Save an edit, unless someone else saved since the editor loaded version `expected_version`."""
    with transaction.atomic():
        need = Need.objects.select_for_update().select_related("updated_by").get(pk=need_id)
        if not permissions.can_edit_need(actor, need):
            raise PermissionDenied(_("Only the department's lead or a procurement officer may edit this need."))
        if need.version != expected_version:
            raise StaleEdit(
                _(
                    "This need was changed by %(who)s at %(when)s after you opened it. Reload to see their changes, "
                    "then make yours again."
                )
                % {"who": need.updated_by, "when": l10n.when(need.updated_at, with_time=True)}
            )
        changed = []
        for key in NEED_FIELDS:
            if key in fields:
                value = _clean_list(fields[key]) if key in ("kpis", "assets", "tags") else fields[key]
                if getattr(need, key) != value:
                    setattr(need, key, value)
                    changed.append(key)
        if not changed:
            return need
        _validate_need(need)
        need.version += 1
        need.updated_by = actor
        need.save()
        audit_append(actor=actor, action="need.update", obj=need, payload={"fields": changed, "version": need.version})
        return need


def need_withdraw(*, actor: User, need_id: int, reason: str) -> Need:
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=need_id)
        if not permissions.can_edit_need(actor, need):
            raise PermissionDenied(_("Only the department's lead or a procurement officer may withdraw this need."))
        if need.status != NeedStatus.OPEN:
            raise ValidationError({"status": _("Only an open need can be withdrawn.")})
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the need is withdrawn.")})
        need.status = NeedStatus.WITHDRAWN
        need.version += 1
        need.updated_by = actor
        need.save(update_fields=["status", "version", "updated_by", "updated_at"])
        audit_append(actor=actor, action="need.withdraw", obj=need, payload={"reason": reason})
        return need


def project_create(
    *,
    actor: User,
    title: str,
    summary: str,
    lead_department: Organisation,
    need_ids: Sequence[int],
    budget_shares: Mapping[int, Decimal],
    planned_procurement_year: int,
    planned_start_year: int,
    duration_years: int,
) -> Project:
    """Link open needs into one project, with each department's share of the pooled budget."""
    if not permissions.can_create_project(actor):
        raise PermissionDenied(_("Only department leads and procurement officers may create projects."))
    with transaction.atomic():
        needs = list(Need.objects.select_for_update().filter(pk__in=need_ids).select_related("department"))
        errors: dict[str, str] = {}
        if not needs or len(needs) != len(set(need_ids)):
            errors["need_ids"] = _("Choose at least one need; every need must exist.")
        elif any(n.status != NeedStatus.OPEN for n in needs):
            taken = ", ".join(n.title for n in needs if n.status != NeedStatus.OPEN)
            errors["need_ids"] = _("Already in a project or withdrawn: %(needs)s.") % {"needs": taken}
        departments = {n.department_id for n in needs}
        if lead_department.pk not in departments:
            errors["lead_department"] = _("The lead department must own one of the linked needs.")
        if any(amount < 0 for amount in budget_shares.values()):
            errors["budget_shares"] = _("A department's share cannot be negative.")
        unknown = set(budget_shares) - departments
        if unknown:
            errors["budget_shares"] = _("Budget shares can only come from departments whose needs are linked.")
        if errors:
            raise ValidationError(errors)
        project = Project(
            title=title,
            summary=summary,
            lead_department=lead_department,
            created_by=actor,
            planned_procurement_year=planned_procurement_year,
            planned_start_year=planned_start_year,
            duration_years=duration_years,
        )
        project.full_clean()
        project.save()
        ProjectNeed.objects.bulk_create([ProjectNeed(project=project, need=n) for n in needs])
        Need.objects.filter(pk__in=[n.pk for n in needs]).update(status=NeedStatus.IN_PROJECT)
        BudgetShare.objects.bulk_create(
            [BudgetShare(project=project, department_id=d, amount=a) for d, a in sorted(budget_shares.items())]
        )
        audit_append(
            actor=actor,
            action="project.create",
            obj=project,
            payload={
                "title": title,
                "needs": sorted(n.pk for n in needs),
                "budget_shares": {str(d): str(a) for d, a in sorted(budget_shares.items())},
            },
        )
        return project


def gate_decide(
    *,
    actor: User,
    project_id: int,
    decision: str,
    reasons: str,
    expected_stage: str,
    blockers: Sequence[str] = (),
    document: UploadedFile | None = None,
) -> GateRecord:
    """Record a stage-gate decision and move the project. `blockers` (from later apps) refuse an approval."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        if not permissions.can_decide_gate(actor, project):
            raise PermissionDenied(_("Only a procurement officer may decide a stage gate."))
        if project.stage != expected_stage:
            raise GateRefused(
                _("The project moved to %(stage)s since you opened it; reload the page.")
                % {"stage": project.stage_label}
            )
        try:
            choice = GateDecision(decision)
            result = stage_after_gate(Stage(project.stage), choice)
        except ValueError as exc:
            message = str(exc) if isinstance(exc, GateError) else _("Choose approve, send back or stop.")
            raise GateRefused(message) from None
        if not reasons.strip():
            raise ValidationError({"reasons": _("Give the reasons for the decision; they are recorded for audit.")})
        all_blockers = [*blockers, *gate_blockers(project)] if choice == GateDecision.APPROVE else []
        if all_blockers:
            raise GateRefused(
                _("This gate cannot be approved yet: %(reasons)s.") % {"reasons": "; ".join(all_blockers)}
            )
        record = GateRecord(
            project=project,
            stage=project.stage,
            decision=choice,
            resulting_stage=result,
            reasons=reasons.strip(),
            decided_by=actor,
        )
        record.full_clean()
        record.save(force_insert=True)
        project.stage = result
        project.needs_rework = choice == GateDecision.SEND_BACK
        project.version += 1
        project.save(update_fields=["stage", "needs_rework", "version", "updated_at"])
        audit_append(
            actor=actor,
            action=f"gate.{choice.value}",
            obj=project,
            payload={
                "stage": record.stage,
                "resulting_stage": result,
                "reasons": record.reasons,
                "gate": record.pk,
            },
            public=choice == GateDecision.APPROVE,
        )
        if document is not None:
            document_attach(
                actor=actor, upload=document, title=f"Gate decision: {Stage(record.stage).label}", gate=record
            )
        if choice == GateDecision.APPROVE:
            project_publish_planning(actor=actor, project=project)
        return record


def _party_id(organisation_id: int) -> str:
    return f"org-{organisation_id}"


def project_ocid(*, actor: User, project: Project) -> str:
    """The project's ocid, minted on first use (its planning process; a first procedure continues it)."""
    if not project.ocid:
        project.ocid = ocid_mint(actor=actor, obj=project, local_id=f"project-{project.pk}").ocid
        project.save(update_fields=["ocid"])
    return str(project.ocid)


def project_publish_planning(*, actor: User, project: Project) -> Release:
    """Publish the project's planning release (its first ocid on first approval)."""
    with transaction.atomic():
        first = not project.ocid
        if first:
            project.ocid = ocid_mint(actor=actor, obj=project, local_id=f"project-{project.pk}").ocid
            project.save(update_fields=["ocid"])
        shares = tuple(
            ocds.PartyShare(_party_id(s.department_id), s.department.name, s.amount)
            for s in project.budget_shares.select_related("department").order_by("department__name")
        )
        approvals = tuple(
            ocds.GateMilestone(f"gate-{g.pk}", f"{Stage(g.stage).label} gate approved", g.decided_at)
            for g in project.gates.filter(decision=GateDecision.APPROVE).order_by("decided_at")
        )
        documents = tuple(
            ocds.DocumentRef(f"doc-{d.pk}", d.document_type, d.title, d.uploaded_at)
            for d in Document.objects.filter(Q(project=project) | Q(gate__project=project)).order_by("pk")
        ) + tuple(planning_documents(project))
        needs = "; ".join(link.need.title for link in project.project_needs.select_related("need"))
        plan = ocds.ProjectPlan(
            project_id=f"project-{project.pk}",
            title=project.title,
            description=project.summary,
            rationale=f"Answers these needs: {needs}." if needs else project.summary,
            currency=settings.CIVICPACT_CURRENCY,
            buyer=ocds.PartyShare(_party_id(project.lead_department_id), project.lead_department.name, Decimal(0)),
            shares=shares,
            approvals=approvals,
            documents=documents,
        )
        return release_append(
            actor=actor,
            ocid=project.ocid,
            tags=["planning" if first else "planningUpdate"],
            sections=ocds.project_planning_sections(plan),
        )


def document_attach(
    *,
    actor: User,
    upload: UploadedFile,
    title: str,
    document_type: str = "other",
    need: Need | None = None,
    project: Project | None = None,
    gate: GateRecord | None = None,
) -> Document:
    if need is not None and not permissions.can_edit_need(actor, need):
        raise PermissionDenied(_("You may not attach documents to this need."))
    if (project is not None or gate is not None) and not (
        permissions.can_decide_gate(actor, project) or permissions.can_create_project(actor)
    ):
        raise PermissionDenied(_("You may not attach documents to this project."))
    with transaction.atomic():
        document = Document(
            need=need,
            project=project,
            gate=gate,
            title=title.strip() or upload.name or "document",
            document_type=document_type,
            file=upload,
            uploaded_by=actor,
        )
        document.full_clean()
        document.save()
        audit_append(
            actor=actor, action="document.attach", obj=document, payload={"title": document.title, "size": upload.size}
        )
        return document


def rfi_create(
    *,
    actor: User,
    project_id: int,
    title: str,
    description: str,
    questions: str,
    response_deadline: Any,
    publish: bool,
) -> Rfi:
    if not permissions.can_manage_rfis(actor):
        raise PermissionDenied(_("Only procurement officers run market soundings."))
    with transaction.atomic():
        project = Project.objects.get(pk=project_id)
        if response_deadline <= timezone.now():
            raise ValidationError({"response_deadline": _("The deadline must be in the future.")})
        rfi = Rfi(
            project=project,
            title=title.strip(),
            description=description.strip(),
            questions=questions.strip(),
            response_deadline=response_deadline,
            created_by=actor,
        )
        if publish:
            rfi.status, rfi.published_at = RfiStatus.PUBLISHED, timezone.now()
        rfi.full_clean()
        rfi.save()
        audit_append(
            actor=actor,
            action="rfi.publish" if publish else "rfi.create",
            obj=rfi,
            payload={"project": project.pk, "title": rfi.title},
        )
        return rfi


def rfi_respond(
    *, actor: User, rfi_id: int, interest: int, capability: str, price_min: Decimal, price_max: Decimal, questions: str
) -> RfiResponse:
    """A verified supplier answers (or updates its answer) while the request is open."""
    with transaction.atomic():
        rfi = Rfi.objects.select_for_update().get(pk=rfi_id)
        organisations = [o for o in permissions.supplier_organisations(actor) if o.can_bid]
        if not organisations:
            raise PermissionDenied(_("Only users of a verified supplier may answer market soundings."))
        if not rfi.is_open(timezone.now()):
            raise ValidationError({"__all__": _("This request is closed for responses.")})
        if price_min > price_max:
            raise ValidationError({"price_max": _("The high end of the price range cannot be below the low end.")})
        supplier = organisations[0]
        response = RfiResponse.objects.filter(rfi=rfi, supplier=supplier).first() or RfiResponse(
            rfi=rfi, supplier=supplier
        )
        response.submitted_by = actor
        response.interest, response.capability, response.questions = interest, capability.strip(), questions.strip()
        response.price_min, response.price_max = price_min, price_max
        response.full_clean()
        response.save()
        audit_append(actor=actor, action="rfi.respond", obj=rfi, payload={"supplier": supplier.pk})
        return response


def rfi_close(*, actor: User, rfi_id: int) -> Rfi:
    if not permissions.can_manage_rfis(actor):
        raise PermissionDenied(_("Only procurement officers run market soundings."))
    with transaction.atomic():
        rfi = Rfi.objects.select_for_update().get(pk=rfi_id)
        if rfi.status != RfiStatus.PUBLISHED:
            raise ValidationError({"__all__": _("Only an open request can be closed.")})
        rfi.status = RfiStatus.CLOSED
        rfi.save(update_fields=["status"])
        audit_append(actor=actor, action="rfi.close", obj=rfi)
        return rfi
