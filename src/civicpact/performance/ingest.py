"""Telemetry ingest: readings (CSV, Parquet, NDJSON, MQTT) -> validated readings -> interval rows in Parquet.

No Django here: the contract comes in as plain data (`TelemetryContract`), the store is a directory. The formats,
the rules and the store's layout are documented in docs/telemetry-ingest.md; in short:

- A row is `asset, timestamp, status` or `asset, timestamp, value`. The timestamp must carry its offset. A status
  is up/available/ok (0), down/unavailable/fail (1) or degraded/ubu (2), in any case; a measured value is
  available (0) when `value >= threshold` of the asset's class and unavailable (1) below it.
- A row is rejected, with its row number and a reason saying what to fix, when it cannot be read, names an
  unknown asset, has no time zone, is in the future, lies outside the contract's period, has a malformed status
  or value, or repeats an asset and timestamp of an earlier row of the batch or of a stored reading.
- `samples`: a reading is the state of its measurement interval. `changes`: a reading is a status change that
  holds until the asset's next change (in the batch or stored) or the feed's `until`. Before an asset's first
  change the state is carried from its latest stored change (from the end of what that change's batch covered);
  with none stored, the intervals before the first change have no row (missing). The interval holding a change
  takes part in it (worst state, below).
- Several readings in one interval combine to its worst state (down 1 worse than degraded 2 worse than up 0).
  A later batch's reading for an interval that a stored batch already has is **merged by worst state**: the
  stored row is replaced only when the new state is worse (the older batch's file is rewritten without it, the
  new batch's file has the merged row), so every (asset, slot) has exactly one row across the month's files.
- Each accepted batch is stored all-or-nothing: its accepted readings and its interval rows, per local month,
  as Parquet files named after the batch's content hash, written under temporary names, fsynced, then a journal
  (the commit point), then renamed; an ingest that finds a journal completes it, temporary files without one are
  removed. The same content ingested again is found by its hash and not stored twice.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import math
import os
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]
from numpy.typing import NDArray

from civicpact.domain.performance.calendar import (
    ALL_DAY,
    CalendarInputError,
    MonthCalendar,
    ServiceWindow,
    month_bounds,
    month_key,
    month_of,
    next_month,
    validate_interval,
    validate_windows,
    zone,
)

FEEDS = ("samples", "changes")
UP, DOWN, DEGRADED = 0, 1, 2
STATUS_WORDS: dict[str, int] = {
    "up": UP,
    "available": UP,
    "ok": UP,
    "down": DOWN,
    "unavailable": DOWN,
    "fail": DOWN,
    "degraded": DEGRADED,
    "ubu": DEGRADED,
}
COLUMNS = ("asset", "timestamp", "status", "value")
REPORT_COLUMNS = ("row", "field", "reason", "asset", "timestamp", "status", "value", "raw")
# worst-state order: severity of a state (up 0 < degraded 1 < down 2), and back
SEVERITY = np.array([0, 2, 1], dtype=np.int8)
STATE_OF_SEVERITY = np.array([0, 2, 1], dtype=np.int8)
KIND_SAMPLE, KIND_CHANGE = 0, 1
HASH_FORMAT = b"civicpact-telemetry-batch-1"
MAX_ASSET_NUMBER = 2**31 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_NEVER = np.iinfo(np.int64).max
_CONTRACT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

INTERVAL_SCHEMA = pa.schema([("asset", pa.int32()), ("slot", pa.int32()), ("state", pa.int8())])
READING_SCHEMA = pa.schema(
    [
        ("asset", pa.int32()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("state", pa.int8()),
        ("kind", pa.int8()),  # 0 sample, 1 change
        ("held_until", pa.timestamp("us", tz="UTC")),  # a change: the end of what its batch expanded it to
    ]
)

Progress = Callable[[int, int, str], None]
IntArray = NDArray[np.int64]

# Tests set this to stop an ingest at a stage ("written": temporary files fsynced, no journal yet;
# "committed": journal written, nothing renamed; "applied": the first file renamed into place).
_hook: Callable[[str], None] | None = None


class IngestInputError(ValueError):
    """A problem with the whole input or the contract (not with one row): nothing is ingested."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- the contract, as plain data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetRef:
    number: int  # the asset's number in the contract's register: the stored `asset` column (int32)
    asset_class: str


@dataclass(frozen=True)
class AssetClass:
    windows: tuple[ServiceWindow, ...] = ALL_DAY  # local service hours
    threshold: float | None = None  # measured values: `value >= threshold` is available; None: no values


@dataclass(frozen=True)
class TelemetryContract:
    id: str  # names the partition: contract=<id>
    timezone: str
    interval_minutes: int
    start: datetime  # the contract period, [start, end)
    end: datetime | None
    assets: Mapping[str, AssetRef]  # asset id -> number and class
    classes: Mapping[str, AssetClass]

    def validate(self) -> None:
        if not _CONTRACT_ID.match(self.id):
            raise IngestInputError("contract.id", f"contract.id: {self.id!r} is not usable as a partition name")
        try:
            zone(self.timezone, field="contract.timezone")
            validate_interval(self.interval_minutes, field="contract.interval_minutes")
            for key, asset_class in self.classes.items():
                validate_windows(asset_class.windows, field=f"contract.classes.{key}.windows")
        except CalendarInputError as exc:
            raise IngestInputError(exc.field, str(exc)) from exc
        for name, moment in (("start", self.start), ("end", self.end)):
            if moment is not None and moment.utcoffset() is None:
                raise IngestInputError(f"contract.{name}", f"contract.{name}: {moment} has no time zone")
        if self.end is not None and self.end <= self.start:
            raise IngestInputError("contract.end", "contract.end: the contract ends before it starts")
        numbers: dict[int, str] = {}
        for asset_id, ref in self.assets.items():
            if ref.asset_class not in self.classes:
                raise IngestInputError(
                    f"contract.assets.{asset_id}", f"contract.assets.{asset_id}: unknown class {ref.asset_class!r}"
                )
            if not 0 <= ref.number <= MAX_ASSET_NUMBER:
                raise IngestInputError(
                    f"contract.assets.{asset_id}",
                    f"contract.assets.{asset_id}: number {ref.number} is not an int32 >= 0",
                )
            if ref.number in numbers:
                raise IngestInputError(
                    f"contract.assets.{asset_id}",
                    f"contract.assets.{asset_id}: number {ref.number} is also {numbers[ref.number]!r}'s",
                )
            numbers[ref.number] = asset_id


# --- rows in ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRow:
    row: int  # CSV/NDJSON: the line number in the file (a CSV's header is line 1); otherwise the 1-based row
    values: Mapping[str, Any] | None  # None: the row could not be read (see problem)
    text: str = ""  # the raw text of a row that could not be read
    problem: str = ""


class RowSource(Protocol):
    """Rows of one input; iterable more than once (rejected duplicates are looked up again for the report)."""

    name: str
    total: int  # the size in the unit of `position` (bytes of a text file, rows otherwise)
    position: int

    def __iter__(self) -> Iterator[RawRow]: ...


class CsvSource:
    """A CSV file (UTF-8, optional BOM) with the header asset,timestamp,status and/or value."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, data: bytes | None = None, name: str = ""
    ) -> None:
        if (path is None) == (data is None):
            raise ValueError("give a path or data")
        self.path = Path(path) if path is not None else None
        self.data = data
        self.name = name or (self.path.name if self.path else "upload.csv")
        self.total = self.path.stat().st_size if self.path else len(data or b"")
        self.position = 0

    def _lines(self, handle: IO[bytes]) -> Iterator[str]:
        first = True
        for line in handle:
            self.position += len(line)
            text = line.decode("utf-8", errors="replace")
            if first:
                text, first = text.removeprefix("\ufeff"), False
            yield text

    def __iter__(self) -> Iterator[RawRow]:
        self.position = 0
        with _open(self.path, self.data) as handle:
            reader = csv.reader(self._lines(handle))
            header = next(reader, None)
            if header is None:
                raise IngestInputError("header", f"{self.name}: the file is empty; the first line names the columns")
            names = [h.strip().lower() for h in header]
            _check_columns(names, f"{self.name}: header")
            line = reader.line_num
            for fields in reader:
                row, line = line + 1, reader.line_num
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                if len(fields) != len(names):
                    yield RawRow(
                        row,
                        None,
                        ",".join(fields),
                        f"the row has {len(fields)} fields, the header {len(names)}",
                    )
                    continue
                yield RawRow(row, {k: v for k, v in zip(names, fields, strict=True) if v.strip() != ""})


class NdjsonSource:
    """Newline-delimited JSON: one object per line ({"asset", "timestamp", "status" or "value"}); blank lines skip."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, data: bytes | None = None, name: str = ""
    ) -> None:
        if (path is None) == (data is None):
            raise ValueError("give a path or data")
        self.path = Path(path) if path is not None else None
        self.data = data
        self.name = name or (self.path.name if self.path else "upload.ndjson")
        self.total = self.path.stat().st_size if self.path else len(data or b"")
        self.position = 0

    def __iter__(self) -> Iterator[RawRow]:
        self.position = 0
        with _open(self.path, self.data) as handle:
            for number, line in enumerate(handle, start=1):
                self.position += len(line)
                text = line.decode("utf-8", errors="replace").removeprefix("\ufeff").strip()
                if text:
                    yield _json_row(number, text)


class ObjectSource:
    """Readings already in memory (the HTTP batch endpoint, MQTT): mappings, or JSON texts of one object each."""

    def __init__(self, items: Sequence[Mapping[str, Any] | str], *, name: str = "batch") -> None:
        self.items = items
        self.name = name
        self.total = len(items)
        self.position = 0

    def __iter__(self) -> Iterator[RawRow]:
        self.position = 0
        for number, item in enumerate(self.items, start=1):
            self.position = number
            yield _json_row(number, item) if isinstance(item, str) else RawRow(number, item)


class ParquetSource:
    """A Parquet file with the columns asset, timestamp (tz-aware timestamp or ISO text), status and/or value."""

    def __init__(self, path: str | os.PathLike[str], *, batch_rows: int = 100_000, name: str = "") -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.batch_rows = batch_rows
        try:
            self._file = pq.ParquetFile(self.path)
        except (OSError, pa.ArrowException) as exc:
            raise IngestInputError("file", f"{self.name}: not a readable Parquet file ({exc})") from exc
        self.total = int(self._file.metadata.num_rows)
        self.position = 0

    def __iter__(self) -> Iterator[RawRow]:
        self.position = 0
        names = [n.lower() for n in self._file.schema_arrow.names]
        _check_columns(names, f"{self.name}: columns")
        timestamp_type = self._file.schema_arrow.field(names.index("timestamp")).type
        if pa.types.is_timestamp(timestamp_type) and timestamp_type.tz is None:
            raise IngestInputError(
                "timestamp",
                f"{self.name}: the timestamp column has no time zone (store it as timestamp with tz=UTC)",
            )
        number = 0
        for batch in self._file.iter_batches(batch_size=self.batch_rows):
            columns = {name.lower(): batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}
            for i in range(batch.num_rows):
                number += 1
                yield RawRow(number, {k: v[i] for k, v in columns.items() if v[i] is not None})
            self.position = number


def open_source(path: str | os.PathLike[str], *, format: str | None = None) -> RowSource:
    """A file by its format (csv, ndjson/jsonl/json or parquet), by default from its suffix."""
    path = Path(path)
    kind = (format or path.suffix.lstrip(".")).lower()
    if kind == "csv":
        return CsvSource(path)
    if kind in ("ndjson", "jsonl", "json"):
        return NdjsonSource(path)
    if kind in ("parquet", "pq"):
        return ParquetSource(path)
    raise IngestInputError("format", f"{path.name}: unknown format {kind!r}: use csv, ndjson or parquet")


def _open(path: Path | None, data: bytes | None) -> contextlib.AbstractContextManager[IO[bytes]]:
    if path is not None:
        try:
            return path.open("rb")
        except OSError as exc:
            raise IngestInputError("file", f"cannot read {path}: {exc.strerror}") from exc
    return contextlib.nullcontext(io.BytesIO(data or b""))


def _check_columns(names: Sequence[str], where: str) -> None:
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise IngestInputError(
            "header", f"{where}: unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}"
        )
    if len(set(names)) != len(names):
        raise IngestInputError("header", f"{where}: a column is named twice")
    missing = [n for n in ("asset", "timestamp") if n not in names]
    if missing:
        raise IngestInputError("header", f"{where}: the column {missing[0]!r} is missing")
    if "status" not in names and "value" not in names:
        raise IngestInputError("header", f"{where}: give a status or a value column")


def _json_row(number: int, text: str) -> RawRow:
    try:
        values = json.loads(text)
    except ValueError as exc:
        return RawRow(number, None, text, f"not valid JSON ({exc})")
    if not isinstance(values, dict):
        return RawRow(number, None, text, "not a JSON object: give one object per line")
    return RawRow(number, values)


# --- validation -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str  # the field to fix: asset, timestamp, status, value or row
    reason: str  # what is wrong and what to do
    raw: Mapping[str, Any] | str  # the row's fields as given, or its text when it could not be read

    def as_report_row(self) -> dict[str, str]:
        values = self.raw if isinstance(self.raw, Mapping) else {}
        out = {"row": str(self.row), "field": self.field, "reason": self.reason}
        for key in ("asset", "timestamp", "status", "value"):
            value = values.get(key)
            out[key] = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
        out["raw"] = self.raw if isinstance(self.raw, str) else ""
        return out


@dataclass(frozen=True)
class _Checker:
    contract: TelemetryContract
    now_us: int
    start_us: int
    end_us: int | None
    now: datetime

    def check(self, raw: RawRow) -> tuple[int, int, int] | Rejection:
        """(asset number, UTC microseconds, state), or why not (the first problem found, in column order)."""
        if raw.values is None:
            return Rejection(raw.row, "row", f"the row could not be read: {raw.problem}", raw.text)
        values = raw.values
        problem: tuple[str, str] | None = None
        for key in values:
            if key not in COLUMNS:
                problem = key, f"unknown field {key!r}: a row has asset, timestamp and status or value"
                break
        asset = self._asset(values.get("asset")) if problem is None else problem
        if isinstance(asset, tuple):
            return self._no(raw, *asset)
        ts = self._timestamp(values.get("timestamp"))
        if isinstance(ts, tuple):
            return self._no(raw, *ts)
        state = self._state(values.get("status"), values.get("value"), asset, values.get("asset"))
        if isinstance(state, tuple):
            return self._no(raw, *state)
        return asset.number, ts, state

    def _asset(self, asset_id: Any) -> AssetRef | tuple[str, str]:
        if asset_id is None:
            return "asset", "asset is missing: give the asset's id from the contract's register"
        if not isinstance(asset_id, str):
            return "asset", f"asset must be the asset's id as text, not {asset_id!r}"
        ref = self.contract.assets.get(asset_id.strip())
        if ref is None:
            return "asset", (
                f"unknown asset {asset_id!r}: it is not in the contract's asset register "
                "(check the id, or add the asset to the register first)"
            )
        return ref

    def _timestamp(self, moment: Any) -> int | tuple[str, str]:  # noqa: PLR0911 - one return per rule, in order
        if moment is None:
            return "timestamp", "timestamp is missing: give the reading's date, time and offset"
        if isinstance(moment, str):
            try:
                moment = datetime.fromisoformat(moment.strip())
            except ValueError:
                return "timestamp", (
                    f"timestamp {moment!r} is not an ISO 8601 date and time, e.g. 2027-03-28T01:15:00+00:00"
                )
        if not isinstance(moment, datetime):
            return "timestamp", f"timestamp {moment!r} is not a date and time"
        if moment.utcoffset() is None:
            return "timestamp", f"timestamp {moment.isoformat()} has no time zone: add its offset, e.g. +00:00 or Z"
        ts: int = (moment - _EPOCH) // _US
        if ts > self.now_us:
            return "timestamp", (
                f"timestamp {moment.isoformat()} is in the future (now is {self.now.isoformat()}): check the clock"
            )
        if ts < self.start_us:
            return "timestamp", (
                f"timestamp {moment.isoformat()} is before the contract's start ({self.contract.start.isoformat()})"
            )
        if self.end_us is not None and ts >= self.end_us:
            end = self.contract.end.isoformat() if self.contract.end else ""
            return "timestamp", f"timestamp {moment.isoformat()} is at or after the contract's end ({end})"
        return ts

    def _state(self, status: Any, value: Any, ref: AssetRef, asset_id: Any) -> int | tuple[str, str]:  # noqa: PLR0911
        if status is not None and value is not None:
            return "status", "give a status or a value, not both"
        if status is not None:
            state = STATUS_WORDS.get(status.strip().lower()) if isinstance(status, str) else None
            if state is None:
                return "status", (
                    f"status {status!r} is not a status: use up (available, ok), down (unavailable, fail) "
                    "or degraded (ubu)"
                )
            return state
        if value is None:
            return "status", "give a status (up, down or degraded) or a measured value"
        number = _number(value)
        if number is None:
            return "value", f"value {value!r} is not a finite number"
        threshold = self.contract.classes[ref.asset_class].threshold
        if threshold is None:
            return "value", (
                f"the class {ref.asset_class!r} of asset {asset_id!r} has no threshold for measured values: "
                "send a status"
            )
        return UP if number >= threshold else DOWN

    @staticmethod
    def _no(raw: RawRow, field: str, reason: str) -> Rejection:
        return Rejection(raw.row, field, reason, dict(raw.values or {}))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


# --- the result -------------------------------------------------------------------------------------------------


@dataclass
class IngestResult:
    contract: str
    source: str
    feed: str
    batch: str  # the content hash of the accepted readings ("" when none was accepted)
    rows: int = 0  # rows read
    accepted: int = 0  # readings stored by this ingest
    rejections: list[Rejection] = field(default_factory=list)
    intervals: dict[str, int] = field(default_factory=dict)  # month -> interval rows written by this batch
    merged: dict[str, int] = field(default_factory=dict)  # month -> stored rows made worse by this batch
    outside_service_hours: int = 0  # accepted samples whose interval is not a service interval (no row)
    already_ingested: bool = False  # the same content was stored before: nothing written
    recovered: list[str] = field(default_factory=list)  # what the start-up recovery did

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def summary(self) -> str:
        if self.already_ingested:
            return f"{self.source}: already ingested as batch {self.batch[:12]}; nothing stored again"
        months = ", ".join(f"{m}: {n}" for m, n in sorted(self.intervals.items())) or "none"
        return (
            f"{self.source}: {self.rows} rows, {self.accepted} accepted, {self.rejected} rejected; "
            f"interval rows by month: {months}"
        )


def write_rejection_report(rejections: Iterable[Rejection], out: str | os.PathLike[str] | IO[str]) -> None:
    """The rejection report as CSV: row, field, reason, the row's fields as given, and its text if unreadable."""
    if isinstance(out, str | os.PathLike):
        with Path(out).open("w", newline="", encoding="utf-8") as handle:
            write_rejection_report(rejections, handle)
        return
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS)
    writer.writeheader()
    for rejection in rejections:
        writer.writerow(rejection.as_report_row())


# --- the store --------------------------------------------------------------------------------------------------


def interval_dir(store: str | os.PathLike[str], contract: str, month: str) -> Path:
    """Where a month's interval rows live: <store>/contract=<id>/month=<YYYY-MM>/*.parquet."""
    return Path(store) / f"contract={contract}" / f"month={month}"


def readings_dir(store: str | os.PathLike[str], contract: str, month: str) -> Path:
    """Where a month's accepted readings live: <store>/_readings/contract=<id>/month=<YYYY-MM>/*.parquet."""
    return Path(store) / "_readings" / f"contract={contract}" / f"month={month}"


def _ingest_dir(store: str | os.PathLike[str], contract: str) -> Path:
    return Path(store) / "_ingest" / f"contract={contract}"


def stored_months(store: str | os.PathLike[str], contract: str) -> list[str]:
    root = Path(store) / f"contract={contract}"
    if not root.is_dir():
        return []
    return sorted(p.name.removeprefix("month=") for p in root.glob("month=*") if any(_parquet_files(p)))


def read_month(store: str | os.PathLike[str], contract: str, month: str) -> Any:
    """A month's interval rows (asset, slot, state) as one Arrow table, sorted by asset and slot."""
    files = _parquet_files(interval_dir(store, contract, month))
    if not files:
        return INTERVAL_SCHEMA.empty_table()
    table = pa.concat_tables([pq.read_table(f, schema=INTERVAL_SCHEMA) for f in files])
    return table.sort_by([("asset", "ascending"), ("slot", "ascending")])


def batch_record(store: str | os.PathLike[str], contract: str, batch: str) -> dict[str, Any] | None:
    path = _ingest_dir(store, contract) / "batches" / f"{batch}.json"
    if not path.is_file():
        return None
    record: dict[str, Any] = json.loads(path.read_text())
    return record


@contextlib.contextmanager
def store_lock(store: str | os.PathLike[str], contract: str, *, shared: bool = False) -> Iterator[None]:
    """The contract's store lock: ingests take it exclusively; a reader that must not see a batch half-renamed
    (only possible while an ingest is applying its journal) may take it shared."""
    directory = _ingest_dir(store, contract)
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(store: str | os.PathLike[str], contract: str) -> list[str]:
    """Finish or undo what an interrupted ingest left: journals are completed, stray temporary files removed."""
    with store_lock(store, contract):
        return _recover(Path(store), contract)


def _recover(store: Path, contract: str) -> list[str]:
    done: list[str] = []
    journal_dir = _ingest_dir(store, contract) / "journal"
    for journal in sorted(journal_dir.glob("*.json")) if journal_dir.is_dir() else []:
        entry = json.loads(journal.read_text())
        _apply(store, contract, entry, journal)
        done.append(f"completed batch {entry['batch'][:12]} from its journal")
    for root in (store / f"contract={contract}", store / "_readings" / f"contract={contract}", journal_dir):
        for tmp in sorted(root.rglob("*.tmp")) if root.is_dir() else []:
            tmp.unlink()
            done.append(f"removed {tmp.relative_to(store)} (an ingest stopped before its commit)")
    batches = _ingest_dir(store, contract) / "batches"
    for tmp in sorted(batches.glob("*.tmp")) if batches.is_dir() else []:
        tmp.unlink()
    return done


def _apply(store: Path, contract: str, entry: Mapping[str, Any], journal: Path) -> None:
    """Roll a committed journal forward; idempotent (a crash in here is finished by the next recovery)."""
    directories: set[Path] = set()
    for i, (tmp_rel, final_rel) in enumerate(entry["writes"]):
        tmp, final = store / tmp_rel, store / final_rel
        if tmp.exists():
            os.replace(tmp, final)
            directories.add(final.parent)
            if i == 0:
                _checkpoint("applied")
    for directory in directories:
        _fsync_dir(directory)
    batches = _ingest_dir(store, contract) / "batches"
    batches.mkdir(parents=True, exist_ok=True)
    _write_atomic(batches / f"{entry['batch']}.json", json.dumps(entry["record"], indent=2, sort_keys=True))
    journal.unlink()
    _fsync_dir(journal.parent)


def _parquet_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.parquet") if not p.name.startswith("."))


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    _fsync_file(path)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _checkpoint(stage: str) -> None:
    if _hook is not None:
        _hook(stage)


# --- ingest -----------------------------------------------------------------------------------------------------


def ingest_file(path: str | os.PathLike[str], *, format: str | None = None, **options: Any) -> IngestResult:
    """`ingest` of a CSV, NDJSON or Parquet file (see `open_source`)."""
    return ingest(open_source(path, format=format), **options)


def ingest(
    source: RowSource,
    *,
    contract: TelemetryContract,
    store: str | os.PathLike[str],
    now: datetime,
    feed: str = "samples",
    until: datetime | None = None,
    progress: Progress | None = None,
    rejection_report: str | os.PathLike[str] | None = None,
    chunk_rows: int = 50_000,
) -> IngestResult:
    """Validate the source's rows, and store the accepted ones as one all-or-nothing batch.

    `now` bounds the timestamps (later ones are in the future). For `changes`, `until` is where the last change
    of each asset stops holding (default: now, or the contract's end if earlier).
    """
    contract.validate()
    if feed not in FEEDS:
        raise IngestInputError("feed", f"feed: {feed!r} is not one of {', '.join(FEEDS)}")
    if now.utcoffset() is None:
        raise IngestInputError("now", "now: give an aware date and time")
    if until is not None and until.utcoffset() is None:
        raise IngestInputError("until", "until: give an aware date and time")
    report = progress or (lambda done, total, message: None)
    root = Path(store)
    result = IngestResult(contract=contract.id, source=source.name, feed=feed, batch="")

    # 1. read and check every row; accepted readings go to compact arrays
    checker = _Checker(
        contract,
        now_us=(now - _EPOCH) // _US,
        start_us=(contract.start - _EPOCH) // _US,
        end_us=None if contract.end is None else (contract.end - _EPOCH) // _US,
        now=now,
    )
    assets, stamps, states, rows = array("i"), array("q"), array("b"), array("q")
    report(0, source.total, f"reading {source.name}")
    for raw in source:
        result.rows += 1
        checked = checker.check(raw)
        if isinstance(checked, Rejection):
            result.rejections.append(checked)
        else:
            assets.append(checked[0])
            stamps.append(checked[1])
            states.append(checked[2])
            rows.append(raw.row)
        if result.rows % chunk_rows == 0:
            report(source.position, source.total, f"read {result.rows} rows, {len(result.rejections)} rejected")
    report(source.position, source.total, f"read {result.rows} rows, {len(result.rejections)} rejected")
    batch = _Readings(
        np.frombuffer(assets, dtype=np.int32).astype(np.int64),
        np.frombuffer(stamps, dtype=np.int64).copy(),
        np.frombuffer(states, dtype=np.int8).copy(),
        np.frombuffer(rows, dtype=np.int64).copy(),
    )

    # 2. duplicates within the batch: the later rows of an asset and timestamp go
    batch, repeats = batch.without_repeats()
    lookups: dict[int, str] = {}
    for row, first in repeats.items():
        lookups[row] = f"duplicate: the batch already has a reading of this asset at this time (row {first})"
    if len(batch):
        result.batch = batch.content_hash(contract.id, feed)

    # 3. under the lock: recover, then skip a batch stored before, then store the rest
    with store_lock(root, contract.id):
        _store_batch(
            root, contract, batch, feed=feed, now=now, until=until, result=result, report=report, lookups=lookups
        )
    if lookups:
        result.rejections.extend(_rejections_for(source, lookups, "timestamp"))
    result.rejections.sort(key=lambda r: r.row)
    if rejection_report is not None:
        write_rejection_report(result.rejections, rejection_report)
    report(source.total, source.total, result.summary())
    return result


def _store_batch(
    root: Path,
    contract: TelemetryContract,
    batch: _Readings,
    *,
    feed: str,
    now: datetime,
    until: datetime | None,
    result: IngestResult,
    report: Progress,
    lookups: dict[int, str],
) -> None:
    """Under the store lock: recover, skip a batch stored before, drop readings already stored, store the rest."""
    result.recovered = _recover(root, contract.id)
    if result.batch and batch_record(root, contract.id, result.batch) is not None:
        result.already_ingested = True
        return
    if not len(batch):
        return
    batch, stored_repeats = _without_stored(root, contract, batch)
    for row, stored_batch in stored_repeats.items():
        lookups[row] = (
            "duplicate: a reading of this asset at this time is already stored "
            f"(batch {stored_batch[:12]}); send only new readings"
        )
    if len(batch):
        _store(root, contract, batch, feed=feed, now=now, until=until, result=result, report=report)


def _rejections_for(source: RowSource, reasons: Mapping[int, str], field_name: str) -> Iterator[Rejection]:
    """Read the source again for the raw fields of rows rejected after the first pass."""
    for raw in source:
        reason = reasons.get(raw.row)
        if reason is not None:
            yield Rejection(raw.row, field_name, reason, dict(raw.values or {}))


@dataclass(frozen=True)
class _Readings:
    asset: IntArray  # asset numbers
    ts: IntArray  # UTC microseconds
    state: NDArray[np.int8]
    row: IntArray

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, index: NDArray[Any]) -> _Readings:
        return _Readings(self.asset[index], self.ts[index], self.state[index], self.row[index])

    def without_repeats(self) -> tuple[_Readings, dict[int, int]]:
        """Sorted by asset and time; later rows of the same asset and timestamp removed (row -> first row)."""
        order = np.lexsort((self.row, self.ts, self.asset))
        ordered = self.take(order)
        repeat = np.zeros(len(ordered), dtype=bool)
        repeat[1:] = (ordered.asset[1:] == ordered.asset[:-1]) & (ordered.ts[1:] == ordered.ts[:-1])
        repeats: dict[int, int] = {}
        if repeat.any():
            first = np.maximum.accumulate(np.where(repeat, 0, np.arange(len(ordered))))
            repeats = {int(ordered.row[i]): int(ordered.row[first[i]]) for i in np.flatnonzero(repeat)}
        return ordered.take(~repeat), repeats

    def content_hash(self, contract: str, feed: str) -> str:
        digest = hashlib.sha256(HASH_FORMAT)
        digest.update(f"\0{contract}\0{feed}\0".encode())
        for column in (self.asset.astype("<i8"), self.ts.astype("<i8"), self.state.astype("<i1")):
            digest.update(column.tobytes())
        return digest.hexdigest()


def _stamp_key(asset: IntArray, ts: IntArray) -> NDArray[Any]:
    keys = np.empty(len(ts), dtype=[("asset", "<i8"), ("ts", "<i8")])
    keys["asset"], keys["ts"] = asset, ts
    return keys


def _without_stored(store: Path, contract: TelemetryContract, batch: _Readings) -> tuple[_Readings, dict[int, str]]:
    """Drop the readings whose asset and timestamp are already stored (row -> the stored batch)."""
    months = _months_of(batch.ts, contract.timezone)
    keep = np.ones(len(batch), dtype=bool)
    repeats: dict[int, str] = {}
    wanted = np.unique(batch.asset)
    for month in np.unique(months):
        in_month = np.flatnonzero(months == month)
        keys = _stamp_key(batch.asset[in_month], batch.ts[in_month])
        for path in _parquet_files(readings_dir(store, contract.id, str(month))):
            table = pq.read_table(path, columns=["asset", "ts"])
            stored_asset = table.column("asset").to_numpy().astype(np.int64)
            mask = np.isin(stored_asset, wanted)
            if not mask.any():
                continue
            stored_ts = table.column("ts").cast(pa.int64()).to_numpy()[mask]
            hit = np.isin(keys, _stamp_key(stored_asset[mask], stored_ts))
            for i in in_month[hit]:
                if keep[i]:
                    keep[i] = False
                    repeats[int(batch.row[i])] = path.stem
    return batch.take(keep), repeats


def _months_of(ts: IntArray, tz: str) -> NDArray[np.str_]:
    """Each UTC-microsecond moment's local month, YYYY-MM."""
    if not len(ts):
        return np.array([], dtype="<U7")
    first = month_of(_moment(int(ts.min())), tz)
    last = month_of(_moment(int(ts.max())), tz)
    bounds: list[int] = []
    names: list[str] = []
    year_month = first
    while year_month <= last:
        start, _end = month_bounds(*year_month, tz)
        bounds.append((start - _EPOCH) // _US)
        names.append(month_key(*year_month))
        year_month = next_month(*year_month)
    index = np.searchsorted(np.array(bounds, dtype=np.int64), ts, side="right") - 1
    return np.array(names)[index]


def _moment(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class _Calendars:
    """Service-interval starts (UTC microseconds) per month and class, built once per ingest."""

    def __init__(self, contract: TelemetryContract) -> None:
        self.contract = contract
        self.interval_us = contract.interval_minutes * 60_000_000
        self.class_keys = sorted(contract.classes)
        self._cache: dict[tuple[str, str], IntArray] = {}

    def starts(self, month: str, class_key: str) -> IntArray:
        found = self._cache.get((month, class_key))
        if found is None:
            year, number = (int(part) for part in month.split("-"))
            calendar = MonthCalendar.build(
                year,
                number,
                tz=self.contract.timezone,
                interval_minutes=self.contract.interval_minutes,
                windows=self.contract.classes[class_key].windows,
            )
            found = np.array([(s - _EPOCH) // _US for s in calendar.starts], dtype=np.int64)
            self._cache[(month, class_key)] = found
        return found

    def months(self, first_us: int, last_us: int) -> list[str]:
        year_month = month_of(_moment(first_us), self.contract.timezone)
        last = month_of(_moment(last_us), self.contract.timezone)
        out = []
        while year_month <= last:
            out.append(month_key(*year_month))
            year_month = next_month(*year_month)
        return out


def _asset_classes(contract: TelemetryContract, class_keys: Sequence[str]) -> tuple[IntArray, IntArray]:
    """Sorted asset numbers and their classes' indexes in class_keys, for lookups with searchsorted."""
    pairs = sorted((ref.number, class_keys.index(ref.asset_class)) for ref in contract.assets.values())
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64)


def _expand_samples(
    batch: _Readings, calendars: _Calendars, class_of: IntArray
) -> tuple[dict[str, list[IntArray]], int]:
    """Each sample -> (asset, slot, state) in its month; the count of samples outside service intervals."""
    out: dict[str, list[IntArray]] = {}
    outside = 0
    months = _months_of(batch.ts, calendars.contract.timezone)
    for month in np.unique(months):
        for c, class_key in enumerate(calendars.class_keys):
            index = np.flatnonzero((months == month) & (class_of == c))
            if not len(index):
                continue
            starts = calendars.starts(str(month), class_key)
            ts = batch.ts[index]
            slot = np.searchsorted(starts, ts, side="right") - 1
            inside = slot >= 0
            inside[inside] = ts[inside] < starts[slot[inside]] + calendars.interval_us
            outside += int((~inside).sum())
            index, slot = index[inside], slot[inside]
            out.setdefault(str(month), []).append(
                np.stack([batch.asset[index], slot.astype(np.int64), batch.state[index].astype(np.int64)])
            )
    return out, outside


def _stored_changes(store: Path, contract: str, assets: IntArray) -> dict[int, tuple[IntArray, IntArray, IntArray]]:
    """Stored status changes of the given assets: asset -> (ts, state, held_until), sorted by time."""
    root = Path(store) / "_readings" / f"contract={contract}"
    parts = []
    for path in sorted(root.glob("month=*/*.parquet")) if root.is_dir() else []:
        if path.name.startswith("."):
            continue
        table = pq.read_table(path)
        kind = table.column("kind").to_numpy()
        asset = table.column("asset").to_numpy().astype(np.int64)
        mask = (kind == KIND_CHANGE) & np.isin(asset, assets)
        if mask.any():
            parts.append(
                np.stack(
                    [
                        asset[mask],
                        table.column("ts").cast(pa.int64()).to_numpy()[mask],
                        table.column("state").to_numpy().astype(np.int64)[mask],
                        table.column("held_until").cast(pa.int64()).fill_null(0).to_numpy()[mask],
                    ]
                )
            )
    if not parts:
        return {}
    stacked = np.concatenate(parts, axis=1)
    stacked = stacked[:, np.lexsort((stacked[1], stacked[0]))]
    out = {}
    for asset in np.unique(stacked[0]):
        lo, hi = np.searchsorted(stacked[0], [asset, asset + 1])
        out[int(asset)] = (stacked[1, lo:hi], stacked[2, lo:hi], stacked[3, lo:hi])
    return out


def _change_segments(
    batch: _Readings, stored: Mapping[int, tuple[IntArray, IntArray, IntArray]], until_us: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Each change holds [ts, end): end = the asset's next change (batch or stored) or `until`, at least past ts.

    Returns (asset, start, end, state) of every segment, carried ones included, and each change's end
    (held_until, in the batch's order).
    """
    # batch is sorted by asset, then ts
    end = np.full(len(batch), until_us, dtype=np.int64)
    same = batch.asset[1:] == batch.asset[:-1]
    end[:-1] = np.where(same, np.minimum(batch.ts[1:], until_us), until_us)
    carried: list[tuple[int, int, int, int]] = []
    first_of_asset = np.ones(len(batch), dtype=bool)
    first_of_asset[1:] = ~same
    for i in np.flatnonzero(first_of_asset):
        number = int(batch.asset[i])
        if number not in stored:
            continue
        ts, state, held = stored[number]
        lo, hi = i, i + int(np.searchsorted(batch.asset[i:], number, side="right"))
        nxt = np.searchsorted(ts, batch.ts[lo:hi], side="right")
        has_next = nxt < len(ts)
        end[lo:hi][has_next] = np.minimum(end[lo:hi][has_next], ts[nxt[has_next]])
        before = nxt[0] - 1  # the latest stored change before this asset's first change in the batch
        if before >= 0 and held[before] < batch.ts[lo]:
            carried.append((number, int(held[before]), int(batch.ts[lo]), int(state[before])))
    end = np.maximum(end, batch.ts + 1)
    asset, start, stop, state = batch.asset, batch.ts, end, batch.state.astype(np.int64)
    if carried:
        extra = np.array(carried, dtype=np.int64).T
        asset, start, stop, state = (
            np.concatenate([a, b]) for a, b in zip((asset, start, stop, state), extra, strict=True)
        )
    return asset, start, stop, state, end


def _expand_changes(
    segments: tuple[IntArray, IntArray, IntArray, IntArray], calendars: _Calendars, class_of: IntArray
) -> dict[str, list[IntArray]]:
    """Each segment [start, end) -> (asset, slot, state) for every service interval it touches, month by month."""
    asset, start, stop, state = segments
    out: dict[str, list[IntArray]] = {}
    if not len(asset):
        return out
    for month in calendars.months(int(start.min()), int(stop.max()) - 1):
        for c, class_key in enumerate(calendars.class_keys):
            index = np.flatnonzero(class_of == c)
            if not len(index):
                continue
            starts = calendars.starts(month, class_key)
            lo = np.searchsorted(starts, start[index] - calendars.interval_us, side="right")
            hi = np.searchsorted(starts, stop[index], side="left")
            counts = np.maximum(hi - lo, 0)
            total = int(counts.sum())
            if not total:
                continue
            offsets = np.repeat(np.cumsum(counts) - counts, counts)
            slot = np.arange(total, dtype=np.int64) - offsets + np.repeat(lo, counts)
            out.setdefault(month, []).append(
                np.stack([np.repeat(asset[index], counts), slot, np.repeat(state[index], counts)])
            )
    return out


def _worst(rows: IntArray) -> IntArray:
    """One row per (asset, slot): the worst state of its rows (down over degraded over up)."""
    key = (rows[0] << 32) | rows[1]
    severity = SEVERITY[rows[2]]
    order = np.lexsort((severity, key))
    key, severity, rows = key[order], severity[order], rows[:, order]
    last = np.ones(len(key), dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    out = rows[:, last].copy()
    out[2] = STATE_OF_SEVERITY[severity[last]]
    return out


def _store(
    store: Path,
    contract: TelemetryContract,
    batch: _Readings,
    *,
    feed: str,
    now: datetime,
    until: datetime | None,
    result: IngestResult,
    report: Progress,
) -> None:
    calendars = _Calendars(contract)
    numbers, classes = _asset_classes(contract, calendars.class_keys)
    held_until = np.zeros(len(batch), dtype=np.int64)
    if feed == "samples":
        expanded, result.outside_service_hours = _expand_samples(
            batch, calendars, classes[np.searchsorted(numbers, batch.asset)]
        )
    else:
        limit = now if until is None else until
        if contract.end is not None:
            limit = min(limit, contract.end)
        stored = _stored_changes(store, contract.id, np.unique(batch.asset))
        asset, start, stop, state, held_until = _change_segments(batch, stored, (limit - _EPOCH) // _US)
        expanded = _expand_changes((asset, start, stop, state), calendars, classes[np.searchsorted(numbers, asset)])
    staging = _Staging(store, result.batch)
    try:
        _stage(
            store,
            contract,
            batch,
            staging,
            expanded=expanded,
            held_until=held_until,
            feed=feed,
            now=now,
            until=until,
            result=result,
            report=report,
        )
    except BaseException:
        staging.discard()  # nothing is committed: take the temporary files away now (recovery would, later)
        raise


def _stage(
    store: Path,
    contract: TelemetryContract,
    batch: _Readings,
    staging: _Staging,
    *,
    expanded: Mapping[str, list[IntArray]],
    held_until: IntArray,
    feed: str,
    now: datetime,
    until: datetime | None,
    result: IngestResult,
    report: Progress,
) -> None:
    kind = KIND_SAMPLE if feed == "samples" else KIND_CHANGE

    # the accepted readings, per local month
    months = _months_of(batch.ts, contract.timezone)
    for month in np.unique(months):
        index = np.flatnonzero(months == month)
        table = pa.table(
            {
                "asset": pa.array(batch.asset[index].astype(np.int32)),
                "ts": pa.array(batch.ts[index]).cast(pa.timestamp("us", tz="UTC")),
                "state": pa.array(batch.state[index]),
                "kind": pa.array(np.full(len(index), kind, dtype=np.int8)),
                "held_until": pa.array(
                    held_until[index] if kind == KIND_CHANGE else [None] * len(index), type=pa.int64()
                ).cast(pa.timestamp("us", tz="UTC")),
            },
            schema=READING_SCHEMA,
        )
        staging.add(table, readings_dir(store, contract.id, str(month)) / f"{result.batch}.parquet")

    # the interval rows, per month, merged with the stored ones
    for done, month in enumerate(sorted(expanded), start=1):
        report(done - 1, len(expanded), f"merging month {month}")
        rows = _worst(np.concatenate(expanded[month], axis=1))
        rows, rewrites, merged = _merge_with_stored(interval_dir(store, contract.id, month), rows)
        for path, table in rewrites:
            staging.add(table, path)
        if rows.shape[1]:
            table = pa.table(
                {
                    "asset": pa.array(rows[0].astype(np.int32)),
                    "slot": pa.array(rows[1].astype(np.int32)),
                    "state": pa.array(rows[2].astype(np.int8)),
                },
                schema=INTERVAL_SCHEMA,
            )
            staging.add(table, interval_dir(store, contract.id, month) / f"{result.batch}.parquet")
        result.intervals[month] = int(rows.shape[1])
        if merged:
            result.merged[month] = merged
    result.accepted = len(batch)
    record = {
        "batch": result.batch,
        "contract": contract.id,
        "source": result.source,
        "feed": feed,
        "ingested_at": now.isoformat(),
        "until": None if until is None else until.isoformat(),
        "accepted": result.accepted,
        "intervals": result.intervals,
        "merged": result.merged,
    }
    report(len(expanded), len(expanded), f"committing batch {result.batch[:12]}")
    staging.commit(contract.id, record)


def _merge_with_stored(directory: Path, rows: IntArray) -> tuple[IntArray, list[tuple[Path, Any]], int]:
    """Merge new rows (one per asset and slot) with the month's stored rows by worst state.

    A new row for a stored (asset, slot) is dropped unless its state is worse; then the stored row leaves its
    file (rewritten) and the new row stays. Returns the rows to write, the rewritten files and how many rows
    were made worse.
    """
    key = (rows[0] << 32) | rows[1]
    keep = np.ones(len(key), dtype=bool)
    rewrites: list[tuple[Path, Any]] = []
    merged = 0
    for path in _parquet_files(directory):
        table = pq.read_table(path, schema=INTERVAL_SCHEMA)
        stored_key = (table.column("asset").to_numpy().astype(np.int64) << 32) | table.column("slot").to_numpy()
        _common, new_i, old_i = np.intersect1d(key, stored_key, assume_unique=True, return_indices=True)
        if not len(new_i):
            continue
        stored_state = table.column("state").to_numpy()
        worse = SEVERITY[rows[2][new_i]] > SEVERITY[stored_state[old_i]]
        keep[new_i[~worse]] = False
        if worse.any():
            merged += int(worse.sum())
            drop = np.zeros(table.num_rows, dtype=bool)
            drop[old_i[worse]] = True
            rewrites.append((path, table.filter(pa.array(~drop))))
    return rows[:, keep], rewrites, merged


class _Staging:
    """A batch's files, written under temporary names, then committed all at once through a journal."""

    def __init__(self, store: Path, batch: str) -> None:
        self.store = store
        self.batch = batch
        self.writes: list[tuple[Path, Path]] = []
        self.committed = False
        self.journal_written = False

    def add(self, table: Any, final: Path) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.stem}.{self.batch[:16]}.{os.getpid()}.parquet.tmp")
        pq.write_table(table, tmp)
        _fsync_file(tmp)
        self.writes.append((tmp, final))

    def discard(self) -> None:
        """Remove the temporary files of a batch that was not committed (its journal was never written)."""
        if not self.committed and not self.journal_written:
            for tmp, _final in self.writes:
                tmp.unlink(missing_ok=True)

    def commit(self, contract: str, record: Mapping[str, Any]) -> None:
        for directory in {tmp.parent for tmp, _ in self.writes}:
            _fsync_dir(directory)
        _checkpoint("written")
        journal_dir = _ingest_dir(self.store, contract) / "journal"
        journal_dir.mkdir(parents=True, exist_ok=True)
        entry = {
            "batch": self.batch,
            "writes": [[str(t.relative_to(self.store)), str(f.relative_to(self.store))] for t, f in self.writes],
            "record": record,
        }
        journal = journal_dir / f"{self.batch}.json"
        self.journal_written = True  # from here on, a failure leaves the journal's fate to the next recovery
        _write_atomic(journal, json.dumps(entry, indent=2, sort_keys=True))  # the commit point
        self.committed = True
        _checkpoint("committed")
        _apply(self.store, contract, entry, journal)
