"""Counting a month's KPI failures from the incident log and the periodic scores, by hand and by property."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpact.domain.performance.incidents import (
    Incident,
    IncidentInputError,
    check_incident,
    failing_incidents,
    failure_counts,
    month_bounds,
    periodic_failures,
    remediation_overdue,
)
from civicpact.domain.performance.regime import Kpi

RESPONSE = Kpi("response", "Response within 2 hours", "response_time", Decimal(2), Decimal("100.00"))
FIX = Kpi("fix", "Fixed within 24 hours", "fix_time", Decimal(24), Decimal("250.00"))
SATISFACTION = Kpi("satisfaction", "User satisfaction", "periodic", Decimal("4.0"), Decimal("500.00"))
KPIS = (RESPONSE, FIX, SATISFACTION)
LATER = datetime(2027, 1, 1, tzinfo=UTC)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def incident(id: str, reported: datetime, responded=None, fixed=None, response="response", fix="fix") -> Incident:
    return Incident(id, reported, responded, fixed, response, fix)


def count(incidents, month="2026-10", timezone="UTC", as_of=LATER, scores=None):
    return failure_counts(KPIS, incidents, scores or {}, month=month, timezone=timezone, as_of=as_of)


def test_an_incident_fixed_on_time_fails_nothing():
    assert count([incident("1", at(3, 8), at(3, 9), at(4, 7))]) == {"response": 0, "fix": 0, "satisfaction": 0}


def test_a_step_exactly_at_the_deadline_meets_the_target():
    assert count([incident("1", at(3, 8), at(3, 10), at(4, 8))]) == {"response": 0, "fix": 0, "satisfaction": 0}


def test_a_late_fix_fails_the_fix_kpi_only():
    assert count([incident("1", at(3, 8), at(3, 9), at(4, 8, 1))]) == {"response": 0, "fix": 1, "satisfaction": 0}


def test_a_late_response_and_fix_fail_both():
    assert count([incident("1", at(3, 8), at(3, 11), at(5, 8))]) == {"response": 1, "fix": 1, "satisfaction": 0}


def test_an_open_incident_fails_once_its_deadline_has_passed_but_not_before():
    open_one = [incident("1", at(3, 8))]
    assert count(open_one, as_of=at(3, 9)) == {"response": 0, "fix": 0, "satisfaction": 0}
    assert count(open_one, as_of=at(3, 10)) == {"response": 1, "fix": 0, "satisfaction": 0}
    assert count(open_one, as_of=at(4, 8)) == {"response": 1, "fix": 1, "satisfaction": 0}


def test_the_failure_counts_in_the_month_of_the_deadline_not_of_the_report_or_the_fix():
    # reported on 31 October 20:00 UTC: the fix deadline is 1 November 20:00, fixed on 3 November
    late = [incident("1", at(31, 20), at(31, 21), at(3, 0, month=11))]
    assert count(late, month="2026-10")["fix"] == 0
    assert count(late, month="2026-11")["fix"] == 1


def test_the_month_is_cut_at_local_midnight():
    # the fix deadline, 31 October 23:30 UTC, is 1 November 01:30 in Helsinki (UTC+2)
    late = [incident("1", at(30, 23, 30), at(30, 23, 45), None)]
    assert count(late, month="2026-10", timezone="UTC")["fix"] == 1
    assert count(late, month="2026-11", timezone="Europe/Helsinki")["fix"] == 1
    assert count(late, month="2026-10", timezone="Europe/Helsinki")["fix"] == 0


def test_an_incident_measured_only_by_a_fix_kpi_never_fails_a_response_kpi():
    assert count([incident("1", at(3, 8), response="")])["response"] == 0


def test_incidents_of_a_kpi_the_regime_dropped_are_not_counted():
    assert count([incident("1", at(3, 8), fix="old_fix")]) == {"response": 1, "fix": 0, "satisfaction": 0}


def test_failing_incidents_name_them_in_order():
    log = [incident("a", at(3, 8)), incident("b", at(3, 8), at(3, 9), at(3, 10)), incident("c", at(5, 1))]
    failing = failing_incidents(KPIS, log, month="2026-10", timezone="UTC", as_of=LATER)
    assert failing == {"response": ("a", "c"), "fix": ("a", "c")}


def test_a_periodic_score_below_target_is_one_failure():
    assert periodic_failures(KPIS, {"satisfaction": Decimal("3.9")}) == {"satisfaction": 1}
    assert periodic_failures(KPIS, {"satisfaction": Decimal("4.0")}) == {"satisfaction": 0}
    assert periodic_failures(KPIS, {}) == {"satisfaction": 0}


def test_a_score_for_an_incident_kpi_is_refused():
    with pytest.raises(IncidentInputError, match="not a periodic KPI"):
        periodic_failures(KPIS, {"fix": Decimal(1)})


def test_a_bad_month_is_refused_naming_the_field():
    with pytest.raises(IncidentInputError) as caught:
        month_bounds("2026-13", "UTC")
    assert caught.value.field == "month"


def test_check_incident_names_each_bad_field():
    now = at(10)
    assert check_incident(KPIS, incident("1", at(3), at(3, 1), at(3, 2)), now) == {}
    assert check_incident(KPIS, incident("1", at(3), response="nope"), now) == {
        "response_kpi": "'nope' is not a KPI of the regime (its response_time KPIs: response)"
    }
    assert check_incident(KPIS, incident("1", at(3), fix="response"), now) == {
        "fix_kpi": "'response' is a response_time KPI, not a fix_time KPI"
    }
    assert "response_kpi" in check_incident(KPIS, incident("1", at(3), response="", fix=""), now)
    assert check_incident(KPIS, incident("1", at(11)), now) == {"reported_at": "This time is in the future"}
    assert check_incident(KPIS, incident("1", at(3), at(2)), now) == {
        "responded_at": "The response cannot come before the incident was reported"
    }
    assert check_incident(KPIS, incident("1", at(3), at(4), at(3, 5)), now) == {
        "fixed_at": "The fix cannot come before the response"
    }
    assert check_incident(KPIS, incident("1", at(3), None, at(4)), now) == {
        "fixed_at": "Record the response before the fix"
    }
    naive = Incident("1", datetime(2026, 10, 3), fix_kpi="fix")
    assert "time zone" in check_incident(KPIS, naive, now)["reported_at"]


def test_a_plan_is_overdue_after_its_deadline_until_it_is_closed():
    assert not remediation_overdue(deadline=date(2026, 11, 30), status="raised", today=date(2026, 11, 30))
    assert remediation_overdue(deadline=date(2026, 11, 30), status="accepted", today=date(2026, 12, 1))
    assert not remediation_overdue(deadline=date(2026, 11, 30), status="closed", today=date(2026, 12, 1))


# --- properties -------------------------------------------------------------------------------------------------

START = datetime(2026, 1, 1, tzinfo=UTC)
MONTHS = ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 13)] + ["2027-01", "2027-02"]


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    reported = START + timedelta(minutes=draw(st.integers(0, 330 * 24 * 60)))
    responded = fixed = None
    if draw(st.booleans()):
        responded = reported + timedelta(minutes=draw(st.integers(0, 72 * 60)))
        if draw(st.booleans()):
            fixed = responded + timedelta(minutes=draw(st.integers(0, 96 * 60)))
    ident = str(draw(st.integers(0, 10**9)))
    return Incident(ident, reported, responded, fixed, draw(st.sampled_from(["response", ""])), "fix")


logs = st.lists(incidents(), max_size=30, unique_by=lambda i: i.id)
zones = st.sampled_from(["UTC", "Europe/Lisbon", "America/New_York", "Asia/Kolkata"])


@settings(max_examples=60, deadline=None)
@given(logs, zones)
def test_every_failing_incident_is_counted_exactly_once_across_months(log, zone):
    counted: dict[str, list[str]] = {"response": [], "fix": []}
    for month in MONTHS:
        for key, ids in failing_incidents(KPIS, log, month=month, timezone=zone, as_of=LATER).items():
            counted[key].extend(ids)
    for key, kind in (("response", "responded_at"), ("fix", "fixed_at")):
        target = RESPONSE.target if key == "response" else FIX.target
        expected = []
        for i in log:
            if key == "response" and not i.response_kpi:
                continue
            done = getattr(i, kind)
            if done is None or done > i.reported_at + timedelta(hours=int(target)):
                expected.append(i.id)
        assert sorted(counted[key]) == sorted(expected)


@settings(max_examples=60, deadline=None)
@given(logs, zones, st.sampled_from(MONTHS))
def test_counts_are_never_negative_and_counting_is_idempotent(log, zone, month):
    first = count(log, month=month, timezone=zone)
    assert all(n >= 0 for n in first.values())
    assert count(log, month=month, timezone=zone) == first
    assert count(list(reversed(log)), month=month, timezone=zone) == first


@settings(max_examples=60, deadline=None)
@given(logs, st.sampled_from(MONTHS), st.integers(0, 400))
def test_failures_only_grow_as_time_passes(log, month, days):
    earlier = START + timedelta(days=days)
    before = count(log, month=month, as_of=earlier)
    after = count(log, month=month, as_of=earlier + timedelta(days=3))
    assert all(after[k] >= before[k] for k in before)
