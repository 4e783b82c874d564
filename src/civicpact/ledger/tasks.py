"""The ledger's background task: the daily disclosure of expired confidentiality claims (docs/confidentiality.md).

django-tasks has no periodic scheduler, so the daily run schedules itself: when it runs, it first queues its next
run (`run_after` the next DISCLOSE_AT in the city's time zone), then discloses. `civicpact worker` queues a run at
once when none is waiting (the first start, or after a run that failed before it could queue the next), so a
running worker is all a deployment needs; `civicpact disclose-expired` still does the same by hand or from cron.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from civicpact.ledger.claims import claims_disclose_expired

# When the daily run starts, in the city's time zone: just after midnight, the first moment a claim whose end date
# was yesterday is expired.
DISCLOSE_AT = time(0, 5)


def next_daily_run(now: datetime) -> datetime:
    """The first DISCLOSE_AT (city time) after `now`, as an aware datetime."""
    local = timezone.localtime(now)
    candidate = timezone.make_aware(datetime.combine(local.date(), DISCLOSE_AT), local.tzinfo)
    if candidate <= local:
        candidate = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), DISCLOSE_AT), local.tzinfo)
    return candidate


def _waiting() -> bool:
    """Whether a run of the daily disclosure is queued and not yet started (now or later)."""
    queued = DBTaskResult.objects.filter(task_path=disclose_expired_task.module_path)
    return queued.filter(status=TaskResultStatus.READY).exists()


def disclose_expired_schedule(*, run_after: datetime | None) -> TaskResult[Any] | None:
    """Queue a run of the daily disclosure (at once when `run_after` is None) unless one is already waiting."""
    if _waiting():
        return None
    if run_after is None:
        return disclose_expired_task.enqueue()
    return disclose_expired_task.using(run_after=run_after).enqueue()


@task()
def disclose_expired_task() -> list[dict[str, Any]]:
    """Disclose every active claim whose end date has passed, after queuing tomorrow's run (so that a failure here
    does not stop the days after)."""
    disclose_expired_schedule(run_after=next_daily_run(timezone.now()))
    return [{"claim": d.claim_id, "release": d.release_id} for d in claims_disclose_expired()]
