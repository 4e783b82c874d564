import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]
import pytest
from jsonschema import Draft202012Validator

from civicpact.domain.performance.calendar import MonthCalendar, ServiceWindow
from civicpact.performance import ingest as ingest_module
from civicpact.performance.ingest import (
    AssetClass,
    AssetRef,
    CsvSource,
    IngestInputError,
    NdjsonSource,
    ObjectSource,
    ParquetSource,
    TelemetryContract,
    batch_record,
    ingest,
    ingest_file,
    read_month,
    recover,
    write_rejection_report,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
SCHEMA = ROOT / "src" / "civicpact" / "schemas" / "telemetry-row.schema.json"
LISBON = "Europe/Lisbon"
ZONE = ZoneInfo(LISBON)
NOW = datetime(2027, 11, 15, tzinfo=UTC)

CONTRACT = TelemetryContract(
    id="7",
    timezone=LISBON,
    interval_minutes=15,
    start=datetime(2027, 1, 1, tzinfo=UTC),  # midnight in Lisbon (WET = UTC in winter)
    end=datetime(2028, 1, 1, tzinfo=UTC),
    assets={
        "SL-0001": AssetRef(0, "streetlight"),
        "SL-0002": AssetRef(1, "streetlight"),
        "AQ-0001": AssetRef(2, "sensor"),
        "PK-0001": AssetRef(3, "parking"),
    },
    classes={
        "streetlight": AssetClass(),
        "sensor": AssetClass(threshold=10.0),
        "parking": AssetClass(windows=(ServiceWindow(frozenset(range(5)), 8 * 60, 18 * 60),)),
    },
)


def run(rows, store, feed="samples", **options):
    return ingest(ObjectSource(rows), contract=CONTRACT, store=store, now=NOW, feed=feed, **options)


def reading(asset, timestamp, status=None, value=None):
    row = {"asset": asset, "timestamp": timestamp}
    if status is not None:
        row["status"] = status
    if value is not None:
        row["value"] = value
    return row


def stored(store, month):
    """The month's interval rows as {(asset, slot): state}, checking there is one row per (asset, slot)."""
    table = read_month(store, "7", month)
    rows = list(zip(*(table.column(c).to_pylist() for c in ("asset", "slot", "state")), strict=True))
    assert len({(a, s) for a, s, _ in rows}) == len(rows), "an (asset, slot) has more than one row"
    return {(a, s): state for a, s, state in rows}


def slot(moment, month=None):
    moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = moment.astimezone(ZONE)
    year, number = month or (local.year, local.month)
    return MonthCalendar.build(year, number, tz=LISBON, interval_minutes=15).slot(moment)


def snapshot(store):
    """Every file under the store (but the lock) with its bytes."""
    return {
        str(p.relative_to(store)): p.read_bytes()
        for p in sorted(Path(store).rglob("*"))
        if p.is_file() and p.name != "lock"
    }


# --- validation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ('{"asset": "SL-0001", ', "row", "not valid JSON"),
        ('["SL-0001", "2027-01-05T10:00:00Z", "up"]', "row", "not a JSON object"),
        ({**reading("SL-0001", "2027-01-05T10:00:00Z", "up"), "colour": "red"}, "colour", "unknown field 'colour'"),
        ({"timestamp": "2027-01-05T10:00:00Z", "status": "up"}, "asset", "asset is missing"),
        (reading(17, "2027-01-05T10:00:00Z", "up"), "asset", "asset must be the asset's id as text"),
        (reading("SL-9999", "2027-01-05T10:00:00Z", "up"), "asset", "unknown asset 'SL-9999'"),
        ({"asset": "SL-0001", "status": "up"}, "timestamp", "timestamp is missing"),
        (reading("SL-0001", "5 Jan 2027 10:00", "up"), "timestamp", "is not an ISO 8601 date and time"),
        (reading("SL-0001", 1799150400, "up"), "timestamp", "is not a date and time"),
        (reading("SL-0001", "2027-01-05T10:00:00", "up"), "timestamp", "has no time zone: add its offset"),
        (reading("SL-0001", "2027-11-15T00:00:01Z", "up"), "timestamp", "is in the future (now is 2027-11-15"),
        (reading("SL-0001", "2026-12-31T23:59:59Z", "up"), "timestamp", "is before the contract's start"),
        (reading("SL-0001", "2028-01-01T00:00:00+00:00", "up"), "timestamp", "in the future"),
        (reading("SL-0001", "2027-01-05T10:00:00Z", "up", 12), "status", "give a status or a value, not both"),
        ({"asset": "SL-0001", "timestamp": "2027-01-05T10:00:00Z"}, "status", "give a status (up, down or degraded)"),
        (reading("SL-0001", "2027-01-05T10:00:00Z", "broken"), "status", "status 'broken' is not a status: use up"),
        (reading("SL-0001", "2027-01-05T10:00:00Z", 1), "status", "status 1 is not a status"),
        (reading("AQ-0001", "2027-01-05T10:00:00Z", value="high"), "value", "value 'high' is not a finite number"),
        (reading("AQ-0001", "2027-01-05T10:00:00Z", value=float("nan")), "value", "is not a finite number"),
        (reading("AQ-0001", "2027-01-05T10:00:00Z", value=True), "value", "is not a finite number"),
        (reading("SL-0001", "2027-01-05T10:00:00Z", value=3), "value", "has no threshold for measured values"),
    ],
)
def test_each_bad_row_is_rejected_with_a_reason_naming_the_field(tmp_path, row, field, words):
    good = reading("SL-0002", "2027-01-05T10:00:00Z", "up")
    result = run([good, row], tmp_path)
    assert result.accepted == 1
    assert [(r.row, r.field) for r in result.rejections] == [(2, field)]
    assert words in result.rejections[0].reason
    assert result.rejections[0].raw == row


def test_a_timestamp_at_the_contracts_end_is_outside_it(tmp_path):
    result = ingest(
        ObjectSource([reading("SL-0001", "2028-01-01T00:00:00Z", "up")]),
        contract=CONTRACT,
        store=tmp_path,
        now=datetime(2028, 2, 1, tzinfo=UTC),
    )
    assert "is at or after the contract's end (2028-01-01T00:00:00+00:00)" in result.rejections[0].reason


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("up", 0),
        ("Available", 0),
        ("OK", 0),
        ("down", 1),
        ("UNAVAILABLE", 1),
        ("fail", 1),
        ("degraded", 2),
        (" UBU ", 2),
    ],
)
def test_the_status_vocabulary_is_case_insensitive(tmp_path, status, state):
    run([reading("SL-0001", "2027-01-05T10:00:00Z", status)], tmp_path)
    assert stored(tmp_path, "2027-01") == {(0, 424): state}  # 4 days x 96 + 40 quarter-hours


def test_a_measured_value_at_or_above_the_threshold_is_available(tmp_path):
    run(
        [
            reading("AQ-0001", "2027-01-05T10:00:00Z", value=10),
            reading("AQ-0001", "2027-01-05T10:15:00Z", value="9.99"),
            reading("AQ-0001", "2027-01-05T10:30:00Z", value=55.5),
        ],
        tmp_path,
    )
    assert stored(tmp_path, "2027-01") == {(2, 424): 0, (2, 425): 1, (2, 426): 0}


def test_duplicates_within_the_batch_keep_the_first_row_even_across_offsets(tmp_path):
    result = run(
        [
            reading("SL-0001", "2027-06-05T10:00:00+01:00", "down"),
            reading("SL-0001", "2027-06-05T09:00:00Z", "up"),  # the same moment
            reading("SL-0002", "2027-06-05T09:00:00Z", "up"),  # another asset
        ],
        tmp_path,
    )
    assert result.accepted == 2
    [rejection] = result.rejections
    assert (rejection.row, rejection.field) == (2, "timestamp")
    assert "duplicate: the batch already has a reading of this asset at this time (row 1)" in rejection.reason
    assert stored(tmp_path, "2027-06")[(0, slot("2027-06-05T09:00:00Z"))] == 1


def test_a_reading_already_stored_is_a_duplicate(tmp_path):
    first = run([reading("SL-0001", "2027-01-05T10:00:00Z", "up")], tmp_path)
    second = run(
        [reading("SL-0001", "2027-01-05T10:00:00+00:00", "down"), reading("SL-0001", "2027-01-05T10:20:00Z", "up")],
        tmp_path,
    )
    assert second.accepted == 1
    [rejection] = second.rejections
    assert rejection.row == 1
    assert f"already stored (batch {first.batch[:12]}); send only new readings" in rejection.reason
    assert rejection.raw == {"asset": "SL-0001", "timestamp": "2027-01-05T10:00:00+00:00", "status": "down"}
    assert stored(tmp_path, "2027-01") == {(0, 424): 0, (0, 425): 0}


def test_a_bad_contract_is_refused_naming_the_field(tmp_path):
    from dataclasses import replace

    bad = replace(CONTRACT, assets={"A": AssetRef(0, "streetlight"), "B": AssetRef(0, "streetlight")})
    with pytest.raises(IngestInputError, match="number 0 is also 'A'") as caught:
        ingest(ObjectSource([]), contract=bad, store=tmp_path, now=NOW)
    assert caught.value.field == "contract.assets.B"
    changes: list[tuple[dict[str, Any], str]] = [
        ({"id": "../7"}, "contract.id"),
        ({"interval_minutes": 7}, "contract.interval_minutes"),
        ({"timezone": "Mars/Olympus"}, "contract.timezone"),
        ({"end": datetime(2026, 1, 1, tzinfo=UTC)}, "contract.end"),
    ]
    for change, field in changes:
        with pytest.raises(IngestInputError) as caught:
            ingest(ObjectSource([]), contract=replace(CONTRACT, **change), store=tmp_path, now=NOW)
        assert caught.value.field == field


# --- samples and changes ----------------------------------------------------------------------------------------


def test_samples_in_one_interval_combine_to_the_worst_state(tmp_path):
    run(
        [
            reading("SL-0001", "2027-01-05T10:00:00Z", "up"),
            reading("SL-0001", "2027-01-05T10:05:00Z", "down"),
            reading("SL-0001", "2027-01-05T10:10:00Z", "degraded"),
            reading("SL-0001", "2027-01-05T10:15:00Z", "up"),
            reading("SL-0001", "2027-01-05T10:29:59.999999Z", "degraded"),
            reading("SL-0002", "2027-01-05T10:00:00Z", "degraded"),
            reading("SL-0002", "2027-01-05T10:14:00Z", "up"),
        ],
        tmp_path,
    )
    assert stored(tmp_path, "2027-01") == {(0, 424): 1, (0, 425): 2, (1, 424): 2}


def test_samples_on_the_daylight_saving_days(tmp_path):
    result = run(
        [
            # spring: 00:50 UTC is 00:50 WET, 01:05 UTC is 02:05 WEST: neighbouring intervals
            reading("SL-0001", "2027-03-28T00:50:00Z", "down"),
            reading("SL-0001", "2027-03-28T02:05:00+01:00", "up"),
            # autumn: 01:10 local twice, an hour apart: two intervals, four apart
            reading("SL-0001", "2027-10-31T01:10:00+01:00", "down"),
            reading("SL-0001", "2027-10-31T01:10:00+00:00", "degraded"),
        ],
        tmp_path,
    )
    assert result.intervals == {"2027-03": 2, "2027-10": 2}
    march = 27 * 96
    assert stored(tmp_path, "2027-03") == {(0, march + 3): 1, (0, march + 4): 0}
    october = 30 * 96
    assert stored(tmp_path, "2027-10") == {(0, october + 4): 1, (0, october + 8): 2}


def test_samples_outside_service_hours_are_accepted_without_a_row(tmp_path):
    result = run(
        [
            reading("PK-0001", "2027-01-09T10:00:00Z", "down"),  # a Saturday
            reading("PK-0001", "2027-01-08T07:59:00Z", "down"),  # a Friday, before 08:00
            reading("PK-0001", "2027-01-08T08:00:00Z", "down"),
        ],
        tmp_path,
    )
    assert (result.accepted, result.outside_service_hours) == (3, 1 + 1)
    # 1 January 2027 is a Friday: Friday 1 (40 slots), Monday 4 to Thursday 7 (4 x 40), then Friday 8 at 08:00
    assert stored(tmp_path, "2027-01") == {(3, 200): 1}


def test_a_status_change_holds_until_the_next_change_or_until(tmp_path):
    result = run(
        [
            reading("SL-0001", "2027-01-05T10:50:00Z", "up"),
            reading("SL-0001", "2027-01-05T10:07:00Z", "down"),  # order in the file does not matter
            reading("SL-0002", "2027-01-05T11:00:00Z", "degraded"),
        ],
        tmp_path,
        feed="changes",
        until=datetime(2027, 1, 5, 12, 0, tzinfo=UTC),
    )
    assert result.accepted == 3
    rows = stored(tmp_path, "2027-01")
    # 10:00 (the change happens inside it), 10:15, 10:30 down; 10:45 down then up: down; 11:00 ... 11:45 up
    assert {s: state for (a, s), state in rows.items() if a == 0} == {
        424: 1,
        425: 1,
        426: 1,
        427: 1,
        428: 0,
        429: 0,
        430: 0,
        431: 0,
    }
    # nothing before an asset's first change: those intervals stay missing
    assert {s for (a, s) in rows if a == 1} == {428, 429, 430, 431}


def test_a_change_holds_across_the_autumn_night_and_a_month_end(tmp_path):
    result = run(
        [reading("SL-0001", "2027-10-31T00:00:00Z", "down")],  # 01:00 WEST, the first 01:00
        tmp_path,
        feed="changes",
        until=datetime(2027, 10, 31, 2, 0, tzinfo=UTC),
    )
    assert result.intervals == {"2027-10": 8}  # two hours of real time: 01:00-02:00 local, twice
    assert sorted(stored(tmp_path, "2027-10")) == [(0, 30 * 96 + i) for i in range(4, 12)]
    result = run(
        [reading("SL-0002", "2027-10-31T23:30:00Z", "degraded")],
        tmp_path,
        feed="changes",
        until=datetime(2027, 11, 1, 0, 30, tzinfo=UTC),
    )
    assert result.intervals == {"2027-10": 2, "2027-11": 2}
    assert stored(tmp_path, "2027-11") == {(1, 0): 2, (1, 1): 2}


def test_the_state_before_a_batchs_first_change_is_carried_from_the_stored_changes(tmp_path):
    run(
        [reading("SL-0001", "2027-01-05T10:00:00Z", "down")],
        tmp_path,
        feed="changes",
        until=datetime(2027, 1, 5, 10, 30, tzinfo=UTC),
    )
    assert sorted(stored(tmp_path, "2027-01")) == [(0, 424), (0, 425)]
    # the next batch: the light comes back at 11:20; 10:30 to 11:20 was still down
    result = run(
        [reading("SL-0001", "2027-01-05T11:20:00Z", "up")],
        tmp_path,
        feed="changes",
        until=datetime(2027, 1, 5, 12, 0, tzinfo=UTC),
    )
    assert result.intervals == {"2027-01": 6}
    assert stored(tmp_path, "2027-01") == {
        (0, 424): 1,
        (0, 425): 1,
        (0, 426): 1,  # 10:30 to 11:15: carried
        (0, 427): 1,
        (0, 428): 1,
        (0, 429): 1,  # 11:15: down, then up at 11:20
        (0, 430): 0,
        (0, 431): 0,
    }


def test_a_late_change_stops_at_the_next_stored_change(tmp_path):
    run(
        [reading("SL-0001", "2027-01-05T11:00:00Z", "up")],
        tmp_path,
        feed="changes",
        until=datetime(2027, 1, 5, 11, 30, tzinfo=UTC),
    )
    run(
        [reading("SL-0001", "2027-01-05T10:20:00Z", "down")],
        tmp_path,
        feed="changes",
        until=datetime(2027, 1, 5, 12, 0, tzinfo=UTC),
    )
    assert stored(tmp_path, "2027-01") == {(0, 425): 1, (0, 426): 1, (0, 427): 1, (0, 428): 0, (0, 429): 0}


def test_changes_hold_until_now_by_default_and_not_past_the_contracts_end(tmp_path):
    run([reading("SL-0001", "2027-11-14T23:00:00Z", "up")], tmp_path, feed="changes")
    assert len(stored(tmp_path, "2027-11")) == 4
    late = ingest(
        ObjectSource([reading("SL-0002", "2027-12-31T23:00:00Z", "up")]),
        contract=CONTRACT,
        store=tmp_path,
        now=datetime(2028, 3, 1, tzinfo=UTC),
        feed="changes",
    )
    assert late.intervals == {"2027-12": 4}


# --- merging with the store, idempotence ------------------------------------------------------------------------


def test_a_later_reading_in_a_stored_interval_is_merged_by_worst_state(tmp_path):
    first = run(
        [reading("SL-0001", "2027-01-05T10:00:00Z", "up"), reading("SL-0001", "2027-01-05T10:15:00Z", "down")],
        tmp_path,
    )
    second = run(
        [
            reading("SL-0001", "2027-01-05T10:05:00Z", "degraded"),  # worse than up: replaces the stored row
            reading("SL-0001", "2027-01-05T10:20:00Z", "up"),  # better than down: the stored row stays
            reading("SL-0001", "2027-01-05T10:30:00Z", "up"),  # a new interval
        ],
        tmp_path,
    )
    assert (second.accepted, second.intervals, second.merged) == (3, {"2027-01": 2}, {"2027-01": 1})
    assert stored(tmp_path, "2027-01") == {(0, 424): 2, (0, 425): 1, (0, 426): 0}
    directory = tmp_path / "contract=7" / "month=2027-01"
    assert pq.read_table(directory / f"{first.batch}.parquet").num_rows == 1  # 10:15 down only
    assert pq.read_table(directory / f"{second.batch}.parquet").num_rows == 2


def test_re_ingesting_the_same_file_is_a_no_op(tmp_path):
    path = tmp_path / "telemetry.csv"
    path.write_text(
        "asset,timestamp,status\n"
        "SL-0001,2027-01-05T10:00:00Z,up\n"
        "SL-0001,2027-01-05T10:15:00Z,down\n"
        "SL-9999,2027-01-05T10:15:00Z,down\n"
    )
    store = tmp_path / "store"
    first = ingest_file(path, contract=CONTRACT, store=store, now=NOW)
    before = snapshot(store)
    again = ingest_file(path, contract=CONTRACT, store=store, now=NOW)
    assert again.already_ingested
    assert again.batch == first.batch
    assert "already ingested as batch" in again.summary()
    assert again.accepted == 0
    assert again.intervals == {}
    assert [r.row for r in again.rejections] == [4]  # the rejection report is the same
    assert snapshot(store) == before
    # the same readings in another format are the same batch
    ndjson = tmp_path / "telemetry.ndjson"
    ndjson.write_text(
        json.dumps(reading("SL-0001", "2027-01-05T10:15:00+00:00", "DOWN"))
        + "\n"
        + json.dumps(reading("SL-0001", "2027-01-05T11:00:00+01:00", "ok"))
        + "\n"
    )
    assert ingest_file(ndjson, contract=CONTRACT, store=store, now=NOW).already_ingested
    assert snapshot(store) == before
    assert (batch_record(store, "7", first.batch) or {})["intervals"] == {"2027-01": 2}


def test_a_batch_spanning_two_months_is_one_batch(tmp_path):
    result = run(
        [
            reading("SL-0001", "2027-01-31T23:45:00Z", "down"),
            reading("SL-0001", "2027-02-01T00:00:00Z", "up"),
            reading("AQ-0001", "2027-02-03T00:00:00Z", value=3),
        ],
        tmp_path,
    )
    assert result.intervals == {"2027-01": 1, "2027-02": 2}
    assert stored(tmp_path, "2027-01") == {(0, 31 * 96 - 1): 1}
    assert stored(tmp_path, "2027-02") == {(0, 0): 0, (2, 2 * 96): 1}
    record = batch_record(tmp_path, "7", result.batch) or {}
    assert record["intervals"] == {"2027-01": 1, "2027-02": 2}
    for month in ("2027-01", "2027-02"):
        assert (tmp_path / "contract=7" / f"month={month}" / f"{result.batch}.parquet").is_file()
        assert (tmp_path / "_readings" / "contract=7" / f"month={month}" / f"{result.batch}.parquet").is_file()


def test_accepted_readings_are_kept_as_given_in_utc(tmp_path):
    result = run([reading("AQ-0001", "2027-06-05T10:00:00.250+01:00", value=12)], tmp_path)
    table = pq.read_table(tmp_path / "_readings" / "contract=7" / "month=2027-06" / f"{result.batch}.parquet")
    assert table.column("ts").to_pylist() == [datetime(2027, 6, 5, 9, 0, 0, 250_000, tzinfo=UTC)]
    assert table.column("state").to_pylist() == [0]


# --- formats ----------------------------------------------------------------------------------------------------


def test_csv_rows_are_numbered_by_line_and_a_short_row_is_rejected(tmp_path):
    data = (
        "\ufeffAsset,Timestamp,Status,Value\n"
        "SL-0001,2027-01-05T10:00:00Z,up,\n"
        "\n"
        "AQ-0001,2027-01-05T10:00:00Z,,11\n"
        "SL-0002,2027-01-05T10:00:00Z\n"
        '"SL-0002","2027-01-05T10:15:00Z","sort of\nbroken",\n'
        "SL-0002,2027-01-05T10:30:00Z,down,\n"
    ).encode()
    result = ingest(CsvSource(data=data), contract=CONTRACT, store=tmp_path, now=NOW)
    assert result.accepted == 3
    assert [(r.row, r.field) for r in result.rejections] == [(5, "row"), (6, "status")]
    assert "the row has 2 fields, the header 4" in result.rejections[0].reason
    assert result.rejections[0].raw == "SL-0002,2027-01-05T10:00:00Z"
    assert stored(tmp_path, "2027-01") == {(0, 424): 0, (2, 424): 0, (1, 426): 1}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "the file is empty"),
        (b"asset,time,status\n", "unknown column 'time'"),
        (b"asset,timestamp\n", "give a status or a value column"),
        (b"timestamp,status\n", "the column 'asset' is missing"),
        (b"asset,timestamp,status,status\n", "a column is named twice"),
    ],
)
def test_a_csv_with_a_bad_header_is_refused_whole(tmp_path, data, words):
    with pytest.raises(IngestInputError, match=words) as caught:
        ingest(CsvSource(data=data), contract=CONTRACT, store=tmp_path, now=NOW)
    assert caught.value.field == "header"


def test_parquet_with_aware_or_text_timestamps(tmp_path):
    path = tmp_path / "telemetry.parquet"
    pq.write_table(
        pa.table(
            {
                "asset": ["SL-0001", "SL-0002", "SL-9999"],
                "timestamp": pa.array(
                    [datetime(2027, 1, 5, 10, tzinfo=UTC)] * 3, type=pa.timestamp("ms", tz="Europe/Lisbon")
                ),
                "status": ["up", "down", "up"],
            }
        ),
        path,
    )
    result = ingest_file(path, contract=CONTRACT, store=tmp_path / "a", now=NOW)
    assert (result.rows, result.accepted, [r.row for r in result.rejections]) == (3, 2, [3])
    assert stored(tmp_path / "a", "2027-01") == {(0, 424): 0, (1, 424): 1}
    text = tmp_path / "text.parquet"
    pq.write_table(
        pa.table({"asset": ["AQ-0001"], "timestamp": ["2027-01-05T10:00:00Z"], "value": pa.array([9.5])}), text
    )
    result = ingest(ParquetSource(text, batch_rows=1), contract=CONTRACT, store=tmp_path / "b", now=NOW)
    assert stored(tmp_path / "b", "2027-01") == {(2, 424): 1}


def test_parquet_with_naive_timestamps_is_refused(tmp_path):
    path = tmp_path / "naive.parquet"
    pq.write_table(
        pa.table({"asset": ["SL-0001"], "timestamp": [datetime(2027, 1, 5, 10)], "status": ["up"]}),
        path,
    )
    with pytest.raises(IngestInputError, match="the timestamp column has no time zone"):
        ingest_file(path, contract=CONTRACT, store=tmp_path, now=NOW)
    with pytest.raises(IngestInputError, match="not a readable Parquet file"):
        ingest_file(tmp_path / "no.parquet", contract=CONTRACT, store=tmp_path, now=NOW)
    with pytest.raises(IngestInputError, match="unknown format 'xlsx'"):
        ingest_file(tmp_path / "telemetry.xlsx", contract=CONTRACT, store=tmp_path, now=NOW)


def test_the_rejection_report_is_a_csv_with_the_reason_per_row(tmp_path):
    report = tmp_path / "rejections.csv"
    result = run(
        [
            reading("SL-9999", "2027-01-05T10:00:00Z", "up"),
            "not json",
            reading("SL-0001", "2027-01-05T10:00:00Z", "up"),
        ],
        tmp_path / "store",
        rejection_report=report,
    )
    rows = list(csv.DictReader(io.StringIO(report.read_text())))
    assert [r["row"] for r in rows] == ["1", "2"]
    assert rows[0]["asset"] == "SL-9999"
    assert rows[0]["field"] == "asset"
    assert "unknown asset" in rows[0]["reason"]
    assert rows[1]["raw"] == "not json"
    assert rows[1]["field"] == "row"
    out = io.StringIO()
    write_rejection_report(result.rejections, out)
    assert out.getvalue() == report.read_bytes().decode()


def test_progress_is_reported_up_to_the_total(tmp_path):
    calls = []
    rows = [
        reading("SL-0001", (datetime(2027, 2, 1, tzinfo=UTC) + timedelta(minutes=5 * i)).isoformat(), "up")
        for i in range(250)
    ]
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    ingest(
        NdjsonSource(data=data),
        contract=CONTRACT,
        store=tmp_path,
        now=NOW,
        progress=lambda done, total, message: calls.append((done, total, message)),
        chunk_rows=100,
    )
    dones = [done for done, total, _ in calls if total == len(data)]
    assert dones == sorted(dones)
    assert dones[-1] == len(data)
    assert len(dones) >= 4
    assert "250 rows, 250 accepted, 0 rejected" in calls[-1][2]


# --- examples and schema ----------------------------------------------------------------------------------------


def test_the_examples_are_valid_and_ingest_without_rejections(tmp_path):
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    lines = [json.loads(line) for line in (EXAMPLES / "telemetry.ndjson").read_text().splitlines() if line.strip()]
    assert lines
    for row in lines:
        assert list(validator.iter_errors(row)) == []
    with (EXAMPLES / "telemetry.csv").open() as handle:
        for row in csv.DictReader(handle):
            assert list(validator.iter_errors({k: v for k, v in row.items() if v})) == []
    for name in ("telemetry.csv", "telemetry.ndjson"):
        result = ingest_file(EXAMPLES / name, contract=CONTRACT, store=tmp_path, now=NOW)
        assert result.rejections == []
        assert result.accepted > 0
        assert not result.already_ingested


@pytest.mark.parametrize(
    "row",
    [
        {"asset": "SL-0001", "timestamp": "2027-01-05T10:00:00", "status": "up"},
        {"asset": "SL-0001", "timestamp": "2027-01-05T10:00:00Z", "status": "up", "value": 3},
        {"asset": "SL-0001", "timestamp": "2027-01-05T10:00:00Z", "status": "broken"},
        {"asset": "SL-0001", "timestamp": "2027-01-05T10:00:00Z"},
        {"asset": "SL-0001", "timestamp": "2027-01-05T10:00:00Z", "status": "up", "colour": "red"},
    ],
)
def test_the_schema_refuses_what_the_ingest_rejects(tmp_path, row):
    assert list(Draft202012Validator(json.loads(SCHEMA.read_text())).iter_errors(row))
    assert run([row], tmp_path).rejections


# --- all or nothing ---------------------------------------------------------------------------------------------

CRASH_ROWS = [
    reading("SL-0001", "2027-01-31T23:45:00Z", "down"),  # January: worse than the stored row (a rewrite)
    reading("SL-0002", "2027-02-01T00:00:00Z", "up"),  # February
]
CRASH_SCRIPT = """
import sys, time
from pathlib import Path
from civicpact.performance import ingest as module
from tests.performance.test_ingest import CRASH_ROWS, run

store, stage, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])

def hook(at):
    if at == stage:
        marker.write_text(at)
        time.sleep(120)

module._hook = hook
run(CRASH_ROWS, store)
"""


def _killed_midway(store, stage, tmp_path):
    marker = tmp_path / f"{stage}.marker"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CRASH_SCRIPT, str(store), stage, str(marker)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, "the ingest ended before reaching the stage"
            assert time.monotonic() < deadline, "the ingest never reached the stage"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize(("stage", "whole"), [("written", False), ("committed", True), ("applied", True)])
def test_an_ingest_killed_midway_leaves_the_whole_batch_or_none_of_it(tmp_path, stage, whole):
    store, clean = tmp_path / "store", tmp_path / "clean"
    for target in (store, clean):
        # CRASH_ROWS's January interval is stored as up: the batch makes it worse, rewriting this batch's file
        run(
            [reading("SL-0001", "2027-01-31T23:50:00Z", "up"), reading("SL-0001", "2027-01-31T23:30:00Z", "up")],
            target,
        )
    before = snapshot(store)
    expected = run(CRASH_ROWS, clean)  # the same batch, not interrupted
    assert (expected.intervals, expected.merged) == ({"2027-01": 1, "2027-02": 1}, {"2027-01": 1})
    _killed_midway(store, stage, tmp_path)
    assert snapshot(store) != before  # it was stopped with files half-way
    if whole:
        # the next ingest's recovery finishes the batch from its journal; then the batch is already there
        again = run(CRASH_ROWS, store)
        assert again.already_ingested
        assert again.batch == expected.batch
        assert any("completed batch" in line for line in again.recovered)
        assert snapshot(store) == snapshot(clean)
    else:
        done = recover(store, "7")
        assert done
        assert all("removed" in line for line in done)
        assert snapshot(store) == before
        assert run(CRASH_ROWS, store).intervals == expected.intervals
        assert snapshot(store) == snapshot(clean)
    for month in ("2027-01", "2027-02"):
        assert stored(store, month) == stored(clean, month)


def test_an_ingest_that_fails_before_its_commit_leaves_nothing(tmp_path, monkeypatch):
    run([reading("SL-0001", "2027-01-31T23:50:00Z", "up")], tmp_path)
    before = snapshot(tmp_path)

    def disk_full(stage):
        if stage == "written":
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(ingest_module, "_hook", disk_full)
    with pytest.raises(OSError, match="No space left"):
        run(CRASH_ROWS, tmp_path)
    assert snapshot(tmp_path) == before
    monkeypatch.setattr(ingest_module, "_hook", None)
    assert run(CRASH_ROWS, tmp_path).intervals == {"2027-01": 1, "2027-02": 1}
