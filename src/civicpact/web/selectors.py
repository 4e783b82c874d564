"""What each person's home page shows."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation, OrganisationKind, Role, User, VerificationStatus
from civicpact.appraisal import selectors as appraisal
from civicpact.ledger.models import AuditEvent, Release
from civicpact.ledger.selectors import audit_event_list
from civicpact.pipeline import selectors as pipeline
from civicpact.tendering.models import EvaluatorAssignment, Tender, TenderStatus
from civicpact.web.models import JobProgress


def dashboard_for(*, user: Any) -> dict[str, Any]:
    roles = permissions.roles_of(user)
    data: dict[str, Any] = {"roles": roles, "memberships": permissions.memberships_of(user)}
    data["sees_private_audit"] = permissions.can_view_private_audit(user)
    data["recent_events"] = list(audit_event_list(include_private=data["sees_private_audit"])[:5])
    if roles & {Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR}:
        counts = Organisation.objects.suppliers().aggregate(
            pending=Count("pk", filter=Q(verification_status=VerificationStatus.PENDING)),
            verified=Count("pk", filter=Q(verification_status=VerificationStatus.VERIFIED)),
            smes=Count("pk", filter=Q(verification_status=VerificationStatus.VERIFIED, is_sme=True)),
        )
        data["supplier_counts"] = counts
        data["pending_suppliers"] = list(Organisation.objects.awaiting_verification()[:5])
        data["tenders"] = list(
            Tender.objects.filter(
                status__in=[TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.OPENED, TenderStatus.AWARDED]
            )[:5]
        )
    if roles & {Role.AUDITOR, Role.ADMINISTRATOR}:
        data["event_count"] = AuditEvent.objects.count()
        data["release_count"] = Release.objects.count()
    if Role.ADMINISTRATOR in roles:
        data["user_count"] = User.objects.filter(is_active=True).count()
        data["recent_jobs"] = job_list(limit=3)
    if Role.SUPPLIER_USER in roles:
        data["supplier_organisations"] = permissions.supplier_organisations(user)
        now = timezone.now()
        data["open_rfis"] = [r for r in pipeline.rfi_list_open_to_suppliers(actor=user) if r.is_open(now)]
    data["sees_pipeline"] = permissions.can_view_pipeline(user)
    if data["sees_pipeline"]:
        data["needs"] = list(pipeline.need_list(actor=user)[:5])
        data["board"] = [(label, len(projects)) for _stage, label, projects in pipeline.pipeline_board(actor=user)]
    if Role.EVALUATOR in roles:
        data["assignments"] = list(
            EvaluatorAssignment.objects.filter(evaluator=user, tender__status=TenderStatus.OPENED).select_related(
                "tender"
            )
        )
    if Role.FINANCE_ANALYST in roles:
        data["business_cases"] = appraisal.business_case_list(actor=user)
    data["sees_commitments"] = permissions.can_view_commitments(user)
    if roles & {Role.DEPARTMENT_LEAD, Role.FINANCE_ANALYST, Role.CONTRACT_MANAGER}:
        data["departments"] = list(Organisation.objects.departments().select_related("parent"))
    return data


def public_summary() -> dict[str, Any]:
    return {
        "department_count": Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT).count(),
        "supplier_count": Organisation.objects.suppliers()
        .filter(verification_status=VerificationStatus.VERIFIED)
        .count(),
        "public_event_count": AuditEvent.objects.public().count(),
    }


# The task backend's statuses (enum keys) in words for the pages, lower case as they read in a sentence.
JOB_STATUS_LABELS = {
    "READY": _("ready"),
    "RUNNING": _("running"),
    "SUCCESSFUL": _("successful"),
    "FAILED": _("failed"),
    "UNKNOWN": _("unknown"),
}


def _status_label(status: str) -> str:
    return str(JOB_STATUS_LABELS.get(status, status.lower()))


def job_list(*, limit: int = 20) -> list[dict[str, Any]]:
    jobs = list(JobProgress.objects.select_related("started_by")[:limit])
    results = DBTaskResult.objects.filter(id__in=[j.task_result_id for j in jobs]).values_list("id", "status")
    statuses = {str(result_id): str(status) for result_id, status in results}
    rows: list[dict[str, Any]] = []
    for job in jobs:
        status = statuses.get(job.task_result_id, "UNKNOWN")
        rows.append({"job": job, "status": status, "status_label": _status_label(status)})
    return rows


def job_get(*, pk: int) -> dict[str, Any]:
    job = JobProgress.objects.select_related("started_by").get(pk=pk)
    result = DBTaskResult.objects.filter(id=job.task_result_id).first()
    status = str(result.status) if result else "UNKNOWN"
    return {
        "job": job,
        "status": status,
        "status_label": _status_label(status),
        "error": (result.exception_class_path if result and result.status == "FAILED" else ""),
    }
