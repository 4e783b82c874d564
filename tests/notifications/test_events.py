"""Every decision that concerns a person goes through one service: an in-app notification for each person
concerned, and an e-mail at commit unless they turned that kind off."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from civicpact.accounts.models import User
from civicpact.contracts import changes
from civicpact.notifications import services
from civicpact.notifications.models import Kind, Notification
from civicpact.performance import services as performance
from civicpact.tendering import evaluation, stages
from civicpact.tendering import services as tendering
from tests.notifications.conftest import kinds_of, of_kind
from tests.performance.test_statements import last_month
from tests.tendering.fixtures import bid_payload
from tests.tendering.test_evaluation_flow import bids, score_all
from tests.tendering.test_stages import APPLICATION, QUALITY_ONLY, challenged, first_stage, open_and_score


def test_notify_makes_an_in_app_notification_and_an_email_at_commit(supplier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        made = services.notify(recipients=[supplier], kind=Kind.AWARD_DECIDED, title="Hello", body="Body.", url="/x/")
    assert [n.user for n in made] == [supplier]
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[supplier.email]]
    assert "http://127.0.0.1:8000/x/" in mail.outbox[0].body
    assert "/notifications/settings/" in mail.outbox[0].body


def test_a_kind_turned_off_is_kept_in_app_but_not_emailed(supplier, django_capture_on_commit_callbacks):
    services.preferences_save(actor=supplier, email_kinds=[k for k in Kind.values if k != Kind.AWARD_DECIDED])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[supplier], kind=Kind.AWARD_DECIDED, title="Outcome", body="Lost.")
        services.notify(recipients=[supplier], kind=Kind.STAGE_RESULT, title="Kept", body="Kept.")
    assert sorted(kinds_of(supplier)) == [Kind.AWARD_DECIDED, Kind.STAGE_RESULT]
    assert [m.subject for m in mail.outbox] == ["Kept"]
    assert not Notification.objects.get(user=supplier, kind=Kind.AWARD_DECIDED).emailed


def test_a_key_is_notified_once_per_person(supplier, officer):
    first = services.notify(recipients=[supplier, officer], kind=Kind.STANDSTILL_END, title="T", body="B", key="k-1")
    again = services.notify(recipients=[supplier, officer], kind=Kind.STANDSTILL_END, title="T", body="B", key="k-1")
    assert len(first) == 2
    assert again == []
    assert Notification.objects.filter(key="k-1").count() == 2


def test_a_person_without_an_address_is_notified_in_app_only(supplier, django_capture_on_commit_callbacks):
    User.objects.filter(pk=supplier.pk).update(email="")
    supplier.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[supplier], kind=Kind.AWARD_DECIDED, title="Outcome", body="Lost.")
    assert kinds_of(supplier) == [Kind.AWARD_DECIDED]
    assert mail.outbox == []


def test_the_award_notifies_each_bidders_users(opened, committee, officer, supplier, second_supplier):
    score_all(committee, opened)
    for bid in bids(opened).values():
        evaluation.eligibility_set(actor=officer, tender_id=opened.pk, bid_id=bid.pk, eligible=True, note="")
    evaluation.award_decide(actor=officer, tender_id=opened.pk, reasons="Best quality for the price.")
    won, lost = of_kind(supplier, Kind.AWARD_DECIDED), of_kind(second_supplier, Kind.AWARD_DECIDED)
    assert "winning bid" in won[0].body
    assert "did not win" in lost[0].body
    assert lost[0].url == f"/tenders/{opened.pk}/"
    assert of_kind(officer, Kind.AWARD_DECIDED) == []


def test_an_amendment_notifies_the_bidders_whose_bid_must_be_reconfirmed(tender, supplier, second_supplier, officer):
    tendering.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    later = tender.submission_deadline + timedelta(days=7)
    tendering.tender_amend(
        actor=officer,
        tender_id=tender.pk,
        expected_version=tender.version,
        rationale="Poles in the old town added.",
        submission_deadline=later,
        opening_date=later,
        evaluation_end=later + timedelta(days=14),
        standstill_end=later + timedelta(days=25),
    )
    assert "must be re-confirmed" in of_kind(supplier, Kind.TENDER_AMENDED)[0].body
    assert of_kind(second_supplier, Kind.TENDER_AMENDED) == []


def test_a_stage_result_notifies_kept_and_not_kept_bidders(
    officer, procurement_project, supplier, second_supplier, committee
):
    stage = first_stage(officer, procurement_project, "restricted_tender", criteria=QUALITY_ONLY, keep=1)
    for user in (supplier, second_supplier):
        tendering.bid_submit(actor=user, tender_id=stage.pk, payload=APPLICATION)
    open_and_score(stage, officer, committee)
    stages.stage_close(actor=officer, tender_id=stage.pk, reasons="The strongest applicant.")
    assert "is kept for the next stage" in of_kind(supplier, Kind.STAGE_RESULT)[0].body
    assert "is not kept" in of_kind(second_supplier, Kind.STAGE_RESULT)[0].body


def test_the_right_to_match_notifies_the_proponent_only(
    officer, procurement_project, supplier, second_supplier, committee
):
    tender = challenged(officer, procurement_project, supplier, second_supplier, committee)
    stages.swiss_match_offer(actor=officer, tender_id=tender.pk)
    assert "You may match it" in of_kind(supplier, Kind.RIGHT_TO_MATCH)[0].body
    assert of_kind(second_supplier, Kind.RIGHT_TO_MATCH) == []


def test_an_issued_statement_notifies_the_partner_and_the_other_contract_managers(
    manager, second_manager, supplier, second_supplier, metered, django_capture_on_commit_callbacks
):
    month, _start = last_month()
    statement = performance.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    with django_capture_on_commit_callbacks(execute=True):
        performance.statement_issue(actor=manager, statement_id=statement.pk)
    partner = of_kind(supplier, Kind.STATEMENT_ISSUED)
    assert month in partner[0].title
    assert partner[0].url == f"/contracts/{metered.pk}/performance/statements/{statement.pk}/"
    assert len(of_kind(second_manager, Kind.STATEMENT_ISSUED)) == 1
    assert of_kind(manager, Kind.STATEMENT_ISSUED) == []  # the issuer knows
    assert of_kind(second_supplier, Kind.STATEMENT_ISSUED) == []  # not its contract
    assert {tuple(m.to) for m in mail.outbox} == {(supplier.email,), (second_manager.email,)}


def test_a_change_awaiting_authorisation_notifies_the_rung_it_needs(
    manager, second_manager, officer, admin_user, supplier, live
):
    small = changes.change_request(actor=supplier, contract_id=live.pk, title="200 more lights", description="Road.")
    changes.change_assess(actor=manager, change_id=small.pk, cost_change="42000", days_change="0", risk_impact="Ok.")
    assert "the contract manager" in of_kind(second_manager, Kind.CHANGE_AWAITING)[0].body
    assert of_kind(manager, Kind.CHANGE_AWAITING) == []  # the assessor
    assert of_kind(admin_user, Kind.CHANGE_AWAITING) == []
    assert of_kind(supplier, Kind.CHANGE_AWAITING) == []
    large = changes.change_request(actor=manager, contract_id=live.pk, title="Two more years", description="Term.")
    changes.change_assess(
        actor=manager, change_id=large.pk, cost_change="600000", days_change="730", risk_impact="Longer."
    )
    council = of_kind(admin_user, Kind.CHANGE_AWAITING)
    assert "the council" in council[0].body
    assert council[0].url == f"/contracts/{live.pk}/changes/{large.number}/"
    assert of_kind(officer, Kind.CHANGE_AWAITING) == []
