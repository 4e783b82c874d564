"""Reads of organisations, people and tokens, each filtered by what the reader may see."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicpact.accounts import permissions
from civicpact.accounts.models import ApiToken, Membership, Organisation, OrganisationQuerySet, Role, User


def supplier_list(*, actor: Any, status: str = "") -> OrganisationQuerySet:
    if not permissions.has_role(actor, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR):
        raise PermissionDenied(gettext("Only procurement officers and administrators manage the supplier register."))
    suppliers = Organisation.objects.suppliers().select_related("verified_by").order_by("verification_status", "name")
    if status:
        suppliers = suppliers.filter(verification_status=status)
    return suppliers


def organisation_list(*, actor: Any) -> list[Organisation]:
    organisations = Organisation.objects.select_related("parent").order_by("kind", "name")
    return [o for o in organisations if permissions.can_view_organisation(actor, o)]


def organisation_get(*, actor: Any, pk: int) -> Organisation:
    """Raises Organisation.DoesNotExist also when the reader may not see it, so existence does not leak."""
    organisation = Organisation.objects.select_related("parent", "verified_by").get(pk=pk)
    if not permissions.can_view_organisation(actor, organisation):
        raise Organisation.DoesNotExist
    return organisation


def people_list(*, actor: Any) -> QuerySet[User]:
    if not permissions.can_manage_roles(actor):
        raise PermissionDenied(gettext("Only an administrator manages people and roles."))
    return (
        User.objects.order_by("username")
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("organisation")))
        .annotate(two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
    )


def api_token_list(*, actor: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor).order_by("-created_at")


def two_factor_status(*, actor: Any) -> dict[str, Any]:
    """The person's own second factor: whether an authenticator is set up, how many backup codes are left, and
    whether their role requires it."""
    return {
        "enrolled": TOTPDevice.objects.filter(user=actor, confirmed=True).exists(),
        "backup_codes_left": StaticToken.objects.filter(device__user=actor, device__confirmed=True).count(),
        "required": permissions.requires_two_factor(actor),
    }
