"""The SLA engine: a month's interval rows -> integer counts per asset (`AssetCounts`), in SQL with window
functions, on DuckDB over the month's Parquet files or on PostgreSQL over a table with the same three columns
(asset int32, slot int32, state int8; see docs/performance-regime.md). The pure-Python reference
(`civicpact.domain.performance.reference`) defines the same counts row by row; tests compare the three.

The SQL (`SLA_SQL`) is one text; `sla_sql()` fills in the rows' relation, the register's relation, the
rectification period, the number of ratchet tiers and the missing-data rule. Where the time goes:

- every row is read once for the per-asset row count (the asset column only) and once for the failed rows
  (state <> 0, filtered in the scan; normally well under 1% of the rows, materialised);
- outage events are islands among the failed rows only: consecutive pieces share the key
  `first slot - slots of the asset's earlier pieces` (for single-slot pieces, the classic `slot - row_number()`),
  so the window functions sort only the failed rows, never the whole month;
- missing slots count as failed only with `missing_data: unavailable`, and then only the assets with fewer rows
  than service slots (normally few) have their rows' gaps found (LAG over those assets' rows, with a sentinel at
  slot S for the gap after the last row): complete data never pays for it. A gap is one piece of its length.

Input rows must satisfy what ingest guarantees (one row per asset and slot, 0 <= slot < S, state 0, 1 or 2);
rows of assets that are not in the register are ignored.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import duckdb
import psycopg
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
from psycopg import sql

from civicpact.domain.performance.counts import AssetCounts, AssetMonthRows, OutageEvent, counts_from_events
from civicpact.domain.performance.reference import check_parameters

# the outage events, one row each (`ranked`): the statement's counts below and an asset's drill-down
# (`events_sql`) select from the same text, so the drill-down lists exactly the events the statement counted
EVENTS_SQL = """
WITH
-- rows per asset (any state): the asset column only
totals AS MATERIALIZED (
    SELECT asset, count(*) AS observed
    FROM {rows} AS r
    GROUP BY asset
),
-- the failed rows (state 1 down, 2 degraded): normally well under 1% of the rows
failed AS MATERIALIZED (
    SELECT asset, slot, state
    FROM {rows} AS r
    WHERE state <> 0
),
failed_totals AS (
    SELECT asset,
           count(*) FILTER (WHERE state = 1) AS down,
           count(*) FILTER (WHERE state = 2) AS degraded
    FROM failed
    GROUP BY asset
),
-- when missing slots are failed ones: the assets with fewer rows than service slots
incomplete AS MATERIALIZED (
    SELECT g.asset, g.slots
    FROM {register} AS g
    LEFT JOIN totals AS t ON t.asset = g.asset
    WHERE {missing_failed} AND coalesce(t.observed, 0) < g.slots
),
-- their runs of missing slots: the gap before each row, and before a sentinel at slot S (the month's end)
gaps AS (
    SELECT asset, previous + 1 AS first_slot, slot - previous - 1 AS slot_count
    FROM (
        SELECT asset, slot, lag(slot, 1, -1) OVER (PARTITION BY asset ORDER BY slot) AS previous
        FROM (
            SELECT r.asset, r.slot
            FROM {rows} AS r
            WHERE {missing_failed} AND r.asset IN (SELECT asset FROM incomplete)
            UNION ALL
            SELECT asset, slots AS slot
            FROM incomplete
        ) AS present
    ) AS steps
    WHERE slot - previous > 1
),
-- pieces of failed time: a failed row is one slot of its state; a gap is slot_count missing slots (kind 3)
pieces AS (
    SELECT asset, slot AS first_slot, 1 AS slot_count, state AS kind
    FROM failed
    UNION ALL
    SELECT asset, first_slot, slot_count, 3 AS kind
    FROM gaps
),
-- consecutive pieces share an island: first slot minus the slots of the asset's earlier pieces
islands AS (
    SELECT asset, first_slot, slot_count, kind,
           first_slot + slot_count - sum(slot_count) OVER (
               PARTITION BY asset ORDER BY first_slot ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           ) AS island
    FROM pieces
),
-- outage events: maximal runs of consecutive failed slots
events AS (
    SELECT asset,
           min(first_slot) AS first_slot,
           sum(slot_count) AS slot_count,
           coalesce(sum(slot_count) FILTER (WHERE kind = 1), 0) AS down,
           coalesce(sum(slot_count) FILTER (WHERE kind = 2), 0) AS degraded,
           coalesce(sum(slot_count) FILTER (WHERE kind = 3), 0) AS missing
    FROM islands
    GROUP BY asset, island
),
-- an event longer than the rectification period is deductible; the k-th one goes to tier min(k, T) - 1
ranked AS (
    SELECT asset, first_slot, slot_count, down, degraded, missing,
           CASE WHEN slot_count > {rectification_slots} THEN
               least(
                   row_number() OVER (PARTITION BY asset, slot_count > {rectification_slots} ORDER BY first_slot),
                   {tiers}
               ) - 1
           END AS tier
    FROM events
)"""

# the statement's counts: the events aggregated per asset, joined to the rows' totals
SLA_SQL = (
    EVENTS_SQL  # noqa: S608 - static text; sla_sql fills its placeholders with checked integers and names
    + """,
per_asset AS (
    SELECT asset,
           count(*) AS events,
           count(*) FILTER (WHERE tier IS NULL) AS rectified,
{tier_sums}
    FROM ranked
    GROUP BY asset
)
SELECT g.asset,
       CAST(coalesce(t.observed, 0) AS BIGINT) AS observed,
       CAST(coalesce(f.down, 0) AS BIGINT) AS down,
       CAST(coalesce(f.degraded, 0) AS BIGINT) AS degraded,
       CAST(coalesce(p.events, 0) AS BIGINT) AS events,
       CAST(coalesce(p.rectified, 0) AS BIGINT) AS rectified,
{tier_columns}
FROM {register} AS g
LEFT JOIN totals AS t ON t.asset = g.asset
LEFT JOIN failed_totals AS f ON f.asset = g.asset
LEFT JOIN per_asset AS p ON p.asset = g.asset
"""
)

KINDS = ("down", "degraded", "missing")


def sla_sql(*, rows: str, register: str, rectification_slots: int, tiers: int, missing_data: str) -> str:
    """`SLA_SQL` for a relation of rows (asset, slot, state) and a register relation (asset, slots).

    Output: one row per register asset: asset, observed, down, degraded, events, rectified, then per tier t and
    kind k (down, degraded, missing) the deductible slots `{k}_{t}`. The integers are checked here, not bound:
    they shape the text (the tiers' columns) and let the planners drop the gaps' scan when it cannot match.
    """
    check_parameters({}, rectification_slots=rectification_slots, tiers=tiers, missing_data=missing_data)
    tier_sums = ",\n".join(
        f"           coalesce(sum({kind}) FILTER (WHERE tier = {tier}), 0) AS {kind}_{tier}"
        for tier in range(tiers)
        for kind in KINDS
    )
    tier_columns = ",\n".join(
        f"       CAST(coalesce(p.{kind}_{tier}, 0) AS BIGINT) AS {kind}_{tier}"
        for tier in range(tiers)
        for kind in KINDS
    )
    return SLA_SQL.format(
        rows=rows,
        register=register,
        rectification_slots=int(rectification_slots),
        tiers=int(tiers),
        missing_failed="TRUE" if missing_data == "unavailable" else "FALSE",
        tier_sums=tier_sums,
        tier_columns=tier_columns,
    )


def events_sql(*, rows: str, register: str, rectification_slots: int, tiers: int, missing_data: str) -> str:
    """The outage events themselves, one row each, from the text the counts come from (`EVENTS_SQL`): asset,
    first slot, length in slots, its down, degraded and missing slots, and its ratchet tier (NULL: rectified)."""
    check_parameters({}, rectification_slots=rectification_slots, tiers=tiers, missing_data=missing_data)
    return (
        EVENTS_SQL.format(
            rows=rows,
            register=register,
            rectification_slots=int(rectification_slots),
            tiers=int(tiers),
            missing_failed="TRUE" if missing_data == "unavailable" else "FALSE",
        )
        + """
SELECT CAST(asset AS BIGINT), CAST(first_slot AS BIGINT), CAST(slot_count AS BIGINT), CAST(down AS BIGINT),
       CAST(degraded AS BIGINT), CAST(missing AS BIGINT), CAST(tier AS BIGINT)
FROM ranked
ORDER BY asset, first_slot
"""
    )


@functools.cache
def _shared_database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for the process's drill-downs: opening a database costs tens of milliseconds, a cursor
    on it (its own connection, with its own temporary tables, safe to use from another thread) next to nothing."""
    return duckdb.connect(":memory:", config={"threads": 1})


def asset_month_duckdb(
    parquet_glob: str,
    *,
    asset: str,
    number: int,
    service_slots: int,
    rectification_slots: int,
    tiers: int,
    missing_data: str,
) -> AssetMonthRows:
    """One asset's month from the month's Parquet files: its outage events, its rows (slot, state) and the counts
    they make. The asset's rows are read once, with the filter pushed down into the Parquet scan (row groups of other
    assets are skipped by their statistics); the events are the engine's own SQL (`EVENTS_SQL`) on those rows, and
    the counts are their sums (`counts_from_events`, the engine's `per_asset` aggregation; tests hold both equal to
    `month_counts_duckdb` on hand-made and random months)."""
    check_parameters(
        {asset: (number, service_slots)},
        rectification_slots=rectification_slots,
        tiers=tiers,
        missing_data=missing_data,
    )
    with _shared_database().cursor() as con:
        files = sorted(
            path
            for (path,) in con.execute("SELECT file FROM glob($1)", [parquet_glob]).fetchall()
            if not os.path.basename(path).startswith(".")
        )
        if files:
            con.execute(
                "CREATE TEMP TABLE asset_rows AS SELECT asset, slot, state "
                "FROM read_parquet($1, hive_partitioning = false) WHERE asset = $2",
                [files, number],
            )
        else:  # a month without rows
            con.execute("CREATE TEMP TABLE asset_rows (asset INTEGER, slot INTEGER, state TINYINT)")
        register = f"(SELECT {int(number)} AS asset, {int(service_slots)} AS slots)"
        query = events_sql(
            rows="asset_rows",
            register=register,
            rectification_slots=rectification_slots,
            tiers=tiers,
            missing_data=missing_data,
        )
        events = tuple(
            OutageEvent(first, length, down, degraded, missing, tier)
            for _asset, first, length, down, degraded, missing, tier in con.execute(query).fetchall()
        )
        states = tuple(
            (int(slot), int(state))
            for slot, state in con.execute("SELECT slot, state FROM asset_rows ORDER BY slot").fetchall()
        )
    counts = counts_from_events(
        asset=asset, service_slots=service_slots, states=states, events=events, tiers=tiers, missing_data=missing_data
    )
    return AssetMonthRows(counts=counts, events=events, states=states)


def _assemble(
    results: Iterable[Sequence[Any]], register: Mapping[str, tuple[int, int]], *, missing_data: str
) -> list[AssetCounts]:
    """AssetCounts from the SQL's rows: S from the register (observed rows with `excluded`), up and missing
    slots by difference."""
    asset_of_number = {number: asset_id for asset_id, (number, _slots) in register.items()}
    excluded = missing_data == "excluded"
    counts = []
    for number, observed, down, degraded, events, rectified, *deductible in results:  # BIGINTs: Python ints
        asset_id = asset_of_number[number]
        service_slots = register[asset_id][1]
        counts.append(
            AssetCounts(
                asset=asset_id,
                service_slots=observed if excluded else service_slots,
                observed_slots=observed,
                up_slots=observed - down - degraded,
                down_slots=down,
                degraded_slots=degraded,
                missing_slots=0 if excluded else service_slots - observed,
                events=events,
                rectified_events=rectified,
                deductible_down=tuple(deductible[0::3]),
                deductible_degraded=tuple(deductible[1::3]),
                deductible_missing=tuple(deductible[2::3]),
            )
        )
    if len(counts) != len(register):
        raise RuntimeError(f"the engine returned {len(counts)} assets for a register of {len(register)}")
    return sorted(counts, key=lambda counts: counts.asset)


def _register_table(register: Mapping[str, tuple[int, int]]) -> pa.Table:
    return pa.table(
        {
            "asset": pa.array([number for number, _slots in register.values()], pa.int32()),
            "slots": pa.array([slots for _number, slots in register.values()], pa.int32()),
        }
    )


def month_counts_duckdb(
    parquet_glob: str,
    *,
    register: Mapping[str, tuple[int, int]],
    rectification_slots: int,
    tiers: int,
    missing_data: str,
    threads: int | None = None,
) -> list[AssetCounts]:
    """The month's counts from its Parquet files, e.g. `<dir>/contract=7/month=2026-03/*.parquet` (files named
    with a leading dot are skipped; no file at all, or an empty glob: a month without rows). DuckDB runs in
    process, on `threads` threads (default: all cores)."""
    check_parameters(register, rectification_slots=rectification_slots, tiers=tiers, missing_data=missing_data)
    config: dict[str, str | bool | int | float | list[str]] = {"threads": threads} if threads else {}
    with duckdb.connect(":memory:", config=config) as con:
        con.register("sla_register", _register_table(register))
        # the store's convention (telemetry ingest): files whose names start with a dot are not the month's
        files = sorted(
            path
            for (path,) in con.execute("SELECT file FROM glob($1)", [parquet_glob]).fetchall()
            if not os.path.basename(path).startswith(".")
        )
        parameters = [files] if files else []
        if parameters:
            rows = "read_parquet($1, hive_partitioning = false)"
        else:  # a month without rows
            rows = "(SELECT 0 AS asset, 0 AS slot, CAST(0 AS TINYINT) AS state WHERE FALSE)"
        query = sla_sql(
            rows=rows,
            register="sla_register",
            rectification_slots=rectification_slots,
            tiers=tiers,
            missing_data=missing_data,
        )
        results = con.execute(query, parameters).fetchall()
    return _assemble(results, register, missing_data=missing_data)


def _identifier(table: str) -> sql.Identifier:
    """`table` or `schema.table`, quoted."""
    return sql.Identifier(*table.split("."))


def month_counts_postgres(
    connection: psycopg.Connection[Any],
    table: str,
    *,
    register: Mapping[str, tuple[int, int]],
    rectification_slots: int,
    tiers: int,
    missing_data: str,
) -> list[AssetCounts]:
    """The month's counts from a PostgreSQL table (or view) of its rows: columns asset, slot, state.

    The register goes to a temporary table for the query's duration (in a transaction, or a savepoint when
    the connection is already in one), dropped afterwards."""
    check_parameters(register, rectification_slots=rectification_slots, tiers=tiers, missing_data=missing_data)
    register_table = f"civicpact_sla_register_{uuid.uuid4().hex[:12]}"
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE TEMPORARY TABLE {} (asset integer PRIMARY KEY, slots integer NOT NULL)").format(
                sql.Identifier(register_table)
            )
        )
        with cursor.copy(sql.SQL("COPY {} (asset, slots) FROM STDIN").format(sql.Identifier(register_table))) as copy:
            for number, slots in register.values():
                copy.write_row((number, slots))
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(register_table)))
        query = sla_sql(
            rows=_identifier(table).as_string(connection),
            register=sql.Identifier(register_table).as_string(connection),
            rectification_slots=rectification_slots,
            tiers=tiers,
            missing_data=missing_data,
        )
        cursor.execute(query.encode())  # checked integers and quoted identifiers only: no parameters
        results = cursor.fetchall()
        cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(register_table)))
    return _assemble(results, register, missing_data=missing_data)


def _batches(source: pa.Table | pa.RecordBatchReader | Iterable[pa.RecordBatch] | str) -> Iterator[pa.RecordBatch]:
    if isinstance(source, str):  # a Parquet file or glob, streamed by DuckDB
        with duckdb.connect(":memory:") as con:
            query = "SELECT asset, slot, state FROM read_parquet($1, hive_partitioning = false)"
            yield from con.sql(query, params=[source]).to_arrow_reader(1 << 20)
    elif isinstance(source, pa.Table):
        yield from source.select(["asset", "slot", "state"]).to_batches(max_chunksize=1 << 20)
    else:
        yield from source


def copy_rows_postgres(
    connection: psycopg.Connection[Any],
    table: str,
    source: pa.Table | pa.RecordBatchReader | Iterable[pa.RecordBatch] | str,
    *,
    create: bool = True,
) -> int:
    """Load interval rows into a PostgreSQL table with COPY, batch by batch (never all rows at once).

    `source`: an Arrow table, a record batch reader or iterable of batches (columns asset, slot, state), or a
    Parquet path or glob. With `create`, the table is created first (asset integer, slot integer, state
    smallint). Returns the number of rows copied."""
    target = _identifier(table)
    copied = 0
    with connection.transaction(), connection.cursor() as cursor:
        if create:
            cursor.execute(
                sql.SQL(
                    "CREATE TABLE {} (asset integer NOT NULL, slot integer NOT NULL, state smallint NOT NULL)"
                ).format(target)
            )
        with cursor.copy(sql.SQL("COPY {} (asset, slot, state) FROM STDIN (FORMAT csv)").format(target)) as copy:
            for batch in _batches(source):
                columns = pa.RecordBatch.from_arrays(
                    [batch.column("asset"), batch.column("slot"), batch.column("state")],
                    names=["asset", "slot", "state"],
                )
                sink = pa.BufferOutputStream()
                pa_csv.write_csv(columns, sink, write_options=pa_csv.WriteOptions(include_header=False))
                copy.write(sink.getvalue().to_pybytes())
                copied += batch.num_rows
        cursor.execute(sql.SQL("ANALYZE {}").format(target))
    return copied
