from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.accounts.models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for this person: every entry here is one they may open."""
    user = request.user
    if getattr(request, "civicpact_two_factor_pending", False):
        # signed in with a password but not yet with the second factor: nothing else opens until then
        return {"nav_items": [], "city_name": settings.CIVICPACT_CITY_NAME, "user_roles": []}
    items: list[tuple[str, str]] = [(_("Home"), reverse("web:home"))]
    if permissions.can_view_pipeline(user):
        items.append((_("Needs"), reverse("pipeline:need-list")))
        items.append((_("Projects"), reverse("pipeline:project-board")))
    if permissions.can_view_commitments(user):
        items.append((_("Commitments"), reverse("appraisal:commitments")))
    if permissions.supplier_organisations(user):
        items.append((_("Opportunities"), reverse("pipeline:opportunities")))
        items.append((_("Capabilities"), reverse("accounts:capability")))
    if permissions.has_role(user, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR):
        items.append((_("Suppliers"), reverse("accounts:supplier-list")))
    if permissions.can_manage_roles(user):
        items.append((_("People and roles"), reverse("accounts:people")))
    if permissions.can_run_jobs(user):
        items.append((_("Jobs"), reverse("web:job-list")))
    if permissions.can_manage_holidays(user):
        items.append((_("City holidays"), reverse("notifications:holidays")))
    items.append((_("Tenders"), reverse("tendering:tender-list")))
    if permissions.can_view_all_contracts(user) or permissions.supplier_organisations(user):
        items.append((_("Contracts"), reverse("contracts:contract-list")))
    if permissions.can_read_all_invoices(user) or permissions.supplier_organisations(user):
        items.append((_("Invoices"), reverse("finance:invoice-list")))
    items.append((_("Open data"), reverse("transparency:home")))
    items.append((_("Audit trail"), reverse("ledger:audit-list")))
    if user.is_authenticated:
        items.append((_("My account"), reverse("accounts:account")))
    items.append((_("API"), "/api/v1/docs"))
    return {
        "nav_items": items,
        "city_name": settings.CIVICPACT_CITY_NAME,
        "user_roles": sorted(str(Role(r).label) for r in permissions.roles_of(user)),
    }
