"""A contract's performance regime (versioned), its asset register, telemetry ingest batches, and the monthly
payment statements computed from them (frozen once issued; a correction is a new statement)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicpact.contracts.models import Contract
from civicpact.ledger.models import AppendOnlyModel

USER = settings.AUTH_USER_MODEL


class Regime(AppendOnlyModel):
    """One version of a contract's performance regime (docs/performance-regime.md); every change is a new one."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="regimes", help_text="Contract.")
    number = models.PositiveIntegerField(help_text="1, 2, 3…")
    document = models.JSONField(help_text="The regime document (format 1), as validated.")
    rationale = models.TextField(help_text="Why this version.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who saved it.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["contract", "-number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="regime_version_unique")]

    def __str__(self) -> str:
        return f"Regime v{self.number} of {self.contract_id}"


class Asset(models.Model):
    """An asset in a contract's register: its id in the telemetry, its number in the interval rows, its class."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="assets", help_text="Contract.")
    asset_id = models.CharField(max_length=100, help_text="The id the telemetry uses.")
    number = models.PositiveIntegerField(help_text="Its number in the stored interval rows.")
    asset_class = models.CharField(max_length=50, help_text="The regime's asset class key.")
    description = models.CharField(max_length=200, blank=True, default="", help_text="Where or what it is.")

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "asset_id"], name="asset_id_unique_per_contract"),
            models.UniqueConstraint(fields=["contract", "number"], name="asset_number_unique_per_contract"),
        ]

    def __str__(self) -> str:
        return self.asset_id


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    DUPLICATE = "duplicate", _("Already ingested: nothing changed")
    FAILED = "failed", _("Failed: nothing stored")


class IngestBatch(models.Model):
    """One ingest of telemetry (an upload, an HTTP batch, an MQTT batch, a CLI file) and what became of it."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="batches", help_text="Contract.")
    source = models.CharField(max_length=20, help_text="upload, http, mqtt or cli.")
    filename = models.CharField(max_length=255, blank=True, default="", help_text="The file's name, if any.")
    content_hash = models.CharField(max_length=64, blank=True, default="", help_text="SHA-256 of the content.")
    status = models.CharField(
        max_length=20, choices=BatchStatus.choices, default=BatchStatus.QUEUED, help_text="Where it is."
    )
    rows_read = models.PositiveBigIntegerField(default=0, help_text="Rows read.")
    rows_accepted = models.PositiveBigIntegerField(default=0, help_text="Rows accepted.")
    rows_rejected = models.PositiveBigIntegerField(default=0, help_text="Rows rejected (see the report).")
    intervals_written = models.PositiveBigIntegerField(default=0, help_text="Interval rows stored.")
    rejections = models.JSONField(default=list, blank=True, help_text="The first rejections: row, reason.")
    report = models.CharField(max_length=255, blank=True, default="", help_text="The rejection report's path.")
    error = models.TextField(blank=True, default="", help_text="Why it failed.")
    progress_done = models.PositiveBigIntegerField(default=0, help_text="Rows handled so far.")
    progress_total = models.PositiveBigIntegerField(default=0, help_text="Rows to handle, once known.")
    progress_message = models.CharField(max_length=300, blank=True, default="", help_text="The step under way.")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who sent it."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it finished.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Batch {self.pk} of {self.contract_id}"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft: recomputed on demand")
    ISSUED = "issued", _("Issued: frozen")


class Statement(models.Model):
    """A month's payment statement: what the regime version in force made of the month's telemetry."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="statements", help_text="Contract.")
    month = models.CharField(max_length=7, help_text="YYYY-MM.")
    number = models.PositiveIntegerField(default=1, help_text="1; a correction of an issued one is 2, 3…")
    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="+", help_text="The version used.")
    status = models.CharField(
        max_length=20, choices=StatementStatus.choices, default=StatementStatus.DRAFT, help_text="Draft or issued."
    )
    figures = models.JSONField(help_text="The statement (money.Statement.as_dict()).")
    monthly_charge = models.DecimalField(max_digits=16, decimal_places=2, help_text="Unitary charge of the month.")
    deductions = models.DecimalField(max_digits=16, decimal_places=2, help_text="Deductions applied (capped).")
    bonus = models.DecimalField(max_digits=16, decimal_places=2, help_text="Bonus.")
    net = models.DecimalField(max_digits=16, decimal_places=2, help_text="Net payment.")
    computed_at = models.DateTimeField(help_text="When it was computed.")
    issued_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who issued it."
    )
    issued_at = models.DateTimeField(null=True, blank=True, help_text="When it was issued.")
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", help_text="Corrected."
    )
    reason = models.TextField(blank=True, default="", help_text="Why a correction.")

    class Meta:
        ordering = ["contract", "-month", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month", "number"], name="statement_unique_per_month"),
            models.CheckConstraint(
                condition=Q(month__regex=r"^\d{4}-(0[1-9]|1[0-2])$"), name="statement_month_format"
            ),
        ]

    def __str__(self) -> str:
        return f"Statement {self.month} #{self.number} of {self.contract_id}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: corrected by a new statement")
    REJECTED = "rejected", _("Rejected")


class StatementDispute(models.Model):
    """The partner disputes a line of an issued statement, with a reason; the city answers."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="disputes", help_text="Statement.")
    line = models.CharField(max_length=120, help_text="The line disputed: an asset id or a KPI key.")
    reason = models.TextField(help_text="Why the partner disputes it.")
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who raised it.")
    raised_at = models.DateTimeField(auto_now_add=True, help_text="When.")
    status = models.CharField(
        max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN, help_text="Where it is."
    )
    answer = models.TextField(blank=True, default="", help_text="The city's answer.")
    answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who answered."
    )
    answered_at = models.DateTimeField(null=True, blank=True, help_text="When.")

    class Meta:
        ordering = ["statement", "raised_at", "pk"]

    def __str__(self) -> str:
        return f"Dispute of {self.line} on {self.statement_id}"


# --- incidents, periodic scores, remediation plans (docs/incidents.md) -----------------------------------------------


class IncidentPriority(models.TextChoices):
    URGENT = "urgent", pgettext_lazy("priority", "Urgent (safety)")
    HIGH = "high", pgettext_lazy("priority", "High")
    NORMAL = "normal", pgettext_lazy("priority", "Normal")
    LOW = "low", pgettext_lazy("priority", "Low")


class IncidentSource(models.TextChoices):
    CITY = "city", _("Reported by the city")
    PARTNER = "partner", _("Reported by the partner")
    HELPDESK = "helpdesk", _("Posted by a helpdesk system (API)")


class Incident(models.Model):
    """A fault or request on a contract, measured by a response-time and/or a fix-time KPI of the regime. The
    partner records the response and the fix; the city changes a recorded time only by a correction."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="incidents", help_text="Contract.")
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents", help_text="Asset, if one."
    )
    response_kpi = models.CharField(max_length=64, blank=True, default="", help_text="A response_time KPI's key.")
    fix_kpi = models.CharField(max_length=64, blank=True, default="", help_text="A fix_time KPI's key.")
    priority = models.CharField(
        max_length=10, choices=IncidentPriority.choices, default=IncidentPriority.NORMAL, help_text="Priority."
    )
    description = models.TextField(help_text="What is wrong, where.")
    reference = models.CharField(
        max_length=100, blank=True, default="", help_text="The helpdesk's ticket number, unique per contract."
    )
    source = models.CharField(max_length=10, choices=IncidentSource.choices, help_text="Who reported it.")
    reported_at = models.DateTimeField(help_text="When it was reported: the KPIs' clocks start here.")
    reported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who recorded it.")
    responded_at = models.DateTimeField(null=True, blank=True, help_text="When the partner responded.")
    responded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who recorded it."
    )
    fixed_at = models.DateTimeField(null=True, blank=True, help_text="When the partner fixed it.")
    fixed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who recorded it."
    )
    version = models.PositiveIntegerField(default=1, help_text="Counts up with every change (stale edits refused).")
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who changed it last.")
    updated_at = models.DateTimeField(help_text="When it last changed.")

    class Meta:
        ordering = ["contract", "-reported_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(response_kpi="") | ~Q(fix_kpi=""), name="incident_has_a_kpi"),
            models.CheckConstraint(
                condition=Q(responded_at__isnull=True) | Q(responded_at__gte=models.F("reported_at")),
                name="incident_responded_after_reported",
            ),
            models.CheckConstraint(
                condition=Q(fixed_at__isnull=True)
                | (Q(responded_at__isnull=False) & Q(fixed_at__gte=models.F("responded_at"))),
                name="incident_fixed_after_responded",
            ),
            models.UniqueConstraint(
                fields=["contract", "reference"], condition=~Q(reference=""), name="incident_reference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Incident {self.pk} of {self.contract_id}"

    @property
    def state(self) -> str:
        """open (waiting for a response), responded (waiting for the fix) or fixed."""
        if self.fixed_at is not None:
            return "fixed"
        return "responded" if self.responded_at is not None else "open"


class IncidentCorrection(AppendOnlyModel):
    """The city changes a recorded time of an incident: what it was, what it is, why, who and when."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="corrections", help_text="Incident.")
    field = models.CharField(max_length=20, help_text="reported_at, responded_at or fixed_at.")
    old_value = models.DateTimeField(null=True, blank=True, help_text="The time before.")
    new_value = models.DateTimeField(help_text="The time after.")
    reason = models.TextField(help_text="Why the city corrects it (the evidence).")
    corrected_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who corrected it.")
    corrected_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["incident", "corrected_at", "pk"]

    def __str__(self) -> str:
        return f"Correction of {self.field} on {self.incident_id}"


class PeriodicScore(models.Model):
    """A periodic KPI's score for a month (a survey, an inspection), recorded by the city with its source; a
    score below the KPI's target is one failure in the month's statement."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="scores", help_text="Contract.")
    kpi = models.CharField(max_length=64, help_text="A periodic KPI's key.")
    month = models.CharField(max_length=7, help_text="YYYY-MM.")
    score = models.DecimalField(max_digits=12, decimal_places=3, help_text="The score measured.")
    source = models.TextField(help_text="Where the score comes from (survey, sample size, inspection).")
    version = models.PositiveIntegerField(default=1, help_text="Counts up with every change (stale edits refused).")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who recorded it.")
    recorded_at = models.DateTimeField(help_text="When it was last recorded.")

    class Meta:
        ordering = ["contract", "-month", "kpi"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "kpi", "month"], name="score_unique_per_kpi_month"),
            models.CheckConstraint(condition=Q(month__regex=r"^\d{4}-(0[1-9]|1[0-2])$"), name="score_month_format"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.month}: {self.score}"


class RemediationStatus(models.TextChoices):
    RAISED = "raised", _("Raised: waiting for the partner's plan")
    SUBMITTED = "submitted", _("Submitted: waiting for the city's decision")
    ACCEPTED = "accepted", _("Accepted: under way")
    REJECTED = "rejected", _("Rejected: the partner resubmits")
    CLOSED = "closed", _("Closed: done and followed up")


class RemediationPlan(models.Model):
    """The city asks the partner to remedy a failure (an incident, a KPI, a statement month); the partner submits
    its plan and reports progress; the city accepts or rejects it with reasons and closes it after follow-up."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="remediation_plans", help_text="Contract."
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="plans", help_text="The incident."
    )
    kpi = models.CharField(max_length=64, blank=True, default="", help_text="The KPI failed, if one.")
    month = models.CharField(max_length=7, blank=True, default="", help_text="The statement month, YYYY-MM.")
    title = models.CharField(max_length=200, help_text="The failure to remedy, in a line.")
    actions = models.TextField(help_text="What the city requires to be done.")
    deadline = models.DateField(help_text="By when it must be done.")
    status = models.CharField(
        max_length=20, choices=RemediationStatus.choices, default=RemediationStatus.RAISED, help_text="Where it is."
    )
    plan = models.TextField(blank=True, default="", help_text="The partner's plan, as last submitted.")
    decision_reason = models.TextField(blank=True, default="", help_text="The city's reasons for its decision.")
    version = models.PositiveIntegerField(default=1, help_text="Counts up with every change (stale edits refused).")
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who raised it.")
    raised_at = models.DateTimeField(help_text="When.")
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who changed it last.")
    updated_at = models.DateTimeField(help_text="When it last changed.")

    class Meta:
        ordering = ["contract", "-raised_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month="") | Q(month__regex=r"^\d{4}-(0[1-9]|1[0-2])$"), name="plan_month_format"
            ),
        ]

    def __str__(self) -> str:
        return f"Remediation plan {self.pk} of {self.contract_id}"


class RemediationNote(AppendOnlyModel):
    """A step in a plan's history: the partner's submissions and progress notes, the city's decisions and
    follow-up."""

    plan = models.ForeignKey(RemediationPlan, on_delete=models.PROTECT, related_name="notes", help_text="Plan.")
    kind = models.CharField(max_length=20, help_text="submission, progress, accepted, rejected, follow_up, closed.")
    text = models.TextField(help_text="What was said.")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["plan", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on plan {self.plan_id}"
