"""Sign-in throttling, API authentication and the skeleton's permission matrix."""

import pytest
from django.conf import settings
from django.test import Client

from civicpact.accounts import services
from civicpact.accounts.models import Organisation
from civicpact.demo.seed import DEMO_PASSWORD
from civicpact.ledger.models import AuditEvent


def test_repeated_wrong_passwords_pause_sign_in_even_with_the_right_one(client, city):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "officer", "password": "wrong-guess"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    last_try = client.post("/accounts/login/", {"username": "officer", "password": "wrong-guess"})
    assert last_try.status_code == 429
    locked = client.post("/accounts/login/", {"username": "officer", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_is_audited(client, city):
    response = client.post("/accounts/login/", {"username": "auditor", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", actor__username="auditor").exists()


def test_the_api_refuses_no_credentials_and_bad_tokens_with_the_error_shape(client, city):
    for headers in ({}, {"Authorization": "Bearer cvp_not-a-token"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/accounts/me", headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert set(body) == {"detail", "errors"}


def test_a_token_works_until_it_is_revoked(client, officer):
    token, raw = services.api_token_create(actor=officer, name="ci")
    me = client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200
    assert me.json()["roles"][0]["role"] == "procurement_officer"
    services.api_token_revoke(actor=officer, token_id=token.pk)
    assert client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_a_public_endpoint_refuses_a_bad_token_rather_than_ignoring_it(client, city):
    assert client.get("/api/v1/audit/events").status_code == 200
    assert client.get("/api/v1/audit/events", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_session_write_without_the_csrf_token_is_refused(officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    pending = Organisation.objects.get(name="OpenFlow Data Co-op")
    response = client.post(f"/api/v1/accounts/suppliers/{pending.pk}/verify")
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.verification_status == "pending"


def test_a_duplicate_registration_through_the_api_names_the_field(client, city):
    response = client.post(
        "/api/v1/accounts/suppliers",
        {
            "name": "Copy",
            "legal_name": "Copy Lda",
            "country": "PT",
            "registration_number": "PT-514220981",
            "contact_name": "C",
            "contact_email": "c@copy.example",
            "full_name": "C C",
            "username": "copy",
            "password": "salt-marsh-lantern-77",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "registration_number" in {e["field"] for e in response.json()["errors"]}


def test_an_unverified_supplier_is_hidden_from_other_suppliers_and_the_public(
    client_for, supplier, other_supplier, citizen
):
    pending = Organisation.objects.get(name="OpenFlow Data Co-op")
    url = f"/api/v1/accounts/organisations/{pending.pk}"
    assert client_for(supplier).get(url).status_code == 404
    assert citizen.get(url).status_code == 404
    assert client_for(other_supplier).get(url).status_code == 200
    names = [o["name"] for o in citizen.get("/api/v1/accounts/organisations").json()["items"]]
    assert "OpenFlow Data Co-op" not in names
    assert "Lumen Grid" in names


PAGES = ["/accounts/suppliers/", "/accounts/people/", "/jobs/", "/audit/verify/", "/accounts/me/"]
ALLOWED = {
    "admin": {"/accounts/suppliers/", "/accounts/people/", "/jobs/", "/audit/verify/", "/accounts/me/"},
    "officer": {"/accounts/suppliers/", "/accounts/me/"},
    "auditor": {"/audit/verify/", "/accounts/me/"},
    "lead": {"/accounts/me/"},
    "analyst": {"/accounts/me/"},
    "evaluator": {"/accounts/me/"},
    "manager": {"/accounts/me/"},
    "supplier": {"/accounts/me/"},
}


@pytest.mark.parametrize("username", sorted(ALLOWED))
@pytest.mark.parametrize("path", PAGES)
def test_the_permission_matrix_of_the_skeleton_pages(client_for, city, username, path):
    from civicpact.accounts.models import User

    response = client_for(User.objects.get(username=username)).get(path)
    assert response.status_code == (200 if path in ALLOWED[username] else 403)


@pytest.mark.parametrize("path", PAGES)
def test_the_public_is_sent_to_sign_in(client, city, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_private_events_stay_private(client_for, auditor, client):
    client_for(auditor).get("/")
    assert "auth.login" not in client.get("/audit/").content.decode()
    assert "role.grant" in client_for(auditor).get("/audit/").content.decode()


def test_the_audit_list_does_not_query_per_event(client_for, auditor, django_assert_max_num_queries):
    viewer = client_for(auditor)
    viewer.get("/audit/")
    with django_assert_max_num_queries(8):
        viewer.get("/audit/")
