"""Bounded load over loopback on the public portal and the OCDS API: zero failed requests (proof under stress).

A real gunicorn (the deployment's configuration, two sync workers as on this 2-core machine) serves a copy of the
demo city (tests/stress/server.py). The paths are every public page and API answer the demo publishes: the portal's
home, search and lists, each process, contract and supplier page the lists link to, and the OCDS API's release and
record packages, each release and each record. After one warm-up pass over them (every one a 200, which also fills
the compiled-record cache), THREADS threads each send REQUESTS_PER_THREAD requests at once, cycling through the paths
from different starting points. Every answer must be a 200 with a body, and the server must log no error. The
figures (requests, failures, requests/s, p95 latency) are printed for docs/reliability.md; no time is asserted.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stress.server import ON_SQLITE_ONLY, copy_demo, gunicorn, server_errors

THREADS = 8
REQUESTS_PER_THREAD = 150
WORKERS = 2
LISTS = ("/open/projects/", "/open/tenders/", "/open/awards/", "/open/contracts/", "/open/suppliers/")
DETAIL = re.compile(r'href="(/open/(?:projects|contracts|suppliers)/[^"?#]+/)"')

pytestmark = ON_SQLITE_ONLY


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_seeded: Path) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("load")
    log = data_dir / "gunicorn.log"
    with gunicorn(copy_demo(demo_seeded, data_dir), log, workers=WORKERS) as base:
        yield base, log


def _public_paths(client: httpx.Client) -> list[str]:
    """Every public page and OCDS answer of the demo, found by reading the portal and the API as anyone would."""
    pages = ["/open/", "/open/search/?q=lighting", *LISTS]
    for path in LISTS:
        html = client.get(path).text
        pages += sorted(set(DETAIL.findall(html)) - set(pages))
    api = ["/api/v1/ocds/releases", "/api/v1/ocds/records", "/api/v1/ocds/records?versioned=true"]
    releases = client.get("/api/v1/ocds/releases").json()["releases"]
    api += [f"/api/v1/ocds/releases/{r['id']}" for r in releases]
    api += [f"/api/v1/ocds/records/{ocid}" for ocid in sorted({r["ocid"] for r in releases})]
    return pages + api


def test_concurrent_requests_to_the_portal_and_the_ocds_api_all_succeed(server: tuple[str, Path]) -> None:
    base, log = server
    with httpx.Client(base_url=base, timeout=60) as client:
        paths = _public_paths(client)
        for path in paths:  # warm-up: each answers on its own first
            response = client.get(path)
            assert response.status_code == 200, f"{path}: {response.status_code}\n{server_errors(log)}"
    assert len(paths) > 20, paths
    assert any(p.startswith("/open/contracts/") for p in paths), paths
    assert any("/records/" in p for p in paths), paths

    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def load(number: int) -> None:
        mine: list[float] = []
        wrong: list[str] = []
        with httpx.Client(base_url=base, timeout=60) as client:
            start.wait()
            for i in range(REQUESTS_PER_THREAD):
                path = paths[(number * 7 + i) % len(paths)]
                began = time.perf_counter()
                try:
                    response = client.get(path)
                except httpx.HTTPError as error:
                    wrong.append(f"{path}: {type(error).__name__} {error}")
                    continue
                mine.append(time.perf_counter() - began)
                if response.status_code != 200 or not response.content:
                    wrong.append(f"{path}: {response.status_code}, {len(response.content)} bytes")
        with lock:
            latencies.extend(mine)
            failures.extend(wrong)

    threads = [threading.Thread(target=load, args=(n,)) for n in range(THREADS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    total = THREADS * REQUESTS_PER_THREAD
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")
    print(
        f"\nloopback load: {total} requests ({THREADS} threads x {REQUESTS_PER_THREAD}) over {len(paths)} public "
        f"paths, gunicorn {WORKERS} workers: {len(failures)} failed; {total / elapsed:.1f} requests/s over "
        f"{elapsed:.1f} s; latency median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )
    assert not failures, "\n".join(failures[:20]) + "\n" + server_errors(log)
    assert len(latencies) == total
    assert "Internal Server Error" not in log.read_text(errors="replace"), server_errors(log)
