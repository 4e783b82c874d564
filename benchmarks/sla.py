"""SLA engine: a month of interval rows (N assets x 30 days x 96 quarter-hours; default 100,000 assets = 288 M
rows, `--quick` = 10 M rows, `--assets N`) written as Parquet in the contract/month layout, then, in the same
run: CivicPact's engine (`month_counts_duckdb`), a bare DuckDB scan that reads and sums the same three columns
(the floor any engine pays), and a straightforward pandas implementation of the same rules in chunks of 20,000
assets (on every asset unless `--pandas-chunks N` asks for a sample of N chunks, extrapolated linearly), whose
counts must equal the engine's. Peak RSS is read before the pandas baseline runs (it is the engine's, with the
batch-wise generation). The last line is machine-readable."""

from __future__ import annotations

import argparse
import math
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from civicpact.domain.performance.counts import AssetCounts
from civicpact.performance.engine import month_counts_duckdb

SLOTS = 30 * 96  # a 30-day month of quarter-hours, every hour a service hour
RECTIFICATION_SLOTS = 16  # 240 minutes of 15
TIERS = 3
MISSING_DATA = "unavailable"  # the demanding rule: missing slots are failed, gaps must be found
BATCH_ASSETS = 2_000  # assets generated (and written to one Parquet file) at a time: 5.76 M rows
PANDAS_CHUNK = 20_000  # assets per pandas chunk
QUICK_ROWS = 10_000_000

T = TypeVar("T")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def generate_batch(rng: np.random.Generator, first: int, count: int) -> pa.Table | None:
    """Rows of assets first ... first+count-1: ~0.5% of slots failed in runs of varied lengths (70% of events
    down, 20% degraded, 10% mixed), ~0.5% of assets with gaps (some at the month's start or end), and about
    one asset in 20,000 with no row at all."""
    assets = np.arange(first, first + count, dtype=np.int32)
    state = np.zeros(count * SLOTS, dtype=np.int8)

    events = rng.poisson(0.8, count)
    n = int(events.sum())
    event_asset = np.repeat(np.arange(count), events)
    lengths = np.where(rng.random(n) < 0.6, rng.integers(1, 13, n), rng.integers(13, 64, n))
    starts = rng.integers(0, SLOTS, n)
    lengths = np.minimum(lengths, SLOTS - starts)  # cut at the month's end
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    positions = np.repeat(event_asset * SLOTS + starts, lengths) + within
    kind = rng.random(n)
    event_state = np.where(kind < 0.7, 1, 2).astype(np.int8)
    slot_state = np.repeat(event_state, lengths)
    mixed = np.repeat(kind >= 0.9, lengths)
    slot_state[mixed] = rng.integers(1, 3, int(mixed.sum()), dtype=np.int8)
    state[positions] = slot_state

    keep = np.ones(count * SLOTS, dtype=bool)
    gappy = np.flatnonzero(rng.random(count) < 0.005)
    for index in gappy:
        for _ in range(int(rng.integers(1, 5))):
            length = int(rng.integers(1, 200))
            start = int(rng.choice([0, SLOTS - length, int(rng.integers(0, SLOTS - length))], p=[0.2, 0.2, 0.6]))
            keep[index * SLOTS + start : index * SLOTS + start + length] = False
    silent = np.flatnonzero(rng.random(count) < 0.00005)
    for index in silent:
        keep[index * SLOTS : (index + 1) * SLOTS] = False

    table = pa.table(
        {
            "asset": pa.array(np.repeat(assets, SLOTS)[keep], pa.int32()),
            "slot": pa.array(np.tile(np.arange(SLOTS, dtype=np.int32), count)[keep], pa.int32()),
            "state": pa.array(state[keep], pa.int8()),
        }
    )
    return table if table.num_rows else None


def generate(root: Path, assets: int, seed: int = 7) -> tuple[Path, int]:
    """Write the month under root/contract=1/month=2026-04/, one file per batch of assets; returns the
    month's directory and its number of rows."""
    month = root / "contract=1" / "month=2026-04"
    month.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    rows = 0
    start = time.perf_counter()
    batches = math.ceil(assets / BATCH_ASSETS)
    for batch in range(batches):
        first = batch * BATCH_ASSETS
        table = generate_batch(rng, first, min(BATCH_ASSETS, assets - first))
        if table is not None:
            pq.write_table(table, month / f"part-{batch:05d}.parquet", row_group_size=1 << 20)
            rows += table.num_rows
        if batch % 5 == 4 or batch == batches - 1:
            print(
                f"  generated {min(first + BATCH_ASSETS, assets):,}/{assets:,} assets, {rows:,} rows "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    return month, rows


def bare_scan(glob: str) -> tuple[Any, ...] | None:
    with duckdb.connect(":memory:") as con:
        return con.execute(
            "SELECT sum(asset), sum(slot), sum(state) FROM read_parquet(?, hive_partitioning = false)", [glob]
        ).fetchone()


def pandas_counts(
    month: Path, register: dict[str, tuple[int, int]], chunk_assets: list[str], *, rectification_slots: int, tiers: int
) -> list[AssetCounts]:
    """The straightforward pandas way, for one chunk of assets (missing slots failed, as in MISSING_DATA):
    read the chunk's rows, put them on the full (asset, slot) grid (a left merge, missing slots get state -1),
    flag failed slots, number runs with shift/cumsum over every slot, group the runs."""
    numbers = np.array([register[asset][0] for asset in chunk_assets])
    slots = np.array([register[asset][1] for asset in chunk_assets])
    rows = pd.read_parquet(
        month,
        columns=["asset", "slot", "state"],
        filters=[("asset", ">=", int(numbers.min())), ("asset", "<=", int(numbers.max()))],
    )
    rows = rows[rows["asset"].isin(numbers)]
    grid = pd.DataFrame(
        {
            "asset": np.repeat(numbers, slots).astype(np.int32),
            "slot": np.concatenate([np.arange(s, dtype=np.int32) for s in slots]),
        }
    )
    grid = grid.merge(rows, on=["asset", "slot"], how="left", sort=True)
    grid["state"] = grid["state"].fillna(-1).astype(np.int8)

    failed = grid["state"] != 0  # 1, 2 and missing (-1)
    same_asset = grid["asset"].eq(grid["asset"].shift())
    starts = failed & ~(failed.shift(fill_value=False) & same_asset)
    grid["event"] = starts.cumsum()
    grid["down"] = grid["state"] == 1
    grid["degraded"] = grid["state"] == 2
    grid["missing"] = grid["state"] == -1
    runs = (
        grid[failed]
        .groupby("event")
        .agg(
            asset=("asset", "first"),
            length=("state", "size"),
            down=("down", "sum"),
            degraded=("degraded", "sum"),
            missing=("missing", "sum"),
        )
    )
    runs["deductible"] = runs["length"] > rectification_slots
    runs["k"] = runs.groupby(["asset", "deductible"]).cumcount() + 1
    runs["tier"] = np.minimum(runs["k"], tiers) - 1

    per_state = grid.groupby(["asset", "state"]).size().unstack(fill_value=0)
    per_state = per_state.reindex(columns=[-1, 0, 1, 2], fill_value=0)
    events = runs.groupby("asset").size()
    rectified = runs[~runs["deductible"]].groupby("asset").size()
    deductible = runs[runs["deductible"]].groupby(["asset", "tier"])[["down", "degraded", "missing"]].sum()

    result = []
    for asset in chunk_assets:
        number, service_slots = register[asset]
        states = per_state.loc[number] if number in per_state.index else None
        missing = int(states[-1]) if states is not None else service_slots
        tier_values = {
            kind: tuple(
                int(deductible.loc[(number, tier), kind]) if (number, tier) in deductible.index else 0
                for tier in range(tiers)
            )
            for kind in ("down", "degraded", "missing")
        }
        result.append(
            AssetCounts(
                asset=asset,
                service_slots=service_slots,
                observed_slots=service_slots - missing,
                up_slots=int(states[0]) if states is not None else 0,
                down_slots=int(states[1]) if states is not None else 0,
                degraded_slots=int(states[2]) if states is not None else 0,
                missing_slots=missing,
                events=int(events.get(number, 0)),
                rectified_events=int(rectified.get(number, 0)),
                deductible_down=tier_values["down"],
                deductible_degraded=tier_values["degraded"],
                deductible_missing=tier_values["missing"],
            )
        )
    return result


def pandas_baseline(
    month: Path, register: dict[str, tuple[int, int]], counts: list[AssetCounts], *, chunks_run: int | None
) -> float:
    """Seconds for chunked pandas on every asset (chunks_run None) or on the first chunks_run chunks,
    extrapolated linearly to every asset; stops the run if pandas and the engine disagree."""
    ids = sorted(register)
    chunks = [ids[i : i + PANDAS_CHUNK] for i in range(0, len(ids), PANDAS_CHUNK)]
    sampled = chunks if chunks_run is None else chunks[:chunks_run]
    by_id = {c.asset: c for c in counts}
    seconds = 0.0
    for chunk in sampled:
        start = time.perf_counter()
        result = pandas_counts(month, register, chunk, rectification_slots=RECTIFICATION_SLOTS, tiers=TIERS)
        seconds += time.perf_counter() - start
        mismatched = [c.asset for c in result if c != by_id[c.asset]]
        if mismatched:
            raise SystemExit(f"pandas and the engine differ on {len(mismatched)} assets, e.g. {mismatched[:3]}")
        print(
            f"  pandas chunk of {len(chunk):,} assets: {time.perf_counter() - start:.1f} s, counts equal the engine's"
        )
    computed = sum(len(chunk) for chunk in sampled)
    if computed == len(ids):
        print(f"chunked pandas on every asset: {seconds:.1f} s")
        return seconds
    print(
        f"chunked pandas: {seconds:.1f} s on a sample of {computed:,} of {len(ids):,} assets, extrapolated linearly "
        f"to {seconds * len(ids) / computed:.1f} s (likely an overestimate: the first chunk also pays the "
        "process's first touch of its memory)"
    )
    return seconds * len(ids) / computed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 M rows (3,473 assets)")
    parser.add_argument("--assets", type=int, default=None, help="number of assets (default 100,000: 288 M rows)")
    parser.add_argument(
        "--pandas-chunks",
        type=int,
        default=None,
        help="run pandas on this many chunks of 20,000 assets only, and extrapolate (default: every chunk)",
    )
    parser.add_argument("--dir", default=None, help="where to write the Parquet files (default: a temp dir)")
    args = parser.parse_args(argv)
    assets = args.assets or (math.ceil(QUICK_ROWS / SLOTS) if args.quick else 100_000)

    root = Path(tempfile.mkdtemp(prefix="civicpact-sla-", dir=args.dir))
    try:
        print(f"generating {assets:,} assets x {SLOTS:,} slots under {root}", flush=True)
        gen_s, (month, rows) = timed(lambda: generate(root, assets))
        size_mb = sum(path.stat().st_size for path in month.iterdir()) / 2**20
        print(f"{rows:,} rows in {gen_s:.0f} s, {size_mb:,.0f} MB of Parquet", flush=True)
        glob = str(month / "*.parquet")
        register = {f"A{number:06d}": (number, SLOTS) for number in range(assets)}

        def engine() -> list[AssetCounts]:
            return month_counts_duckdb(
                glob,
                register=register,
                rectification_slots=RECTIFICATION_SLOTS,
                tiers=TIERS,
                missing_data=MISSING_DATA,
            )

        bare_scan(glob)  # warm-up: the files in the page cache, DuckDB loaded
        scans, runs = [], []
        for _ in range(2):  # interleaved, best of 2 each: a busy neighbour hurts both alike
            scans.append(timed(lambda: bare_scan(glob))[0])
            runs.append(timed(engine))
        scan_s, engine_s, counts = min(scans), min(seconds for seconds, _ in runs), runs[0][1]
        peak_mb = peak_rss_mb()
        print(f"bare DuckDB scan of the three columns: {scan_s:.2f} s (best of 2)")
        print(f"CivicPact engine (DuckDB, {MISSING_DATA}, R={RECTIFICATION_SLOTS}, {TIERS} tiers): {engine_s:.2f} s")
        deductible = sum(sum(c.deductible_down + c.deductible_degraded + c.deductible_missing) for c in counts)
        print(
            f"  {sum(c.events for c in counts):,} events, {deductible:,} deductible slots, "
            f"peak RSS so far {peak_mb:,.0f} MB",
            flush=True,
        )

        pandas_s = pandas_baseline(month, register, counts, chunks_run=None if args.quick else args.pandas_chunks)
        print(f"pandas {pd.__version__}, DuckDB {duckdb.__version__}, pyarrow {pa.__version__}")
        print(f"peak RSS with the pandas baseline: {peak_rss_mb():,.0f} MB")
        print(
            f"RESULT rows={rows} s={engine_s:.3f} scan_s={scan_s:.3f} ratio_vs_scan={engine_s / scan_s:.2f} "
            f"pandas_s={pandas_s:.3f} ratio_vs_pandas={pandas_s / engine_s:.1f} peak_rss_mb={peak_mb:.0f}"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
