"""Unsolicited proposals: a supplier proposes a project; the PPP unit accepts it (it becomes a need and a project
whose tender will be a Swiss challenge naming the proponent) or declines it with reasons. Until accepted, a
proposal is seen only by the proponent and city staff."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation, OrganisationKind, User
from civicpact.ledger.services import audit_append
from civicpact.pipeline import services as pipeline
from civicpact.tendering.exceptions import TenderingError
from civicpact.tendering.models import ProposalStatus, UnsolicitedProposal
from civicpact.tendering.services import _supplier_of
from civicpact.tendering.wording import lower

FIELDS = ("title", "need_addressed", "summary", "value_estimate", "duration_years")


def proposal_submit(*, actor: User, **fields: Any) -> UnsolicitedProposal:
    supplier = _supplier_of(actor)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: gettext_noop("is not a proposal field")})
    for name in ("title", "need_addressed", "summary"):
        if not str(fields.get(name, "")).strip():
            raise ValidationError({name: gettext_noop("This is required.")})
    with transaction.atomic():
        proposal = UnsolicitedProposal(proponent=supplier, submitted_by=actor, **fields)
        proposal.full_clean()
        proposal.save()
        audit_append(actor=actor, action="proposal.submit", obj=proposal, payload={"title": proposal.title})
        return proposal


def proposals_visible(*, actor: Any) -> QuerySet[UnsolicitedProposal]:
    proposals = UnsolicitedProposal.objects.select_related("proponent", "project")
    if permissions.is_city_staff(actor):
        return proposals
    return proposals.filter(proponent__in=permissions.supplier_organisations(actor))


def proposal_decide(
    *, actor: User, proposal_id: int, accept: bool, reasons: str, department_id: int | None = None
) -> UnsolicitedProposal:
    """Accept (a need of the department and a project are created from it, the route to be confirmed at
    structuring as an unsolicited proposal) or decline, with reasons told to the proponent."""
    if not permissions.can_manage_tenders(actor):
        raise PermissionDenied(gettext_noop("Only the PPP unit decides on unsolicited proposals."))
    if not reasons.strip():
        raise ValidationError({"reasons": gettext_noop("Give the reasons; the proponent reads them.")})
    with transaction.atomic():
        proposal = UnsolicitedProposal.objects.select_for_update().get(pk=proposal_id)
        if proposal.status != ProposalStatus.RECEIVED:
            raise TenderingError(
                gettext_noop("This proposal is already %(status)s."),
                {"status": lower(ProposalStatus(proposal.status).label)},
            )
        if accept:
            department = (
                Organisation.objects.filter(pk=department_id, kind=OrganisationKind.DEPARTMENT).first()
                if department_id is not None
                else None
            )
            if department is None:
                raise ValidationError(
                    {"department": gettext_noop("Choose the department that takes the proposal on.")}
                )
            year = timezone.localdate().year
            need = pipeline.need_create(
                actor=actor,
                department=department,
                title=proposal.title[:200],
                problem_statement=proposal.need_addressed,
                outcomes_sought=proposal.summary,
                indicative_budget=Decimal(proposal.value_estimate),
                first_year=year + 1,
                last_year=year + proposal.duration_years,
                tags=["unsolicited proposal"],
            )
            proposal.project = pipeline.project_create(
                actor=actor,
                title=proposal.title[:200],
                summary=f"From an unsolicited proposal by {proposal.proponent.name}: {proposal.summary}",
                lead_department=department,
                need_ids=[need.pk],
                budget_shares={department.pk: Decimal(proposal.value_estimate)},
                planned_procurement_year=year + 1,
                planned_start_year=year + 1,
                duration_years=proposal.duration_years,
            )
        proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
        proposal.decision, proposal.decided_by, proposal.decided_at = reasons.strip(), actor, timezone.now()
        proposal.save()
        audit_append(
            actor=actor,
            action="proposal.accept" if accept else "proposal.decline",
            obj=proposal,
            payload={"title": proposal.title, "project": proposal.project_id},
        )
        return proposal


def swiss_defaults(project: Any) -> dict[str, Any]:
    """A Swiss challenge tender's proponent and published proposal, from the project's accepted proposal."""
    proposal = UnsolicitedProposal.objects.filter(project=project, status=ProposalStatus.ACCEPTED).first()
    if proposal is None:
        return {}
    return {"proponent": proposal.proponent, "proposal_summary": proposal.summary, "swiss_rule": "match"}
