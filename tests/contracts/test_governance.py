"""Contract governance: disputes climbing the escalation ladder, governance bodies with meetings and decisions, and
the end of the term (an extension as a new contract version, or an exit and hand-back plan)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicpact.contracts import governance
from civicpact.contracts.models import Contract, DisputeStep
from civicpact.ledger.models import AuditEvent, Release
from tests.contracts.test_contracts import legacy_terms, package_errors, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401

TODAY = timezone.localdate()


def raised(actor, contract, **extra):
    return governance.dispute_raise(
        actor=actor,
        contract_id=contract.pk,
        subject="Deduction for SL-00007 in March",
        description="The faults were vandalism: relief events, not failures.",
        amount=extra.pop("amount", "1250.00"),
        clause=extra.pop("clause", "Schedule 6, 4.2"),
        **extra,
    )


@pytest.fixture
def steering(manager, live):  # noqa: F811
    return governance.body_create(
        actor=manager,
        contract_id=live.pk,
        kind="executive_steering",
        name="Executive steering committee",
        cadence="quarterly",
        members=[
            {"name": "Helena Duarte", "organisation": "City"},
            {"name": "Inês Carvalho", "organisation": "Lumen"},
        ],
        established=TODAY - timedelta(days=200),
    )


def held_meeting(manager, body, days_ago=3):
    return governance.meeting_create(
        actor=manager,
        body_id=body.pk,
        date=TODAY - timedelta(days=days_ago),
        held=True,
        minutes="Reviewed the March statement.",
        attendees=["Helena Duarte", "Inês Carvalho"],
    )


def test_the_partner_raises_a_dispute_at_the_operational_level_with_its_deadline(supplier, live):  # noqa: F811
    dispute = raised(supplier, live)
    assert (dispute.number, dispute.level, dispute.status) == (1, "operational", "open")
    assert dispute.raised_for.name == "Lumen Grid"
    assert dispute.amount == Decimal("1250.00")
    assert dispute.deadline == TODAY + timedelta(days=14)
    assert [s.kind for s in dispute.steps.all()] == ["raised"]
    event = AuditEvent.objects.filter(action="contract.dispute_raise").get()
    assert not event.public


def test_the_ladder_days_come_from_the_settings(settings, supplier, live):  # noqa: F811
    settings.CIVICPACT_DISPUTE_DAYS = {**settings.CIVICPACT_DISPUTE_DAYS, "operational": 5}
    assert raised(supplier, live).deadline == TODAY + timedelta(days=5)


def test_escalation_waits_for_the_deadline_or_a_failure_to_agree(manager, supplier, live):  # noqa: F811
    dispute = raised(supplier, live)
    with pytest.raises(ValidationError) as early:
        governance.dispute_escalate(actor=supplier, dispute_id=dispute.pk, expected_version=1, reason="No answer.")
    assert "has until" in early.value.message_dict["level"][0]
    governance.dispute_record_failure(actor=manager, dispute_id=dispute.pk, expected_version=1, note="No agreement.")
    up = governance.dispute_escalate(actor=supplier, dispute_id=dispute.pk, expected_version=2, reason="Failed.")
    assert (up.level, up.failed_to_agree, up.deadline) == ("steering_committee", False, TODAY + timedelta(days=30))
    assert [s.kind for s in up.steps.all()] == ["raised", "failed_to_agree", "escalated"]


def test_after_the_deadline_either_party_escalates_without_a_failure_to_agree(manager, supplier, live):  # noqa: F811
    dispute = raised(supplier, live)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        up = governance.dispute_escalate(actor=manager, dispute_id=dispute.pk, expected_version=1, reason="Late.")
    assert up.level == "steering_committee"


def test_a_level_cannot_be_skipped_nor_the_dispute_moved_down(manager, supplier, live):  # noqa: F811
    dispute = raised(supplier, live)
    governance.dispute_record_failure(actor=manager, dispute_id=dispute.pk, expected_version=1, note="No.")
    for level, words in (("expert_determination", "cannot skip"), ("operational", "only moves up"), ("x", "one of")):
        with pytest.raises(ValidationError, match=words):
            governance.dispute_escalate(
                actor=supplier, dispute_id=dispute.pk, expected_version=2, level=level, reason="Try."
            )


def test_nothing_lies_past_arbitration(manager, supplier, live):  # noqa: F811
    dispute = raised(supplier, live)
    version = 1
    for _ in range(3):
        governance.dispute_record_failure(actor=manager, dispute_id=dispute.pk, expected_version=version, note="No.")
        dispute = governance.dispute_escalate(
            actor=supplier, dispute_id=dispute.pk, expected_version=version + 1, reason="Up."
        )
        version = dispute.version
    assert dispute.level == "arbitration"
    governance.dispute_record_failure(actor=manager, dispute_id=dispute.pk, expected_version=version, note="No.")
    with pytest.raises(ValidationError, match="last rung"):
        governance.dispute_escalate(actor=supplier, dispute_id=dispute.pk, expected_version=version + 1, reason="?")


def test_a_resolved_dispute_cannot_be_escalated(manager, supplier, live):  # noqa: F811
    dispute = raised(supplier, live)
    governance.dispute_resolve(
        actor=manager, dispute_id=dispute.pk, expected_version=1, outcome="Relief granted.", agreed_by="Both CMs"
    )
    with pytest.raises(ValidationError, match="A resolved dispute cannot be escalated"):
        governance.dispute_escalate(actor=supplier, dispute_id=dispute.pk, expected_version=2, reason="Up.")


def test_a_stale_write_is_refused_naming_who_changed_the_dispute(manager, supplier, live):  # noqa: F811
    dispute = raised(supplier, live)
    governance.dispute_record_failure(actor=manager, dispute_id=dispute.pk, expected_version=1, note="No.")
    with pytest.raises(governance.StaleGovernance, match="changed by Marco Manager") as caught:
        governance.dispute_escalate(actor=supplier, dispute_id=dispute.pk, expected_version=1, reason="Up.")
    assert "version 2" in str(caught.value)


def test_only_the_raising_party_withdraws_and_only_managers_resolve(manager, supplier, live):  # noqa: F811
    dispute = raised(supplier, live)
    with pytest.raises(PermissionDenied, match="party that raised"):
        governance.dispute_withdraw(actor=manager, dispute_id=dispute.pk, expected_version=1, reason="No.")
    with pytest.raises(PermissionDenied):
        governance.dispute_resolve(
            actor=supplier, dispute_id=dispute.pk, expected_version=1, outcome="Mine.", agreed_by="Me"
        )
    withdrawn = governance.dispute_withdraw(actor=supplier, dispute_id=dispute.pk, expected_version=1, reason="Ok.")
    assert withdrawn.status == "withdrawn"
    assert DisputeStep.objects.filter(dispute=dispute).count() == 2


def test_outsiders_cannot_raise_a_dispute(second_supplier, auditor, live):  # noqa: F811
    for outsider in (second_supplier, auditor):
        with pytest.raises(PermissionDenied):
            raised(outsider, live)


def test_bad_dispute_input_names_the_fields(supplier, live):  # noqa: F811
    with pytest.raises(ValidationError) as caught:
        governance.dispute_raise(actor=supplier, contract_id=live.pk, subject=" ", description="")
    assert set(caught.value.message_dict) == {"subject", "description"}
    with pytest.raises(ValidationError, match="as a number"):
        raised(supplier, live, amount="a lot")


def test_a_meeting_decision_resolves_a_dispute_at_the_steering_committee(manager, supplier, live, steering):  # noqa: F811
    dispute = raised(supplier, live)
    governance.dispute_record_failure(actor=manager, dispute_id=dispute.pk, expected_version=1, note="No.")
    governance.dispute_escalate(actor=supplier, dispute_id=dispute.pk, expected_version=2, reason="Up.")
    meeting = held_meeting(manager, steering)
    decision = governance.decision_add(
        actor=manager,
        meeting_id=meeting.pk,
        text="Two faults are relief events; the deduction is recomputed.",
        owner="Contract manager",
        due_date=TODAY + timedelta(days=10),
        dispute_id=dispute.pk,
    )
    dispute.refresh_from_db()
    assert (dispute.status, decision.dispute_id) == ("resolved", dispute.pk)
    assert dispute.agreed_by.startswith("Executive steering committee")
    assert dispute.steps.last().meeting == meeting


def test_a_meeting_in_the_future_cannot_be_marked_held(manager, steering):
    with pytest.raises(ValidationError, match="future date"):
        governance.meeting_create(
            actor=manager, body_id=steering.pk, date=TODAY + timedelta(days=2), held=True, minutes="Text."
        )
    scheduled = governance.meeting_create(
        actor=manager, body_id=steering.pk, date=TODAY + timedelta(days=2), held=False
    )
    with pytest.raises(ValidationError, match="future date"):
        governance.meeting_record(actor=manager, meeting_id=scheduled.pk, expected_version=1, minutes="Text.")


def test_a_decision_needs_an_owner_and_a_due_date(manager, steering):
    meeting = held_meeting(manager, steering)
    with pytest.raises(ValidationError) as caught:
        governance.decision_add(actor=manager, meeting_id=meeting.pk, text="Do it.", owner=" ", due_date=None)
    assert set(caught.value.message_dict) == {"owner", "due_date"}


def test_the_next_meeting_is_due_from_the_last_held_and_overdue_bodies_are_flagged(manager, live, steering):  # noqa: F811
    rows = governance.body_rows(live, TODAY)
    assert rows[0].overdue  # set up 200 days ago, quarterly, never met
    held_meeting(manager, steering, days_ago=10)
    row = governance.body_rows(live, TODAY)[0]
    assert (row.overdue, row.last_held) == (False, TODAY - timedelta(days=10))
    assert row.next_due > TODAY


def extended(actor, contract, days, value=None):
    return governance.extension_decide(
        actor=actor,
        contract_id=contract.pk,
        expected_version=contract.version,
        new_end_date=contract.latest.end_date + timedelta(days=days),
        reasons="The partner performs well; the market is thin.",
        value=value,
    )


def test_an_extension_becomes_a_time_extension_version_to_sign(manager, live):  # noqa: F811
    end = live.latest.end_date
    with pytest.raises(ValidationError, match="after the current end"):
        governance.extension_decide(
            actor=manager, contract_id=live.pk, expected_version=1, new_end_date=end, reasons="More years."
        )
    decision = extended(manager, live, 30)  # within a contract manager's limits (30 days, 50,000)
    assert decision.contract_version.number == 2
    assert decision.contract_version.rationale == "time_extension"
    assert decision.contract_version.end_date == end + timedelta(days=30)
    assert "authorised by the contract manager" in decision.contract_version.details
    live.refresh_from_db()
    assert live.in_force == 1  # until every party signs version 2


def test_a_manager_is_refused_an_extension_above_the_limits_naming_who_must_decide(manager, live):  # noqa: F811
    with pytest.raises(PermissionDenied, match="must be authorised by the PPP unit"):
        extended(manager, live, 31)
    with pytest.raises(PermissionDenied, match="must be authorised by the council"):
        extended(manager, live, 10, value="1600000")  # +600,000: above the PPP unit's 500,000
    assert not live.extensions.exists()
    assert live.versions.count() == 1


def test_the_ppp_unit_extends_within_its_limits_and_is_refused_above(officer, live):  # noqa: F811
    decision = extended(officer, live, 180, value="1400000")
    assert "authorised by the PPP unit" in decision.contract_version.details
    assert decision.contract_version.value == Decimal("1400000")
    live.refresh_from_db()
    with pytest.raises(PermissionDenied, match="must be authorised by the council"):
        extended(officer, live, 181)


def test_a_large_extension_is_the_councils_decision_recorded_by_an_administrator(admin_user, live):  # noqa: F811
    decision = extended(admin_user, live, 730, value="1600000")
    assert "authorised by the council" in decision.contract_version.details
    event = AuditEvent.objects.filter(action="contract.extension_decide").get()
    assert event.payload["authority"] == "council"


def test_the_extension_limits_are_the_change_delegation_settings(settings, manager, live):  # noqa: F811
    settings.CIVICPACT_CHANGE_DELEGATION = {**settings.CIVICPACT_CHANGE_DELEGATION, "manager_days": 400}
    decision = extended(manager, live, 365)
    assert decision.new_end == decision.previous_end + timedelta(days=365)


def test_the_exit_plan_covers_the_standard_categories_and_completes_when_all_are_accepted(manager, supplier, live):  # noqa: F811
    plan = governance.exit_plan_start(actor=manager, contract_id=live.pk, summary="Hand back to the city.")
    items = list(plan.items.all())
    assert {i.category for i in items} == {"data", "knowledge", "assets", "transition", "licences", "staff"}
    first = items[0]
    with pytest.raises(ValidationError, match="Only the city accepts"):
        governance.exit_item_update(actor=supplier, item_id=first.pk, expected_version=1, status="accepted")
    governance.exit_item_update(
        actor=supplier, item_id=first.pk, expected_version=1, status="submitted", evidence="Exported as CSV."
    )
    with pytest.raises(ValidationError, match="why the item is returned"):
        governance.exit_item_update(actor=manager, item_id=first.pk, expected_version=2, status="returned")
    for item in items:
        item.refresh_from_db()
        governance.exit_item_update(actor=manager, item_id=item.pk, expected_version=item.version, status="accepted")
    plan.refresh_from_db()
    assert governance.exit_progress(plan, TODAY).complete
    release = Release.objects.filter(tags=["implementation"]).latest("pk")
    document = release.body["contracts"][0]["implementation"]["documents"][0]
    assert document["documentType"] == "handover"
    assert "Staff: Agree which staff transfer" in document["description"]
    assert package_errors(release.ocid) == []


def test_the_partner_updates_only_the_exit_items_it_owns(manager, supplier, live):  # noqa: F811
    governance.exit_plan_start(actor=manager, contract_id=live.pk)
    own = governance.exit_item_add(
        actor=manager,
        contract_id=live.pk,
        category="staff",
        title="Brief the city's staff",
        owner_party="city",
        due_date=TODAY,
    )
    with pytest.raises(PermissionDenied):
        governance.exit_item_update(actor=supplier, item_id=own.pk, expected_version=1, status="in_progress")


def test_there_is_no_exit_plan_on_a_void_contract(manager, live):  # noqa: F811
    Contract.objects.filter(pk=live.pk).update(status="void")  # as an upheld complaint leaves a draft
    with pytest.raises(ValidationError, match="nothing to hand back"):
        governance.exit_plan_start(actor=manager, contract_id=live.pk)
