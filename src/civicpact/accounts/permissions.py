"""The one place that answers "may this person do this to that object?".

Every app's views, API endpoints and services call these functions; templates never decide.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext

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
        raise PermissionDenied(gettext("Sign in first."))
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
        names = ", ".join(str(Role(r).label).lower() for r in roles)
        raise PermissionDenied(gettext("This needs one of these roles: %(roles)s.") % {"roles": names})


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


def requires_two_factor(user: Any) -> bool:
    """Whether this person's roles oblige them to a second factor (CIVICPACT_REQUIRE_2FA, CIVICPACT_2FA_ROLES)."""
    return bool(settings.CIVICPACT_REQUIRE_2FA) and bool(roles_of(user) & set(settings.CIVICPACT_2FA_ROLES))


def can_reset_two_factor(user: Any, target: Any) -> bool:
    """Administrators reset other people's authenticators (a lost phone); never their own."""
    return can_manage_roles(user) and getattr(target, "pk", None) != getattr(user, "pk", None)


def can_view_private_audit(user: Any) -> bool:
    return has_role(user, Role.AUDITOR, Role.ADMINISTRATOR)


def can_manage_roles(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATOR)


def can_run_jobs(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATOR)


# Pipeline (needs, projects, gates). Objects are read through their attributes only, so this module
# imports no later app.
PIPELINE_READERS = frozenset(
    {Role.PROCUREMENT_OFFICER, Role.FINANCE_ANALYST, Role.AUDITOR, Role.ADMINISTRATOR, Role.CONTRACT_MANAGER}
)


def lead_departments(user: Any) -> set[int]:
    """Departments where the user is department lead."""
    return {m.organisation_id for m in memberships_of(user) if m.role == Role.DEPARTMENT_LEAD}


def can_view_pipeline(user: Any) -> bool:
    """Needs and projects are internal to the city: staff only, never suppliers or the public."""
    return bool(roles_of(user) & (PIPELINE_READERS | {Role.DEPARTMENT_LEAD}))


def can_view_all_needs(user: Any) -> bool:
    return bool(roles_of(user) & PIPELINE_READERS)


def can_create_need(user: Any, department_id: int) -> bool:
    return department_id in lead_departments(user) or has_role(user, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR)


def can_view_need(user: Any, need: Any) -> bool:
    return can_view_all_needs(user) or need.department_id in lead_departments(user)


def can_edit_need(user: Any, need: Any) -> bool:
    return need.department_id in lead_departments(user) or has_role(user, Role.PROCUREMENT_OFFICER)


def can_create_project(user: Any) -> bool:
    return bool(lead_departments(user)) or has_role(user, Role.PROCUREMENT_OFFICER)


def can_view_project(user: Any, project: Any, department_ids: set[int] | None = None) -> bool:
    """Leads see projects their department leads or contributes to (pass the contributing departments)."""
    if can_view_all_needs(user):
        return True
    mine = lead_departments(user)
    return project.lead_department_id in mine or bool(mine & (department_ids or set()))


def can_decide_gate(user: Any, project: Any) -> bool:
    """Gate decisions belong to the PPP unit: procurement officers (and administrators)."""
    return has_role(user, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR)


def can_manage_rfis(user: Any) -> bool:
    return has_role(user, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR)


def can_respond_to_rfis(user: Any) -> bool:
    """Only users of a verified supplier answer market soundings."""
    return any(org.can_bid for org in supplier_organisations(user))


def can_edit_appraisal(user: Any) -> bool:
    """Screening, model and route choices and term sheets belong to the PPP unit."""
    return has_role(user, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR)


def can_edit_risks(user: Any) -> bool:
    """The risk register is kept by the PPP unit with the finance analysts who price it."""
    return has_role(user, Role.PROCUREMENT_OFFICER, Role.FINANCE_ANALYST, Role.ADMINISTRATOR)


def can_view_commitments(user: Any) -> bool:
    """The city-wide register of PPP payment commitments and contingent liabilities: the PPP unit, finance,
    contract managers, auditors and administrators (department leads see their own projects' business cases)."""
    return bool(roles_of(user) & PIPELINE_READERS)


# Tendering.


def can_manage_tenders(user: Any) -> bool:
    """Tenders are prepared, published and opened by the PPP unit."""
    return has_role(user, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR)


def can_view_tender_drafts(user: Any) -> bool:
    return bool(roles_of(user) & PIPELINE_READERS)


def can_read_evaluation_report(user: Any, awarded: bool) -> bool:
    """The PPP unit during and after evaluation; auditors once the award is decided."""
    return can_manage_tenders(user) or (awarded and has_role(user, Role.AUDITOR))


def can_manage_contracts(user: Any) -> bool:
    """Contracts are prepared, amended and their signatures recorded by contract managers and the PPP unit."""
    return has_role(user, Role.CONTRACT_MANAGER, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR)


def can_view_all_contracts(user: Any) -> bool:
    """City staff read every contract; a partner reads its own (see contracts.selectors)."""
    return is_city_staff(user)


def can_read_governance(user: Any) -> bool:
    """Disputes, governance meetings and the end of the term are not public: the city's contract managers, the PPP
    unit, auditors and administrators read every contract's; a partner reads its own contracts' (checked through
    the contracts' selectors); other city staff do not."""
    return can_manage_contracts(user) or has_role(user, Role.AUDITOR)


# Notifications and deadlines (civicpact.notifications).


def can_read_notification(user: Any, notification: Any) -> bool:
    """A notification is its recipient's alone: nobody else reads or marks it, administrators included."""
    return bool(getattr(user, "is_authenticated", False)) and notification.user_id == user.pk


def can_manage_holidays(user: Any) -> bool:
    """The city's own days off (beyond the national calendar) are kept by administrators."""
    return has_role(user, Role.ADMINISTRATOR)


def can_register_interest(user: Any) -> bool:
    """A supplier's users register their organisation's interest in a published tender."""
    return bool(supplier_organisations(user))


# The finance hand-off (docs/finance.md): invoices from issued statements, exports, payments, indexation.
FINANCE_READERS = frozenset(
    {Role.FINANCE_ANALYST, Role.CONTRACT_MANAGER, Role.PROCUREMENT_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR}
)


def can_read_all_invoices(user: Any) -> bool:
    """Finance analysts, contract managers, the PPP unit, auditors and administrators read every invoice; a partner
    reads its own contracts' (finance.selectors); other city staff and the public none."""
    return bool(roles_of(user) & FINANCE_READERS)


def can_run_finance(user: Any) -> bool:
    """Approving invoices, the finance terms, exports, payment confirmations and index series belong to the city's
    finance analysts (and administrators)."""
    return has_role(user, Role.FINANCE_ANALYST, Role.ADMINISTRATOR)


def can_approve_invoice(user: Any, invoice: Any) -> bool:
    """Four eyes: a finance analyst (or administrator) who did not issue the invoice's statement."""
    return can_run_finance(user) and invoice.statement.issued_by_id != getattr(user, "pk", None)
