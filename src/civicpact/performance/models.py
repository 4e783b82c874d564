"""A contract's performance regime (versioned), its asset register, telemetry ingest batches, and the monthly
payment statements computed from them (frozen once issued; a correction is a new statement)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

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
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    DUPLICATE = "duplicate", "Already ingested: nothing changed"
    FAILED = "failed", "Failed: nothing stored"


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
    DRAFT = "draft", "Draft: recomputed on demand"
    ISSUED = "issued", "Issued: frozen"


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
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld: corrected by a new statement"
    REJECTED = "rejected", "Rejected"


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
