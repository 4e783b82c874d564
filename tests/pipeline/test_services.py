from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from civicpact.accounts.models import Organisation
from civicpact.ledger.models import AuditEvent
from civicpact.pipeline import services
from civicpact.pipeline.exceptions import GateRefused, StaleEdit
from civicpact.pipeline.models import Need, NeedStatus, Project


def department(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


ENERGY = "Energy and Street Lighting"
VALID = {
    "title": "Dim lights on quiet roads",
    "problem_statement": "Residential roads are lit at full power all night.",
    "outcomes_sought": "Lights dim when nobody is there.",
    "kpis": ["energy use", " energy use "],
    "indicative_budget": Decimal("250000"),
    "first_year": 2027,
    "last_year": 2029,
    "assets": ["lighting poles"],
    "sdgs": [7],
    "tags": ["lighting"],
}


def test_a_lead_registers_a_need_for_their_department(lead):
    need = services.need_create(actor=lead, department=department(ENERGY), **VALID)
    assert need.kpis == ["energy use"]
    assert need.version == 1
    assert AuditEvent.objects.filter(action="need.create", object_ref=f"pipeline.need:{need.pk}").exists()


def test_a_lead_cannot_register_needs_for_another_department(lead):
    with pytest.raises(PermissionDenied):
        services.need_create(actor=lead, department=department("Finance"), **VALID)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("indicative_budget", Decimal("-1"), "greater than or equal to 0"),
        ("problem_statement", "  ", "Describe the problem"),
        ("outcomes_sought", "", "success would look like"),
        ("sdgs", [18], "1 to 17"),
        ("last_year", 2026, "cannot come before"),
    ],
)
def test_impossible_values_are_refused_naming_the_field_and_nothing_is_saved(lead, field, value, message):
    before = Need.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.need_create(actor=lead, department=department(ENERGY), **dict(VALID, **{field: value}))
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    assert Need.objects.count() == before


def test_an_edit_based_on_an_old_version_is_refused_with_who_changed_it(lead, officer):
    need = services.need_create(actor=lead, department=department(ENERGY), **VALID)
    services.need_update(actor=officer, need_id=need.pk, expected_version=1, title="Dim lights at night")
    with pytest.raises(StaleEdit, match="changed by Omar Officer"):
        services.need_update(actor=lead, need_id=need.pk, expected_version=1, title="Something else")
    need.refresh_from_db()
    assert need.title == "Dim lights at night"
    assert need.version == 2


def test_an_edit_that_changes_nothing_does_not_raise_the_version(lead):
    need = services.need_create(actor=lead, department=department(ENERGY), **VALID)
    services.need_update(actor=lead, need_id=need.pk, expected_version=1, title=VALID["title"])
    need.refresh_from_db()
    assert need.version == 1


def test_another_departments_lead_cannot_edit(lead, officer):
    need = Need.objects.get(title="Replace the payroll system")
    with pytest.raises(PermissionDenied):
        services.need_update(actor=lead, need_id=need.pk, expected_version=need.version, title="x")


def test_a_withdrawal_needs_a_reason(lead):
    need = services.need_create(actor=lead, department=department(ENERGY), **VALID)
    with pytest.raises(ValidationError, match="why"):
        services.need_withdraw(actor=lead, need_id=need.pk, reason=" ")
    services.need_withdraw(actor=lead, need_id=need.pk, reason="Covered by the lighting project.")
    need.refresh_from_db()
    assert need.status == NeedStatus.WITHDRAWN


def make_project(actor, *needs: Need, shares=None) -> Project:
    return services.project_create(
        actor=actor,
        title="Pooled",
        summary="Pooled project",
        lead_department=needs[0].department,
        need_ids=[n.pk for n in needs],
        budget_shares=shares if shares is not None else {n.department_id: Decimal(100) for n in needs},
        planned_procurement_year=2027,
        planned_start_year=2027,
        duration_years=5,
    )


def test_needs_of_two_departments_pool_their_budgets_in_one_project(officer):
    wifi = Need.objects.get(title="Public Wi-Fi and fibre backhaul for the harbour")
    payroll = Need.objects.get(title="Replace the payroll system")
    project = make_project(
        officer, wifi, payroll, shares={wifi.department_id: Decimal(700), payroll.department_id: Decimal(300)}
    )
    assert sorted(project.budget_shares.values_list("amount", flat=True)) == [Decimal(300), Decimal(700)]
    wifi.refresh_from_db()
    assert wifi.status == NeedStatus.IN_PROJECT


def test_a_need_already_in_a_project_cannot_join_another(officer):
    taken = Need.objects.get(title="Cut street-lighting energy by 40%")
    with pytest.raises(ValidationError, match="Already in a project"):
        make_project(officer, taken)


def test_a_budget_share_from_a_department_without_a_linked_need_is_refused(officer):
    wifi = Need.objects.get(title="Public Wi-Fi and fibre backhaul for the harbour")
    with pytest.raises(ValidationError) as caught:
        make_project(officer, wifi, shares={department("Finance").pk: Decimal(5)})
    assert "budget_shares" in caught.value.message_dict


def test_a_gate_approval_moves_the_project_and_is_audited(officer):
    project = Project.objects.get(title="Harbour parking guidance")
    record = services.gate_decide(
        actor=officer,
        project_id=project.pk,
        decision="approve",
        expected_stage="idea",
        reasons="Clear need and market interest.",
    )
    project.refresh_from_db()
    assert (record.resulting_stage, project.stage) == ("opportunity_assessment", "opportunity_assessment")
    assert AuditEvent.objects.filter(action="gate.approve", object_ref=f"pipeline.project:{project.pk}").exists()


def test_a_gate_decision_needs_reasons(officer):
    project = Project.objects.get(title="Harbour parking guidance")
    with pytest.raises(ValidationError, match="reasons"):
        services.gate_decide(
            actor=officer, project_id=project.pk, decision="approve", expected_stage="idea", reasons=""
        )


def test_a_gate_decided_on_a_stale_page_is_refused(officer):
    project = Project.objects.get(title="Harbour parking guidance")
    services.gate_decide(
        actor=officer, project_id=project.pk, decision="approve", expected_stage="idea", reasons="Go."
    )
    with pytest.raises(GateRefused, match="reload"):
        services.gate_decide(
            actor=officer, project_id=project.pk, decision="stop", expected_stage="idea", reasons="Stop."
        )


def test_blockers_from_later_steps_refuse_an_approval_but_not_a_send_back(officer):
    project = Project.objects.get(title="Harbour parking guidance")
    with pytest.raises(GateRefused, match="no screening recorded"):
        services.gate_decide(
            actor=officer,
            project_id=project.pk,
            decision="approve",
            expected_stage="idea",
            reasons="Go.",
            blockers=["no screening recorded"],
        )
    services.gate_decide(
        actor=officer,
        project_id=project.pk,
        decision="send_back",
        expected_stage="idea",
        reasons="Screen it first.",
        blockers=["no screening recorded"],
    )
    project.refresh_from_db()
    assert project.needs_rework


@pytest.mark.parametrize("persona", ["lead", "analyst", "evaluator", "manager", "auditor", "supplier"])
def test_only_the_ppp_unit_decides_gates(request, city, persona):
    actor = request.getfixturevalue(persona)
    project = Project.objects.get(title="Harbour parking guidance")
    with pytest.raises(PermissionDenied):
        services.gate_decide(
            actor=actor, project_id=project.pk, decision="approve", expected_stage="idea", reasons="Go."
        )


def test_a_document_is_attached_to_a_need_and_audited(lead, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    need = services.need_create(actor=lead, department=department(ENERGY), **VALID)
    upload = SimpleUploadedFile("study.pdf", b"%PDF-1.4 study", content_type="application/pdf")
    document = services.document_attach(
        actor=lead, upload=upload, title="Feasibility study", document_type="feasibilityStudy", need=need
    )
    with document.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4 study"
    assert AuditEvent.objects.filter(action="document.attach").exists()


def test_an_approved_gate_publishes_a_valid_planning_release(officer):
    from civicpact.ledger.models import Release
    from civicpact.ledger.selectors import release_package_build
    from civicpact.ledger.validation import release_package_errors

    project = Project.objects.get(title="Smart street lighting and sensor network")
    releases = list(Release.objects.filter(ocid=project.ocid).order_by("date"))
    assert project.ocid == f"ocds-cvp0dm-project-{project.pk}"
    assert [r.tags for r in releases] == [["planning"], ["planningUpdate"]]
    body = releases[-1].body
    assert body["planning"]["budget"]["amount"] == {"amount": 11100000.0, "currency": "EUR"}
    assert [m["code"] for m in body["planning"]["milestones"]] == ["projectApproval", "projectApproval"]
    assert {p["name"]: p["roles"] for p in body["parties"]}["Energy and Street Lighting"] == ["buyer", "funder"]
    package = release_package_build(releases=releases, uri="https://example.org/p.json")
    assert release_package_errors(package) == []


def test_sending_back_publishes_nothing(officer):
    from civicpact.ledger.models import Release

    project = Project.objects.get(title="Harbour parking guidance")
    services.gate_decide(
        actor=officer, project_id=project.pk, decision="send_back", expected_stage="idea", reasons="Not yet."
    )
    project.refresh_from_db()
    assert project.ocid == ""
    assert not Release.objects.filter(ocid__endswith=f"project-{project.pk}").exists()
