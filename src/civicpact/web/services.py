"""Background jobs: queue them on the django-tasks database backend and record their progress."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.ledger.services import audit_append
from civicpact.web.models import JobProgress


def job_progress_update(*, task_result_id: str, done: int, total: int, message: str) -> None:
    """Called by a running task; a plain UPDATE so that the page sees it at once."""
    JobProgress.objects.filter(task_result_id=task_result_id).update(
        done=min(done, total), total=total, message=message[:300]
    )


def demo_seed_enqueue(*, actor: Any) -> JobProgress:
    from civicpact.web.tasks import demo_seed_task

    permissions.require_role(actor, "administrator")
    with transaction.atomic():
        result = demo_seed_task.enqueue()
        job = JobProgress.objects.create(task_result_id=str(result.id), name=_("Load the demo city"), started_by=actor)
        audit_append(actor=actor, action="job.enqueue", obj=job, payload={"task": "demo_seed"})
    return job
