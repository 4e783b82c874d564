"""What the SLA engine (SQL over the month's interval rows) hands to the money rules: integers only, so that the
DuckDB and PostgreSQL engines (and the pure-Python reference) are compared on exact numbers.

One `AssetCounts` per asset of the contract's register for a month, including assets with no row at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AssetCounts:
    asset: str  # the asset's id in the contract's register
    service_slots: int  # S: the asset's class's service intervals in the month (from the calendar)
    observed_slots: int  # service intervals with a row (any state)
    up_slots: int  # rows with state 0 (available)
    down_slots: int  # rows with state 1 (unavailable)
    degraded_slots: int  # rows with state 2 (unavailable but used)
    missing_slots: int  # S - observed_slots: intervals without data
    events: int  # outage events: maximal runs of consecutive failed slots (see docs/performance-regime.md)
    rectified_events: int  # events no longer than the rectification period: they cost nothing
    # deductible slots (slots of events longer than the rectification period, counted from each event's start),
    # by ratchet tier (index 0: the asset's 1st deductible event of the month, 1: its 2nd, ... the last tier holds
    # every later event) and by kind of slot:
    deductible_down: tuple[int, ...] = field(default=())
    deductible_degraded: tuple[int, ...] = field(default=())
    deductible_missing: tuple[int, ...] = field(default=())

    @property
    def failed_slots(self) -> int:
        """Unavailable service intervals (missing ones included only where the regime counts them as failed:
        the engine already folds them into events; here they are reported separately)."""
        return self.down_slots + self.degraded_slots


@dataclass(frozen=True)
class OutageEvent:
    """One outage event of an asset in a month (a maximal run of consecutive failed slots), as the engine counts
    it: its slots by kind and its ratchet tier (None: no longer than the rectification period, it costs nothing)."""

    first_slot: int
    slot_count: int
    down: int
    degraded: int
    missing: int
    tier: int | None

    @property
    def last_slot(self) -> int:
        return self.first_slot + self.slot_count - 1

    @property
    def rectified(self) -> bool:
        return self.tier is None


@dataclass(frozen=True)
class AssetMonthRows:
    """One asset's month for its drill-down: the counts, the events they are made of, and the rows (slot, state)."""

    counts: AssetCounts
    events: tuple[OutageEvent, ...]
    states: tuple[tuple[int, int], ...]


def counts_from_events(
    *,
    asset: str,
    service_slots: int,
    states: Sequence[tuple[int, int]],
    events: Sequence[OutageEvent],
    tiers: int,
    missing_data: str,
) -> AssetCounts:
    """An asset's counts from its rows (slot, state) and its outage events: the sums the engine's SQL makes of them
    (its `per_asset` aggregation and `_assemble`), for one asset's drill-down."""
    observed = len(states)
    down = sum(1 for _slot, state in states if state == 1)
    degraded = sum(1 for _slot, state in states if state == 2)
    excluded = missing_data == "excluded"
    return AssetCounts(
        asset=asset,
        service_slots=observed if excluded else service_slots,
        observed_slots=observed,
        up_slots=observed - down - degraded,
        down_slots=down,
        degraded_slots=degraded,
        missing_slots=0 if excluded else service_slots - observed,
        events=len(events),
        rectified_events=sum(1 for event in events if event.rectified),
        deductible_down=tuple(sum(e.down for e in events if e.tier == tier) for tier in range(tiers)),
        deductible_degraded=tuple(sum(e.degraded for e in events if e.tier == tier) for tier in range(tiers)),
        deductible_missing=tuple(sum(e.missing for e in events if e.tier == tier) for tier in range(tiers)),
    )
