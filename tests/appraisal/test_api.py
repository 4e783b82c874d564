from civicpact.pipeline.models import Project

SCREENING = {
    "public_need_clear": 3,
    "private_interest": 2,
    "value_over_traditional": 3,
    "scope_defined": 3,
    "expertise_gap": 2,
    "capital_constraint": 3,
    "innovation_speed": 2,
    "risk_transfer": 2,
    "operational_efficiency": 3,
    "commodity_need": False,
    "lifecycle_years": 5,
}


def lighting() -> Project:
    return Project.objects.get(title="Smart street lighting and sensor network")


def test_the_status_lists_what_blocks_the_gate(client_for, analyst):
    body = client_for(analyst).get(f"/api/v1/appraisal/projects/{lighting().pk}").json()
    assert body["stage"] == "structuring"
    assert body["blockers"] == ["the term sheet still has 2 gap(s)"]
    assert body["model"]["chosen_model"] == "managed_services"


def test_a_screening_through_the_api_names_a_bad_field(client_for, officer):
    client = client_for(officer)
    url = f"/api/v1/appraisal/projects/{lighting().pk}/screenings"
    ok = client.post(url, SCREENING, content_type="application/json")
    assert ok.status_code == 201
    assert ok.json()["version"] == 2
    bad = client.post(url, {**SCREENING, "scope_defined": 9}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "scope_defined"


def test_a_risk_added_on_a_stale_version_is_a_conflict(client_for, officer, analyst):
    url = f"/api/v1/appraisal/projects/{lighting().pk}/risks"
    register = client_for(officer).get(url).json()
    risk = {
        "version": register["version"],
        "category": "design",
        "title": "Pole loads",
        "probability": 0.2,
        "cost_min": "1000",
        "cost_most_likely": "2000",
        "cost_max": "5000",
        "share_transferred": 0.9,
        "allocation_reason": "Designer's risk.",
    }
    first = client_for(analyst).post(url, risk, content_type="application/json")
    assert first.status_code == 201
    assert first.json()["risks"][0]["ocds_category"]
    second = client_for(officer).post(url, {**risk, "title": "Other"}, content_type="application/json")
    assert second.status_code == 409
    assert "changed by Ana Analyst" in second.json()["detail"]


def test_impossible_costs_are_refused_by_field(client_for, officer):
    url = f"/api/v1/appraisal/projects/{lighting().pk}/risks"
    version = client_for(officer).get(url).json()["version"]
    response = client_for(officer).post(
        url,
        {
            "version": version,
            "category": "design",
            "title": "x",
            "probability": 0.2,
            "cost_min": "9000",
            "cost_most_likely": "2000",
            "cost_max": "5000",
            "share_transferred": 0.5,
            "allocation_reason": "r",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"cost_min"}


def test_the_term_sheet_saved_through_the_api_comes_back_checked(client_for, officer):
    project = lighting()
    latest = project.term_sheets.first()
    response = client_for(officer).put(
        f"/api/v1/appraisal/projects/{project.pk}/terms",
        {"version": latest.version, "terms": {"audit_rights": True}},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "data_ownership_undefined" in {f["code"] for f in response.json()["findings"]}


def test_suppliers_and_the_public_cannot_read_the_appraisal(client_for, supplier, citizen):
    url = f"/api/v1/appraisal/projects/{lighting().pk}"
    assert client_for(supplier).get(url).status_code == 403
    assert citizen.get(url).status_code == 401


def test_a_lead_cannot_choose_the_route(client_for, lead):
    response = client_for(lead).post(
        f"/api/v1/appraisal/projects/{lighting().pk}/route-choices",
        {"facts": {}, "chosen_route": "open_tender", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_first_term_sheet_sent_with_a_version_other_than_0_is_a_conflict_naming_version_0(client_for, officer):
    project = Project.objects.filter(term_sheets__isnull=True).first()
    assert project is not None
    response = client_for(officer).put(
        f"/api/v1/appraisal/projects/{project.pk}/terms",
        {"version": 1, "terms": {"kpis": ["availability"]}},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "send version 0" in response.json()["detail"]
    assert not project.term_sheets.exists()
