from __future__ import annotations

from django_tasks import task

from civicpact.notifications.reminders import deadline_reminders_send


@task()
def deadline_reminders_task() -> int:
    """Send the deadline reminders due now (idempotent: safe to run as often as wanted)."""
    return deadline_reminders_send()
