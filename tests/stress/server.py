"""A real server for the stress tests over loopback (test_api_fuzz.py, test_loopback_load.py).

The demo city is seeded by `civicpact demo --no-serve` into a data folder of its own (its SQLite database, keys and
telemetry), history included so that ids in paths name real objects; it is seeded once per test process
(tests/stress/conftest.py) and each test serves a copy of its own. gunicorn serves it on a free loopback port with
the deployment's configuration (civicpact/gunicorn_conf.py). The tests that use it run once, on SQLite: the
PostgreSQL pass of .ci/run skips them (`ON_SQLITE_ONLY`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

import pytest

from tests.production import ROOT, free_port

BIN = Path(sys.executable).parent

ON_SQLITE_ONLY = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs once, on SQLite (its server has a database of its own)"
)


def demo_env(data_dir: Path) -> dict[str, str]:
    """This process's environment for a server of its own: its data folder, SQLite in it, no test settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST", "DJANGO_SETTINGS"))}
    env |= {
        "CIVICPACT_DATA_DIR": str(data_dir),
        "CIVICPACT_DB_CONN_MAX_AGE": "60",
        "PYTHONPATH": str(ROOT / "src"),
    }
    return env


def seed_demo(data_dir: Path) -> None:
    """The demo city, history included, in `data_dir`."""
    result = subprocess.run(  # noqa: S603 - our civicpact and fixed arguments
        [BIN / "civicpact", "demo", "--no-serve"], env=demo_env(data_dir), check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, f"civicpact demo failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def copy_demo(seeded: Path, data_dir: Path) -> dict[str, str]:
    """A copy of a seeded data folder (the seeding process has ended, so its database is whole); its environment."""
    shutil.copytree(seeded, data_dir, dirs_exist_ok=True)
    return demo_env(data_dir)


def api_tokens(env: dict[str, str], usernames: tuple[str, ...]) -> dict[str, str]:
    """An API token for each of the demo's `usernames`."""
    make_tokens = (
        "from civicpact.accounts.services import api_token_create\n"
        "from civicpact.accounts.models import User\n"
        f"for name in {usernames!r}:\n"
        "    print(name, api_token_create(actor=User.objects.get(username=name), name='stress')[1])\n"
    )
    out = subprocess.run(  # noqa: S603 - our interpreter and a fixed script
        [BIN / "python", "-c", f"import django; django.setup()\n{make_tokens}"],
        env=env | {"DJANGO_SETTINGS_MODULE": "civicpact.settings"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(line.split(" ", 1) for line in out.strip().splitlines())


@contextmanager
def gunicorn(
    env: dict[str, str], log: Path, *, workers: int = 1, ready: str = "/healthz", recycle: bool = True
) -> Iterator[str]:
    """gunicorn with the deployment's configuration on a free loopback port; yields its base URL once `ready`
    answers. Its messages and tracebacks go to `log`. `recycle=False` turns off the configuration's worker recycling
    (max_requests): a fresh worker loads Django before its first answer, which took 31 s on the loaded machine."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our gunicorn and fixed arguments
            [
                BIN / "gunicorn",
                "--config",
                "python:civicpact.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                *([] if recycle else ["--max-requests", "0"]),
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    with urlopen(base + ready, timeout=30):  # noqa: S310  (loopback)
                        break
                except OSError:  # not listening yet (URLError), or still starting (a time-out)
                    assert process.poll() is None, "gunicorn stopped:\n" + log.read_text(errors="replace")[-3000:]
                    time.sleep(0.5)
            else:
                pytest.fail("gunicorn did not answer on " + base)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def server_errors(log: Path) -> str:
    """The server's last tracebacks, for a failure report."""
    errors = log.read_text(errors="replace").split("Internal Server Error")[1:]
    return "\n".join("Internal Server Error" + e[:3000] for e in errors[-3:])
