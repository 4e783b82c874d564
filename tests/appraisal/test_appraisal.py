import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from civicpact.appraisal import services
from civicpact.appraisal.exceptions import StaleRegister
from civicpact.appraisal.models import Risk, RiskRegister, Screening
from civicpact.ledger.models import AuditEvent
from civicpact.pipeline import services as pipeline
from civicpact.pipeline.exceptions import GateRefused
from civicpact.pipeline.models import Project

ANSWERS = {
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


def parking() -> Project:
    return Project.objects.get(title="Harbour parking guidance")


def test_a_screening_is_versioned_and_audited(officer):
    first = services.screening_record(actor=officer, project_id=parking().pk, answers=ANSWERS)
    second = services.screening_record(
        actor=officer, project_id=parking().pk, answers={**ANSWERS, "private_interest": 0}
    )
    assert (first.version, second.version) == (1, 2)
    assert second.outcome == "not_ready"
    assert AuditEvent.objects.filter(action="screening.record").count() >= 3


def test_an_impossible_answer_names_the_field_and_saves_nothing(officer):
    with pytest.raises(ValidationError) as caught:
        services.screening_record(actor=officer, project_id=parking().pk, answers={**ANSWERS, "scope_defined": 7})
    assert "scope_defined" in caught.value.message_dict
    assert not Screening.objects.filter(project=parking()).exists()


@pytest.mark.parametrize("persona", ["lead", "analyst", "supplier", "auditor"])
def test_only_the_ppp_unit_records_screenings(request, city, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.screening_record(actor=actor, project_id=parking().pk, answers=ANSWERS)


def test_the_opportunity_gate_needs_a_screening(officer):
    pipeline.gate_decide(
        actor=officer, project_id=parking().pk, decision="approve", expected_stage="idea", reasons="Go."
    )
    with pytest.raises(GateRefused, match="no PPP screening is recorded"):
        pipeline.gate_decide(
            actor=officer,
            project_id=parking().pk,
            decision="approve",
            expected_stage="opportunity_assessment",
            reasons="Go.",
        )
    services.screening_record(actor=officer, project_id=parking().pk, answers=ANSWERS)
    pipeline.gate_decide(
        actor=officer,
        project_id=parking().pk,
        decision="approve",
        expected_stage="opportunity_assessment",
        reasons="Screened.",
    )


def test_the_structuring_gate_lists_what_is_missing_then_opens(officer):
    project = lighting()
    with pytest.raises(GateRefused, match=r"term sheet still has 2 gap\(s\)"):
        pipeline.gate_decide(
            actor=officer, project_id=project.pk, decision="approve", expected_stage="structuring", reasons="Go."
        )
    latest = project.term_sheets.first()
    services.terms_save(
        actor=officer,
        project_id=project.pk,
        expected_version=latest.version,
        terms={
            **latest.terms,
            "data_ownership": "city",
            "exit_plan": True,
            "hand_back_conditions": "Working order",
            "technology_refresh_clause": True,
            "deduction_cap_percent": "20",
            "data_licence": "Perpetual licence",
        },
    )
    record = pipeline.gate_decide(
        actor=officer,
        project_id=project.pk,
        decision="approve",
        expected_stage="structuring",
        reasons="Structured; ready to tender.",
    )
    assert record.resulting_stage == "procurement"
    from civicpact.ledger.models import Release
    from civicpact.ledger.selectors import release_package_build
    from civicpact.ledger.validation import release_package_errors

    project.refresh_from_db()
    latest = Release.objects.filter(ocid=project.ocid).order_by("-date")[0]
    documents = {d["documentType"]: d for d in latest.body["planning"]["documents"]}
    assert "Value for money: mean" in documents["valueForMoneyAnalysis"]["description"]
    assert documents["pppModeRationale"]["description"].startswith("Managed services:")
    assert "Screening: " in documents["pppModeRationale"]["description"]
    assert "Procurement route: " in documents["pppModeRationale"]["description"]
    from django.conf import settings

    appraisal = ("valueForMoneyAnalysis", "pppModeRationale", "projectAdditionality", "guaranteeReports")
    public_page = f"{settings.CIVICPACT_PUBLIC_URL}/open/projects/{project.ocid}/"
    assert {documents[kind]["url"] for kind in appraisal} == {public_page}
    assert "benefit-cost ratio of 1.11" in documents["projectAdditionality"]["description"]
    assert "the largest shortfall is 30,000, in 2028" in documents["guaranteeReports"]["description"]
    package = release_package_build(releases=[latest], uri="https://example.org/p.json")
    assert release_package_errors(package) == []


def test_a_model_choice_records_the_ranking_and_the_reason(officer):
    choice = lighting().model_choices.first()
    assert choice.chosen_model == "managed_services"
    assert len(choice.ranking) == 5
    assert choice.ranking[0]["reasons"]


def test_sole_source_without_justification_is_refused(officer):
    facts = dict(lighting().route_choices.first().facts)
    with pytest.raises(ValidationError) as caught:
        services.route_choose(
            actor=officer,
            project_id=lighting().pk,
            facts=facts,
            chosen_route="sole_source",
            sole_source_justification="",
            reason="Faster.",
        )
    assert "sole_source_justification" in caught.value.message_dict


def register(project) -> RiskRegister:
    return RiskRegister.objects.get(project=project)


RISK: dict[str, Any] = {
    "category": "vendor_lock_in",
    "title": "Proprietary node protocol",
    "description": "",
    "probability": 0.2,
    "cost_min": Decimal(10),
    "cost_most_likely": Decimal(20),
    "cost_max": Decimal(30),
    "distribution": "triangular",
    "once": True,
    "timing_year": 8,
    "first_year": 1,
    "last_year": 1,
    "share_transferred": 0.3,
    "allocation_reason": "Mostly the city's.",
    "mitigation": "Open protocols",
    "owner": "IT",
}


def test_two_officers_editing_the_register_cannot_overwrite_each_other(officer, analyst):
    project = lighting()
    version = register(project).version
    services.risk_save(actor=analyst, project_id=project.pk, expected_version=version, **RISK)
    with pytest.raises(StaleRegister, match="changed by Ana Analyst"):
        services.risk_save(
            actor=officer, project_id=project.pk, expected_version=version, **{**RISK, "title": "Another"}
        )
    assert not Risk.objects.filter(title="Another").exists()


def test_impossible_risk_values_are_refused_field_by_field(officer):
    project = lighting()
    with pytest.raises(ValidationError) as caught:
        services.risk_save(
            actor=officer,
            project_id=project.pk,
            expected_version=register(project).version,
            **{**RISK, "probability": 1.4, "cost_min": Decimal(50)},
        )
    assert {"probability", "cost_min"} <= set(caught.value.message_dict)


def test_a_library_risk_takes_the_default_share_of_the_chosen_model(officer):
    project = lighting()
    risk = services.risk_add_from_library(
        actor=officer, project_id=project.pk, expected_version=register(project).version, category="force_majeure"
    )
    assert risk.share_transferred == 0.5
    assert "managed services" in risk.allocation_reason


def test_the_register_round_trips_through_xlsx(client_for, officer):
    project = lighting()
    client = client_for(officer)
    exported = client.get(f"/appraisal/projects/{project.pk}/risks.xlsx")
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(exported.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("category", "title")
    assert len(rows) == 6
    version = register(project).version
    response = client.post(
        f"/appraisal/projects/{project.pk}/risks/import/",
        {
            "version": version,
            "file": SimpleUploadedFile("r.xlsx", exported.content),
        },
    )
    assert response.status_code == 302
    assert register(project).risks.count() == 5
    assert register(project).version == version + 1


def test_a_bad_import_names_the_row_and_keeps_the_register(client_for, officer):
    project = lighting()
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "category",
            "title",
            "probability",
            "cost_min",
            "cost_most_likely",
            "cost_max",
            "share_transferred",
            "allocation_reason",
        ]
    )
    sheet.append(["design", "Bad", 3, 10, 5, 1, 0.5, "x"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client_for(officer).post(
        f"/appraisal/projects/{project.pk}/risks/import/",
        {
            "version": register(project).version,
            "file": SimpleUploadedFile("r.xlsx", buffer.getvalue()),
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "row 2, probability" in html
    assert register(project).risks.count() == 5


def test_a_file_that_is_not_a_workbook_is_a_clear_error(client_for, officer):
    project = lighting()
    response = client_for(officer).post(
        f"/appraisal/projects/{project.pk}/risks/import/",
        {
            "version": register(project).version,
            "file": SimpleUploadedFile("r.xlsx", b"not a workbook"),
        },
    )
    assert response.status_code == 400
    assert "not an Excel workbook" in response.content.decode()


def test_the_term_sheet_flags_the_demo_gaps(client_for, officer):
    html = client_for(officer).get(f"/appraisal/projects/{lighting().pk}/terms/").content.decode()
    assert "Who owns the data the service generates is not defined." in html
    assert "There is no exit and transition plan." in html


def test_a_stale_term_sheet_save_is_refused(officer, admin_user):
    project = lighting()
    latest = project.term_sheets.first()
    services.terms_save(actor=admin_user, project_id=project.pk, expected_version=latest.version, terms=latest.terms)
    with pytest.raises(StaleRegister, match="saved by"):
        services.terms_save(actor=officer, project_id=project.pk, expected_version=latest.version, terms=latest.terms)


def test_the_term_sheet_exports_as_a_pdf(client_for, officer):
    response = client_for(officer).get(f"/appraisal/projects/{lighting().pk}/terms.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("persona", "status"), [("lead", 200), ("analyst", 200), ("supplier", 403), ("evaluator", 403)]
)
def test_who_may_read_the_appraisal(request, city, client_for, persona, status):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/appraisal/projects/{lighting().pk}/risks/").status_code == status


def test_a_lead_may_read_but_not_change_the_screening(client_for, lead):
    response = client_for(lead).post(f"/appraisal/projects/{lighting().pk}/screening/", ANSWERS)
    assert response.status_code == 403


def test_the_browser_forms_record_model_and_route(client_for, officer):
    client = client_for(officer)
    project = parking()
    considerations = {
        "capabilities_needed": 3,
        "risk_transfer_wanted": 2,
        "public_funding_available": 1,
        "duration_years": 5,
        "governance_complexity_acceptable": 2,
        "control_vs_flexibility": 2,
        "risk_transfer_vs_cost": 2,
        "innovation_vs_predictability": 3,
        "speed_vs_thoroughness": 2,
        "data_centric": "on",
    }
    preview = client.post(f"/appraisal/projects/{project.pk}/model/", {**considerations, "preview": "1"})
    assert "Data partnership" in preview.content.decode()
    chosen = client.post(
        f"/appraisal/projects/{project.pk}/model/",
        {**considerations, "chosen_model": "data_partnership", "reason": "Parking data is the asset.", "choose": "1"},
    )
    assert chosen.status_code == 302
    facts = {
        "solution_on_market": 4,
        "need_can_be_specified": 3,
        "many_capable_suppliers": 3,
        "estimated_value": "800000",
        "sole_source_justification": "",
    }
    routed = client.post(
        f"/appraisal/projects/{project.pk}/route/",
        {**facts, "chosen_route": "open_tender", "reason": "Many suppliers.", "choose": "1"},
    )
    assert routed.status_code == 302
    assert project.route_choices.first().recommended_route == "open_tender"
