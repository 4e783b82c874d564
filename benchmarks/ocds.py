"""OCDS: publish N releases across N/10 contracting processes into a fresh ledger (a temporary SQLite database,
through `ledger.services.release_append`, as the apps publish), then, in the same run and on the same input:

- compile every record with CivicPact's code (`compile_per_s`: the ledger's releases streamed by ocid and merged by
  `transparency.records.compile_release`, ocdsmerge with the patched PPP schema) and with ocdskit's `compile`
  (`ocdskit_per_s`: `ocdskit.combine.merge`, the function behind `ocdskit compile --schema`, given the release
  package already in memory); then fill the empty compiled-record cache (`cache_per_s`: the same compile plus the
  portal's summary rows, written to the database: what the first read after a bulk import does);
- validate the whole export with libcoveocds offline (`transparency.validate.validate_package`);
- publish one more release to an existing process and read its record, which recompiles that record alone
  (`single_publish_ms`, median of 20);
- serve the same N releases from PostgreSQL (a database created for the run on 127.0.0.1:5432 and dropped after,
  loaded with bulk inserts, its cache compiled once) with gunicorn, 2 sync workers, and drive it over loopback
  with `wrk` (Debian: `apt-get install wrk`) at 4 connections: the public contract page's p95 latency over 200
  contracts (`page_p95_ms`), the OCDS record list endpoint's throughput over all its pages (`api_rps`) and that
  of a minimal Django view returning the same rows as JSON (`minimal_rps`, benchmarks/ocds_urls.py), run
  alternately twice each, best kept (`api_ratio = api_rps / minimal_rps`).

`python -m benchmarks.ocds [--releases N | --quick] [--seconds S] [--no-serve]` (default 100,000 releases, 15 s
per load run; `--quick` 10,000 releases, 5 s). Without wrk or PostgreSQL the served keys are `na`. The last line
is machine-readable."""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
RELEASES_PER_PROCESS = 10
ROOT = Path(__file__).resolve().parent.parent
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c"]
PAGE_SAMPLE = 200  # contract pages the page latency run cycles through
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p95_us=%d p99_us=%d errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _setup(data_dir: str) -> None:
    os.environ["CIVICPACT_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpact.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _sections(process: int, step: int) -> tuple[list[str], dict[str, Any]]:
    """The step-th release of a process: planning, tender, tender update, award, contract, then implementation
    (a payment, a metric observation) — enough shape for merging and validation to do real work."""
    buyer = {"id": "city", "name": "City of Benchmark"}
    partner = {"id": f"partner-{process % 50}", "name": f"Partner {process % 50}"}
    value = {"amount": 1_000_000.0 + process, "currency": "EUR"}
    parties = [
        {"id": "city", "name": buyer["name"], "roles": ["buyer", "payer", "procuringEntity"]},
        {"id": partner["id"], "name": partner["name"], "roles": ["payee", "privateParty", "supplier", "tenderer"]},
    ]
    if step == 0:
        planning = {"rationale": "Benchmark.", "budget": {"id": f"b-{process}", "amount": value}}
        return ["planning"], {"parties": parties[:1], "buyer": buyer, "planning": planning}
    tender = {
        "id": f"t-{process}",
        "title": f"Process {process}",
        "status": "active" if step < 3 else "complete",
        "value": value,
        "procurementMethod": "open",
        "tenderPeriod": {"startDate": "2026-01-01T00:00:00.000Z", "endDate": "2026-02-01T00:00:00.000Z"},
    }
    if step in (1, 2):
        if step == 2:
            tender["numberOfTenderers"] = 3
        return ["tender" if step == 1 else "tenderUpdate"], {"parties": parties, "buyer": buyer, "tender": tender}
    award = {"id": f"a-{process}", "status": "active", "value": value, "suppliers": [partner]}
    if step == 3:
        return ["award"], {"parties": parties, "tender": tender, "awards": [award]}
    contract: dict[str, Any] = {"id": f"c-{process}", "awardID": award["id"], "status": "active", "value": value}
    if step == 4:
        return ["contract"], {"parties": parties, "contracts": [contract]}
    month = f"2026-{step - 4:02d}"
    contract["implementation"] = {
        "transactions": [
            {
                "id": f"s-{process}-{month}",
                "date": f"{month}-28T00:00:00.000Z",
                "value": {"amount": 8000.0 + step, "currency": "EUR"},
                "payer": buyer,
                "payee": partner,
            }
        ],
        "metrics": [
            {
                "id": "availability",
                "title": "Availability",
                "observations": [
                    {"id": f"availability-{month}", "measure": 99.0 + step / 10, "unit": {"name": "percent"}}
                ],
            }
        ],
    }
    return ["implementation"], {"parties": parties, "contracts": [contract]}


def publish(n: int) -> list[str]:
    from civicpact.ledger import services

    ocids = []
    for process in range(n // RELEASES_PER_PROCESS):
        ocid = services.ocid_mint(actor=None, obj=f"bench.process:{process}", local_id=f"bench-{process}").ocid
        ocids.append(ocid)
        for step in range(RELEASES_PER_PROCESS):
            tags, sections = _sections(process, step)
            services.release_append(actor=None, ocid=ocid, tags=tags, sections=sections)
    return ocids


def compile_from_ledger() -> list[dict[str, Any]]:
    """Every record's compiled release, read from the ledger in one streamed query and merged per ocid."""
    from civicpact.ledger.models import Release
    from civicpact.transparency import records

    out, ocid, bodies = [], None, []
    for row_ocid, body in Release.objects.order_by("ocid", "date").values_list("ocid", "body").iterator(2000):
        if row_ocid != ocid and bodies:
            out.append(records.compile_release(bodies))
            bodies = []
        ocid = row_ocid
        bodies.append(body)
    if bodies:
        out.append(records.compile_release(bodies))
    return out


def single_publish_ms(ocid: str, repeat: int = 20) -> float:
    from civicpact.ledger import services
    from civicpact.transparency import compiled

    times = []
    for step in range(repeat):
        tags, sections = _sections(0, 5 + step % 5)
        start = time.perf_counter()
        services.release_append(actor=None, ocid=ocid, tags=tags, sections=sections)
        compiled.record_get(ocid=ocid)  # finds its own record stale and recompiles it alone
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def load_postgres(n: int, paths_dir: Path) -> None:
    """In the child process on the benchmark's PostgreSQL database: migrate, bulk-insert N releases (the read side does
    not care how they were written; publishing is measured on SQLite), compile the cache once, write the paths."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from civicpact.domain import ocds
    from civicpact.ledger.models import Release
    from civicpact.transparency import compiled

    start, batch = datetime(2026, 1, 1, tzinfo=UTC), []
    processes = n // RELEASES_PER_PROCESS
    for process in range(processes):
        ocid = f"ocds-bench-{process:06d}"
        for step in range(RELEASES_PER_PROCESS):
            tags, sections = _sections(process, step)
            when, release_id = (
                start + timedelta(minutes=process * RELEASES_PER_PROCESS + step),
                f"{ocid}-{step + 1:05d}",
            )
            body = ocds.build_release(ocid=ocid, release_id=release_id, date=when, tags=tags, sections=sections)
            batch.append(Release(ocid=ocid, release_id=release_id, date=when, tags=tags, body=body))
        if len(batch) >= 5_000:
            Release.objects.bulk_create(batch)
            batch = []
    Release.objects.bulk_create(batch)
    compile_s, _ = timed(compiled.records_refresh)
    print(f"  PostgreSQL: {n:,} releases loaded, {processes:,} records compiled into the cache in {compile_s:.1f} s")
    sample = random.Random(7).sample(range(processes), min(PAGE_SAMPLE, processes))
    pages = range(1, -(-processes // 100) + 1)
    (paths_dir / "page").write_text("".join(f"/open/contracts/ocds-bench-{p:06d}/c-{p}/\n" for p in sample))
    (paths_dir / "api").write_text("".join(f"/api/v1/ocds/records?page={k}\n" for k in pages))
    (paths_dir / "minimal").write_text("".join(f"/bench/minimal-records?page={k}\n" for k in pages))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback, our own server)
        return int(response.status)


def _wait_ready(base: str, paths_dir: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(base + "/open/")
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    for kind in ("page", "api", "minimal"):  # every kind answers 200 before it is measured (and warms the workers)
        first = (paths_dir / kind).read_text().split()[0]
        if _get(base + first) != 200:
            raise RuntimeError(f"{first} did not answer 200")


def _wrk(base: str, paths: Path, seconds: int, script: Path) -> dict[str, float]:
    command = ["wrk", "-t2", "-c4", f"-d{seconds}s", "--timeout", "30s", "-s", str(script), base]
    out = subprocess.run(
        command, env={**os.environ, "WRK_PATHS": str(paths)}, capture_output=True, text=True, check=True
    )
    match = re.search(r"BENCH (.*)", out.stdout)
    if match is None:
        raise RuntimeError(f"wrk printed no result: {out.stdout} {out.stderr}")
    values = {k: float(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    if values["errors"]:
        raise RuntimeError(f"{int(values['errors'])} failed requests against {paths.name}")
    return {"rps": values["requests"] / (values["duration_us"] / 1e6), "p95_ms": values["p95_us"] / 1000}


def served(n: int, seconds: int, data_dir: str) -> dict[str, float] | str:
    """The served figures, or why they could not be measured."""
    if shutil.which("wrk") is None:
        return "wrk is not installed (Debian: apt-get install wrk)"
    if shutil.which("psql") is None:
        return "psql is not installed"
    database = f"civicpact_bench_{os.getpid()}"
    try:
        subprocess.run([*PSQL, f"CREATE DATABASE {database}"], check=True, capture_output=True)
    except subprocess.CalledProcessError as error:
        return f"PostgreSQL on 127.0.0.1:5432 refused: {error.stderr.decode().strip()}"
    paths_dir = Path(data_dir) / "paths"
    paths_dir.mkdir()
    script = Path(data_dir) / "paths.lua"
    script.write_text(WRK_SCRIPT)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CIVICPACT_DB_CONN_MAX_AGE": "600",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    try:
        load = [sys.executable, "-m", "benchmarks.ocds", "--releases", str(n), "--load-postgres", str(paths_dir)]
        subprocess.run(load, env=env, cwd=ROOT, check=True)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = [sys.executable, "-m", "gunicorn", "benchmarks.ocds_wsgi:application", "-w", "2", "-k", "sync"]
        server = subprocess.Popen([*gunicorn, "-b", f"127.0.0.1:{port}", "--log-level", "warning"], env=env, cwd=ROOT)
        try:
            _wait_ready(base, paths_dir)
            page = _wrk(base, paths_dir / "page", seconds, script)
            api, minimal = [], []
            for _ in range(2):  # alternately, so that a busy neighbour slows both alike
                api.append(_wrk(base, paths_dir / "api", seconds, script)["rps"])
                minimal.append(_wrk(base, paths_dir / "minimal", seconds, script)["rps"])
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        subprocess.run([*PSQL, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False)
    return {
        "page_p95_ms": page["p95_ms"],
        "page_rps": page["rps"],
        "api_rps": max(api),
        "minimal_rps": max(minimal),
        "api_ratio": max(api) / max(minimal),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 releases, 5 s per load run")
    parser.add_argument("--seconds", type=int, default=0, help="length of each wrk run (default 15, quick 5)")
    parser.add_argument("--no-serve", action="store_true", help="skip the served part (no PostgreSQL, no wrk)")
    parser.add_argument("--load-postgres", type=Path, help=argparse.SUPPRESS)  # the served part's child process
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else args.releases
    if args.load_postgres:
        load_postgres(n, args.load_postgres)
        return
    seconds = args.seconds or (5 if args.quick else 15)
    with tempfile.TemporaryDirectory(prefix="civicpact-bench-ocds-") as data_dir:
        _setup(data_dir)
        from django.conf import settings
        from ocdskit.combine import merge

        from civicpact.transparency import bulk, compiled, validate

        publish_s, ocids = timed(lambda: publish(n))
        print(f"OCDS, {n:,} releases across {len(ocids):,} processes (SQLite, {data_dir})")
        print(f"  publish (release_append, with the audit chain): {publish_s:.1f} s, {n / publish_s:,.0f} releases/s")
        package = bulk.export_package()
        schema_path = Path(settings.CIVICPACT_OCDS_DIR) / "ppp-profile" / "schema" / "patched" / "release-schema.json"
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        ours_s, records = timed(compile_from_ledger)
        theirs_s, baseline = timed(lambda: list(merge([package], schema=schema)))
        cache_s, cached = timed(lambda: list(compiled.compiled_releases()))  # an empty cache: compiles, stores all
        same = sorted(records, key=lambda c: c["ocid"]) == sorted(baseline, key=lambda c: c["ocid"]) == cached
        print(
            f"  compile {len(records):,} records: CivicPact {ours_s:.2f} s ({len(records) / ours_s:,.0f}/s, reading "
            f"the ledger); ocdskit compile {theirs_s:.2f} s ({len(baseline) / theirs_s:,.0f}/s, in memory); the "
            f"compiled-record cache filled {cache_s:.2f} s ({len(cached) / cache_s:,.0f}/s, with the summary rows); "
            f"identical output: {same}"
        )
        validate_s, report = timed(lambda: validate.validate_package(package))
        print(
            f"  libcoveocds validation of the export: {validate_s:.1f} s, {n / validate_s:,.0f} releases/s "
            f"(valid: {report.is_valid}, {len(report.validation_errors)} errors, "
            f"{len(report.additional_fields)} additional fields)"
        )
        single = single_publish_ms(ocids[0])
        print(f"  one new release and its record re-compiled: {single:.1f} ms (median of 20)")
        figures = {"page_p95_ms": "na", "api_rps": "na", "minimal_rps": "na", "api_ratio": "na"}
        if args.no_serve:
            print("  served figures: na (--no-serve)")
        else:
            measured = served(n, seconds, data_dir)
            if isinstance(measured, str):
                print(f"  served figures: na ({measured})")
            else:
                print(
                    f"  gunicorn (2 sync workers) on PostgreSQL, wrk -t2 -c4 -d{seconds}s over loopback: contract "
                    f"page p95 {measured['page_p95_ms']:.1f} ms ({measured['page_rps']:,.0f} req/s); record list "
                    f"{measured['api_rps']:,.1f} req/s against the minimal view's {measured['minimal_rps']:,.1f} "
                    f"({measured['api_ratio']:.0%})"
                )
                figures = {
                    "page_p95_ms": f"{measured['page_p95_ms']:.1f}",
                    "api_rps": f"{measured['api_rps']:.1f}",
                    "minimal_rps": f"{measured['minimal_rps']:.1f}",
                    "api_ratio": f"{measured['api_ratio']:.2f}",
                }
        compile_rate, ocdskit_rate = len(records) / ours_s, len(baseline) / theirs_s
        print(
            f"RESULT releases={n} compile_per_s={compile_rate:.0f} ocdskit_per_s={ocdskit_rate:.0f} "
            f"cache_per_s={len(cached) / cache_s:.0f} "
            f"validate_per_s={n / validate_s:.0f} single_publish_ms={single:.1f} "
            + " ".join(f"{key}={value}" for key, value in figures.items())
        )


if __name__ == "__main__":
    main()
