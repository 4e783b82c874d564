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

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest

BIN = Path(sys.executable).parent
SEED = 20261207
ROLES = ("officer", "supplier", None)  # None: anonymous
EXAMPLES = 5
SECONDS_PER_ROLE = 60

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs once, on SQLite (its server has a database of its own)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST", "DJANGO_SETTINGS"))}
    env |= {
        "CIVICPACT_DATA_DIR": str(data_dir),
        "CIVICPACT_DB_CONN_MAX_AGE": "60",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The demo city served on a free loopback port; yields its base URL and a token per role."""
    data_dir = tmp_path_factory.mktemp("fuzz")
    env = _env(data_dir)
    subprocess.run([BIN / "civicpact", "demo", "--no-serve"], env=env, check=True, capture_output=True)  # noqa: S603
    make_tokens = (
        "from civicpact.accounts.services import api_token_create\n"
        "from civicpact.accounts.models import User\n"
        "for name in ('officer', 'supplier'):\n"
        "    print(name, api_token_create(actor=User.objects.get(username=name), name='fuzz')[1])\n"
    )
    out = subprocess.run(  # noqa: S603 - our interpreter and a fixed script
        [BIN / "python", "-c", f"import django; django.setup()\n{make_tokens}"],
        env=env | {"DJANGO_SETTINGS_MODULE": "civicpact.settings"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tokens = dict(line.split(" ", 1) for line in out.strip().splitlines())
    port = _free_port()
    log = (data_dir / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our gunicorn and fixed arguments
        # one worker: requests reach the SQLite file one at a time, so no request waits on another's write lock
        [BIN / "gunicorn", "civicpact.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "60"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):
            try:
                with urlopen(base + "/api/v1/openapi.json", timeout=30):  # noqa: S310  (loopback)
                    break
            except OSError:  # not listening yet (URLError), or still starting (a time-out)
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not answer on " + base)
        yield base, tokens, data_dir / "gunicorn.log"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


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
    server_errors = log.read_text(errors="replace").split("Internal Server Error")[1:]  # the server's tracebacks
    report += "\n".join("Internal Server Error" + e[:3000] for e in server_errors[-3:])
    assert "Server error" not in result.stdout, report
    assert result.returncode == 0, report
