"""The environment of a production-mode process, for tests that start one (settings, logs, gunicorn)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# 32 bytes, base64: a fixed key is fine for a throw-away test deployment
TEST_BID_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


def free_port() -> int:
    """A loopback port nothing listens on now (taken from the kernel, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without CivicPact's variables, plus a minimal production configuration."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CIVICPACT_", "DJANGO_")) and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    return env | {
        "PYTHONPATH": str(ROOT / "src"),
        "CIVICPACT_ENV": "production",
        "CIVICPACT_DATA_DIR": str(data_dir),
        "CIVICPACT_OCDS_DIR": os.environ.get("CIVICPACT_OCDS_DIR", str(ROOT.parent / "shared" / "ocds")),
        "SECRET_KEY": "test-only-" + "k" * 50,
        "CIVICPACT_BID_MASTER_KEY": TEST_BID_KEY,
        "ALLOWED_HOSTS": "civicpact.example.org",
        **extra,
    }
