from __future__ import annotations

from django_tasks import TaskContext, task

from civicpact.demo.seed import seed_demo_city
from civicpact.web.services import job_progress_update


@task(takes_context=True)
def demo_seed_task(context: TaskContext) -> dict[str, int]:
    """Seed (or top up) the demo city, reporting each step."""
    result_id = str(context.task_result.id)

    def report(done: int, total: int, message: str) -> None:
        job_progress_update(task_result_id=result_id, done=done, total=total, message=message)

    return seed_demo_city(progress=report)
