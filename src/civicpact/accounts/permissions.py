"""The one place that answers "may this person do this to that object?".

Every app's views, API endpoints and services call these functions; templates never decide.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from civicpact.accounts.models import Membership, Organisation, OrganisationKind, Role, User

CITY_ROLES = frozenset(
    {
        Role.DEPARTMENT_LEAD,
        Role.PROCUREMENT_OFFICER,
        Role.FINANCE_ANALYST,
        Role.EVALUATOR,
        Role.CONTRACT_MANAGER,
        Role.AUDITOR,
        Role.ADMINISTRATOR,
    }
)


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, for views and endpoints that already required a sign-in."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def memberships_of(user: Any) -> list[Membership]:
    """The user's memberships, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached: list[Membership] | None = getattr(user, "_civicpact_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organisation"))
        user._civicpact_memberships = cached
    return cached


def forget_memberships(user: Any) -> None:
    """Drop the cached memberships after a role change."""
    if hasattr(user, "_civicpact_memberships"):
        del user._civicpact_memberships


def roles_of(user: Any) -> frozenset[str]:
    return frozenset(m.role for m in memberships_of(user))


def has_role(user: Any, *roles: str, organisation: Organisation | None = None) -> bool:
    """True when the user holds one of `roles` (in `organisation`, if given)."""
    for membership in memberships_of(user):
        if membership.role in roles and (organisation is None or membership.organisation_id == organisation.pk):
            return True
    return False


def require_role(user: Any, *roles: str) -> None:
    if not has_role(user, *roles):
        names = ", ".join(Role(r).label.lower() for r in roles)
        raise PermissionDenied(f"This needs one of these roles: {names}.")


def is_city_staff(user: Any) -> bool:
    return bool(roles_of(user) & CITY_ROLES)


def supplier_organisations(user: Any) -> list[Organisation]:
    return [m.organisation for m in memberships_of(user) if m.role == Role.SUPPLIER_USER]


def can_verify_supplier(user: Any, organisation: Organisation) -> bool:
    return organisation.kind == OrganisationKind.SUPPLIER and has_role(
        user, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR
    )


def can_view_organisation(user: Any, organisation: Organisation) -> bool:
    """City staff see every organisation; a supplier user sees its own and the city's bodies.

    Unverified suppliers are not public: only staff and their own users see them.
    """
    if is_city_staff(user):
        return True
    if organisation.kind != OrganisationKind.SUPPLIER:
        return True
    if organisation.can_bid:
        return True
    return any(org.pk == organisation.pk for org in supplier_organisations(user))


def can_view_private_audit(user: Any) -> bool:
    return has_role(user, Role.AUDITOR, Role.ADMINISTRATOR)


def can_manage_roles(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATOR)


def can_run_jobs(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATOR)
