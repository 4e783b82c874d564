"""The seeded demo city the loopback tests serve copies of (tests/stress/server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stress.server import seed_demo


@pytest.fixture(scope="session")
def demo_seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the demo city, seeded once per test process (each pytest-xdist worker): copy it with
    `copy_demo` before serving, since a server writes to its database."""
    data_dir = tmp_path_factory.mktemp("demo-seeded")
    seed_demo(data_dir)
    return data_dir
