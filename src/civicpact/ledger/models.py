"""The two append-only logs: the audit chain and the OCDS release store.

Rows are never updated or deleted: the model layer refuses, and a trigger per database vendor
refuses too (see migrations/0002_append_only_triggers.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicpact.domain.audit import (
    LINK_V1,
    LINK_V3,
    SUBJECT_LINKS,
    ChainLink,
    StoredEvent,
    person_digest,
    subject_digest,
)
from civicpact.domain.redaction import Claim
from civicpact.ledger.exceptions import AppendOnlyViolation


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyViolation(f"{self.model.__name__} rows are append-only: they cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyViolation(f"{self.model.__name__} rows are append-only: they cannot be deleted.")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyViolation(f"{type(self).__name__} rows are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyViolation(f"{type(self).__name__} rows are append-only: they cannot be deleted.")


class AuditEventQuerySet(AppendOnlyQuerySet):
    def public(self) -> AuditEventQuerySet:
        """Events anyone may read; private ones keep only their digest in the public export."""
        return self.filter(public=True)


class AuditEvent(AppendOnlyModel):
    seq = models.PositiveBigIntegerField(unique=True, help_text="Position in the chain, from 1 without gaps.")
    time = models.DateTimeField(help_text="When the event happened (UTC).")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who did it; empty for the system or an anonymous visitor.",
    )
    actor_label = models.CharField(
        max_length=200,
        help_text="Who did it: the account (user:<id>:<username>). Hashed in clear before format 3; in format 3 into "
        "the person digest, and never published.",
    )
    actor_public = models.CharField(
        max_length=300,
        blank=True,
        default="",
        db_default="",
        help_text="Who did it as the public reads it (format 3): the roles held and where, never the person; empty "
        "for events before format 3.",
    )
    actor_salt = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text="Random salt of the person digest (format 3); never published.",
    )
    action = models.CharField(max_length=100, help_text="What happened, e.g. 'supplier.verify'.")
    object_ref = models.CharField(max_length=200, help_text="What it happened to, e.g. 'accounts.organisation:7'.")
    public = models.BooleanField(default=False, help_text="Whether the payload is published.")
    payload = models.JSONField(default=dict, help_text="Details of the event.")
    salt = models.CharField(max_length=64, help_text="Random salt of the payload digest.")
    payload_digest = models.CharField(max_length=64, help_text="sha256(salt + canonical payload).")
    hash = models.CharField(max_length=64, unique=True, help_text="sha256(previous hash + canonical link).")
    link_version = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="2: the link hashes `public` and a salted digest of actor, action and object; 3: the same with the "
        "public actor, plus a salted digest of the person (docs/audit-export.md); empty for events hashed before "
        "format 2 (actor, action and object in clear).",
    )

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_ref}"

    @property
    def subject_actor(self) -> str:
        """The actor the link's subject holds: the public one from format 3, the account before."""
        return self.actor_public if self.link_version == LINK_V3 else self.actor_label

    @property
    def public_actor(self) -> str:
        """Who did it, as anyone may read it: the roles and organisation (format 3). Events written before format 3
        recorded the account only, so a person there is not named ("system" and "anonymous" are shown as recorded;
        the public export still shows those events' accounts where their hash needs them, docs/audit-export.md)."""
        if self.link_version == LINK_V3:
            return self.actor_public
        return self.actor_label if not self.actor_label.startswith("user:") else "a person (role not recorded)"

    def as_stored_event(self) -> StoredEvent:
        version = self.link_version or LINK_V1
        actor = self.subject_actor
        return StoredEvent(
            link=ChainLink(
                seq=self.seq,
                time=self.time,
                actor=actor,
                action=self.action,
                object=self.object_ref,
                payload_digest=self.payload_digest,
                version=version,
                public=self.public,
                subject_digest=(
                    subject_digest(self.salt, actor=actor, action=self.action, object=self.object_ref)
                    if version in SUBJECT_LINKS
                    else ""
                ),
                person_digest=person_digest(self.actor_salt, person=self.actor_label) if version == LINK_V3 else "",
            ),
            salt=self.salt,
            payload=self.payload,
            hash=self.hash,
            person=self.actor_label if version == LINK_V3 else None,
            person_salt=self.actor_salt if version == LINK_V3 else None,
        )


class ChainHead(models.Model):
    """One row: the newest event's sequence number and hash. Writers lock it to append."""

    seq = models.PositiveBigIntegerField(default=0, help_text="Sequence number of the newest event.")
    hash = models.CharField(max_length=64, help_text="Hash of the newest event (zeros for an empty chain).")

    def __str__(self) -> str:
        return f"head #{self.seq}"


class Ocid(AppendOnlyModel):
    """An Open Contracting ID, minted once and never reused."""

    ocid = models.CharField(max_length=100, unique=True, help_text="The ocid: prefix plus a local identifier.")
    object_ref = models.CharField(max_length=200, help_text="The contracting process it identifies.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was minted.")

    objects: ClassVar[AppendOnlyQuerySet] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.ocid


class Release(AppendOnlyModel):
    """One OCDS release, exactly as published."""

    ocid = models.CharField(max_length=100, db_index=True, help_text="The contracting process.")
    release_id = models.CharField(max_length=120, unique=True, help_text="Release id, never reused.")
    date = models.DateTimeField(help_text="Release date; strictly increasing within an ocid.")
    tags = models.JSONField(default=list, help_text="OCDS release tags.")
    body = models.JSONField(help_text="The release as published.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was stored.")

    objects: ClassVar[AppendOnlyQuerySet] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["ocid", "date"]
        constraints = [models.UniqueConstraint(fields=["ocid", "date"], name="release_date_unique_per_ocid")]

    def __str__(self) -> str:
        return self.release_id


class ClaimState(models.TextChoices):
    REQUESTED = "requested", _("Requested (awaits the PPP unit)")
    ACTIVE = "active", _("Active")
    REFUSED = "refused", pgettext_lazy("claim", "Refused")
    ENDED = "ended", _("Ended (disclosed)")


class ClaimKind(models.TextChoices):
    DOCUMENT = "document", _("A published document")
    FIELD = "field", _("A field of the releases")


class ClaimReason(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial confidentiality")
    PERSONAL_DATA = "personal_data", _("Personal data")
    SECURITY = "security", _("Security")
    LEGAL_PRIVILEGE = "legal_privilege", _("Legal privilege")
    OTHER = "other", _("Other")


class ConfidentialityClaimQuerySet(AppendOnlyQuerySet):
    def current(self) -> ConfidentialityClaimQuerySet:
        """The newest row of every claim: the rows no later row supersedes."""
        return self.filter(superseded_by__isnull=True)

    def in_force(self, today: Any) -> ConfidentialityClaimQuerySet:
        """Claims withheld from publication on `today` (active, not ended, end date not passed)."""
        return self.current().filter(state=ClaimState.ACTIVE, ends_on__gte=today)

    def expired(self, today: Any) -> ConfidentialityClaimQuerySet:
        """Active claims whose end date has passed: what `disclose-expired` publishes."""
        return self.current().filter(state=ClaimState.ACTIVE, ends_on__lt=today)


class ConfidentialityClaim(AppendOnlyModel):
    """One state of a confidentiality claim. A claim is never edited: a new row supersedes the last one
    (requested -> active or refused; active -> active with another end date, or ended)."""

    ocid = models.CharField(max_length=100, db_index=True, help_text="The contracting process it covers.")
    kind = models.CharField(max_length=16, choices=ClaimKind.choices, help_text="A document or a field.")
    target = models.CharField(
        max_length=300, help_text="The document's OCDS id, or a field path such as contracts/*/value."
    )
    reason = models.CharField(max_length=32, choices=ClaimReason.choices, help_text="Why it is withheld.")
    reason_text = models.CharField(max_length=500, blank=True, help_text="The reason in the claimant's words.")
    withhold_title = models.BooleanField(default=False, help_text="Whether a document's title is withheld too.")
    ends_on = models.DateField(help_text="Withheld up to and including this date, then disclosed.")
    state = models.CharField(max_length=16, choices=ClaimState.choices, help_text="This row's state.")
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="The claim's previous row, if any.",
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who made the claim or the request.",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who made it active: the claimant if city staff, else the PPP unit.",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who wrote this row; empty for the system (an expired claim's disclosure).",
    )
    origin = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The claim's first row (empty on the first row itself).",
    )
    note = models.CharField(max_length=500, blank=True, help_text="Why this row was written (refusal, early end).")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When this row was written.")

    objects: ClassVar[ConfidentialityClaimQuerySet] = ConfidentialityClaimQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["ocid", "created_at", "pk"]

    def __str__(self) -> str:
        return f"claim {self.root_id()} {self.state} {self.kind} {self.target}"

    def root_id(self) -> int:
        """The claim's id: the id of its first row (kept along the chain of rows)."""
        return int(self.origin_id or self.pk)

    def as_domain(self) -> Claim:
        return Claim(
            claim_id=self.root_id(),
            kind=self.kind,
            target=self.target,
            reason=self.reason,
            until=self.ends_on,
            reason_text=self.reason_text,
            withhold_title=self.withhold_title,
        )


class WithheldContent(AppendOnlyModel):
    """What a claim withheld from one release, kept private until the claim ends: the release sections that
    restore it (domain/redaction.py's fragment). Never served; read only to publish the disclosure."""

    claim_id = models.PositiveBigIntegerField(db_index=True, help_text="The claim's id (its first row's id).")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+", help_text="The release.")
    fragment = models.JSONField(help_text="Release sections that restore the withheld content.")

    objects: ClassVar[AppendOnlyQuerySet] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return f"withheld by claim {self.claim_id} from {self.release_id}"
