from civicpact.accounts.models import Organisation
from civicpact.pipeline.models import Need, Project


def test_a_lead_registers_a_need_through_the_api(client_for, lead):
    department = Organisation.objects.get(name="Energy and Street Lighting")
    response = client_for(lead).post(
        "/api/v1/pipeline/needs",
        {
            "department_id": department.pk,
            "title": "Heat maps of lighting faults",
            "problem_statement": "P",
            "outcomes_sought": "O",
            "indicative_budget": "1000",
            "first_year": 2027,
            "last_year": 2028,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["version"] == 1


def test_impossible_values_in_the_api_name_the_field(client_for, lead):
    department = Organisation.objects.get(name="Energy and Street Lighting")
    response = client_for(lead).post(
        "/api/v1/pipeline/needs",
        {
            "department_id": department.pk,
            "title": "x",
            "problem_statement": "P",
            "outcomes_sought": "O",
            "indicative_budget": "-1",
            "first_year": 2027,
            "last_year": 2026,
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {"indicative_budget"}


def test_years_out_of_order_are_refused_by_the_service(client_for, lead):
    department = Organisation.objects.get(name="Energy and Street Lighting")
    response = client_for(lead).post(
        "/api/v1/pipeline/needs",
        {
            "department_id": department.pk,
            "title": "x",
            "problem_statement": "P",
            "outcomes_sought": "O",
            "indicative_budget": "1",
            "first_year": 2027,
            "last_year": 2026,
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "last_year"


def test_a_stale_api_edit_is_a_conflict(client_for, lead):
    need = Need.objects.get(title="Cut street-lighting energy by 40%")
    client = client_for(lead)
    first = client.patch(
        f"/api/v1/pipeline/needs/{need.pk}", {"version": need.version, "title": "A"}, content_type="application/json"
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/v1/pipeline/needs/{need.pk}", {"version": need.version, "title": "B"}, content_type="application/json"
    )
    assert second.status_code == 409
    assert "Reload" in second.json()["detail"]


def test_a_partial_edit_refuses_an_explicit_null_and_keeps_the_need(client_for, lead):
    need = Need.objects.get(title="Cut street-lighting energy by 40%")
    response = client_for(lead).patch(
        f"/api/v1/pipeline/needs/{need.pk}",
        {"version": need.version, "title": "A", "problem_statement": None},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "problem_statement"
    need.refresh_from_db()
    assert need.title == "Cut street-lighting energy by 40%"


def test_a_page_number_beyond_any_data_is_a_422_naming_the_page(client_for, officer):
    response = client_for(officer).get("/api/v1/pipeline/needs", {"page": 10**28})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "page"
    assert client_for(officer).get("/api/v1/pipeline/needs", {"page": 999}).status_code in (200, 404)


def test_an_id_no_database_integer_holds_is_a_404_on_the_api_and_the_pages(client_for, officer):
    client = client_for(officer)
    huge = 10**28
    assert client.get(f"/api/v1/pipeline/needs/{huge}").status_code == 404
    assert client.get(f"/api/v1/pipeline/projects/{huge}/gates").status_code in (404, 405)
    assert client.get(f"/api/v1/appraisal/projects/{huge}/terms").status_code in (404, 405)
    assert client.get(f"/pipeline/needs/{huge}/").status_code == 404
    assert client.get(f"/tenders/{huge}/").status_code == 404


def test_synergies_come_with_reasons(client_for, officer):
    wifi = Need.objects.get(title="Public Wi-Fi and fibre backhaul for the harbour")
    body = client_for(officer).get(f"/api/v1/pipeline/needs/{wifi.pk}/synergies").json()
    assert body
    assert all(item["reasons"] for item in body)


def test_a_supplier_gets_403_and_the_public_401(client_for, supplier, citizen):
    assert client_for(supplier).get("/api/v1/pipeline/needs").status_code == 403
    assert citizen.get("/api/v1/pipeline/needs").status_code == 401


def test_a_gate_through_the_api_is_refused_on_a_stale_stage(client_for, officer):
    project = Project.objects.get(title="Harbour parking guidance")
    client = client_for(officer)
    ok = client.post(
        f"/api/v1/pipeline/projects/{project.pk}/gates",
        {"decision": "approve", "reasons": "Go", "expected_stage": "idea"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    stale = client.post(
        f"/api/v1/pipeline/projects/{project.pk}/gates",
        {"decision": "approve", "reasons": "Go", "expected_stage": "idea"},
        content_type="application/json",
    )
    assert stale.status_code == 409


def test_the_project_detail_shows_the_pooled_budget(client_for, analyst):
    project = Project.objects.get(title="Smart street lighting and sensor network")
    body = client_for(analyst).get(f"/api/v1/pipeline/projects/{project.pk}").json()
    assert body["pooled_budget"] == "11100000.00"
    assert len(body["budget_shares"]) == 3


def test_a_document_is_attached_to_a_need_through_the_api(client_for, lead, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    need = Need.objects.get(title="Cut street-lighting energy by 40%")
    client = client_for(lead)
    response = client.post(
        f"/api/v1/pipeline/needs/{need.pk}/documents",
        {
            "title": "Energy audit",
            "document_type": "feasibilityStudy",
            "file": SimpleUploadedFile("audit.pdf", b"%PDF audit", content_type="application/pdf"),
        },
    )
    assert response.status_code == 201
    assert [d["title"] for d in client.get(f"/api/v1/pipeline/needs/{need.pk}/documents").json()] == ["Energy audit"]
    missing = client.post(f"/api/v1/pipeline/needs/{need.pk}/documents", {"title": "No file"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "file"
