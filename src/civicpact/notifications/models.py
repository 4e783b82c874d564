"""Notifications (in-app, mirrored by e-mail), each person's e-mail preferences and calendar feed, the city's own
holidays, and suppliers' registered interest in a tender.

The core of this app (models, services, calendars) imports no lifecycle app, so every app may notify through
`services.notify` as every app audits through `ledger.services.audit_append`. The interest in a tender refers to
the tender by its model label only (a database reference in the lifecycle's direction, no Python import).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicpact.accounts.models import Organisation

USER = settings.AUTH_USER_MODEL


class Kind(models.TextChoices):
    """What a notification is about; each kind can have its e-mails turned off."""

    CLARIFICATION_DEADLINE = "clarification_deadline", _("Clarification deadline of a tender")
    SUBMISSION_DEADLINE = "submission_deadline", _("Submission deadline of a tender")
    TENDER_AMENDED = "tender_amended", _("A tender's conditions changed")
    EVALUATION_DUE = "evaluation_due", _("Evaluation due")
    AWARD_DECIDED = "award_decided", _("Award decision")
    STAGE_RESULT = "stage_result", _("Result of a procedure's stage")
    RIGHT_TO_MATCH = "right_to_match", _("Right to match (Swiss challenge)")
    STANDSTILL_END = "standstill_end", _("End of a standstill")
    STATEMENT_ISSUED = "statement_issued", _("Payment statement issued")
    CHANGE_AWAITING = "change_awaiting", _("Contract change awaiting authorisation")
    DISPUTE_DEADLINE = "dispute_deadline", _("Deadline of a contract dispute's rung")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person: shown in the app until read, and e-mailed unless they turned that kind off."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications", help_text="Recipient.")
    kind = models.CharField(max_length=40, choices=Kind.choices, help_text="What it is about.")
    title = models.CharField(max_length=300, help_text="The message in a line (the e-mail's subject).")
    body = models.TextField(help_text="The message.")
    url = models.CharField(max_length=500, blank=True, default="", help_text="Where to act on it (a path).")
    key = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text="Idempotency key: a reminder with the same key is never made twice for one person.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was made.")
    emailed = models.BooleanField(default=False, help_text="An e-mail was sent (queued at commit) for it.")
    read_at = models.DateTimeField(null=True, blank=True, help_text="When the person marked it read.")

    objects: ClassVar[NotificationQuerySet] = NotificationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="notification_key_once"),
        ]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """A person's choice for one kind: e-mail on or off (no row: on). In-app notifications are always kept."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", help_text="The person.")
    kind = models.CharField(max_length=40, choices=Kind.choices, help_text="The kind.")
    email = models.BooleanField(default=True, help_text="Send e-mails of this kind.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {'e-mail' if self.email else 'in-app only'}"


def feed_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class CalendarFeed(models.Model):
    """A person's secret calendar address (/calendar/<token>.ics). Only the token's SHA-256 is stored; rotating
    replaces it, so the old address stops working at once."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="+", help_text="The person.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    hint = models.CharField(max_length=8, help_text="The token's first characters, to tell addresses apart.")
    created_at = models.DateTimeField(help_text="When this token was made (the last rotation).")

    def __str__(self) -> str:
        return f"Calendar of {self.user_id} ({self.hint}…)"

    @staticmethod
    def generate() -> str:
        return secrets.token_urlsafe(32)


class CityHoliday(models.Model):
    """A day off in the city beyond the national and regional holidays (a municipal holiday, a closure)."""

    day = models.DateField(unique=True, help_text="The date.")
    name = models.CharField(max_length=200, help_text="What the day is.")
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who added it.")
    added_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.name}"


class TenderInterest(models.Model):
    """A supplier registered its interest in a published tender: its users are reminded of the deadlines."""

    tender = models.ForeignKey("tendering.Tender", on_delete=models.PROTECT, related_name="+", help_text="The tender.")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", help_text="Supplier.")
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who registered.")
    registered_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tender", "organisation"], name="interest_once")]

    def __str__(self) -> str:
        return f"{self.organisation_id} follows {self.tender_id}"
