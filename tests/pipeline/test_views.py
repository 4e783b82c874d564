import pytest

from civicpact.ledger.models import AuditEvent
from civicpact.pipeline.models import Need, Project

FORM = {
    "title": "Smart bins in parks",
    "problem_statement": "Bins overflow at weekends.",
    "outcomes_sought": "Bins emptied when full, not on a fixed round.",
    "kpis": "overflow reports, collection trips",
    "indicative_budget": "120000",
    "first_year": "2027",
    "last_year": "2029",
    "location": "parks",
    "assets": "bins",
    "sdgs": "11, 12",
    "tags": "waste",
}


def energy_id():
    from civicpact.accounts.models import Organisation

    return Organisation.objects.get(name="Energy and Street Lighting").pk


def test_a_lead_registers_a_need_in_the_browser_form(client_for, lead):
    response = client_for(lead).post("/pipeline/needs/new/", {**FORM, "department": energy_id()})
    need = Need.objects.get(title="Smart bins in parks")
    assert response.status_code == 302
    assert response["Location"] == f"/pipeline/needs/{need.pk}/"
    assert need.sdgs == [11, 12]
    assert need.kpis == ["overflow reports", "collection trips"]


def test_a_bad_form_shows_field_errors_and_saves_nothing(client_for, lead):
    before = Need.objects.count()
    response = client_for(lead).post(
        "/pipeline/needs/new/",
        {
            **FORM,
            "department": energy_id(),
            "indicative_budget": "-5",
            "sdgs": "19",
            "last_year": "2020",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 0" in html
    assert "use numbers from 1 to 17" in html
    assert "cannot come before the first" in html
    assert Need.objects.count() == before


def test_a_stale_edit_is_refused_with_a_reload_message(client_for, lead, officer):
    need = Need.objects.get(title="Cut street-lighting energy by 40%")
    data = {**FORM, "department": need.department_id, "version": need.version, "title": "Lead's title"}
    client_for(officer).post(f"/pipeline/needs/{need.pk}/edit/", {**data, "title": "Officer's title"})
    response = client_for(lead).post(f"/pipeline/needs/{need.pk}/edit/", data)
    assert response.status_code == 409
    assert "changed by Omar Officer" in response.content.decode()
    need.refresh_from_db()
    assert need.title == "Officer's title"


def test_the_need_page_shows_synergies_with_reasons(client_for, officer):
    wifi = Need.objects.get(title="Public Wi-Fi and fibre backhaul for the harbour")
    html = client_for(officer).get(f"/pipeline/needs/{wifi.pk}/").content.decode()
    assert "Other departments with a similar need" in html
    assert "both concern lighting poles" in html
    assert "Harbour Networks" in html


def test_needs_are_searched_and_filtered(client_for, officer):
    html = client_for(officer).get("/pipeline/needs/", {"q": "parking"}).content.decode()
    assert "Find a parking space" in html
    assert "Replace the payroll system" not in html
    html = client_for(officer).get("/pipeline/needs/", {"tag": "sensors"}).content.decode()
    assert "Know traffic flows" in html
    assert "Find a parking space" not in html


def test_a_lead_sees_only_their_departments_needs(client_for, lead):
    html = client_for(lead).get("/pipeline/needs/").content.decode()
    assert "Cut street-lighting energy by 40%" in html
    assert "Replace the payroll system" not in html
    payroll = Need.objects.get(title="Replace the payroll system")
    assert client_for(lead).get(f"/pipeline/needs/{payroll.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["supplier", "evaluator"])
def test_suppliers_and_evaluators_see_no_needs(request, city, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/pipeline/needs/").status_code == 403
    assert client.get("/pipeline/projects/").status_code == 403


def test_the_public_sees_nothing_of_the_pipeline(citizen, city):
    response = citizen.get("/pipeline/needs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_officer_creates_a_project_pooling_two_departments(client_for, officer):
    wifi = Need.objects.get(title="Public Wi-Fi and fibre backhaul for the harbour")
    payroll = Need.objects.get(title="Replace the payroll system")
    response = client_for(officer).post(
        "/pipeline/projects/new/",
        {
            "title": "Harbour connectivity",
            "summary": "Fibre and Wi-Fi.",
            "needs": [wifi.pk, payroll.pk],
            "lead_department": wifi.department_id,
            "planned_procurement_year": 2028,
            "planned_start_year": 2028,
            "duration_years": 12,
            f"share_{wifi.department_id}": "1500000",
            f"share_{payroll.department_id}": "500000",
        },
    )
    project = Project.objects.get(title="Harbour connectivity")
    assert response.status_code == 302
    page = client_for(officer).get(f"/pipeline/projects/{project.pk}/").content.decode()
    assert "Pooled budget: 2,000,000.00" in page
    assert "75.0%" in page
    assert "<svg" in page


def test_the_officer_records_a_gate_decision_in_the_browser(client_for, officer):
    project = Project.objects.get(title="Harbour parking guidance")
    response = client_for(officer).post(
        f"/pipeline/projects/{project.pk}/gate/",
        {
            "decision": "approve",
            "reasons": "Strong need.",
            "expected_stage": "idea",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == "opportunity_assessment"
    assert AuditEvent.objects.filter(action="gate.approve").count() >= 3


def test_a_gate_decision_without_reasons_is_a_form_error(client_for, officer):
    project = Project.objects.get(title="Harbour parking guidance")
    response = client_for(officer).post(
        f"/pipeline/projects/{project.pk}/gate/",
        {
            "decision": "approve",
            "reasons": "",
            "expected_stage": "idea",
        },
    )
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.stage == "idea"


def test_a_lead_cannot_decide_a_gate(client_for, lead):
    project = Project.objects.get(title="Smart street lighting and sensor network")
    response = client_for(lead).post(
        f"/pipeline/projects/{project.pk}/gate/",
        {
            "decision": "approve",
            "reasons": "Me.",
            "expected_stage": project.stage,
        },
    )
    assert response.status_code == 403


def test_the_roadmap_draws_a_chart_with_its_table(client_for, analyst):
    html = client_for(analyst).get("/pipeline/roadmap/").content.decode()
    assert "<svg" in html
    assert "<table>" in html
    assert "Smart street lighting and sensor network" in html


def test_the_board_lists_projects_by_stage_without_a_query_per_project(
    client_for, officer, django_assert_max_num_queries
):
    client = client_for(officer)
    client.get("/pipeline/projects/")
    with django_assert_max_num_queries(12):
        html = client.get("/pipeline/projects/").content.decode()
    assert "Structuring (1)" in html


def test_a_gate_document_is_attached_and_published_with_the_approval(client_for, officer, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from civicpact.ledger.models import Release

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    project = Project.objects.get(title="Harbour parking guidance")
    client = client_for(officer)
    response = client.post(
        f"/pipeline/projects/{project.pk}/gate/",
        {
            "decision": "approve",
            "reasons": "Screened.",
            "expected_stage": "idea",
            "document": SimpleUploadedFile("minutes.pdf", b"%PDF minutes", content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    release = Release.objects.get(ocid=project.ocid)
    assert [d["title"] for d in release.body["planning"]["documents"]] == ["Gate decision: Idea"]
    page = client.get(f"/pipeline/projects/{project.pk}/").content.decode()
    assert "Gate decision: Idea" in page
