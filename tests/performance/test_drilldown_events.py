"""An asset's drill-down events (the engine's own SQL, one asset, filter pushed into the Parquet scan) add up
exactly to the counts the statement is made of: on the hand-made month and on random months."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicpact.domain.performance.counts import AssetCounts, OutageEvent
from civicpact.performance.engine import asset_month_duckdb, events_sql, month_counts_duckdb
from tests.performance.test_engine import MODES, REGISTER, R, T, month_rows, months, write_month


def assert_events_add_up(events: Sequence[OutageEvent], counts: AssetCounts, tiers: int) -> None:
    """The events' slots, tier by tier and kind by kind, are the counts' deductible slots; their number and the
    rectified ones are the counts' events; a rectified event is never longer than a deductible one is short."""
    assert len(events) == counts.events
    assert sum(1 for e in events if e.rectified) == counts.rectified_events
    for tier in range(tiers):
        in_tier = [e for e in events if e.tier == tier]
        assert sum(e.down for e in in_tier) == (counts.deductible_down + (0,) * tiers)[tier]
        assert sum(e.degraded for e in in_tier) == (counts.deductible_degraded + (0,) * tiers)[tier]
        assert sum(e.missing for e in in_tier) == (counts.deductible_missing + (0,) * tiers)[tier]
    for event in events:
        assert event.slot_count == event.down + event.degraded + event.missing
    # events are disjoint, in slot order, and never touch (touching runs are one event)
    for before, after in itertools.pairwise(events):
        assert after.first_slot > before.last_slot + 1
    # every down or degraded row is in an event
    assert sum(e.down for e in events) == counts.down_slots
    assert sum(e.degraded for e in events) == counts.degraded_slots


def drill(glob: str, register: dict[str, tuple[int, int]], asset: str, **rules: Any) -> Any:
    number, slots = register[asset]
    return asset_month_duckdb(glob, asset=asset, number=number, service_slots=slots, **rules)


@pytest.mark.parametrize("mode", MODES)
def test_each_asset_of_the_hand_made_month_drills_down_to_its_counts(mode, tmp_path):
    glob = write_month(tmp_path, month_rows())
    rules: dict[str, Any] = {"rectification_slots": R, "tiers": T, "missing_data": mode}
    statement = {c.asset: c for c in month_counts_duckdb(glob, register=REGISTER, **rules)}
    for asset in REGISTER:
        month = drill(glob, REGISTER, asset, **rules)
        assert month.counts == statement[asset]
        assert_events_add_up(month.events, month.counts, T)
        assert [s for s, _state in month.states] == sorted(s for s, _state in month.states)


def test_the_hand_made_month_has_the_cases_the_statement_names(tmp_path):
    """Rectified and deductible events, degraded (ubu) slots and the ratchet's second tier are all drilled to."""
    glob = write_month(tmp_path, month_rows())
    rules: dict[str, Any] = {"rectification_slots": R, "tiers": T, "missing_data": "unavailable"}
    events = [e for asset in REGISTER for e in drill(glob, REGISTER, asset, **rules).events]
    assert any(e.rectified for e in events)
    assert any(e.tier == 0 for e in events)
    assert any(e.tier == 1 for e in events)
    assert any(e.degraded and e.tier is not None for e in events)
    assert any(e.missing and e.tier is not None for e in events)


def test_a_month_without_files_has_no_event(tmp_path):
    month = asset_month_duckdb(
        str(tmp_path / "*.parquet"),
        asset="a",
        number=3,
        service_slots=10,
        rectification_slots=2,
        tiers=2,
        missing_data="unavailable",
    )
    assert month.counts.missing_slots == 10
    assert [(e.first_slot, e.slot_count, e.missing, e.tier) for e in month.events] == [(0, 10, 10, 0)]
    assert month.states == ()


def test_the_events_query_is_the_counts_query_without_its_aggregation():
    text = events_sql(rows="t", register="g", rectification_slots=4, tiers=3, missing_data="available")
    assert "FROM ranked" in text
    assert "per_asset" not in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    month=months(),
    rectification_slots=st.integers(0, 12),
    tiers=st.integers(1, 4),
    mode=st.sampled_from(MODES),
)
def test_on_random_months_every_assets_events_add_up_to_the_statements_counts(month, rectification_slots, tiers, mode):
    register, rows = month
    rules: dict[str, Any] = {"rectification_slots": rectification_slots, "tiers": tiers, "missing_data": mode}
    with tempfile.TemporaryDirectory() as directory:
        glob = write_month(Path(directory), rows, files=1 + len(rows) % 3) if rows else directory + "/*.parquet"
        statement = {c.asset: c for c in month_counts_duckdb(glob, register=register, **rules)}
        for asset in register:
            drilled = drill(glob, register, asset, **rules)
            assert drilled.counts == statement[asset]
            assert_events_add_up(drilled.events, drilled.counts, tiers)
