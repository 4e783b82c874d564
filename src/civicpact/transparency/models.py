"""Transparency data of its own: OCDS packages imported from other systems (docs/ocds-import.md).

Imported releases keep their publisher's ocids and ids and are stored apart from the ledger: they never enter this
publisher's release package or the audit chain's releases. Like the ledger, they are never updated in place.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

# OCDS statuses in words (the portal's lists and pages).
STATUS_LABELS = {
    "planning": "Planning",
    "planned": "Planned",
    "active": "Active",
    "cancelled": "Cancelled",
    "unsuccessful": "Unsuccessful",
    "complete": "Complete",
    "withdrawn": "Withdrawn",
    "pending": "Pending",
    "terminated": "Terminated",
}


class PackageKind(models.TextChoices):
    RELEASE_PACKAGE = "release_package", "Release package"
    RECORD_PACKAGE = "record_package", "Record package"


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


class ItemKind(models.TextChoices):
    TENDER = "tender", "Tender"
    AWARD = "award", "Award"
    CONTRACT = "contract", "Contract"
    SUPPLIER = "supplier", "Supplier"


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
        return STATUS_LABELS.get(self.status, self.status.capitalize())
