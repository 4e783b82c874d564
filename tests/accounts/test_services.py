from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from civicpact.accounts import permissions, services
from civicpact.accounts.exceptions import InvalidTransition, TokenRefused
from civicpact.accounts.models import ApiToken, Organisation, Role, VerificationStatus, token_digest
from civicpact.ledger.models import AuditEvent

REGISTRATION: dict[str, Any] = {
    "name": "Tidewater Sensors",
    "legal_name": "Tidewater Sensors Ltd",
    "country": "gb",
    "registration_number": "GB-55501234",
    "is_sme": True,
    "contact_name": "Rosa Tide",
    "contact_email": "rosa@tidewater.example",
    "contact_phone": "",
    "username": "rosa",
    "password": "salt-marsh-lantern-77",
    "full_name": "Rosa Tide",
}


def pending_supplier() -> Organisation:
    return Organisation.objects.get(name="OpenFlow Data Co-op")


def test_a_registered_supplier_waits_for_verification_and_cannot_bid(city):
    organisation, user = services.supplier_register(actor=None, **REGISTRATION)
    assert organisation.country == "GB"
    assert organisation.verification_status == VerificationStatus.PENDING
    assert not organisation.can_bid
    assert permissions.has_role(user, Role.SUPPLIER_USER, organisation=organisation)
    assert AuditEvent.objects.filter(action="supplier.register", public=False).exists()


def test_the_database_refuses_a_second_supplier_with_the_same_registration(city):
    services.supplier_register(actor=None, **REGISTRATION)
    with pytest.raises(ValidationError, match="already registered"), transaction.atomic():
        services.supplier_register(actor=None, **dict(REGISTRATION, username="rosa2", name="Tidewater Two"))


def test_the_same_number_in_another_country_is_a_different_supplier(city):
    services.supplier_register(actor=None, **REGISTRATION)
    organisation, _ = services.supplier_register(
        actor=None, **dict(REGISTRATION, country="IE", username="rosa2", name="Tidewater Ireland")
    )
    assert organisation.country == "IE"


def test_an_officer_verifies_a_pending_supplier_publicly(officer):
    organisation = services.supplier_decide(actor=officer, organisation_id=pending_supplier().pk, approve=True)
    assert organisation.can_bid
    assert organisation.verified_by == officer
    event = AuditEvent.objects.get(action="supplier.verify", object_ref=f"accounts.organisation:{organisation.pk}")
    assert event.public


def test_a_second_decision_is_refused_and_the_first_stands(officer, admin_user):
    services.supplier_decide(actor=officer, organisation_id=pending_supplier().pk, approve=True)
    with pytest.raises(InvalidTransition, match="already verified"):
        services.supplier_decide(actor=admin_user, organisation_id=pending_supplier().pk, approve=False, reason="x")
    assert pending_supplier().verification_status == VerificationStatus.VERIFIED


def test_a_rejection_needs_a_reason(officer):
    with pytest.raises(ValidationError, match="Say why"):
        services.supplier_decide(actor=officer, organisation_id=pending_supplier().pk, approve=False, reason=" ")


@pytest.mark.parametrize("persona", ["lead", "analyst", "evaluator", "manager", "auditor", "supplier"])
def test_only_officers_and_administrators_decide_on_suppliers(request, city, persona):
    with pytest.raises(PermissionDenied):
        services.supplier_decide(
            actor=request.getfixturevalue(persona), organisation_id=pending_supplier().pk, approve=True
        )
    assert pending_supplier().verification_status == VerificationStatus.PENDING


def test_granting_a_role_is_audited_and_takes_effect_at_once(admin_user, analyst):
    unit = Organisation.objects.get(name="Procurement and PPP Unit")
    assert not permissions.has_role(analyst, Role.EVALUATOR)
    services.membership_grant(actor=admin_user, user=analyst, organisation=unit, role=Role.EVALUATOR)
    assert permissions.has_role(analyst, Role.EVALUATOR, organisation=unit)
    assert AuditEvent.objects.filter(action="role.grant", actor=admin_user).exists()


def test_a_non_administrator_cannot_grant_roles(officer, analyst):
    unit = Organisation.objects.get(name="Procurement and PPP Unit")
    with pytest.raises(PermissionDenied):
        services.membership_grant(actor=officer, user=analyst, organisation=unit, role=Role.ADMINISTRATOR)


def test_a_city_role_cannot_be_held_in_a_supplier(admin_user, analyst):
    with pytest.raises(ValidationError, match="only role is supplier user"):
        services.membership_grant(actor=admin_user, user=analyst, organisation=pending_supplier(), role=Role.EVALUATOR)


def test_revoking_a_role_is_audited(admin_user, analyst):
    membership = analyst.memberships.get()
    services.membership_revoke(actor=admin_user, membership_id=membership.pk)
    assert not permissions.has_role(analyst, Role.FINANCE_ANALYST)
    assert AuditEvent.objects.filter(action="role.revoke").exists()


def test_an_administrator_cannot_remove_their_own_administrator_role(admin_user):
    with pytest.raises(InvalidTransition, match="another administrator"):
        services.membership_revoke(actor=admin_user, membership_id=admin_user.memberships.get().pk)


def test_a_token_is_stored_only_as_a_digest_and_authenticates_until_revoked(officer):
    token, raw = services.api_token_create(actor=officer, name="finance export")
    assert raw.startswith("cvp_")
    assert token.digest == token_digest(raw)
    assert raw not in {token.digest, token.hint}
    assert services.api_token_authenticate(raw=raw) == officer
    services.api_token_revoke(actor=officer, token_id=token.pk)
    with pytest.raises(TokenRefused, match="revoked"):
        services.api_token_authenticate(raw=raw)
    assert services.api_token_authenticate(raw="cvp_nobody-has-this") is None


def test_nobody_revokes_another_persons_token(officer, auditor):
    token, _ = services.api_token_create(actor=officer, name="x")
    with pytest.raises(ApiToken.DoesNotExist):
        services.api_token_revoke(actor=auditor, token_id=token.pk)


def test_a_department_must_belong_to_a_city(db):
    with pytest.raises(ValidationError), transaction.atomic():
        services.organisation_create(actor=None, name="Orphan", kind="department")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Orphan", kind="department")


def test_a_supplier_keeps_its_capability_profile_in_the_browser(client_for, supplier):
    client = client_for(supplier)
    response = client.post(
        "/accounts/me/capabilities/",
        {
            "sectors": "street lighting, sensors",
            "solutions": "LED retrofit",
            "references": "Two cities",
            "assets": "lighting poles",
        },
    )
    assert response.status_code == 302
    profile = Organisation.objects.get(name="Lumen Grid").capability
    assert profile.sectors == ["street lighting", "sensors"]
    assert AuditEvent.objects.filter(action="capability.save").exists()


def test_city_staff_have_no_capability_profile_page(client_for, officer):
    assert client_for(officer).get("/accounts/me/capabilities/").status_code == 403
