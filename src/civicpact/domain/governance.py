"""Contract governance: the dispute escalation ladder, governance bodies' meeting cadence, and the exit plan.

Pure rules, no Django. A dispute climbs the ladder one rung at a time (operational, steering committee, expert
determination, arbitration), never skipping one and never moving down; each rung has a deadline counted in days
from the day the dispute reached it, and either party may escalate once that deadline has passed or once the rung
has recorded a failure to agree. Governance bodies meet on a cadence; the next meeting is due one period after
the last one held (or after the body was set up) and the body is overdue the day after. An exit plan is complete
when it has items and the city has accepted every one of them.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from civicpact.domain.ocds import format_date
from civicpact.domain.workdays import WorkingCalendar

# --- disputes ------------------------------------------------------------------------------------------------------


class Level(StrEnum):
    """The rungs of the escalation ladder, in order."""

    OPERATIONAL = "operational"
    STEERING = "steering_committee"
    EXPERT = "expert_determination"
    ARBITRATION = "arbitration"


LADDER = (Level.OPERATIONAL, Level.STEERING, Level.EXPERT, Level.ARBITRATION)
LEVEL_LABELS = {
    Level.OPERATIONAL: "Operational (the contract managers)",
    Level.STEERING: "Steering committee",
    Level.EXPERT: "Expert determination",
    Level.ARBITRATION: "Arbitration",
}


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


DISPUTE_STATUS_LABELS = {
    DisputeStatus.OPEN: "Open",
    DisputeStatus.RESOLVED: "Resolved",
    DisputeStatus.WITHDRAWN: "Withdrawn by the party that raised it",
}


@dataclass(frozen=True)
class LadderDays:
    """Days each rung has to settle a dispute before either party may escalate it."""

    operational: int = 14
    steering_committee: int = 30
    expert_determination: int = 60
    arbitration: int = 180

    def days(self, level: Level) -> int:
        return int(getattr(self, level.value))


DEFAULT_LADDER_DAYS = LadderDays()


def level_deadline(
    level: Level, reached: date, days: LadderDays = DEFAULT_LADDER_DAYS, working: WorkingCalendar | None = None
) -> date:
    """The last day the rung has to settle the dispute it reached on `reached`: its days counted as calendar days,
    or as working days of `working` (weekends and holidays skipped) when a contract's clause says so."""
    if working is not None:
        return working.add_working_days(reached, days.days(level))
    return reached + timedelta(days=days.days(level))


def next_level(level: Level) -> Level | None:
    """The rung above, or None at the top (arbitration)."""
    index = LADDER.index(level)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None


def is_overdue(deadline: date | None, today: date, *, open_: bool = True) -> bool:
    """An open dispute (or anything with a deadline) is overdue the day after its deadline."""
    return open_ and deadline is not None and today > deadline


def escalation_refusal(
    *,
    status: DisputeStatus,
    current: Level,
    target: Level,
    deadline: date,
    today: date,
    failed_to_agree: bool,
) -> str | None:
    """Why escalating from `current` to `target` is refused, or None when it is allowed."""
    if status is not DisputeStatus.OPEN:
        return f"A {status.value} dispute cannot be escalated."
    above = next_level(current)
    if above is None:
        return "Arbitration is the last rung of the ladder: the dispute cannot be escalated further."
    if LADDER.index(target) <= LADDER.index(current):
        return f"A dispute only moves up the ladder: it is already at {LEVEL_LABELS[current].lower()}."
    if target is not above:
        return f"A dispute cannot skip a rung: the next one is {LEVEL_LABELS[above].lower()}."
    if not failed_to_agree and today <= deadline:
        return (
            f"{LEVEL_LABELS[current]} has until {deadline.isoformat()} to settle it: escalate after that day, or "
            "once this level records a failure to agree."
        )
    return None


# --- governance bodies and meetings ----------------------------------------------------------------------------------


class BodyKind(StrEnum):
    EXECUTIVE_STEERING = "executive_steering"
    OPERATIONAL_MANAGEMENT = "operational_management"
    TECHNICAL_OVERSIGHT = "technical_oversight"
    FINANCIAL_OVERSIGHT = "financial_oversight"


BODY_LABELS = {
    BodyKind.EXECUTIVE_STEERING: "Executive steering committee",
    BodyKind.OPERATIONAL_MANAGEMENT: "Operational management group",
    BodyKind.TECHNICAL_OVERSIGHT: "Technical oversight board",
    BodyKind.FINANCIAL_OVERSIGHT: "Financial oversight board",
}


class Cadence(StrEnum):
    MONTHLY = "monthly"
    BIMONTHLY = "bimonthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"


CADENCE_MONTHS = {
    Cadence.MONTHLY: 1,
    Cadence.BIMONTHLY: 2,
    Cadence.QUARTERLY: 3,
    Cadence.HALF_YEARLY: 6,
    Cadence.YEARLY: 12,
}
CADENCE_LABELS = {
    Cadence.MONTHLY: "Monthly",
    Cadence.BIMONTHLY: "Every two months",
    Cadence.QUARTERLY: "Quarterly",
    Cadence.HALF_YEARLY: "Every six months",
    Cadence.YEARLY: "Yearly",
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, on the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_meeting_due(cadence: Cadence, established: date, last_held: date | None) -> date:
    """One period after the last meeting held, or after the body was set up if it has not met yet."""
    return add_months(last_held or established, CADENCE_MONTHS[cadence])


@dataclass(frozen=True)
class BodySchedule:
    key: int
    cadence: Cadence
    established: date
    last_held: date | None


def overdue_bodies(bodies: Sequence[BodySchedule], today: date) -> tuple[int, ...]:
    """The keys of the bodies whose next meeting was due before today."""
    return tuple(b.key for b in bodies if today > next_meeting_due(b.cadence, b.established, b.last_held))


def meeting_refusal(*, held: bool, on: date, today: date) -> str | None:
    """A meeting recorded as held cannot be dated in the future."""
    if held and on > today:
        return "A meeting cannot be recorded as held on a future date: schedule it instead."
    return None


class DecisionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


DECISION_STATUS_LABELS = {
    DecisionStatus.OPEN: "Open",
    DecisionStatus.DONE: "Done",
    DecisionStatus.CANCELLED: "Cancelled",
}


# --- end of the term ------------------------------------------------------------------------------------------------


def days_left(end: date, today: date) -> int:
    """Days from today to the last day of the term (0 on the last day, negative once it has ended)."""
    return (end - today).days


NEARING_END_DAYS = 365


def nearing_end(end: date, today: date, window: int = NEARING_END_DAYS) -> bool:
    return 0 <= days_left(end, today) <= window


def extension_refusal(*, current_end: date, new_end: date) -> str | None:
    if new_end <= current_end:
        return f"An extension must end after the current end of the term ({current_end.isoformat()})."
    return None


class ExitCategory(StrEnum):
    DATA = "data"
    KNOWLEDGE = "knowledge"
    ASSETS = "assets"
    TRANSITION = "transition"
    LICENCES = "licences"
    STAFF = "staff"


EXIT_CATEGORY_LABELS = {
    ExitCategory.DATA: "Data returned in open formats",
    ExitCategory.KNOWLEDGE: "Knowledge transferred back",
    ExitCategory.ASSETS: "Asset condition survey",
    ExitCategory.TRANSITION: "Transition to the next provider",
    ExitCategory.LICENCES: "Licences and intellectual property",
    ExitCategory.STAFF: "Staff",
}


class ExitItemStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


EXIT_STATUS_LABELS = {
    ExitItemStatus.PLANNED: "Planned",
    ExitItemStatus.IN_PROGRESS: "In progress",
    ExitItemStatus.SUBMITTED: "Submitted: awaiting the city's acceptance",
    ExitItemStatus.ACCEPTED: "Accepted by the city",
    ExitItemStatus.RETURNED: "Returned by the city: to be done again",
}
# What the owner of an item may set; acceptance and return belong to the city.
OWNER_STATUSES = (ExitItemStatus.PLANNED, ExitItemStatus.IN_PROGRESS, ExitItemStatus.SUBMITTED)


@dataclass(frozen=True)
class ExitItem:
    category: ExitCategory
    status: ExitItemStatus
    due: date


@dataclass(frozen=True)
class ExitProgress:
    total: int
    accepted: int
    missing_categories: tuple[ExitCategory, ...]
    overdue: int
    complete: bool


def exit_progress(items: Sequence[ExitItem], today: date) -> ExitProgress:
    """How far the exit plan is: complete when it has items and every one is accepted by the city. Standard
    categories with no item are listed (a plan usually covers all six)."""
    accepted = sum(1 for i in items if i.status is ExitItemStatus.ACCEPTED)
    covered = {i.category for i in items}
    return ExitProgress(
        total=len(items),
        accepted=accepted,
        missing_categories=tuple(c for c in ExitCategory if c not in covered),
        overdue=sum(1 for i in items if i.status is not ExitItemStatus.ACCEPTED and today > i.due),
        complete=bool(items) and accepted == len(items),
    )


def handover_sections(
    *,
    contract_id: str,
    award_id: str,
    completed: datetime,
    items: Sequence[tuple[ExitCategory, str, datetime]],
) -> dict[str, Any]:
    """The OCDS sections of the release that publishes a completed exit plan: the contract's implementation gets a
    document of the PPP profile's `handover` type ("reporting on handover of assets back to the state") that lists
    each item with the day the city accepted it. Disputes and the plan's working notes stay private."""
    lines = [
        f"{EXIT_CATEGORY_LABELS[category]}: {title} (accepted {when.date().isoformat()})"
        for category, title, when in items
    ]
    document = {
        "id": f"{contract_id}-handover",
        "documentType": "handover",
        "title": "Exit and hand-back plan: every item accepted by the city",
        "description": "; ".join(lines),
        "datePublished": format_date(completed),
    }
    return {"contracts": [{"id": contract_id, "awardID": award_id, "implementation": {"documents": [document]}}]}
