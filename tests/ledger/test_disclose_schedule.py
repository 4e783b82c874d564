"""The worker's daily disclosure of expired confidentiality claims (ledger/tasks.py, docs/confidentiality.md)."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicpact.cli import main
from civicpact.ledger.models import ClaimState, ConfidentialityClaim, Release
from civicpact.ledger.services import ocid_mint, release_append
from civicpact.ledger.tasks import disclose_expired_schedule, disclose_expired_task, next_daily_run
from tests.ledger.test_confidentiality import NOW, _claim, _doc, tender_sections

pytestmark = pytest.mark.django_db
AFTER_THE_END = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # the claims end on 2026-06-30


@pytest.fixture
def withheld(city) -> ConfidentialityClaim:
    """An active claim ending on 2026-06-30 that withheld doc-1 from a published release."""
    with time_machine.travel(NOW, tick=False):
        ocid = ocid_mint(actor=None, obj="pipeline.project:99", local_id="confidential-1").ocid
        claim = _claim(ocid)
        release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", "Design")))
    return claim


def _queued() -> list[DBTaskResult[Any, Any]]:
    return list(DBTaskResult.objects.filter(task_path=disclose_expired_task.module_path))


def test_the_next_daily_run_is_five_past_midnight_city_time(settings):
    settings.TIME_ZONE = "Europe/Lisbon"
    lisbon = ZoneInfo("Europe/Lisbon")
    assert next_daily_run(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == datetime(2026, 7, 2, 0, 5, tzinfo=lisbon)
    assert next_daily_run(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == datetime(2026, 7, 3, 0, 5, tzinfo=lisbon)
    assert next_daily_run(datetime(2026, 6, 30, 23, 4, tzinfo=UTC)) == datetime(2026, 7, 1, 0, 5, tzinfo=lisbon)


def test_a_run_is_queued_once_however_often_the_worker_starts(db):
    assert disclose_expired_schedule(run_after=None) is not None
    assert disclose_expired_schedule(run_after=None) is None
    assert [r.status for r in _queued()] == [TaskResultStatus.READY]


@time_machine.travel(AFTER_THE_END, tick=False)
def test_the_daily_run_discloses_expired_claims_and_queues_the_next_day(flushable_ledger, withheld):
    disclose_expired_schedule(run_after=None)
    call_command("db_worker", batch=True, verbosity=0)
    assert ConfidentialityClaim.objects.current().get(origin_id=withheld.pk).state == ClaimState.ENDED
    newest = Release.objects.filter(ocid=withheld.ocid).order_by("-date").first()
    assert newest.body["tender"]["documents"][0]["url"] == "https://example.org/doc-1.pdf"
    runs = {r.status: r for r in _queued()}
    assert set(runs) == {TaskResultStatus.SUCCESSFUL, TaskResultStatus.READY}
    assert runs[TaskResultStatus.SUCCESSFUL].return_value == [{"claim": withheld.pk, "release": newest.release_id}]
    assert runs[TaskResultStatus.READY].run_after == datetime(2026, 7, 2, 0, 5, tzinfo=UTC)


def test_the_worker_command_queues_the_run_and_runs_what_is_due(flushable_ledger, withheld, capsys):
    # flushable_ledger: the worker closes the connection, so the test cannot sit in one transaction
    with time_machine.travel(AFTER_THE_END, tick=False):
        assert main(["worker", "--batch"]) == 0
    assert ConfidentialityClaim.objects.current().get(origin_id=withheld.pk).state == ClaimState.ENDED
    with time_machine.travel(datetime(2026, 7, 2, 0, 6, tzinfo=UTC), tick=False):
        assert main(["worker", "--batch"]) == 0  # tomorrow's run is due: it runs and queues the day after
    statuses = [(r.status, r.run_after.date().isoformat()) for r in _queued()]
    assert len(statuses) == 3  # the first start's run, tomorrow's, and the day after's, waiting
    assert {(TaskResultStatus.SUCCESSFUL, "2026-07-02"), (TaskResultStatus.READY, "2026-07-03")} < set(statuses)
    assert [s for s, _ in statuses].count(TaskResultStatus.SUCCESSFUL) == 2
    assert Release.objects.filter(ocid=withheld.ocid).count() == 2  # the second day had nothing to disclose
