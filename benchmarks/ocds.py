"""OCDS: publish N releases across N/10 contracting processes into a fresh ledger (a temporary SQLite database,
through `ledger.services.release_append`, as the apps publish), then, in the same run and on the same input:

- compile every record with CivicPact's code (`transparency.records.compiled_releases`: read from the ledger, merged
  with ocdsmerge and the patched PPP schema) and with ocdskit's `compile` (`ocdskit.combine.merge`, the function
  behind `ocdskit compile --schema`, given the release package already in memory);
- validate the whole export with libcoveocds offline (`transparency.validate.validate_package`);
- publish one more release to an existing process and re-compile its record (`single_publish_ms`, median of 20).

`python -m benchmarks.ocds [--releases N]` (default 100,000; `--quick` 10,000). The page latency and API
throughput keys of issue 7 need a served deployment under load (wrk) and are reported as `na` here.
The last line is machine-readable."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
RELEASES_PER_PROCESS = 10


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


def single_publish_ms(ocid: str, repeat: int = 20) -> float:
    from civicpact.ledger import services
    from civicpact.transparency import records

    times = []
    for step in range(repeat):
        tags, sections = _sections(0, 5 + step % 5)
        start = time.perf_counter()
        services.release_append(actor=None, ocid=ocid, tags=tags, sections=sections)
        records.record(ocid)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 releases")
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else args.releases
    with tempfile.TemporaryDirectory(prefix="civicpact-bench-ocds-") as data_dir:
        _setup(data_dir)
        from django.conf import settings
        from ocdskit.combine import merge

        from civicpact.transparency import bulk, records, validate

        publish_s, ocids = timed(lambda: publish(n))
        print(f"OCDS, {n:,} releases across {len(ocids):,} processes (SQLite, {data_dir})")
        print(f"  publish (release_append, with the audit chain): {publish_s:.1f} s, {n / publish_s:,.0f} releases/s")
        package = bulk.export_package()
        schema_path = Path(settings.CIVICPACT_OCDS_DIR) / "ppp-profile" / "schema" / "patched" / "release-schema.json"
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        ours_s, compiled = timed(lambda: list(records.compiled_releases()))
        theirs_s, baseline = timed(lambda: list(merge([package], schema=schema)))
        same = sorted(compiled, key=lambda c: c["ocid"]) == sorted(baseline, key=lambda c: c["ocid"])
        print(
            f"  compile {len(compiled):,} records: CivicPact {ours_s:.2f} s ({len(compiled) / ours_s:,.0f}/s, "
            f"reading the ledger); ocdskit compile {theirs_s:.2f} s ({len(baseline) / theirs_s:,.0f}/s, in memory); "
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
        print("  page_p95_ms, api_rps, minimal_rps, api_ratio: na (need a served deployment under wrk; see docs)")
        compile_rate, ocdskit_rate = len(compiled) / ours_s, len(baseline) / theirs_s
        print(
            f"RESULT releases={n} compile_per_s={compile_rate:.0f} ocdskit_per_s={ocdskit_rate:.0f} "
            f"validate_per_s={n / validate_s:.0f} single_publish_ms={single:.1f} page_p95_ms=na api_rps=na "
            "minimal_rps=na api_ratio=na"
        )


if __name__ == "__main__":
    main()
