"""Reads of needs, projects and the pipeline, filtered by what the reader may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Sum
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation, VerificationStatus
from civicpact.domain.pipeline import Stage
from civicpact.domain.synergy import Match, Profile, find_synergies, match_suppliers, normalise_terms
from civicpact.pipeline.models import (
    STAGE_NAMES,
    BudgetShare,
    Need,
    NeedQuerySet,
    NeedStatus,
    Project,
    ProjectNeed,
    Rfi,
    RfiResponse,
    RfiStatus,
)


def _require_pipeline(actor: Any) -> None:
    if not permissions.can_view_pipeline(actor):
        raise PermissionDenied(_("Needs and projects are internal to the city's staff."))


def need_list(
    *,
    actor: Any,
    department: int | None = None,
    status: str = "",
    text: str = "",
    tag: str = "",
    sdg: int | None = None,
) -> NeedQuerySet:
    _require_pipeline(actor)
    needs = Need.objects.select_related("department", "created_by").search(text.strip())
    if not permissions.can_view_all_needs(actor):
        needs = needs.filter(department_id__in=permissions.lead_departments(actor))
    if department:
        needs = needs.filter(department_id=department)
    if status:
        needs = needs.filter(status=status)
    if tag:
        needs = needs.filter(tags__icontains=f'"{tag.strip()}"')
    if sdg:
        needs = needs.filter(sdgs__icontains=str(sdg))
    return needs


def need_get(*, actor: Any, pk: int) -> Need:
    """Raises Need.DoesNotExist also when the reader may not see it."""
    _require_pipeline(actor)
    need = Need.objects.select_related("department", "created_by", "updated_by").get(pk=pk)
    if not permissions.can_view_need(actor, need):
        raise Need.DoesNotExist
    return need


def _profile(need: Need) -> Profile:
    return Profile(
        need.pk,
        need.department_id,
        need.matching_text,
        normalise_terms(need.assets),
        normalise_terms([need.location]),
        normalise_terms(need.kpis),
    )


@dataclass(frozen=True)
class NeedSuggestion:
    need_id: int
    title: str
    department: str
    match: Match


def need_synergies(*, actor: Any, need: Need, limit: int = 5) -> list[NeedSuggestion]:
    """Needs of other departments (open or already in a project) that overlap this one.

    Leads see only the title and department of another department's need, never its details.
    """
    others = list(
        Need.objects.exclude(status=NeedStatus.WITHDRAWN)
        .exclude(department_id=need.department_id)
        .select_related("department")
    )
    by_id = {n.pk: n for n in others}
    matches = find_synergies(_profile(need), [_profile(n) for n in others], limit=limit)
    return [NeedSuggestion(m.id, by_id[m.id].title, by_id[m.id].department.name, m) for m in matches]


@dataclass(frozen=True)
class SupplierSuggestion:
    organisation: Organisation
    match: Match


def need_supplier_matches(*, actor: Any, need: Need, limit: int = 5) -> list[SupplierSuggestion]:
    """Verified suppliers whose capability profile fits the need."""
    suppliers = list(
        Organisation.objects.suppliers()
        .filter(verification_status=VerificationStatus.VERIFIED)
        .select_related("capability")
    )
    profiles = []
    for org in suppliers:
        capability = getattr(org, "capability", None)
        if capability is None:
            continue
        profiles.append(Profile(org.pk, org.pk, capability.matching_text, normalise_terms(capability.assets)))
    by_id = {o.pk: o for o in suppliers}
    return [SupplierSuggestion(by_id[m.id], m) for m in match_suppliers(_profile(need), profiles, limit=limit)]


def project_list(*, actor: Any) -> list[Project]:
    _require_pipeline(actor)
    projects = (
        Project.objects.select_related("lead_department")
        .prefetch_related(Prefetch("budget_shares", queryset=BudgetShare.objects.select_related("department")))
        .annotate(pooled_budget=Sum("budget_shares__amount"))
    )
    if permissions.can_view_all_needs(actor):
        return list(projects)
    return [
        p for p in projects if permissions.can_view_project(actor, p, {s.department_id for s in p.budget_shares.all()})
    ]


def project_get(*, actor: Any, pk: int) -> Project:
    _require_pipeline(actor)
    project = Project.objects.select_related("lead_department", "created_by").get(pk=pk)
    departments = set(project.budget_shares.values_list("department_id", flat=True))
    if not permissions.can_view_project(actor, project, departments):
        raise Project.DoesNotExist
    return project


def project_needs(*, project: Project) -> list[Need]:
    return [link.need for link in ProjectNeed.objects.filter(project=project).select_related("need__department")]


@dataclass(frozen=True)
class ShareRow:
    department: str
    amount: Decimal
    percent: Decimal


def pooled_budget(*, project: Project) -> tuple[Decimal, list[ShareRow]]:
    shares = list(project.budget_shares.select_related("department"))
    total = sum((s.amount for s in shares), Decimal("0"))
    rows = [
        ShareRow(
            s.department.name, s.amount, (s.amount * 100 / total).quantize(Decimal("0.1")) if total else Decimal("0")
        )
        for s in shares
    ]
    return total, rows


def pipeline_board(*, actor: Any) -> list[tuple[str, str, list[Project]]]:
    """Columns of the board: (stage, label, projects)."""
    columns: dict[str, list[Project]] = defaultdict(list)
    for project in project_list(actor=actor):
        columns[project.stage].append(project)
    return [(s.value, str(STAGE_NAMES[s]), columns.get(s.value, [])) for s in Stage]


@dataclass(frozen=True)
class RoadmapBar:
    project_id: int
    title: str
    stage_label: str
    procurement_year: int
    start_year: int
    end_year: int
    budget: Decimal


def roadmap(*, actor: Any) -> list[RoadmapBar]:
    return [
        RoadmapBar(
            p.pk,
            p.title,
            p.stage_label,
            p.planned_procurement_year,
            p.planned_start_year,
            p.planned_start_year + p.duration_years - 1,
            getattr(p, "pooled_budget", None) or Decimal("0"),
        )
        for p in project_list(actor=actor)
        if p.stage != Stage.CLOSED
    ]


def rfi_list_open_to_suppliers(*, actor: Any) -> list[Rfi]:
    """Market soundings a supplier may see: published or closed, newest first."""
    if not (permissions.supplier_organisations(actor) or permissions.can_view_pipeline(actor)):
        raise PermissionDenied(_("Market soundings are for registered suppliers and city staff."))
    return list(Rfi.objects.visible_to_suppliers().select_related("project"))


def rfi_get(*, actor: Any, pk: int) -> Rfi:
    """Raises Rfi.DoesNotExist also when the reader may not see it (drafts are the city's)."""
    rfi = Rfi.objects.select_related("project", "created_by").get(pk=pk)
    if permissions.can_view_pipeline(actor):
        return rfi
    if permissions.supplier_organisations(actor) and rfi.status != RfiStatus.DRAFT:
        return rfi
    raise Rfi.DoesNotExist


def rfi_responses(*, actor: Any, rfi: Rfi) -> list[RfiResponse]:
    """The city sees every response; a supplier only its own."""
    responses = RfiResponse.objects.filter(rfi=rfi).select_related("supplier", "submitted_by")
    if permissions.can_view_pipeline(actor):
        return list(responses)
    mine = [o.pk for o in permissions.supplier_organisations(actor)]
    return list(responses.filter(supplier_id__in=mine))
