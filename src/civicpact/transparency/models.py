"""Transparency data of its own: OCDS packages imported from other systems (docs/ocds-import.md).

Imported releases keep their publisher's ocids and ids and are stored apart from the ledger: they never enter this
publisher's release package or the audit chain's releases. Like the ledger, they are never updated in place.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


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
