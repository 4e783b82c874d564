"""The SLA engine (SQL on DuckDB over Parquet, and on PostgreSQL) against the pure-Python reference, on
hand-made months with their counts written out, and on random months."""

from __future__ import annotations

import os
import random
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicpact.domain.performance.counts import AssetCounts
from civicpact.domain.performance.reference import reference_counts
from civicpact.performance.engine import copy_rows_postgres, month_counts_duckdb, month_counts_postgres, sla_sql
from tests.conftest import service_required

Rows = Sequence[tuple[int, int, int]]
Register = Mapping[str, tuple[int, int]]
MODES = ("unavailable", "available", "excluded")


def arrow_rows(rows: Rows) -> pa.Table:
    return pa.table(
        {
            "asset": pa.array([asset for asset, _slot, _state in rows], pa.int32()),
            "slot": pa.array([slot for _asset, slot, _state in rows], pa.int32()),
            "state": pa.array([state for _asset, _slot, state in rows], pa.int8()),
        }
    )


def write_month(root: Path, rows: Rows, *, files: int = 2) -> str:
    """The rows as Parquet in the contract/month layout, shuffled over `files` files; returns the glob."""
    month = root / "contract=1" / "month=2026-03"
    month.mkdir(parents=True, exist_ok=True)
    shuffled = list(rows)
    random.Random(len(rows)).shuffle(shuffled)
    for index in range(files):
        pq.write_table(arrow_rows(shuffled[index::files]), month / f"part-{index}.parquet")
    return str(month / "*.parquet")


# --- PostgreSQL: the machine's server (DATABASE_URL when it names PostgreSQL), a schema of our own ---------


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def postgres() -> Iterator[tuple[psycopg.Connection[Any], str]]:
    try:
        connection = psycopg.connect(postgres_url(), connect_timeout=3, autocommit=True)
    except psycopg.OperationalError:
        service_required("PostgreSQL")
    schema = f"civicpact_sla_test_{uuid.uuid4().hex[:10]}"
    with connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield connection, schema
        finally:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_counts(
    postgres: tuple[psycopg.Connection[Any], str], rows: Rows, *, register: Register, **rules: Any
) -> list[AssetCounts]:
    connection, schema = postgres
    table = f"{schema}.rows_{uuid.uuid4().hex[:10]}"
    assert copy_rows_postgres(connection, table, arrow_rows(rows)) == len(rows)
    try:
        return month_counts_postgres(connection, table, register=register, **rules)
    finally:
        connection.execute(f'DROP TABLE "{schema}"."{table.split(".")[1]}"')


# --- a hand-made month: R = 3 slots, T = 2 tiers ----------------------------------------------------------

R, T = 3, 2
REGISTER = {
    "a-inside": (1, 20),  # an outage inside the rectification period
    "b-beyond": (2, 20),  # one beyond it
    "c-degraded": (3, 20),  # degraded slots, and an event mixing degraded and down
    "d-gaps": (4, 20),  # missing slots at the month's start, in the middle (next to a failure) and at its end
    "e-repeat": (5, 40),  # repeat failures across the tiers
    "f-silent": (6, 20),  # an asset with no rows
    "g-month-end": (7, 20),  # an event touching the month's last slot
    "h-end-gap": (8, 20),  # down slots, then missing slots to the month's end
}


def month_rows() -> list[tuple[int, int, int]]:
    states: dict[int, dict[int, int]] = {}

    def asset(number: int, slots: int, failures: Mapping[int, int], missing: Sequence[int] = ()) -> None:
        states[number] = {slot: failures.get(slot, 0) for slot in range(slots) if slot not in missing}

    asset(1, 20, {5: 1, 6: 1, 7: 1})
    asset(2, 20, dict.fromkeys(range(2, 8), 1))
    asset(3, 20, {1: 2, 2: 2, **dict.fromkeys(range(10, 15), 2), 15: 1})
    asset(4, 20, {11: 1, 12: 1}, missing=[0, 1, 9, 10, 18, 19])
    asset(
        5,
        40,
        {
            **dict.fromkeys(range(2, 7), 1),  # 1st deductible event: tier 0
            10: 1,
            11: 1,  # rectified: not counted among the deductible events
            **dict.fromkeys(range(15, 20), 2),  # 2nd: tier 1
            **dict.fromkeys(range(25, 29), 1),
            29: 2,  # 3rd: tier 1 (the last tier holds every later event)
            **dict.fromkeys(range(33, 37), 1),  # 4th: tier 1
        },
    )
    asset(7, 20, dict.fromkeys(range(16, 20), 1))
    asset(8, 20, {16: 1, 17: 1}, missing=[18, 19])
    return [(number, slot, state) for number, by_slot in states.items() for slot, state in by_slot.items()]


def counts(
    asset: str,
    slots: int,
    observed: int,
    up: int,
    down: int,
    degraded: int,
    missing: int,
    events: int,
    rectified: int,
    deductible_down: tuple[int, int] = (0, 0),
    deductible_degraded: tuple[int, int] = (0, 0),
    deductible_missing: tuple[int, int] = (0, 0),
) -> AssetCounts:
    return AssetCounts(
        asset=asset,
        service_slots=slots,
        observed_slots=observed,
        up_slots=up,
        down_slots=down,
        degraded_slots=degraded,
        missing_slots=missing,
        events=events,
        rectified_events=rectified,
        deductible_down=deductible_down,
        deductible_degraded=deductible_degraded,
        deductible_missing=deductible_missing,
    )


COMPLETE = [  # the assets without missing slots count alike in every mode
    counts("a-inside", 20, 20, 17, 3, 0, 0, events=1, rectified=1),
    counts("b-beyond", 20, 20, 14, 6, 0, 0, events=1, rectified=0, deductible_down=(6, 0)),
    counts(
        "c-degraded", 20, 20, 12, 1, 7, 0, events=2, rectified=1, deductible_down=(1, 0), deductible_degraded=(5, 0)
    ),
    counts(
        "e-repeat",
        40,
        40,
        19,
        15,  # 5 + 2 + 4 + 4
        6,  # 5 + 1
        0,
        events=5,
        rectified=1,
        deductible_down=(5, 8),
        deductible_degraded=(0, 6),
    ),
    counts("g-month-end", 20, 20, 16, 4, 0, 0, events=1, rectified=0, deductible_down=(4, 0)),
]
EXPECTED = {
    "unavailable": [
        # events 0-1 (missing, rectified), 9-12 (2 missing then 2 down: deductible), 18-19 (missing, rectified)
        counts(
            "d-gaps", 20, 14, 12, 2, 0, 6, events=3, rectified=2, deductible_down=(2, 0), deductible_missing=(2, 0)
        ),
        counts("f-silent", 20, 0, 0, 0, 0, 20, events=1, rectified=0, deductible_missing=(20, 0)),
        counts(
            "h-end-gap", 20, 18, 16, 2, 0, 2, events=1, rectified=0, deductible_down=(2, 0), deductible_missing=(2, 0)
        ),
    ],
    "available": [
        counts("d-gaps", 20, 14, 12, 2, 0, 6, events=1, rectified=1),
        counts("f-silent", 20, 0, 0, 0, 0, 20, events=0, rectified=0),
        counts("h-end-gap", 20, 18, 16, 2, 0, 2, events=1, rectified=1),
    ],
    "excluded": [
        counts("d-gaps", 14, 14, 12, 2, 0, 0, events=1, rectified=1),
        counts("f-silent", 0, 0, 0, 0, 0, 0, events=0, rectified=0),
        counts("h-end-gap", 18, 18, 16, 2, 0, 0, events=1, rectified=1),
    ],
}


def expected(mode: str) -> list[AssetCounts]:
    return sorted([*COMPLETE, *EXPECTED[mode]], key=lambda c: c.asset)


@pytest.mark.parametrize("mode", MODES)
def test_reference_on_the_hand_made_month(mode):
    assert reference_counts(month_rows(), register=REGISTER, rectification_slots=R, tiers=T, missing_data=mode) == (
        expected(mode)
    )


@pytest.mark.parametrize("mode", MODES)
def test_duckdb_on_the_hand_made_month(mode, tmp_path):
    glob = write_month(tmp_path, month_rows())
    result = month_counts_duckdb(glob, register=REGISTER, rectification_slots=R, tiers=T, missing_data=mode)
    assert result == expected(mode)


@pytest.mark.parametrize("mode", MODES)
def test_postgres_on_the_hand_made_month(mode, postgres):
    rules = {"rectification_slots": R, "tiers": T, "missing_data": mode}
    assert postgres_counts(postgres, month_rows(), register=REGISTER, **rules) == expected(mode)


def test_a_longer_rectification_period_and_a_single_tier(tmp_path):
    """R = 5, one tier: b-beyond's 6 slots stay deductible; g-month-end's 4 and all of e-repeat's events
    (2 to 5 slots) are rectified now."""
    glob = write_month(tmp_path, month_rows())
    rules: dict[str, Any] = {"rectification_slots": 5, "tiers": 1, "missing_data": "unavailable"}
    result = {c.asset: c for c in month_counts_duckdb(glob, register=REGISTER, threads=1, **rules)}
    assert list(result.values()) == reference_counts(month_rows(), register=REGISTER, **rules)
    assert (result["b-beyond"].rectified_events, result["b-beyond"].deductible_down) == (0, (6,))
    assert (result["g-month-end"].rectified_events, result["g-month-end"].deductible_down) == (1, (0,))
    assert (result["e-repeat"].events, result["e-repeat"].rectified_events) == (5, 5)
    assert result["e-repeat"].deductible_down == result["e-repeat"].deductible_degraded == (0,)
    assert (result["h-end-gap"].rectified_events, result["h-end-gap"].deductible_missing) == (1, (0,))
    assert result["f-silent"].deductible_missing == (20,)


def test_a_month_without_files(tmp_path):
    glob = str(tmp_path / "contract=1" / "month=2026-03" / "*.parquet")
    rules: dict[str, Any] = {"rectification_slots": R, "tiers": T, "missing_data": "unavailable"}
    result = month_counts_duckdb(glob, register=REGISTER, **rules)
    assert result == reference_counts([], register=REGISTER, **rules)
    assert all(c.events == 1 and c.missing_slots == c.service_slots for c in result)


def test_files_named_with_a_leading_dot_are_not_the_months(tmp_path):
    """As in the telemetry store (`ingest._parquet_files`): a dot-file is not one of the month's files."""
    glob = write_month(tmp_path, month_rows())
    pq.write_table(arrow_rows([(1, 0, 1)]), Path(glob).parent / ".left-over.parquet")
    rules: dict[str, Any] = {"rectification_slots": R, "tiers": T, "missing_data": "unavailable"}
    assert month_counts_duckdb(glob, register=REGISTER, **rules) == expected("unavailable")
    assert month_counts_duckdb("", register=REGISTER, **rules) == reference_counts([], register=REGISTER, **rules)


def test_rows_of_unregistered_assets_are_ignored_by_the_engine_and_refused_by_the_reference(tmp_path):
    rows = [*month_rows(), (99, 0, 1)]
    rules: dict[str, Any] = {"rectification_slots": R, "tiers": T, "missing_data": "unavailable"}
    assert month_counts_duckdb(write_month(tmp_path, rows), register=REGISTER, **rules) == expected("unavailable")
    with pytest.raises(ValueError, match="not in the register"):
        reference_counts(rows, register=REGISTER, **rules)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(1, 20, 0)], "outside 0 ... 19"),
        ([(1, -1, 0)], "outside"),
        ([(1, 0, 3)], "unknown state 3"),
        ([(1, 0, 0), (1, 0, 1)], "two rows for slot 0"),
    ],
)
def test_the_reference_refuses_what_ingest_would_have_refused(rows, message):
    with pytest.raises(ValueError, match=message):
        reference_counts(rows, register=REGISTER, rectification_slots=R, tiers=T, missing_data="available")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"missing_data": "ignored"}, "missing_data must be one of"),
        ({"tiers": 0}, "tiers must be"),
        ({"rectification_slots": -1}, "rectification_slots must be"),
        ({"register": {"x": (1, 20), "y": (1, 20)}}, "share the number 1"),
    ],
)
def test_parameters_are_checked(change, message, tmp_path):
    rules: dict[str, Any] = {"register": REGISTER, "rectification_slots": R, "tiers": T, "missing_data": "available"}
    rules.update(change)
    with pytest.raises(ValueError, match=message):
        reference_counts([], **rules)
    with pytest.raises(ValueError, match=message):
        month_counts_duckdb(str(tmp_path / "*.parquet"), **rules)


def test_the_sql_has_one_column_triple_per_tier():
    text = sla_sql(rows="t", register="g", rectification_slots=16, tiers=3, missing_data="excluded")
    assert "AS missing_2" in text
    assert "missing_3" not in text
    assert "WHERE FALSE AND coalesce" in text  # no gaps to find when missing slots are not failed


# --- random months -----------------------------------------------------------------------------------------

STATE_OR_MISSING = st.sampled_from([0, 0, 0, 1, 2, None])  # None: a missing stretch


@st.composite
def months(draw: st.DrawFn) -> tuple[dict[str, tuple[int, int]], list[tuple[int, int, int]]]:
    """A few assets with S up to 200, their slots laid out as stretches of one state (or missing)."""
    register: dict[str, tuple[int, int]] = {}
    rows: list[tuple[int, int, int]] = []
    numbers = draw(st.lists(st.integers(0, 1000), min_size=1, max_size=4, unique=True))
    for index, number in enumerate(numbers):
        slots = draw(st.integers(0, 200))
        register[f"asset-{index}"] = (number, slots)
        stretches = draw(st.lists(st.tuples(st.integers(1, 25), STATE_OR_MISSING), max_size=25))
        slot = 0
        for length, state in stretches:
            if state is not None:
                rows.extend((number, s, state) for s in range(slot, min(slot + length, slots)))
            slot += length
        rows.extend((number, s, 0) for s in range(slot, slots))  # the rest of the month is up
    return register, rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    month=months(),
    rectification_slots=st.integers(0, 12),
    tiers=st.integers(1, 4),
    mode=st.sampled_from(MODES),
)
def test_duckdb_equals_the_reference_on_random_months(month, rectification_slots, tiers, mode):
    register, rows = month
    rules: dict[str, Any] = {"rectification_slots": rectification_slots, "tiers": tiers, "missing_data": mode}
    with tempfile.TemporaryDirectory() as directory:
        glob = write_month(Path(directory), rows, files=1 + len(rows) % 3) if rows else directory + "/*.parquet"
        assert month_counts_duckdb(glob, register=register, **rules) == reference_counts(
            rows, register=register, **rules
        )


def seeded_month(seed: int) -> tuple[dict[str, tuple[int, int]], list[tuple[int, int, int]]]:
    rng = random.Random(seed)
    register: dict[str, tuple[int, int]] = {}
    rows: list[tuple[int, int, int]] = []
    for index in range(rng.randint(1, 5)):
        number, slots = 10 * index + rng.randint(0, 9), rng.randint(0, 200)
        register[f"asset-{index}"] = (number, slots)
        slot = 0
        while slot < slots:
            length, state = rng.randint(1, 20), rng.choice([0, 0, 0, 1, 2, None])
            if state is not None:
                rows.extend((number, s, state) for s in range(slot, min(slot + length, slots)))
            slot += length
    return register, rows


@pytest.mark.parametrize("seed", range(6))
def test_postgres_equals_duckdb_and_the_reference_on_seeded_months(seed, postgres, tmp_path):
    register, rows = seeded_month(seed)
    rng = random.Random(seed)
    rules: dict[str, Any] = {
        "rectification_slots": rng.randint(0, 10),
        "tiers": rng.randint(1, 3),
        "missing_data": MODES[seed % 3],
    }
    reference = reference_counts(rows, register=register, **rules)
    assert postgres_counts(postgres, rows, register=register, **rules) == reference
    assert month_counts_duckdb(write_month(tmp_path, rows), register=register, **rules) == reference


def test_copy_rows_postgres_streams_a_parquet_glob(postgres, tmp_path):
    connection, schema = postgres
    glob = write_month(tmp_path, month_rows(), files=3)
    table = f"{schema}.from_parquet"
    assert copy_rows_postgres(connection, table, glob) == len(month_rows())
    rules: dict[str, Any] = {"rectification_slots": R, "tiers": T, "missing_data": "unavailable"}
    assert month_counts_postgres(connection, table, register=REGISTER, **rules) == expected("unavailable")
    connection.execute(f'DROP TABLE "{schema}"."from_parquet"')
