"""The incident log, periodic KPI scores and remediation plans: through the services, the pages and the API — the
statement's KPI lines counted from them, the refusals, and who may do what."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicpact.accounts.services import api_token_create
from civicpact.ledger.models import AuditEvent
from civicpact.performance import incident_services as incidents
from civicpact.performance import services
from civicpact.performance.models import Incident, IncidentCorrection, RemediationStatus
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import REGIME, last_month

KPIS = """
kpis:
  - key: response
    name: Response within 2 hours
    kind: response_time
    target: 2
    deduction_per_failure: "100.00"
  - key: fix
    name: Fixed within 24 hours
    kind: fix_time
    target: 24
    deduction_per_failure: "{fix}"
  - key: satisfaction
    name: User satisfaction
    kind: periodic
    target: "4.0"
    deduction_per_failure: "500.00"
"""


@pytest.fixture
def kpis(manager, live):  # noqa: F811
    """The `live` contract (Lumen Grid is the partner) with a regime with KPIs and a small register."""
    services.regime_save(
        actor=manager,
        contract_id=live.pk,
        expected_number=0,
        rationale="Initial.",
        text=REGIME + KPIS.format(fix="250.00"),
    )
    services.assets_import(
        actor=manager, contract_id=live.pk, rows=[{"asset_id": "SL-0001", "asset_class": "streetlight"}]
    )
    return live


def start():
    return last_month()[1]


def report(contract, actor, *, days=3, hours=8, **fields):
    return incidents.incident_report(
        actor=actor,
        contract_id=contract.pk,
        description="Light out at the harbour gate.",
        reported_at=start() + timedelta(days=days, hours=hours),
        **({"response_kpi": "response", "fix_kpi": "fix"} | fields),
    )


def respond_and_fix(incident, supplier, *, respond_after, fix_after):
    incident = incidents.incident_respond(
        actor=supplier,
        incident_id=incident.pk,
        expected_version=incident.version,
        responded_at=incident.reported_at + respond_after,
    )
    return incidents.incident_fix(
        actor=supplier,
        incident_id=incident.pk,
        expected_version=incident.version,
        fixed_at=incident.reported_at + fix_after,
    )


def kpi_line(statement, key):
    return next(k for k in statement.figures["kpis"] if k["kpi"] == key)


# --- the statement ----------------------------------------------------------------------------------------------


def test_a_late_fixed_incident_deducts_exactly_the_hand_computed_kpi_deduction(manager, supplier, kpis):
    late = report(kpis, manager)
    respond_and_fix(late, supplier, respond_after=timedelta(hours=1), fix_after=timedelta(hours=30))
    on_time = report(kpis, supplier, days=10)
    respond_and_fix(on_time, supplier, respond_after=timedelta(hours=2), fix_after=timedelta(hours=24))
    statement = services.statement_compute(actor=manager, contract_id=kpis.pk, month=last_month()[0])
    # U = 1,200,000 / 12 = 100,000.00; no telemetry (missing data is "available"): no availability deduction;
    # one fix failure x 250.00; responses within 2 hours; no satisfaction score
    assert kpi_line(statement, "fix")["failures"] == 1
    assert kpi_line(statement, "fix")["deduction"] == "250.00"
    assert kpi_line(statement, "response")["failures"] == 0
    assert statement.figures["kpi_deductions"] == "250.00"
    assert statement.deductions == Decimal("250.00")
    assert statement.net == Decimal("99750.00")
    assert statement.figures["kpi_sources"]["incidents"] == {"response": [], "fix": [late.pk]}


def test_the_cap_applies_over_availability_and_kpi_deductions(manager, supplier, live):  # noqa: F811
    services.regime_save(
        actor=manager, contract_id=live.pk, expected_number=0, rationale="x", text=REGIME + KPIS.format(fix="15000.00")
    )
    for days in (3, 4):
        report(live, manager, days=days)  # never fixed: both fail response and fix
    statement = services.statement_compute(actor=manager, contract_id=live.pk, month=last_month()[0])
    # gross = 2 x 100.00 + 2 x 15,000.00 = 30,200.00, over the cap of 20% of 100,000.00
    assert statement.figures["gross_deductions"] == "30200.00"
    assert statement.figures["capped"] is True
    assert statement.deductions == Decimal("20000.00")
    assert statement.net == Decimal("80000.00")


def test_a_periodic_score_below_target_is_one_failure_in_its_month(manager, kpis):
    month = last_month()[0]
    incidents.periodic_score_record(
        actor=manager,
        contract_id=kpis.pk,
        kpi="satisfaction",
        month=month,
        score=Decimal("3.6"),
        source="Survey, n=400",
    )
    statement = services.statement_compute(actor=manager, contract_id=kpis.pk, month=month)
    assert (kpi_line(statement, "satisfaction")["failures"], statement.net) == (1, Decimal("99500.00"))
    assert statement.figures["kpi_sources"]["scores"]["satisfaction"]["score"] == "3.600"
    with pytest.raises(ValidationError) as caught:
        incidents.periodic_score_record(
            actor=manager, contract_id=kpis.pk, kpi="fix", month=month, score=Decimal(1), source="x"
        )
    assert "kpi" in caught.value.message_dict
    with pytest.raises(incidents.StaleEdit, match="changed by"):
        incidents.periodic_score_record(
            actor=manager, contract_id=kpis.pk, kpi="satisfaction", month=month, score=Decimal(4), source="x"
        )
    revised = incidents.periodic_score_record(
        actor=manager,
        contract_id=kpis.pk,
        kpi="satisfaction",
        month=month,
        score=Decimal("4.1"),
        source="Survey, reweighted",
        expected_version=1,
    )
    assert revised.version == 2
    assert (
        kpi_line(services.statement_compute(actor=manager, contract_id=kpis.pk, month=month), "satisfaction")[
            "failures"
        ]
        == 0
    )


def test_an_issued_statement_stays_frozen_and_a_draft_picks_up_new_incidents(manager, supplier, kpis):
    month = last_month()[0]
    draft = services.statement_compute(actor=manager, contract_id=kpis.pk, month=month)
    assert draft.figures["kpi_deductions"] == "0.00"
    report(kpis, manager)  # never answered
    draft = services.statement_compute(actor=manager, contract_id=kpis.pk, month=month)
    assert draft.figures["kpi_deductions"] == "350.00"
    services.statement_issue(actor=manager, statement_id=draft.pk)
    report(kpis, manager, days=5)
    draft.refresh_from_db()
    assert draft.figures["kpi_deductions"] == "350.00"
    with pytest.raises(services.PerformanceError, match="frozen"):
        services.statement_compute(actor=manager, contract_id=kpis.pk, month=month)


# --- the log's rules --------------------------------------------------------------------------------------------


def field_error(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_bad_input_gets_a_field_error_naming_what_to_fix(manager, supplier, kpis):
    assert "response_kpi" in field_error(lambda: report(kpis, manager, response_kpi="nope"))
    assert "is a response_time KPI" in field_error(lambda: report(kpis, manager, fix_kpi="response"))["fix_kpi"][0]
    assert "fix_kpi" in field_error(lambda: report(kpis, manager, fix_kpi="satisfaction"))
    assert "asset" in field_error(lambda: report(kpis, manager, asset_id="SL-9999"))
    future = timezone.now() + timedelta(hours=2)
    assert (
        "future"
        in field_error(
            lambda: incidents.incident_report(
                actor=manager, contract_id=kpis.pk, description="x", reported_at=future, fix_kpi="fix"
            )
        )["reported_at"][0]
    )
    incident = report(kpis, manager, asset_id="SL-0001")
    assert (
        "before the incident was reported"
        in field_error(
            lambda: incidents.incident_respond(
                actor=supplier,
                incident_id=incident.pk,
                expected_version=1,
                responded_at=incident.reported_at - timedelta(1),
            )
        )["responded_at"][0]
    )
    assert (
        "response before the fix"
        in field_error(
            lambda: incidents.incident_fix(
                actor=supplier, incident_id=incident.pk, expected_version=1, fixed_at=incident.reported_at
            )
        )["fixed_at"][0]
    )
    responded = incidents.incident_respond(
        actor=supplier, incident_id=incident.pk, expected_version=1, responded_at=incident.reported_at + timedelta(1)
    )
    assert (
        "before the response"
        in field_error(
            lambda: incidents.incident_fix(
                actor=supplier,
                incident_id=incident.pk,
                expected_version=responded.version,
                fixed_at=incident.reported_at,
            )
        )["fixed_at"][0]
    )


def test_a_stale_save_is_refused_saying_who_changed_it_and_when(manager, supplier, kpis):
    incident = report(kpis, manager)
    incidents.incident_respond(
        actor=supplier, incident_id=incident.pk, expected_version=1, responded_at=incident.reported_at + timedelta(1)
    )
    with pytest.raises(incidents.StaleEdit, match=r"changed by .* at .* after you opened it"):
        incidents.incident_correct(
            actor=manager,
            incident_id=incident.pk,
            expected_version=1,
            field="reported_at",
            value=incident.reported_at,
            reason="x",
        )


def test_only_the_partner_records_steps_and_the_city_changes_a_time_only_by_an_audited_correction(
    manager, supplier, auditor, kpis
):
    incident = report(kpis, manager)
    with pytest.raises(PermissionDenied):
        incidents.incident_respond(
            actor=manager, incident_id=incident.pk, expected_version=1, responded_at=incident.reported_at
        )
    fixed = respond_and_fix(incident, supplier, respond_after=timedelta(hours=1), fix_after=timedelta(hours=5))
    with pytest.raises(services.PerformanceError, match="already recorded"):
        incidents.incident_fix(
            actor=supplier, incident_id=incident.pk, expected_version=fixed.version, fixed_at=fixed.fixed_at
        )
    with pytest.raises(PermissionDenied):
        incidents.incident_correct(
            actor=supplier,
            incident_id=incident.pk,
            expected_version=fixed.version,
            field="fixed_at",
            value=fixed.fixed_at,
            reason="x",
        )
    with pytest.raises(PermissionDenied):
        report(kpis, auditor)
    open_one = report(kpis, manager, days=6)
    assert "field" in field_error(
        lambda: incidents.incident_correct(
            actor=manager,
            incident_id=open_one.pk,
            expected_version=1,
            field="responded_at",
            value=open_one.reported_at,
            reason="x",
        )
    )
    was = fixed.fixed_at
    correction = incidents.incident_correct(
        actor=manager,
        incident_id=incident.pk,
        expected_version=fixed.version,
        field="fixed_at",
        value=was + timedelta(hours=30),
        reason="The lamp was still dark at the 07:00 inspection (photo 2231).",
    )
    assert (correction.old_value, correction.new_value) == (was, was + timedelta(hours=30))
    assert Incident.objects.get(pk=incident.pk).fixed_at == was + timedelta(hours=30)
    assert AuditEvent.objects.filter(action="incident.correct").count() == 1
    assert IncidentCorrection.objects.count() == 1


# --- remediation plans ------------------------------------------------------------------------------------------


def test_a_remediation_plan_goes_from_raised_to_closed_with_reasons_and_the_right_hands(manager, supplier, kpis):
    incident = report(kpis, manager)
    today = timezone.localdate()
    plan = incidents.remediation_raise(
        actor=manager,
        contract_id=kpis.pk,
        title="Late fix at the harbour gate",
        actions="Stock spare drivers in the harbour depot.",
        deadline=today + timedelta(days=30),
        incident_id=incident.pk,
        kpi="fix",
        month=last_month()[0],
    )
    with pytest.raises(PermissionDenied):
        incidents.remediation_submit(actor=manager, plan_id=plan.pk, expected_version=1, plan="x")
    plan = incidents.remediation_submit(actor=supplier, plan_id=plan.pk, expected_version=1, plan="Ten spares.")
    with pytest.raises(PermissionDenied):
        incidents.remediation_decide(actor=supplier, plan_id=plan.pk, expected_version=2, accept=True, reason="ok")
    assert "text" in field_error(
        lambda: incidents.remediation_decide(
            actor=manager, plan_id=plan.pk, expected_version=2, accept=False, reason=""
        )
    )
    plan = incidents.remediation_decide(
        actor=manager, plan_id=plan.pk, expected_version=2, accept=False, reason="Too few."
    )
    assert plan.status == RemediationStatus.REJECTED
    plan = incidents.remediation_submit(actor=supplier, plan_id=plan.pk, expected_version=3, plan="Forty spares.")
    plan = incidents.remediation_decide(
        actor=manager, plan_id=plan.pk, expected_version=4, accept=True, reason="Good."
    )
    assert not incidents.plan_overdue(plan, today)
    assert incidents.plan_overdue(plan, today + timedelta(days=31))
    plan = incidents.remediation_act(
        actor=manager, plan_id=plan.pk, expected_version=5, action="closed", text="Depot inspected."
    )
    assert plan.status == RemediationStatus.CLOSED
    assert not incidents.plan_overdue(plan, today + timedelta(days=31))
    assert [n.kind for n in plan.notes.all()] == ["submission", "rejected", "submission", "accepted", "closed"]
    with pytest.raises(services.PerformanceError, match="cannot take this step"):
        incidents.remediation_act(actor=supplier, plan_id=plan.pk, expected_version=6, action="progress", text="x")


# --- pages ------------------------------------------------------------------------------------------------------


def test_the_pages_let_the_manager_and_partner_act_and_refuse_everyone_else(
    client_for, manager, supplier, auditor, second_supplier, citizen, kpis
):
    base = f"/contracts/{kpis.pk}/performance/"
    reported = (start() + timedelta(days=3, hours=8)).strftime("%Y-%m-%dT%H:%M")
    form = {"description": "Dark", "reported_at": reported, "fix_kpi": "fix", "priority": "high"}
    created = client_for(manager).post(f"{base}incidents/new/", form)
    assert created.status_code == 302
    incident = Incident.objects.get(contract=kpis)
    detail = f"{base}incidents/{incident.pk}/"
    assert client_for(auditor).get(detail).status_code == 200
    assert client_for(auditor).post(f"{base}incidents/new/", form).status_code == 403
    assert client_for(second_supplier).get(f"{base}incidents/").status_code == 404
    assert client_for(second_supplier).get(detail).status_code == 404
    assert client_for(second_supplier).post(f"{detail}respond/", {"version": 1, "at": reported}).status_code == 404
    assert citizen.get(f"{base}incidents/").status_code == 302  # to the sign-in page
    assert client_for(manager).post(f"{detail}respond/", {"version": 1, "at": reported}).status_code == 403
    assert client_for(supplier).post(f"{detail}correct/", {"version": 1}).status_code == 403
    assert client_for(supplier).post(f"{base}scores/", {}).status_code == 403
    assert client_for(supplier).post(f"{base}remediation/", {}).status_code == 403
    responded = client_for(supplier).post(f"{detail}respond/", {"version": 1, "at": reported})
    assert responded.status_code == 302
    before = (start() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    wrong = {"version": 2, "field": "responded_at", "value": before, "reason": "Call log shows it."}
    refused = client_for(manager).post(f"{detail}correct/", wrong)
    assert refused.status_code == 400
    assert "cannot come before the incident was reported" in refused.content.decode()
    stale = client_for(supplier).post(f"{detail}fix/", {"version": 1, "at": reported})
    assert stale.status_code == 409
    assert "changed by" in stale.content.decode()
    bad = client_for(manager).post(f"{base}incidents/new/", form | {"asset": "SL-9999"})
    assert bad.status_code == 400
    assert "is not an asset of this contract" in bad.content.decode()


def test_a_statement_kpi_line_drills_down_to_the_incidents_it_counted(client_for, manager, supplier, kpis):
    late = report(kpis, manager)
    respond_and_fix(late, supplier, respond_after=timedelta(hours=1), fix_after=timedelta(hours=30))
    fine = report(kpis, manager, days=6)
    respond_and_fix(fine, supplier, respond_after=timedelta(hours=1), fix_after=timedelta(hours=3))
    statement = services.statement_compute(actor=manager, contract_id=kpis.pk, month=last_month()[0])
    detail = client_for(supplier).get(f"/contracts/{kpis.pk}/performance/incidents/{late.pk}/").content.decode()
    assert f"failed: counts in {last_month()[0]}" in detail
    assert detail.count("badge ok") == 1  # the response was on time
    page = client_for(supplier).get(f"/contracts/{kpis.pk}/performance/statements/{statement.pk}/").content.decode()
    link = f"/contracts/{kpis.pk}/performance/incidents/?statement={statement.pk}&amp;kpi=fix"
    assert link in page
    drill = client_for(supplier).get(link.replace("&amp;", "&")).content.decode()
    assert f"#{late.pk}</a>" in drill
    assert f"#{fine.pk}</a>" not in drill
    csv = client_for(supplier).get(f"/contracts/{kpis.pk}/performance/incidents/", {"format": "csv"})
    assert csv.content.decode().count("\n") == 3


def test_the_incident_list_reads_a_fixed_number_of_queries(client_for, manager, kpis, django_assert_max_num_queries):
    for days in range(1, 8):
        report(kpis, manager, days=days, asset_id="SL-0001")
    client = client_for(manager)
    with django_assert_max_num_queries(16):
        assert client.get(f"/contracts/{kpis.pk}/performance/incidents/").status_code == 200


def test_the_remediation_pages_take_the_steps_in_turn(client_for, manager, supplier, kpis):
    base = f"/contracts/{kpis.pk}/performance/remediation/"
    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    raised = client_for(manager).post(base, {"title": "Slow fixes", "actions": "More crews.", "deadline": deadline})
    assert raised.status_code == 302
    plan_url = raised["Location"]
    assert "Submit the plan" in client_for(supplier).get(plan_url).content.decode()
    assert "Submit the plan" not in client_for(manager).get(plan_url).content.decode()
    submitted = client_for(supplier).post(
        f"{plan_url}submission/", {"submission-version": 1, "submission-text": "2 crews"}
    )
    assert submitted.status_code == 302
    assert (
        client_for(supplier).post(f"{plan_url}accepted/", {"accepted-version": 2, "accepted-text": "x"}).status_code
        == 403
    )
    assert "Submitted" in client_for(manager).get(base).content.decode()


# --- the API ----------------------------------------------------------------------------------------------------


def api(client, method, path, body=None, **headers):
    call = getattr(client, method)
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    return call(f"/api/v1/performance{path}", **kwargs, **headers)


def test_a_helpdesk_system_posts_incidents_with_a_token_and_the_partner_records_steps(
    client, manager, supplier, second_supplier, kpis
):
    _token, raw = api_token_create(actor=manager, name="City helpdesk")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    reported = (start() + timedelta(days=3, hours=8)).isoformat()
    body = {"description": "Dark", "reported_at": reported, "fix_kpi": "fix", "reference": "HD-1001"}
    created = api(client, "post", f"/contracts/{kpis.pk}/incidents", body, **bearer)
    assert created.status_code == 201, created.content
    assert created.json()["source"] == "helpdesk"
    again = api(client, "post", f"/contracts/{kpis.pk}/incidents", body, **bearer)
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "reference"
    wrong = api(
        client, "post", f"/contracts/{kpis.pk}/incidents", body | {"fix_kpi": "response", "reference": ""}, **bearer
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        {"field": "fix_kpi", "message": "'response' is a response_time KPI, not a fix_time KPI"}
    ]
    naive = api(
        client,
        "post",
        f"/contracts/{kpis.pk}/incidents",
        body | {"reported_at": "2026-01-01T08:00:00", "reference": ""},
        **bearer,
    )
    assert naive.json()["errors"][0]["field"] == "reported_at"
    incident_id = created.json()["id"]
    step = {"version": 1, "at": reported}
    assert (
        api(client, "post", f"/contracts/{kpis.pk}/incidents/{incident_id}/response", step, **bearer).status_code
        == 403
    )
    client.force_login(supplier, backend="django.contrib.auth.backends.ModelBackend")
    done = api(client, "post", f"/contracts/{kpis.pk}/incidents/{incident_id}/response", step)
    assert (done.status_code, done.json()["state"], done.json()["version"]) == (200, "responded", 2)
    stale = api(client, "post", f"/contracts/{kpis.pk}/incidents/{incident_id}/fix", step)
    assert stale.status_code == 409
    assert "changed by" in stale.json()["detail"]
    listed = api(client, "get", f"/contracts/{kpis.pk}/incidents?state=open")
    assert listed.json()["count"] == 1
    assert api(client, "get", f"/contracts/{kpis.pk}/remediation-plans").json() == {"items": [], "count": 0}
    client.logout()
    assert api(client, "get", f"/contracts/{kpis.pk}/incidents").status_code == 401
    client.force_login(second_supplier, backend="django.contrib.auth.backends.ModelBackend")
    assert api(client, "get", f"/contracts/{kpis.pk}/incidents").status_code == 404
    assert api(client, "post", f"/contracts/{kpis.pk}/incidents", body | {"reference": "X"}).status_code == 404


def test_the_scores_page_records_a_score_and_revises_it_from_the_version_read(client_for, manager, auditor, kpis):
    url = f"/contracts/{kpis.pk}/performance/scores/"
    month = last_month()[0]
    score = {"version": 0, "kpi": "satisfaction", "month": month, "score": "3.5", "source": "Survey"}
    assert client_for(manager).post(url, score).status_code == 302
    assert client_for(manager).post(url, score | {"score": "3.9"}).status_code == 409
    revising = client_for(manager).get(url, {"kpi": "satisfaction", "month": month}).content.decode()
    assert 'name="version" value="1"' in revising
    assert client_for(manager).post(url, score | {"version": 1, "score": "4.2"}).status_code == 302
    page = client_for(auditor).get(url).content.decode()
    assert "target met" in page
    assert "Record the score" not in page
    assert client_for(auditor).post(url, score).status_code == 403
    assert "kpi" in field_error(
        lambda: incidents.periodic_score_record(
            actor=manager, contract_id=kpis.pk, kpi="nope", month=month, score=Decimal(1), source="x"
        )
    )


def test_the_api_list_and_the_plans_page_read_a_fixed_number_of_queries(
    client_for, manager, kpis, django_assert_max_num_queries
):
    for days in range(1, 6):
        incident = report(kpis, manager, days=days, asset_id="SL-0001")
        incidents.remediation_raise(
            actor=manager,
            contract_id=kpis.pk,
            title=f"Plan {days}",
            actions="Act.",
            deadline=timezone.localdate(),
            incident_id=incident.pk,
        )
    client = client_for(manager)
    with django_assert_max_num_queries(12):
        listed = api(client, "get", f"/contracts/{kpis.pk}/incidents")
    assert listed.json()["count"] == 5
    assert listed.json()["items"][0]["asset"] == "SL-0001"
    with django_assert_max_num_queries(12):
        assert api(client, "get", f"/contracts/{kpis.pk}/remediation-plans").json()["count"] == 5
    with django_assert_max_num_queries(14):
        assert client.get(f"/contracts/{kpis.pk}/performance/remediation/").status_code == 200


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_remediation_plan_is_raised_and_taken_to_closed_through_the_api(client, manager, supplier, kpis):
    plans = f"/contracts/{kpis.pk}/remediation-plans"
    incident = report(kpis, manager)
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    body = {"title": "Late fix", "actions": "Stock spares.", "deadline": deadline, "incident": incident.pk}
    raised = api(login(client, manager), "post", plans, body | {"kpi": "fix"})
    assert raised.status_code == 201, raised.content
    plan = raised.json()
    assert (plan["status"], plan["version"], plan["incident"], plan["overdue"]) == ("raised", 1, incident.pk, False)
    url = f"{plans}/{plan['id']}"
    submitted = api(login(client, supplier), "post", f"{url}/submission", {"version": 1, "text": "Ten spares."})
    assert (submitted.status_code, submitted.json()["status"], submitted.json()["plan"]) == (
        200,
        "submitted",
        "Ten spares.",
    )
    assert api(client, "post", f"{url}/progress", {"version": 2, "text": "Five in stock."}).json()["version"] == 3
    login(client, manager)
    undecided = api(client, "post", f"{url}/decision", {"version": 3, "text": "Hm."})
    assert (undecided.status_code, undecided.json()["errors"][0]["field"]) == (422, "accept")
    rejected = api(client, "post", f"{url}/decision", {"version": 3, "text": "Too few.", "accept": False})
    assert (rejected.json()["status"], rejected.json()["decision_reason"]) == ("rejected", "Too few.")
    api(login(client, supplier), "post", f"{url}/submission", {"version": 4, "text": "Forty spares."})
    login(client, manager)
    api(client, "post", f"{url}/decision", {"version": 5, "text": "Good.", "accept": True})
    assert api(client, "post", f"{url}/follow-up", {"version": 6, "text": "Visited."}).json()["status"] == "accepted"
    closed = api(client, "post", f"{url}/closure", {"version": 7, "text": "Depot inspected."})
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert api(client, "get", url).json()["version"] == 8


def test_the_plan_api_refuses_stale_versions_wrong_hands_bad_fields_and_steps_out_of_turn(
    client, manager, supplier, auditor, kpis
):
    plans = f"/contracts/{kpis.pk}/remediation-plans"
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    bad = api(login(client, manager), "post", plans, {"title": "", "actions": "A.", "deadline": past})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"title", "deadline"}
    body = {"title": "Late fix", "actions": "A.", "deadline": timezone.localdate().isoformat()}
    plan_id = api(client, "post", plans, body).json()["id"]
    url = f"{plans}/{plan_id}"
    out_of_turn = api(client, "post", f"{url}/closure", {"version": 1, "text": "Done."})
    assert out_of_turn.status_code == 409
    assert "cannot take this step" in out_of_turn.json()["detail"]
    assert api(client, "post", f"{url}/submission", {"version": 1, "text": "x"}).status_code == 403
    assert api(client, "post", f"{url}/approval", {"version": 1, "text": "x"}).status_code == 404
    login(client, supplier)
    assert api(client, "post", plans, body).status_code == 403
    stale = api(client, "post", f"{url}/submission", {"version": 0, "text": "Ten spares."})
    assert stale.status_code == 409
    assert "changed by" in stale.json()["detail"]
    assert api(client, "post", f"{url}/decision", {"version": 1, "text": "ok", "accept": True}).status_code == 403
    login(client, auditor)
    assert api(client, "get", url).status_code == 200
    assert api(client, "post", plans, body).status_code == 403
    assert api(client, "post", f"{url}/follow-up", {"version": 1, "text": "x"}).status_code == 403


def test_another_partner_gets_404_for_the_plans_and_scores_of_a_contract_not_its_own(
    client, manager, second_supplier, kpis
):
    body = {"title": "Late fix", "actions": "A.", "deadline": timezone.localdate().isoformat()}
    plan = api(login(client, manager), "post", f"/contracts/{kpis.pk}/remediation-plans", body).json()
    login(client, second_supplier)
    base = f"/contracts/{kpis.pk}"
    assert api(client, "get", f"{base}/remediation-plans/{plan['id']}").status_code == 404
    step = {"version": 1, "text": "Ours now."}
    assert api(client, "post", f"{base}/remediation-plans/{plan['id']}/submission", step).status_code == 404
    assert api(client, "post", f"{base}/remediation-plans", body).status_code == 404
    assert api(client, "get", f"{base}/scores").status_code == 404
    score = {"kpi": "satisfaction", "month": last_month()[0], "score": "4.5", "source": "Survey"}
    assert api(client, "post", f"{base}/scores", score).status_code == 404
    client.logout()
    assert api(client, "get", f"{base}/scores").status_code == 401


def test_a_periodic_score_is_recorded_and_revised_through_the_api_from_the_version_read(
    client, manager, supplier, kpis
):
    scores = f"/contracts/{kpis.pk}/scores"
    month = last_month()[0]
    body = {"kpi": "satisfaction", "month": month, "score": "3.5", "source": "Survey of 400 residents"}
    created = api(login(client, manager), "post", scores, body)
    assert created.status_code == 201, created.content
    assert (created.json()["version"], created.json()["score"]) == (1, "3.500")
    assert api(client, "post", scores, body | {"score": "3.9"}).status_code == 409  # version 0: a new month's
    revised = api(client, "post", scores, body | {"score": "4.2", "version": 1})
    assert (revised.status_code, revised.json()["version"], revised.json()["score"]) == (200, 2, "4.200")
    stale = api(client, "post", scores, body | {"score": "4.4", "version": 1})
    assert stale.status_code == 409
    assert "changed by" in stale.json()["detail"]
    wrong = api(client, "post", scores, body | {"kpi": "fix"})
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "kpi")
    bad_month = api(client, "post", scores, body | {"month": "2026-13"})
    assert (bad_month.status_code, bad_month.json()["errors"][0]["field"]) == (422, "month")
    login(client, supplier)
    listed = api(client, "get", f"{scores}?kpi=satisfaction&month={month}")
    assert [(s["kpi"], s["score"], s["version"]) for s in listed.json()] == [("satisfaction", "4.200", 2)]
    assert listed.json()[0]["recorded_by"] == str(manager)
    assert api(client, "post", scores, body | {"version": 2}).status_code == 403


def test_the_scores_api_reads_a_fixed_number_of_queries(client, manager, kpis, django_assert_num_queries):
    for month in ("2026-01", "2026-02", "2026-03", "2026-04"):
        incidents.periodic_score_record(
            actor=manager, contract_id=kpis.pk, kpi="satisfaction", month=month, score=Decimal(4), source="Survey"
        )
    login(client, manager)
    api(client, "get", f"/contracts/{kpis.pk}/scores")  # warm the session and the user
    with django_assert_num_queries(5):
        listed = api(client, "get", f"/contracts/{kpis.pk}/scores")
    assert [s["month"] for s in listed.json()] == ["2026-04", "2026-03", "2026-02", "2026-01"]


def test_the_statement_spreadsheet_and_pdf_show_the_kpi_failures_and_deductions(client_for, manager, supplier, kpis):
    import io

    from openpyxl import load_workbook

    late = report(kpis, manager)
    respond_and_fix(late, supplier, respond_after=timedelta(hours=1), fix_after=timedelta(hours=30))
    statement = services.statement_compute(actor=manager, contract_id=kpis.pk, month=last_month()[0])
    base = f"/contracts/{kpis.pk}/performance/statements/{statement.pk}/"
    book = load_workbook(io.BytesIO(client_for(supplier).get(f"{base}statement.xlsx").content))
    rows = {row[0]: row for row in book["KPIs"].iter_rows(min_row=2, values_only=True)}
    assert rows["fix"][2:] == (1, Decimal("250.00"), Decimal("250.00"))
    assert rows["response"][2] == 0
    pdf = client_for(supplier).get(f"{base}statement.pdf")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
