"""API tokens expire (CIVICPACT_API_TOKEN_DAYS), are refused with a reason once expired or revoked, and are
rotated by their owner on the account page or through the API; every step is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from civicpact.accounts import services
from civicpact.accounts.exceptions import InvalidTransition, TokenRefused
from civicpact.accounts.models import ApiToken
from civicpact.ledger.models import AuditEvent


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_a_new_token_expires_after_the_configured_days(settings, officer):
    settings.CIVICPACT_API_TOKEN_DAYS = 30
    token, _raw = services.api_token_create(actor=officer, name="finance export")
    assert timedelta(days=30) - (token.expires_at - timezone.now()) < timedelta(minutes=1)
    event = AuditEvent.objects.filter(action="token.create").latest("seq")
    assert event.payload["expires_at"] == token.expires_at.isoformat()


def test_a_lifetime_beyond_the_maximum_is_refused_naming_the_field(settings, client_for, officer):
    settings.CIVICPACT_API_TOKEN_MAX_DAYS = 60
    response = client_for(officer).post(
        "/api/v1/accounts/tokens", {"name": "forever", "expires_in_days": 61}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "expires_in_days", "message": "Choose from 1 to 60 days, not 61."}]
    assert not ApiToken.objects.filter(name="forever").exists()


def test_an_expired_token_is_refused_with_401_and_says_how_to_get_a_new_one(client, officer):
    token, raw = services.api_token_create(actor=officer, name="gateway", days=1)
    assert client.get("/api/v1/accounts/me", headers=bearer(raw)).status_code == 200
    with time_machine.travel(token.expires_at + timedelta(seconds=1)):
        response = client.get("/api/v1/accounts/me", headers=bearer(raw))
        public = client.get("/api/v1/audit/events", headers=bearer(raw))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    detail = response.json()["detail"]
    assert detail.startswith("This API token expired on ")
    assert f"/api/v1/accounts/tokens/{token.pk}/rotate" in detail
    assert public.status_code == 401
    assert public.json()["detail"] == detail


def test_a_revoked_token_is_refused_saying_it_was_revoked(client, officer):
    token, raw = services.api_token_create(actor=officer, name="gateway")
    services.api_token_revoke(actor=officer, token_id=token.pk)
    response = client.get("/api/v1/accounts/me", headers=bearer(raw))
    assert response.status_code == 401
    assert "was revoked on" in response.json()["detail"]


def test_an_unknown_token_gets_the_generic_401(client, city):
    response = client.get("/api/v1/accounts/me", headers=bearer("cvp_nobody-has-this"))
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Authentication required")


def test_rotation_issues_a_new_token_revokes_the_old_one_and_is_audited(client, officer):
    old, old_raw = services.api_token_create(actor=officer, name="gateway")
    new, new_raw = services.api_token_rotate(actor=officer, token_id=old.pk)
    old.refresh_from_db()
    assert new.name == "gateway"
    assert new_raw != old_raw
    assert old.revoked_at is not None
    assert old.replaced_by_id == new.pk
    assert client.get("/api/v1/accounts/me", headers=bearer(new_raw)).status_code == 200
    assert client.get("/api/v1/accounts/me", headers=bearer(old_raw)).status_code == 401
    event = AuditEvent.objects.filter(action="token.rotate").get()
    assert event.object_ref == f"accounts.apitoken:{old.pk}"
    assert event.payload["new_token"] == new.pk
    assert new_raw not in str(event.payload)


def test_an_expired_token_can_be_rotated_but_a_revoked_one_cannot(officer):
    token, _raw = services.api_token_create(actor=officer, name="gateway", days=1)
    with time_machine.travel(token.expires_at + timedelta(days=1)):
        new, raw = services.api_token_rotate(actor=officer, token_id=token.pk)
        assert services.api_token_authenticate(raw=raw) == officer
    services.api_token_revoke(actor=officer, token_id=new.pk)
    with pytest.raises(InvalidTransition, match="revoked"):
        services.api_token_rotate(actor=officer, token_id=new.pk)
    with pytest.raises(TokenRefused):
        services.api_token_authenticate(raw=raw)


def test_a_machine_client_rotates_its_own_token_through_the_api(client, officer):
    token, raw = services.api_token_create(actor=officer, name="gateway")
    response = client.post(
        f"/api/v1/accounts/tokens/{token.pk}/rotate",
        {"expires_in_days": 7},
        content_type="application/json",
        headers=bearer(raw),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "gateway"
    assert body["state"] == "active"
    assert client.get("/api/v1/accounts/me", headers=bearer(body["token"])).status_code == 200
    assert client.get("/api/v1/accounts/me", headers=bearer(raw)).status_code == 401
    listed = client.get("/api/v1/accounts/tokens", headers=bearer(body["token"])).json()
    assert {(t["id"], t["state"], t["replaced_by_id"]) for t in listed} == {
        (token.pk, "revoked", body["id"]),
        (body["id"], "active", None),
    }


def test_nobody_rotates_another_persons_token(client, client_for, officer, auditor):
    token, raw = services.api_token_create(actor=officer, name="gateway")
    _own, auditor_raw = services.api_token_create(actor=auditor, name="audit feed")
    api = client.post(
        f"/api/v1/accounts/tokens/{token.pk}/rotate", content_type="application/json", headers=bearer(auditor_raw)
    )
    assert api.status_code == 404
    page = client_for(auditor).post(f"/accounts/me/tokens/{token.pk}/rotate/")
    assert page.status_code == 404
    assert (
        client.post(f"/api/v1/accounts/tokens/{token.pk}/rotate", content_type="application/json").status_code == 401
    )
    anonymous = client.post(f"/accounts/me/tokens/{token.pk}/rotate/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert services.api_token_authenticate(raw=raw) == officer
    assert not AuditEvent.objects.filter(action="token.rotate").exists()


def test_rotating_a_revoked_token_through_the_api_is_a_conflict(client_for, officer):
    token, _raw = services.api_token_create(actor=officer, name="gateway")
    services.api_token_revoke(actor=officer, token_id=token.pk)
    response = client_for(officer).post(f"/api/v1/accounts/tokens/{token.pk}/rotate", content_type="application/json")
    assert response.status_code == 409
    assert "create a new token instead" in response.json()["detail"]


def test_the_account_page_rotates_a_token_and_shows_the_new_one_once(client_for, officer):
    client = client_for(officer)
    token, raw = services.api_token_create(actor=officer, name="gateway")
    response = client.post(f"/accounts/me/tokens/{token.pk}/rotate/")
    assert response.status_code == 302
    page = client.get("/accounts/me/").content.decode()
    new = ApiToken.objects.get(replaces=token)
    assert "is rotated" in page
    assert 'id="new-token"' in page
    assert new.hint in page
    assert "(rotated)" in page
    assert 'id="new-token"' not in client.get("/accounts/me/").content.decode()
    with pytest.raises(TokenRefused, match="revoked"):
        services.api_token_authenticate(raw=raw)


def test_the_account_page_shows_expiry_and_refuses_a_lifetime_beyond_the_maximum(settings, client_for, officer):
    settings.CIVICPACT_API_TOKEN_MAX_DAYS = 60
    client = client_for(officer)
    token, _raw = services.api_token_create(actor=officer, name="gateway", days=1)
    with time_machine.travel(token.expires_at + timedelta(hours=1)):
        page = client.get("/accounts/me/").content.decode()
    assert "<strong>expired</strong>" in page
    refused = client.post("/accounts/me/", {"name": "forever", "expires_in_days": 61})
    assert refused.status_code == 400
    assert "less than or equal to 60" in refused.content.decode()
    assert client.post("/accounts/me/", {"name": "monthly", "expires_in_days": 30}).status_code == 302
    assert ApiToken.objects.get(name="monthly").expires_at - timezone.now() > timedelta(days=29)
