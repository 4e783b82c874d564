from __future__ import annotations

from django_tasks import task

from civicpact.appraisal.services import vfm_run_execute


@task()
def vfm_run_task(run_id: int) -> str:
    return vfm_run_execute(run_id=run_id).status
