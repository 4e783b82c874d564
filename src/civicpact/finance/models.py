"""The finance hand-off (docs/finance.md): a contract's finance terms (VAT, payment days, budget line, indexation),
price-index series, the invoice each issued payment statement becomes, the exports for the city's finance system
and the payment confirmations it sends back."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicpact.contracts.models import Contract
from civicpact.ledger.models import AppendOnlyModel
from civicpact.performance.models import Statement

USER = settings.AUTH_USER_MODEL
MONTH_REGEX = r"^\d{4}-(0[1-9]|1[0-2])$"


class IndexSeries(models.Model):
    """A price-index series (e.g. CPI) whose monthly values index contracts' invoices."""

    key = models.CharField(max_length=32, unique=True, help_text="Short name, e.g. CPI (letters, digits, _ . -).")
    name = models.CharField(max_length=200, blank=True, default="", help_text="Its full name.")
    source = models.TextField(blank=True, default="", help_text="Who publishes it, and where.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who recorded it.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["key"]
        verbose_name_plural = _("index series")

    def __str__(self) -> str:
        return self.key


class IndexValue(AppendOnlyModel):
    """A month's value of an index series; never changed once stored (invoices may use it)."""

    series = models.ForeignKey(IndexSeries, on_delete=models.PROTECT, related_name="values", help_text="Series.")
    month = models.CharField(max_length=7, help_text="YYYY-MM.")
    value = models.DecimalField(max_digits=14, decimal_places=4, help_text="The index value (above 0).")
    imported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who imported it.")
    imported_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["series", "month"]
        constraints = [
            models.UniqueConstraint(fields=["series", "month"], name="index_value_unique_per_month"),
            models.CheckConstraint(condition=Q(month__regex=MONTH_REGEX), name="index_value_month_format"),
            models.CheckConstraint(condition=Q(value__gt=0), name="index_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.month}: {self.value}"


class IndexationRule(models.TextChoices):
    ANNUAL = "annual", _("Annual: on each anniversary of the base date")


class FinanceTerms(models.Model):
    """How a contract's statements become invoices: the VAT rate (empty: the deployment's), the payment days
    (empty: the deployment's), the budget line, and the indexation (none, or a series, base month and base date)."""

    contract = models.OneToOneField(
        Contract, on_delete=models.PROTECT, related_name="finance_terms", help_text="Contract."
    )
    vat_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="VAT rate; empty: CIVICPACT_VAT_PERCENT."
    )
    payment_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days from receipt to payment; empty: CIVICPACT_PAYMENT_DAYS."
    )
    budget_line = models.CharField(
        max_length=100, blank=True, default="", help_text="The city budget line the invoices are charged to."
    )
    index_series = models.ForeignKey(
        IndexSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Index, if any."
    )
    index_base_month = models.CharField(max_length=7, blank=True, default="", help_text="The base index month.")
    index_base_date = models.DateField(null=True, blank=True, help_text="Reviews fall on its anniversaries.")
    index_rule = models.CharField(
        max_length=20, choices=IndexationRule.choices, default=IndexationRule.ANNUAL, help_text="Indexation rule."
    )
    version = models.PositiveIntegerField(default=1, help_text="Counts up with every change (stale edits refused).")
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who changed it last.")
    updated_at = models.DateTimeField(help_text="When it last changed.")

    class Meta:
        verbose_name_plural = _("finance terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(vat_percent__isnull=True) | (Q(vat_percent__gte=0) & Q(vat_percent__lte=100)),
                name="finance_terms_vat_percent_range",
            ),
            models.CheckConstraint(
                condition=(Q(index_series__isnull=True) & Q(index_base_month="") & Q(index_base_date__isnull=True))
                | (
                    Q(index_series__isnull=False)
                    & Q(index_base_month__regex=MONTH_REGEX)
                    & Q(index_base_date__isnull=False)
                ),
                name="finance_terms_indexation_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Finance terms of {self.contract_id}"


class InvoiceStatus(models.TextChoices):
    AWAITING_INDEX = "awaiting_index", _("Waiting for the month's index value")
    PENDING = "pending", _("Waiting for approval")
    REJECTED = "rejected", _("Rejected: back with the partner")
    APPROVED = "approved", _("Approved: for the finance system")
    PAID = "paid", pgettext_lazy("invoice", "Paid")


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


class FinanceExport(models.Model):
    """One export of approved invoices for the finance system, kept as sent. Written once: the row is created,
    then its file (which names the export's id) is stored with its SHA-256, which the audit chain also holds."""

    since = models.DateField(help_text="Invoices approved on or after this day.")
    format = models.CharField(max_length=4, choices=ExportFormat.choices, help_text="CSV or JSON.")
    again = models.BooleanField(default=False, help_text="Whether invoices already exported were included.")
    invoice_ids = models.JSONField(default=list, help_text="The invoices it holds.")
    count = models.PositiveIntegerField(help_text="How many.")
    content = models.TextField(blank=True, default="", help_text="The file as sent.")
    sha256 = models.CharField(max_length=64, blank=True, default="", help_text="SHA-256 of the file.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who exported it.")
    created_at = models.DateTimeField(help_text="When.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Finance export {self.pk}"

    @property
    def file_name(self) -> str:
        return f"civicpact-finance-export-{self.pk}.{self.format}"


class PaymentImport(AppendOnlyModel):
    """One file of payment confirmations from the finance system, imported whole."""

    source = models.CharField(max_length=10, help_text="cli or api.")
    file_name = models.CharField(max_length=255, blank=True, default="", help_text="The file's name, if any.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the document as received.")
    paid = models.PositiveIntegerField(help_text="Invoices marked paid.")
    unchanged = models.PositiveIntegerField(help_text="Lines already recorded the same way.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who imported it.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Payment import {self.pk}"


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def exportable(self, *, since_start: object, again: bool) -> InvoiceQuerySet:
        """Approved (or, with `again`, also paid) invoices approved at or after `since_start`; not yet exported
        unless `again`."""
        statuses = [InvoiceStatus.APPROVED, InvoiceStatus.PAID] if again else [InvoiceStatus.APPROVED]
        found = self.filter(status__in=statuses, approved_at__gte=since_start)
        return found if again else found.filter(exported_at__isnull=True)


class Invoice(models.Model):
    """The payment request an issued statement becomes: the statement's amount (its net payment; for a
    correction, the difference from the statement it corrects), indexed, plus VAT."""

    statement = models.OneToOneField(
        Statement, on_delete=models.PROTECT, related_name="invoice", help_text="The issued statement."
    )
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="invoices", help_text="Contract.")
    month = models.CharField(max_length=7, help_text="The statement's month, YYYY-MM.")
    kind = models.CharField(max_length=20, choices=InvoiceKind.choices, help_text="Invoice, or credit note (< 0).")
    status = models.CharField(
        max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.PENDING, help_text="Where it is."
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217, the regime's.")
    base_amount = models.DecimalField(max_digits=16, decimal_places=2, help_text="The statement's amount.")
    net = models.DecimalField(max_digits=16, decimal_places=2, help_text="The amount indexed, before VAT.")
    vat_percent = models.DecimalField(max_digits=5, decimal_places=2, help_text="VAT rate applied.")
    vat = models.DecimalField(max_digits=16, decimal_places=2, help_text="VAT.")
    gross = models.DecimalField(max_digits=16, decimal_places=2, help_text="Net plus VAT: the amount to pay.")
    indexation = models.JSONField(null=True, blank=True, help_text="The indexation applied, if any.")
    invoice_date = models.DateField(help_text="When it was made (the statement's issue, local date).")
    received_on = models.DateField(help_text="When the partner's reference came (else the invoice date).")
    payment_days = models.PositiveIntegerField(help_text="Days from receipt to payment.")
    due_date = models.DateField(help_text="received_on + payment_days.")
    supplier_reference = models.CharField(
        max_length=100, blank=True, default="", help_text="The partner's own invoice number."
    )
    decision_reason = models.TextField(blank=True, default="", help_text="Why it was rejected.")
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who decided last."
    )
    approved_at = models.DateTimeField(null=True, blank=True, help_text="When it was approved.")
    export = models.ForeignKey(
        FinanceExport, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="First export."
    )
    exported_at = models.DateTimeField(null=True, blank=True, help_text="When it was first exported.")
    paid_on = models.DateField(null=True, blank=True, help_text="When the finance system paid it.")
    paid_amount = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="The amount paid."
    )
    payment_reference = models.CharField(
        max_length=100, blank=True, default="", help_text="The finance system's payment id."
    )
    payment_import = models.ForeignKey(
        PaymentImport, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Its import."
    )
    version = models.PositiveIntegerField(default=1, help_text="Counts up with every change (stale edits refused).")
    created_at = models.DateTimeField(help_text="When it was made.")
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who changed it last."
    )
    updated_at = models.DateTimeField(help_text="When it last changed.")

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "contract", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(month__regex=MONTH_REGEX), name="invoice_month_format"),
            models.CheckConstraint(condition=~Q(base_amount=0), name="invoice_amount_not_zero"),
            models.CheckConstraint(
                condition=~Q(status="paid") | (Q(paid_on__isnull=False) & Q(paid_amount__isnull=False)),
                name="invoice_paid_has_payment",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"]) | Q(approved_at__isnull=False),
                name="invoice_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.pk} ({self.month}) of {self.contract_id}"

    def clean(self) -> None:
        """gross = net + VAT, in exact decimals. Not a database constraint: SQLite compares decimals as floating
        point, where 87654.32 + 20160.49 need not equal 107814.81."""
        if self.gross != self.net + self.vat:
            raise ValidationError(f"The gross amount {self.gross} is not net {self.net} plus VAT {self.vat}.")

    @property
    def is_open(self) -> bool:
        """Not decided yet: the partner may still give its reference, the terms still re-price it."""
        return self.status in (InvoiceStatus.AWAITING_INDEX, InvoiceStatus.PENDING, InvoiceStatus.REJECTED)
