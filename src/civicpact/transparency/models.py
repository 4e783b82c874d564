"""Transparency data of its own: OCDS packages imported from other systems (docs/ocds-import.md).

Imported releases keep their publisher's ocids and ids and are stored apart from the ledger: they never enter this
publisher's release package or the audit chain's releases. Like the ledger, they are never updated in place.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# OCDS statuses in words (the portal's lists and pages).
STATUS_LABELS: dict[str, str | Promise] = {
    "planning": pgettext_lazy("OCDS status", "Planning"),
    "planned": pgettext_lazy("OCDS status", "Planned"),
    "active": pgettext_lazy("OCDS status", "Active"),
    "cancelled": pgettext_lazy("OCDS status", "Cancelled"),
    "unsuccessful": pgettext_lazy("OCDS status", "Unsuccessful"),
    "complete": pgettext_lazy("OCDS status", "Complete"),
    "withdrawn": pgettext_lazy("OCDS status", "Withdrawn"),
    "pending": pgettext_lazy("OCDS status", "Pending"),
    "terminated": pgettext_lazy("OCDS status", "Terminated"),
}
# OCDS milestone statuses in words.
MILESTONE_STATUS_LABELS: dict[str, str | Promise] = {
    "scheduled": pgettext_lazy("milestone status", "Scheduled"),
    "met": pgettext_lazy("milestone status", "Met"),
    "notMet": pgettext_lazy("milestone status", "Not met"),
    "partiallyMet": pgettext_lazy("milestone status", "Partially met"),
}
# Where a contracting process stands (`CompiledRecord.stage`, `portal.Process.stage`: stored and filtered in
# English), in words.
STAGE_LABELS: dict[str, str | Promise] = {
    "Planning": pgettext_lazy("stage", "Planning"),
    "Tender": pgettext_lazy("stage", "Tender"),
    "Award": pgettext_lazy("stage", "Award"),
    "Contract": pgettext_lazy("stage", "Contract"),
}


def ocds_status_label(status: str) -> str:
    """An OCDS status in words, in the reader's language."""
    return str(STATUS_LABELS.get(status, status.capitalize()))


def process_stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


class PackageKind(models.TextChoices):
    RELEASE_PACKAGE = "release_package", _("Release package")
    RECORD_PACKAGE = "record_package", _("Record package")


class ImportedPackageQuerySet(models.QuerySet["ImportedPackage"]):
    def with_release_counts(self) -> ImportedPackageQuerySet:
        """Each package with `release_total`, the number of releases it brought."""
        return self.annotate(release_total=models.Count("releases"))


class ImportedPackage(models.Model):
    """One OCDS release or record package imported as a whole, identified by its file's digest."""

    digest = models.CharField(max_length=64, unique=True, help_text="sha256 of the file as uploaded.")
    kind = models.CharField(max_length=20, choices=PackageKind.choices, help_text="Release or record package.")
    file_name = models.CharField(max_length=255, blank=True, help_text="The file's name when it was imported.")
    uri = models.CharField(max_length=2000, blank=True, help_text="The package's own `uri`.")
    published_date = models.CharField(max_length=40, blank=True, help_text="The package's `publishedDate`.")
    publisher_name = models.CharField(max_length=300, help_text="The package's `publisher.name`.")
    publisher = models.JSONField(default=dict, help_text="The package's `publisher` object, as published.")
    version = models.CharField(max_length=10, help_text="The package's OCDS `version`.")
    extensions = models.JSONField(default=list, help_text="The extension URLs the package declares.")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The administrator who imported it; empty for the command line.",
    )
    imported_at = models.DateTimeField(help_text="When it was imported.")

    objects = ImportedPackageQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.publisher_name}: {self.uri or self.file_name}"


class ImportedRelease(models.Model):
    """One release of an imported package, exactly as its publisher wrote it.

    A record package whose records only link to their releases brings its compiled releases instead
    (`compiled` true)."""

    package = models.ForeignKey(
        ImportedPackage, on_delete=models.PROTECT, related_name="releases", help_text="The package it came in."
    )
    ocid = models.CharField(max_length=200, db_index=True, help_text="The publisher's ocid.")
    release_id = models.CharField(max_length=300, help_text="The publisher's release id.")
    date = models.DateTimeField(help_text="The release's `date`.")
    compiled = models.BooleanField(default=False, help_text="A record's compiled release, not a release.")
    body: Any = models.JSONField(help_text="The release as published.")

    class Meta:
        ordering = ["ocid", "date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ocid", "release_id"], name="imported_release_id_unique_per_ocid"),
        ]

    def __str__(self) -> str:
        return f"{self.ocid} {self.release_id}"


class CompiledRecord(models.Model):
    """The cache of one contracting process's compiled release, with the summary the portal's lists read.

    Derived data, not a log: rebuilt from the ledger's releases whenever they are newer than `last_release_pk`
    (`transparency/compiled.py: records_refresh`), and safe to delete (everything is rebuilt on the next read)."""

    ocid = models.CharField(max_length=100, unique=True, help_text="The contracting process.")
    compiled = models.JSONField(help_text="The compiled release (ocdsmerge over the patched PPP schema).")
    last_release_pk = models.BigIntegerField(
        db_index=True, help_text="Storage id of the newest ledger release it covers (the ledger only appends)."
    )
    last_release_id = models.CharField(max_length=120, help_text="OCDS id of the newest release it covers.")
    release_count = models.PositiveIntegerField(help_text="How many releases it was compiled from.")
    updated = models.DateTimeField(db_index=True, help_text="The newest release's date.")
    title = models.CharField(max_length=500, blank=True, help_text="The project's title, else its tender's.")
    stage = models.CharField(max_length=20, help_text="Planning, Tender, Award or Contract.")
    buyer = models.CharField(max_length=300, blank=True, help_text="The buyer's name.")
    budget_amount = models.DecimalField(
        max_digits=20, decimal_places=2, null=True, blank=True, help_text="The planning budget's amount."
    )
    budget_currency = models.CharField(max_length=3, blank=True, help_text="The planning budget's currency.")
    haystack = models.TextField(blank=True, help_text="The words a search matches, lower case.")

    class Meta:
        ordering = ["-updated", "-ocid"]

    def __str__(self) -> str:
        return self.ocid

    @property
    def stage_label(self) -> str:
        return process_stage_label(self.stage)


class ItemKind(models.TextChoices):
    TENDER = "tender", _("Tender")
    AWARD = "award", _("Award")
    CONTRACT = "contract", _("Contract")
    SUPPLIER = "supplier", _("Supplier")


class RecordItem(models.Model):
    """One line of a portal list, cut from a compiled record: a tender, an award, a contract, or a supplier's part in
    the process. Rewritten with its record."""

    ocid = models.CharField(max_length=100, db_index=True, help_text="The contracting process.")
    kind = models.CharField(max_length=10, choices=ItemKind.choices, help_text="Which list it belongs to.")
    position = models.PositiveIntegerField(help_text="Order within the process and kind.")
    item_id = models.CharField(max_length=200, help_text="The item's OCDS id (a supplier's party id).")
    title = models.CharField(max_length=500, blank=True, help_text="The item's title (a supplier's name).")
    status = models.CharField(max_length=40, blank=True, help_text="The item's OCDS status ('won' or 'bid').")
    updated = models.DateTimeField(help_text="Its process's newest release date (the lists' order).")
    process_title = models.CharField(max_length=500, blank=True, help_text="Its process's title.")
    buyer = models.CharField(max_length=300, blank=True, help_text="Its process's buyer.")
    item = models.JSONField(default=dict, help_text="The item as compiled (empty for a supplier).")
    suppliers = models.JSONField(default=list, help_text="The suppliers ({id, name}) of an award or contract.")
    awards = models.PositiveIntegerField(default=0, help_text="A supplier's awards in the process.")
    contracts = models.PositiveIntegerField(default=0, help_text="A supplier's contracts in the process.")
    won = models.JSONField(default=dict, help_text="A supplier's awarded value by currency, as decimal strings.")
    haystack = models.TextField(blank=True, help_text="The words a search matches, lower case.")

    class Meta:
        ordering = ["-updated", "-ocid", "position"]
        indexes = [models.Index(fields=["kind", "-updated", "-ocid", "position"], name="record_item_list")]
        constraints = [
            models.UniqueConstraint(fields=["ocid", "kind", "position"], name="record_item_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.ocid} {self.kind} {self.item_id}"

    @property
    def status_label(self) -> str:
        return ocds_status_label(self.status)
