"""Organisations, people and the roles they hold."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in. Roles come from memberships, never from Django's groups."""

    full_name = models.CharField(max_length=200, blank=True, default="", help_text="Name shown to others.")
    language = models.CharField(
        max_length=8,
        blank=True,
        default="",
        choices=settings.LANGUAGES,
        help_text="The language the person last chose with the switcher: their notifications and e-mails are "
        "written in it. Empty: the city's language.",
    )

    def __str__(self) -> str:
        return self.full_name or self.username


class OrganisationKind(models.TextChoices):
    CITY = "city", _("City")
    DEPARTMENT = "department", _("Department")
    SUPPLIER = "supplier", _("Supplier")
    OTHER = "other", _("Other organisation")


class OtherKind(models.TextChoices):
    NONE = "", _("Not applicable")
    ASSOCIATION = "association", _("Association")
    RESEARCH = "research", _("Research institution")
    CIVIL_SOCIETY = "civil_society", _("Civil-society organisation")


class VerificationStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required")
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def suppliers(self) -> OrganisationQuerySet:
        """Supplier organisations, verified or not."""
        return self.filter(kind=OrganisationKind.SUPPLIER)

    def awaiting_verification(self) -> OrganisationQuerySet:
        """Suppliers that registered themselves and wait for a procurement officer."""
        return self.suppliers().filter(verification_status=VerificationStatus.PENDING)

    def departments(self) -> OrganisationQuerySet:
        return self.filter(kind=OrganisationKind.DEPARTMENT)


class Organisation(models.Model):
    name = models.CharField(max_length=200, help_text="Name in everyday use.")
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices, help_text="What sort of body this is.")
    other_kind = models.CharField(
        max_length=20, choices=OtherKind.choices, blank=True, default="", help_text="For kind 'other': which sort."
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="For a department: the city it belongs to.",
    )
    legal_name = models.CharField(max_length=200, blank=True, default="", help_text="Registered legal name.")
    country = models.CharField(max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2 country code.")
    registration_number = models.CharField(
        max_length=64, blank=True, default="", help_text="Company registration number, unique within its country."
    )
    is_sme = models.BooleanField(default=False, help_text="Small or medium-sized enterprise.")
    contact_name = models.CharField(max_length=200, blank=True, default="", help_text="Contact person.")
    contact_email = models.EmailField(blank=True, default="", help_text="Contact e-mail address.")
    contact_phone = models.CharField(max_length=40, blank=True, default="", help_text="Contact telephone number.")
    verification_status = models.CharField(
        max_length=20,
        choices=VerificationStatus.choices,
        default=VerificationStatus.NOT_REQUIRED,
        help_text="Suppliers may bid only once verified by a procurement officer.",
    )
    verified_at = models.DateTimeField(null=True, blank=True, help_text="When the verification decision was made.")
    verified_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who made the verification decision.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the organisation was recorded.")

    objects: ClassVar[OrganisationQuerySet] = OrganisationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                condition=Q(kind="supplier") & ~Q(registration_number=""),
                name="supplier_registration_unique_per_country",
                violation_error_message="A supplier with this registration number is already registered here.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="department") | Q(parent__isnull=False),
                name="department_has_city",
            ),
            models.CheckConstraint(
                condition=~Q(kind="supplier") | ~Q(verification_status="not_required"),
                name="supplier_has_verification_status",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_supplier(self) -> bool:
        return self.kind == OrganisationKind.SUPPLIER

    @property
    def can_bid(self) -> bool:
        return self.is_supplier and self.verification_status == VerificationStatus.VERIFIED


class CapabilityProfile(models.Model):
    """What a supplier can do, so that needs can find innovators the city did not know."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="capability", help_text="The supplier."
    )
    sectors = models.JSONField(default=list, blank=True, help_text="Sectors, e.g. 'street lighting'.")
    solutions = models.TextField(blank=True, default="", help_text="Solutions and products offered.")
    references = models.TextField(blank=True, default="", help_text="Past projects and clients.")
    assets = models.JSONField(default=list, blank=True, help_text="Kinds of city assets worked with.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When the profile last changed.")

    def __str__(self) -> str:
        return f"Capabilities of {self.organisation}"

    @property
    def matching_text(self) -> str:
        return f"{' '.join(self.sectors)}. {self.solutions} {self.references}"


class Role(models.TextChoices):
    DEPARTMENT_LEAD = "department_lead", _("Department lead")
    PROCUREMENT_OFFICER = "procurement_officer", _("Procurement officer")
    FINANCE_ANALYST = "finance_analyst", _("Finance analyst")
    EVALUATOR = "evaluator", _("Evaluator")
    CONTRACT_MANAGER = "contract_manager", _("Contract manager")
    SUPPLIER_USER = "supplier_user", _("Supplier user")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


class Membership(models.Model):
    """A person holds a role in an organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", help_text="The person.")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", help_text="Where the role is held."
    )
    role = models.CharField(max_length=32, choices=Role.choices, help_text="What the person may do there.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the role was granted.")

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        """Tokens that have not been revoked (expired ones included: see `usable`)."""
        return self.filter(revoked_at__isnull=True)

    def usable(self, now: datetime) -> ApiTokenQuerySet:
        """Tokens that authenticate at `now`: not revoked and not expired."""
        return self.active().filter(expires_at__gt=now)


class ApiToken(models.Model):
    """A bearer token for machine clients. Only its SHA-256 digest is stored; it expires (docs/keys.md)."""

    PREFIX = "cvp_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", help_text="Owner.")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'telemetry gateway'.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    hint = models.CharField(max_length=12, help_text="First characters of the token, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the token was created.")
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="When the token last authenticated.")
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="When the token was revoked.")
    expires_at = models.DateTimeField(
        help_text="When the token stops working (CIVICPACT_API_TOKEN_DAYS after it is made)."
    )
    replaced_by = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
        help_text="The token a rotation issued in its place.",
    )

    objects: ClassVar[ApiTokenQuerySet] = ApiTokenQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    def state(self, now: datetime) -> str:
        """'revoked', 'expired' or 'active' at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class ExternalIdentity(models.Model):
    """A person's account at the city's identity provider (single sign-on).

    A sign-in is matched to a CivicPact user by the provider's issuer and its stable subject identifier (`sub`),
    never by e-mail address alone: addresses are reassigned, subjects are not.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="external_identities", help_text="The CivicPact user."
    )
    issuer = models.CharField(max_length=255, help_text="The identity provider's issuer URL (`iss`).")
    subject = models.CharField(max_length=255, help_text="The provider's stable identifier of the person (`sub`).")
    email = models.EmailField(
        blank=True, default="", help_text="E-mail address the provider gave at the last sign-in."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the first single sign-on created the link.")
    last_login_at = models.DateTimeField(null=True, blank=True, help_text="When the person last signed in this way.")

    class Meta:
        ordering = ["issuer", "subject"]
        verbose_name_plural = "external identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
