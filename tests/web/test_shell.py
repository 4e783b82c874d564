import re

from django.core import mail
from django.test import RequestFactory
from django.views.defaults import server_error

from civicpact.demo.seed import DEMO_PASSWORD
from civicpact.ledger.models import AuditEvent


def test_every_page_carries_a_content_security_policy_without_inline_scripts(client, city):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()


def test_the_public_home_page_has_landmarks_and_a_skip_link(client, city):
    html = client.get("/").content.decode()
    assert 'href="#main"' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html


def test_an_unknown_page_gets_the_friendly_not_found_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_a_server_error_page_says_nothing_was_lost():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Nothing you saved has been lost" in response.content


def test_a_forbidden_page_explains_which_roles_are_needed(client_for, supplier):
    response = client_for(supplier).get("/accounts/suppliers/")
    assert response.status_code == 403
    assert "procurement officers and administrators" in response.content.decode()


def test_a_password_reset_mails_a_one_time_link_that_sets_a_new_password(client, city):
    response = client.post("/accounts/password/reset/", {"email": "officer@portaurelia.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", str(mail.outbox[0].body))
    assert link
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "harbour-lights-at-dawn-9", "new_password2": "harbour-lights-at-dawn-9"},
    )
    assert done.status_code == 302
    signed_in = client.post("/accounts/login/", {"username": "officer", "password": "harbour-lights-at-dawn-9"})
    assert signed_in.status_code == 302


def test_a_signed_in_user_changes_their_password(client, city):
    client.post("/accounts/login/", {"username": "lead", "password": DEMO_PASSWORD})
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "river-bridge-morning-14",
            "new_password2": "river-bridge-morning-14",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login").exists()


def test_the_api_publishes_openapi_and_interactive_docs(client, db):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/accounts/suppliers" in spec.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "swagger-ui-bundle.js" in docs.content.decode()


def test_case_studies_are_labelled_fictional_and_linked_from_the_steps(client_for, officer):
    from civicpact.pipeline.models import Project

    page = client_for(officer).get("/guidance/cases/").content.decode()
    assert "All are fictional" in page
    assert page.count("(fictional)") >= 5
    project = Project.objects.get(title="Smart street lighting and sensor network")
    step = client_for(officer).get(f"/appraisal/projects/{project.pk}/route/").content.decode()
    assert "/guidance/cases/#airquality" in step
