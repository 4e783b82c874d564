from __future__ import annotations

from django.conf import settings
from django.db import models


class JobProgress(models.Model):
    """How far a background task has got, for the progress bar a person watches."""

    task_result_id = models.CharField(max_length=64, unique=True, help_text="The django-tasks result id.")
    name = models.CharField(max_length=200, help_text="What the job does, in words.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who asked for the job.",
    )
    total = models.PositiveIntegerField(default=0, help_text="Number of steps, once known.")
    done = models.PositiveIntegerField(default=0, help_text="Steps finished.")
    message = models.CharField(max_length=300, blank=True, default="", help_text="The step under way.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the job was queued.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When progress was last reported.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")) | models.Q(total=0), name="job_done_within_total"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
