from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicpact.pipeline import services
from civicpact.pipeline.models import Project, Rfi, RfiResponse


def lighting_rfi() -> Rfi:
    return Rfi.objects.get(title="Market sounding: smart street lighting with sensors")


def test_the_officer_sees_the_interest_matrix(client_for, officer):
    html = client_for(officer).get(f"/pipeline/market-soundings/{lighting_rfi().pk}/").content.decode()
    assert "Interest matrix" in html
    assert "Lumen Grid" in html
    assert "7,500,000" in html
    assert "9,500,000" in html


def test_a_verified_supplier_answers_and_sees_only_its_own_response(client_for, supplier, other_supplier, officer):
    rfi = lighting_rfi()
    pending_response = RfiResponse(
        rfi=rfi,
        supplier=other_supplier.memberships.get().organisation,
        submitted_by=other_supplier,
        interest=1,
        capability="x",
        price_min=1,
        price_max=2,
    )
    pending_response.save()
    client = client_for(supplier)
    response = client.post(
        f"/pipeline/market-soundings/{rfi.pk}/",
        {
            "interest": 2,
            "capability": "Updated.",
            "price_min": "100",
            "price_max": "200",
            "questions": "",
        },
    )
    assert response.status_code == 302
    html = client.get(f"/pipeline/market-soundings/{rfi.pk}/").content.decode()
    assert "Interest matrix" not in html
    assert "Medium" in html
    assert "OpenFlow" not in html


def test_an_unverified_supplier_cannot_answer(client_for, other_supplier):
    client = client_for(other_supplier)
    assert client.get(f"/pipeline/market-soundings/{lighting_rfi().pk}/").status_code == 200
    response = client.post(
        f"/pipeline/market-soundings/{lighting_rfi().pk}/",
        {
            "interest": 3,
            "capability": "x",
            "price_min": "1",
            "price_max": "2",
        },
    )
    assert response.status_code == 403


def test_a_price_range_upside_down_is_a_field_error(client_for, supplier):
    response = client_for(supplier).post(
        f"/pipeline/market-soundings/{lighting_rfi().pk}/",
        {
            "interest": 3,
            "capability": "x",
            "price_min": "500",
            "price_max": "100",
        },
    )
    assert response.status_code == 400
    assert "cannot be below the low end" in response.content.decode()


def test_no_answers_after_the_deadline(supplier, officer):
    rfi = services.rfi_create(
        actor=officer,
        project_id=lighting_rfi().project_id,
        title="Short",
        description="d",
        questions="",
        response_deadline=timezone.now() + timedelta(seconds=1),
        publish=True,
    )
    Rfi.objects.filter(pk=rfi.pk).update(response_deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="closed"):
        services.rfi_respond(
            actor=supplier,
            rfi_id=rfi.pk,
            interest=3,
            capability="x",
            price_min=Decimal(1),
            price_max=Decimal(2),
            questions="",
        )


def test_a_draft_is_invisible_to_suppliers(client_for, supplier, officer):
    draft = services.rfi_create(
        actor=officer,
        project_id=lighting_rfi().project_id,
        title="Draft",
        description="d",
        questions="",
        response_deadline=timezone.now() + timedelta(days=3),
        publish=False,
    )
    assert client_for(supplier).get(f"/pipeline/market-soundings/{draft.pk}/").status_code == 404
    assert "Draft" not in client_for(supplier).get("/pipeline/opportunities/").content.decode()


def test_only_officers_start_market_soundings(lead):
    with pytest.raises(PermissionDenied):
        services.rfi_create(
            actor=lead,
            project_id=Project.objects.get(title="Harbour parking guidance").pk,
            title="t",
            description="d",
            questions="",
            response_deadline=timezone.now() + timedelta(days=3),
            publish=True,
        )


def test_an_officer_starts_a_market_sounding_in_the_browser(client_for, officer):
    project = Project.objects.get(title="Harbour parking guidance")
    deadline = (timezone.now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(officer).post(
        f"/pipeline/projects/{project.pk}/market-sounding/",
        {
            "title": "Parking sounding",
            "description": "Tell us.",
            "questions": "",
            "response_deadline": deadline,
            "publish": "on",
        },
    )
    assert response.status_code == 302
    assert Rfi.objects.get(title="Parking sounding").status == "published"


def test_the_public_sees_no_market_soundings(citizen, city):
    assert citizen.get(f"/pipeline/market-soundings/{lighting_rfi().pk}/").status_code == 302


def test_the_market_sounding_api_keeps_responses_private(client_for, officer, supplier, other_supplier):
    rfi = lighting_rfi()
    supplier_client = client_for(supplier)
    listed = supplier_client.get("/api/v1/pipeline/market-soundings").json()
    assert rfi.pk in [r["id"] for r in listed]
    answer = supplier_client.put(
        f"/api/v1/pipeline/market-soundings/{rfi.pk}/response",
        {
            "interest": 2,
            "capability": "LED retrofits",
            "price_min": "100",
            "price_max": "200",
        },
        content_type="application/json",
    )
    assert answer.status_code == 200
    upside_down = supplier_client.put(
        f"/api/v1/pipeline/market-soundings/{rfi.pk}/response",
        {
            "interest": 2,
            "capability": "x",
            "price_min": "300",
            "price_max": "200",
        },
        content_type="application/json",
    )
    assert upside_down.status_code == 422
    assert upside_down.json()["errors"][0]["field"] == "price_max"
    unverified = client_for(other_supplier).put(
        f"/api/v1/pipeline/market-soundings/{rfi.pk}/response",
        {
            "interest": 3,
            "capability": "x",
            "price_min": "1",
            "price_max": "2",
        },
        content_type="application/json",
    )
    assert unverified.status_code == 403
    assert [
        r["supplier"] for r in client_for(officer).get(f"/api/v1/pipeline/market-soundings/{rfi.pk}/responses").json()
    ] == ["Lumen Grid"]


def test_an_officer_starts_a_market_sounding_through_the_api(client_for, officer, supplier):
    project = Project.objects.get(title="Harbour parking guidance")
    response = client_for(officer).post(
        f"/api/v1/pipeline/projects/{project.pk}/market-soundings",
        {
            "title": "Parking",
            "description": "Tell us",
            "response_deadline": "2030-01-01T12:00:00Z",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    past = client_for(officer).post(
        f"/api/v1/pipeline/projects/{project.pk}/market-soundings",
        {
            "title": "Parking",
            "description": "Tell us",
            "response_deadline": "2020-01-01T12:00:00Z",
        },
        content_type="application/json",
    )
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "response_deadline"
    denied = client_for(supplier).post(
        f"/api/v1/pipeline/projects/{project.pk}/market-soundings",
        {
            "title": "x",
            "description": "y",
            "response_deadline": "2030-01-01T12:00:00Z",
        },
        content_type="application/json",
    )
    assert denied.status_code == 403
