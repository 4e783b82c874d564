"""Incidents and periodic scores -> KPI failures of a month; remediation plans' overdue state.

The rule (docs/incidents.md, "Counting failures"):

- An incident is measured by at most one `response_time` KPI and at most one `fix_time` KPI of the regime. For
  each, its **deadline** is `reported_at + target hours` (elapsed time, so daylight saving changes nothing).
- It **fails** the KPI when the step (response, or fix) was recorded after the deadline, or was not recorded and
  the deadline has passed (`deadline <= as_of`). A step recorded exactly at the deadline meets the target.
- A failure is **counted in the month in which its deadline falls**, in the contract's time zone (the month runs
  from local midnight on the 1st to local midnight on the 1st of the next month). So every failing incident is
  counted once, in one month, whether it was fixed late, is still open, or was fixed late in a later month; and a
  statement computed before a deadline has passed does not count an incident that may still meet it.
- Incidents measured by a KPI the regime does not have (a later version dropped it) are not counted.
- A **periodic** KPI (such as user satisfaction) fails once in a month whose recorded score is below its target; a
  month without a score has no failure.

Everything is pure: dataclasses in, dictionaries out; datetimes are aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from civicpact.domain.performance.regime import Kpi

INCIDENT_KINDS = ("response_time", "fix_time")
STEP_OF_KIND = {"response_time": "responded_at", "fix_time": "fixed_at"}


class IncidentInputError(ValueError):
    """Input that cannot be counted; `field` names it (`response_kpi`, `fixed_at`, `month`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Incident:
    id: str
    reported_at: datetime
    responded_at: datetime | None = None
    fixed_at: datetime | None = None
    response_kpi: str = ""  # the key of a response_time KPI, or "" when no response KPI measures it
    fix_kpi: str = ""  # the key of a fix_time KPI, or ""


@dataclass(frozen=True)
class Judgement:
    """One incident against one KPI: its deadline, when the step was done, whether it failed."""

    kpi: str
    incident: str
    deadline: datetime
    done_at: datetime | None
    failed: bool


def month_bounds(month: str, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of a YYYY-MM month in the time zone, as aware datetimes."""
    try:
        year, number = (int(part) for part in month.split("-"))
        if len(month) != 7 or not 1 <= number <= 12:
            raise ValueError
    except ValueError:
        raise IncidentInputError("month", f"{month!r} is not a month: write YYYY-MM") from None
    zone = ZoneInfo(timezone)
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start, end


def deadline(reported_at: datetime, target_hours: Decimal) -> datetime:
    """reported_at + the target in hours (exact to the microsecond)."""
    return reported_at + timedelta(microseconds=int(target_hours * 3_600_000_000))


def judge(kpi: Kpi, incident: Incident, as_of: datetime) -> Judgement | None:
    """The incident against the KPI, or None when the KPI does not measure it (or its deadline is still ahead
    with the step not done: nothing is decided yet)."""
    if kpi.kind not in INCIDENT_KINDS or kpi.key not in (incident.response_kpi, incident.fix_kpi):
        return None
    if kpi.key != (incident.response_kpi if kpi.kind == "response_time" else incident.fix_kpi):
        return None
    due = deadline(incident.reported_at, kpi.target)
    done = incident.responded_at if kpi.kind == "response_time" else incident.fixed_at
    if done is None and due > as_of:
        return None
    failed = done is None or done > due
    return Judgement(kpi=kpi.key, incident=incident.id, deadline=due, done_at=done, failed=failed)


def failing_incidents(
    kpis: Sequence[Kpi], incidents: Iterable[Incident], *, month: str, timezone: str, as_of: datetime
) -> dict[str, tuple[str, ...]]:
    """For each response_time and fix_time KPI, the ids of the incidents that failed it in the month (their
    deadline fell in the month, and had passed by `as_of`), in the incidents' order."""
    start, end = month_bounds(month, timezone)
    measured = [k for k in kpis if k.kind in INCIDENT_KINDS]
    found: dict[str, list[str]] = {k.key: [] for k in measured}
    for incident in incidents:
        for kpi in measured:
            verdict = judge(kpi, incident, as_of)
            if verdict is not None and verdict.failed and start <= verdict.deadline < end:
                found[kpi.key].append(incident.id)
    return {key: tuple(ids) for key, ids in found.items()}


def periodic_failures(kpis: Sequence[Kpi], scores: Mapping[str, Decimal]) -> dict[str, int]:
    """For each periodic KPI, 1 when the month's score is below the target, else 0 (no score: 0). A score for a
    KPI that is not a periodic KPI of the regime is refused."""
    periodic = {k.key: k for k in kpis if k.kind == "periodic"}
    for key in scores:
        if key not in periodic:
            raise IncidentInputError("kpi", f"{key!r} is not a periodic KPI of the regime")
    return {key: int(key in scores and scores[key] < kpi.target) for key, kpi in periodic.items()}


def failure_counts(
    kpis: Sequence[Kpi],
    incidents: Iterable[Incident],
    scores: Mapping[str, Decimal],
    *,
    month: str,
    timezone: str,
    as_of: datetime,
) -> dict[str, int]:
    """Failures per KPI key for the month: what `money.statement` takes as `kpi_failures`."""
    failing = failing_incidents(kpis, incidents, month=month, timezone=timezone, as_of=as_of)
    counts = {key: len(ids) for key, ids in failing.items()}
    counts.update(periodic_failures(kpis, scores))
    return counts


def check_incident(kpis: Sequence[Kpi], incident: Incident, now: datetime) -> dict[str, str]:
    """What is wrong with an incident, field by field (empty when nothing is): KPIs of the right kind, times in
    order (reported, then responded, then fixed) and not in the future, aware."""
    errors: dict[str, str] = {}
    by_key = {k.key: k for k in kpis}
    for field, key, kind in (
        ("response_kpi", incident.response_kpi, "response_time"),
        ("fix_kpi", incident.fix_kpi, "fix_time"),
    ):
        if not key:
            continue
        kpi = by_key.get(key)
        if kpi is None:
            known = ", ".join(k.key for k in kpis if k.kind == kind) or "none"
            errors[field] = f"{key!r} is not a KPI of the regime (its {kind} KPIs: {known})"
        elif kpi.kind != kind:
            errors[field] = f"{key!r} is a {kpi.kind} KPI, not a {kind} KPI"
    if not incident.response_kpi and not incident.fix_kpi:
        errors["response_kpi"] = "Choose the KPI that measures the incident: a response time or a fix time KPI"
    errors.update(_check_times(incident, now))
    return errors


def _check_times(incident: Incident, now: datetime) -> dict[str, str]:
    errors: dict[str, str] = {}
    steps = (
        ("reported_at", incident.reported_at),
        ("responded_at", incident.responded_at),
        ("fixed_at", incident.fixed_at),
    )
    for field, moment in steps:
        if moment is not None and moment.utcoffset() is None:
            errors[field] = "Give the time with its time zone (an offset such as +00:00)"
        elif moment is not None and moment > now:
            errors[field] = "This time is in the future"
    if errors:
        return errors
    if incident.responded_at is not None and incident.responded_at < incident.reported_at:
        errors["responded_at"] = "The response cannot come before the incident was reported"
    if incident.fixed_at is not None:
        if incident.responded_at is None:
            errors["fixed_at"] = "Record the response before the fix"
        elif incident.fixed_at < incident.responded_at:
            errors["fixed_at"] = "The fix cannot come before the response"
    return errors


# --- remediation plans ------------------------------------------------------------------------------------------

OPEN_PLAN_STATUSES = ("raised", "submitted", "accepted", "rejected")


def remediation_overdue(*, deadline: date, status: str, today: date) -> bool:
    """A plan is overdue when its deadline has passed (today is after it) and it is not closed."""
    return status in OPEN_PLAN_STATUSES and today > deadline
