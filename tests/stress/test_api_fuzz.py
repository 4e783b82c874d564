"""Schemathesis over the whole OpenAPI document: zero server errors (issue 8, proof under stress).

A real server (gunicorn, one worker, so that requests reach the SQLite file one at a time) on a loopback port
serves the demo city in a SQLite database of its own, seeded by `civicpact demo --no-serve` (its history included,
so ids in paths name real objects). Schemathesis reads `/api/v1/openapi.json` and sends generated requests to every
operation — examples, boundary values and random inputs — as an officer (the PPP unit: most write endpoints), as a
supplier user, and anonymously, each run bounded in examples and time and reproducible by its seed. The only check
is `not_a_server_error`: bad input must get a 4xx with a message, never a 500. Figures in docs/reliability.md.

Left out: the telemetry upload (`application/x-ndjson`, which schemathesis cannot generate; its bad input is
tested in tests/performance). The test runs once, on SQLite: the PostgreSQL pass of .ci/run skips it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stress.server import BIN, ON_SQLITE_ONLY, api_tokens, copy_demo, gunicorn, server_errors

SEED = 20261207
ROLES = ("officer", "supplier", None)  # None: anonymous
EXAMPLES = 5
SECONDS_PER_ROLE = 60

pytestmark = ON_SQLITE_ONLY


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_seeded: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The demo city served on a free loopback port; yields its base URL, a token per role and the server's log."""
    data_dir = tmp_path_factory.mktemp("fuzz")
    env = copy_demo(demo_seeded, data_dir)
    tokens = api_tokens(env, ("officer", "supplier"))
    log = data_dir / "gunicorn.log"
    # one worker: requests reach the SQLite file one at a time, so no request waits on another's write lock; never
    # recycled, since the requests wait for a recycled worker to load Django (over schemathesis' 30 s on a loaded box)
    with gunicorn(env, log, workers=1, ready="/api/v1/openapi.json", recycle=False) as base:
        yield base, tokens, log


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_no_generated_request_gets_a_server_error(server: tuple[str, dict[str, str], Path], role: str | None) -> None:
    base, tokens, log = server
    command = [
        str(BIN / "st"),
        "run",
        base + "/api/v1/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-time",
        str(SECONDS_PER_ROLE),
        "--workers",
        "1",  # hypothesis describes its filters by parsing their source: not thread-safe on CPython 3.11
        "--request-timeout",
        "30",
        "--exclude-path",
        "/api/v1/performance/contracts/{contract_id}/telemetry",
        "--warnings",
        "off",
    ]
    if role is not None:
        command += ["--header", f"Authorization: Bearer {tokens[role]}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our schemathesis
    # the failing requests (each with a curl line to replay it) and the errors, else the end of the output
    found = [i for i in (result.stdout.find("= ERRORS ="), result.stdout.find("= FAILURES =")) if i >= 0]
    report = result.stdout[min(found) : min(found) + 8000] if found else result.stdout[-6000:]
    report += result.stderr[-2000:]
    report += server_errors(log)  # the server's tracebacks
    assert "Server error" not in result.stdout, report
    assert result.returncode == 0, report
