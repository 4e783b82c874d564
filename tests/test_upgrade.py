"""The upgrade path of docs/deployment.md on a database at the previous release's schema: nothing is lost.

The database is the suite's vendor (PostgreSQL when DATABASE_URL names it, SQLite otherwise), new and empty; the
rehearsal's halves run as their own processes (tests/upgrade_rehearsal.py), with `civicpact migrate` between them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.conftest import service_required
from tests.production import ROOT
from tests.upgrade_rehearsal import GROWING_TABLES


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp_path = tmp_path_factory.mktemp("upgrade")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    try:
        admin = psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True)
    except psycopg.OperationalError:
        service_required("PostgreSQL")
    name = f"civicpact_upgrade_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603 - our interpreter and modules
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def rehearse(env: dict[str, str], phase: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run(env, "-m", "tests.upgrade_rehearsal", phase).stdout)
    return result


@pytest.fixture(scope="module")
def upgraded(
    empty_database: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """One rehearsal for the module's tests: before, `civicpact migrate`, `civicpact verify-audit`, after."""
    tmp_path = tmp_path_factory.mktemp("upgrade-data")
    env = {
        **os.environ,
        "DATABASE_URL": empty_database,
        "CIVICPACT_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    before = rehearse(env, "before")
    migrated = run(env, "-m", "civicpact.cli", "migrate").stdout
    verified = run(env, "-m", "civicpact.cli", "verify-audit").stdout
    after = rehearse(env, "after")
    return before, after, migrated + verified


def test_the_previous_release_schema_lacks_what_came_later(upgraded):
    before, _after, migrated = upgraded
    assert "ledger_confidentialityclaim" not in before["counts"]
    assert "transparency_compiledrecord" not in before["counts"]
    assert "Applying ledger.0003_auditevent_link_version... OK" in migrated
    assert "Applying transparency.0002_compiled_records... OK" in migrated


def test_no_row_is_lost_by_the_upgrade(upgraded):
    before, after, _migrated = upgraded
    assert before["counts"]["ledger_auditevent"] == before["events"] == 5
    assert before["counts"]["ledger_release"] == 2
    for table, count in before["counts"].items():
        if table in GROWING_TABLES:
            assert after["counts"][table] >= count, table
        else:
            assert after["counts"][table] == count, table


def test_the_old_audit_chain_still_verifies_and_new_events_chain_onto_it(upgraded):
    _before, after, migrated = upgraded
    assert "audit chain intact: 5 events verified" in migrated
    assert after["chain"] == [True, 5, True, 6]


def test_releases_published_before_the_upgrade_are_served_as_a_record(upgraded):
    _before, after, _migrated = upgraded
    assert after["record_status"] == 200
    assert after["record_tags"] == ["compiled"]
    assert after["record_tender_title"] == "Smart street lighting"


def test_the_audit_log_is_still_append_only_after_the_upgrade(upgraded):
    assert upgraded[1]["guard"] == "refused"
