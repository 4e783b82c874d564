"""Deadline reminders: a week and a day before each deadline, to the people it concerns, never twice (however often
the periodic job runs), and again when the deadline moves."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.management import call_command
from django.utils import timezone

from civicpact import l10n
from civicpact.cli import main
from civicpact.contracts import governance
from civicpact.notifications import interests
from civicpact.notifications.models import Kind, Notification
from civicpact.notifications.reminders import deadline_reminders_send
from civicpact.tendering import evaluation
from civicpact.tendering import services as tendering
from tests.notifications.conftest import of_kind
from tests.tendering.fixtures import bid_payload
from tests.tendering.test_evaluation_flow import bids, declare_none, score_all

WEEK, DAY = timedelta(days=7), timedelta(days=1)


def test_an_interested_supplier_and_the_ppp_unit_are_reminded_a_week_before_once(
    tender, supplier, second_supplier, officer
):
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    week_before = tender.clarification_deadline - WEEK + timedelta(hours=1)
    assert deadline_reminders_send(now=week_before) >= 2  # the supplier's and the PPP unit's (and the demo's)
    reminder = of_kind(supplier, Kind.CLARIFICATION_DEADLINE, tender)[0]
    assert reminder.title == f"In 7 days: Questions due: {tender.title}"
    assert reminder.url == f"/tenders/{tender.pk}/"
    assert len(of_kind(officer, Kind.CLARIFICATION_DEADLINE, tender)) == 1
    assert of_kind(second_supplier, Kind.CLARIFICATION_DEADLINE, tender) == []  # neither interest, bid nor question
    assert deadline_reminders_send(now=week_before) == 0
    assert deadline_reminders_send(now=week_before + timedelta(hours=5)) == 0
    assert len(of_kind(supplier, Kind.CLARIFICATION_DEADLINE, tender)) == 1


def test_the_day_before_reminder_follows_the_week_before_one(tender, supplier):
    tendering.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    deadline_reminders_send(now=tender.submission_deadline - WEEK + timedelta(minutes=1))
    deadline_reminders_send(now=tender.submission_deadline - DAY + timedelta(minutes=1))
    titles = [n.title for n in of_kind(supplier, Kind.SUBMISSION_DEADLINE, tender)]
    assert sorted(titles) == [f"In 1 day: Bids due: {tender.title}", f"In 7 days: Bids due: {tender.title}"]


def test_a_job_that_missed_the_week_sends_only_the_day_before_reminder(tender, supplier):
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    deadline_reminders_send(now=tender.submission_deadline - timedelta(hours=3))
    assert [n.title[:9] for n in of_kind(supplier, Kind.SUBMISSION_DEADLINE, tender)] == ["In 1 day:"]


def test_a_supplier_that_asked_a_question_is_reminded_of_the_submission_deadline(tender, supplier):
    tendering.clarification_ask(actor=supplier, tender_id=tender.pk, question="May we reuse the poles?")
    deadline_reminders_send(now=tender.submission_deadline - WEEK + timedelta(minutes=1))
    assert len(of_kind(supplier, Kind.SUBMISSION_DEADLINE, tender)) == 1


def test_a_moved_deadline_is_reminded_again(tender, supplier, officer):
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    deadline_reminders_send(now=tender.submission_deadline - WEEK + timedelta(minutes=1))
    later = tender.submission_deadline + timedelta(days=7)
    tendering.tender_amend(
        actor=officer,
        tender_id=tender.pk,
        expected_version=tender.version,
        rationale="More time.",
        submission_deadline=later,
        opening_date=later,
        evaluation_end=later + timedelta(days=14),
        standstill_end=later + timedelta(days=25),
    )
    deadline_reminders_send(now=later - WEEK + timedelta(minutes=1))
    assert len(of_kind(supplier, Kind.SUBMISSION_DEADLINE, tender)) == 2


def test_the_evaluators_who_have_not_submitted_are_reminded_of_the_end_of_evaluation(opened, committee):
    done, conflicted, waiting = committee
    score_all([done], opened)
    evaluation.conflicts_declare(
        actor=conflicted,
        tender_id=opened.pk,
        declarations={b.supplier_id: (True, "Former employer.") for b in bids(opened).values()},
    )
    declare_none(waiting, opened)
    deadline_reminders_send(now=opened.evaluation_end - DAY + timedelta(minutes=1))
    reminded = set(
        Notification.objects.filter(kind=Kind.EVALUATION_DUE, url__startswith=f"/tenders/{opened.pk}/").values_list(
            "user_id", flat=True
        )
    )
    assert reminded == {waiting.pk}
    assert of_kind(waiting, Kind.EVALUATION_DUE, opened)[0].url == f"/tenders/{opened.pk}/evaluate/"


def test_the_bidders_and_the_ppp_unit_are_reminded_of_the_end_of_the_standstill(
    opened, committee, officer, supplier, second_supplier, evaluator
):
    score_all(committee, opened)
    for bid in bids(opened).values():
        evaluation.eligibility_set(actor=officer, tender_id=opened.pk, bid_id=bid.pk, eligible=True, note="")
    award = evaluation.award_decide(actor=officer, tender_id=opened.pk, reasons="Best value.")
    deadline_reminders_send(now=award.standstill_end - DAY + timedelta(minutes=1))
    reminded = set(
        Notification.objects.filter(kind=Kind.STANDSTILL_END, url=f"/tenders/{opened.pk}/").values_list(
            "user_id", flat=True
        )
    )
    assert {supplier.pk, second_supplier.pk, officer.pk} <= reminded
    assert evaluator.pk not in reminded


def test_the_contract_managers_and_the_partner_are_reminded_of_a_dispute_rungs_last_day(
    manager, supplier, second_supplier, live
):
    dispute = governance.dispute_raise(
        actor=manager, contract_id=live.pk, subject="Late repairs", description="Lamps repaired after 3 days."
    )
    day_before = timezone.make_aware(datetime.combine(dispute.deadline, time.min))
    deadline_reminders_send(now=day_before + timedelta(minutes=1))
    reminder = of_kind(supplier, Kind.DISPUTE_DEADLINE)[0]
    assert reminder.title.startswith("In 1 day: Last day of operational: dispute 1, Late repairs")
    assert f"{l10n.when(dispute.deadline)} (the whole day)" in reminder.body  # 7 Dec 2026
    assert len(of_kind(manager, Kind.DISPUTE_DEADLINE)) == 1
    assert of_kind(second_supplier, Kind.DISPUTE_DEADLINE) == []


def test_the_command_runs_the_job_here_or_enqueues_it_for_the_worker(
    flushable_ledger, tender, supplier, capsys, time_machine
):  # transactional: the worker closes the database connection when it is done
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    time_machine.move_to(tender.clarification_deadline - WEEK + timedelta(minutes=1))
    assert main(["notify-deadlines"]) == 0
    assert "Enqueued the deadline reminders" in capsys.readouterr().out
    assert of_kind(supplier, Kind.CLARIFICATION_DEADLINE, tender) == []
    call_command("db_worker", batch=True, verbosity=0)
    assert len(of_kind(supplier, Kind.CLARIFICATION_DEADLINE, tender)) == 1
    assert main(["notify-deadlines", "--now"]) == 0
    assert capsys.readouterr().out.strip() == "Sent 0 reminders."  # all sent by the worker already


def test_nothing_is_reminded_after_the_deadline(tender, supplier):
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    assert deadline_reminders_send(now=tender.submission_deadline + timedelta(minutes=1)) == 0
    assert of_kind(supplier, Kind.SUBMISSION_DEADLINE, tender) == []
