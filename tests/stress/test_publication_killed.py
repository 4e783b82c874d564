"""A publishing process killed midway leaves no half-publication, and running it again publishes the rest once
(proof under stress, docs/reliability.md).

The publisher is `civicpact disclose-expired`, the batch that publishes one disclosure release for each expired
confidentiality claim (ledger/claims.py; the worker's daily task runs the same function), here 120 of them. It runs
as its own process on a database of its own (a SQLite file, or a new PostgreSQL database when DATABASE_URL names
one), seeded by tests/stress/publication_rehearsal.py. The test watches the database from outside, freezes the
process (SIGSTOP) at a moment it chose and kills it there (SIGKILL):

1. inside a transaction: the process holds SQLite's write lock, or on PostgreSQL its transaction has written;
2. between two transactions, in a second run.

After each kill: every release has its `release.publish` audit event and every such event its release; each ocid's
release ids run 00001, 00002, ... without a gap or a duplicate; every ended claim has its one `claim.end` event and
its one disclosure; the audit chain verifies (`civicpact verify-audit`) and its head names the last event. A third
run publishes what was left, exactly once: every claim disclosed once, every document in one disclosure release.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection

from tests.conftest import service_required
from tests.production import ROOT
from tests.stress.publication_rehearsal import CLAIMS, PROCESSES

TOTAL = PROCESSES * CLAIMS
APPLICATION = "civicpact-publisher-under-test"


@pytest.fixture
def database(django_db_setup: None, django_db_blocker: Any, tmp_path: Path) -> Iterator[str]:
    """A database of its own on the suite's vendor: a SQLite file (a copy of the suite's migrated test database,
    outside any test's transaction, which saves migrating again), or a new PostgreSQL database (the setup
    migrates it)."""
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor == "sqlite":
        path = tmp_path / "publication.sqlite3"
        copy = sqlite3.connect(path)
        try:
            with django_db_blocker.unblock():
                connection.ensure_connection()
                connection.connection.backup(copy)
        finally:
            copy.close()
        yield f"sqlite:///{path}"
        return
    try:
        admin = psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True)
    except psycopg.OperationalError:
        service_required("PostgreSQL")
    name = f"civicpact_kill_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Watcher:
    """The test's own view of the publisher's database, from outside the process: committed releases, and whether
    the (frozen) publisher is inside a transaction."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite:")
        if self.sqlite:
            self.path = url.removeprefix("sqlite:///")
        else:
            self.pg = psycopg.connect(url, autocommit=True)

    def releases(self) -> int:
        query = "SELECT COUNT(*) FROM ledger_release"
        if self.sqlite:
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                return int(conn.execute(query).fetchone()[0])
            finally:
                conn.close()
        row = self.pg.execute(query).fetchone()
        assert row is not None
        return int(row[0])

    def in_transaction(self) -> bool:
        """SQLite: the publisher holds the write lock (its transactions BEGIN IMMEDIATE, settings.py), so ours cannot
        take it. PostgreSQL: the publisher's session has a transaction id (it has written or locked rows)."""
        if self.sqlite:
            conn = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if "locked" not in str(error):
                    raise
                return True
            finally:
                conn.close()  # rolls back our empty transaction, if it began
            return False
        row = self.pg.execute(
            "SELECT bool_or(backend_xid IS NOT NULL) FROM pg_stat_activity WHERE application_name = %s",
            (APPLICATION,),
        ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        if not self.sqlite:
            self.pg.close()


def _env(url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST", "DJANGO_SETTINGS"))}
    return env | {
        "DATABASE_URL": url,
        "CIVICPACT_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "civicpact.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "PGAPPNAME": APPLICATION,  # libpq names the session: the watcher finds it in pg_stat_activity
    }


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our interpreter and modules
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _state(env: dict[str, str]) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(_run(env, "-m", "tests.stress.publication_rehearsal", "state"))
    return state


def _kill_midway(
    env: dict[str, str], watcher: Watcher, log: Path, *, after: int, before_end: int, inside: bool
) -> int:
    """Start the publisher; once at least `after` releases are committed (and fewer than `before_end`, its last),
    freeze it at moments chosen at random until it is `inside` a transaction (or between two), then kill it there.
    Returns the releases committed then."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "civicpact.cli", "disclose-expired"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    chance = random.Random(20261207)
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                said = log.read_text(errors="replace")
                pytest.fail(f"the publisher ended (exit {process.returncode}) before it was caught:\n{said}")
            assert time.monotonic() < deadline, "the publisher was never caught midway"
            process.send_signal(signal.SIGSTOP)
            # frozen: looked at twice around the count, in case a commit it had sent was still under way
            where = watcher.in_transaction()
            committed = watcher.releases()
            # not once it has published everything (on a loaded machine it may still be exiting): that is not midway
            midway = after <= committed < before_end
            if midway and where == inside and watcher.in_transaction() == inside:
                process.kill()
                break
            process.send_signal(signal.SIGCONT)
            time.sleep(chance.uniform(0, 0.02))
    finally:
        process.kill()
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    return committed


def _check(state: dict[str, Any], published_before: int) -> tuple[int, list[str]]:
    """Everything that must hold whenever the publisher stops, however it stops. Returns the number of claims
    disclosed and the documents the disclosure releases published."""
    releases, events = state["releases"], state["events"]
    ids = [r["release_id"] for r in releases]
    assert len(ids) == len(set(ids)), "a release id is duplicated"
    published = Counter(e["object"].removeprefix("ocds.release:") for e in events if e["action"] == "release.publish")
    assert set(published.values()) <= {1}, f"a release was published twice: {published.most_common(3)}"
    assert set(published) == set(ids), (
        f"releases without their event: {set(ids) - set(published)}; events without their release: "
        f"{set(published) - set(ids)}"
    )
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for release in releases:
        by_ocid.setdefault(release["ocid"], []).append(release)
    for ocid, own in by_ocid.items():  # ordered by date
        assert [r["release_id"] for r in own] == [f"{ocid}-{n:05d}" for n in range(1, len(own) + 1)], ocid
    assert state["verified"] == {"ok": True, "events": len(events), "reason": ""}, state["verified"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), "the audit chain has a gap"
    assert state["head"] == {"seq": events[-1]["seq"], "hash": events[-1]["hash"]}, "the chain head is not the last"
    ended = Counter(c["root"] for c in state["claims"] if c["state"] == "ended")
    assert set(ended.values()) <= {1}, "a claim was ended twice"
    ends = Counter(e["object"] for e in events if e["action"] == "claim.end")
    assert set(ends.values()) <= {1}, "a claim's end was recorded twice"
    assert {f"ledger.confidentialityclaim:{root}" for root in ended} == set(ends), "an end without its event"
    disclosed = [f"{r['ocid']} {d}" for r in releases for d in r["disclosed"]]
    assert len(releases) - published_before == len(ended) == len(disclosed), "a claim without its one disclosure"
    return len(ended), disclosed


def test_a_publication_killed_midway_leaves_no_half_release_and_a_rerun_publishes_the_rest_once(
    database: str, tmp_path: Path
) -> None:
    env = _env(database, tmp_path / "data")
    seeded = json.loads(_run(env, "-m", "tests.stress.publication_rehearsal", "setup"))
    assert seeded["claims"] == TOTAL
    before = _state(env)
    published_before = len(before["releases"])
    assert published_before == PROCESSES
    assert _check(before, published_before) == (0, [])
    watcher = Watcher(database)
    stops = (("inside a transaction", TOTAL // 4, True), ("between two transactions", TOTAL // 2, False))
    try:
        done = 0
        for where, at_least, inside in stops:
            log = tmp_path / "publisher.log"
            start, end = published_before + at_least, published_before + TOTAL
            committed = _kill_midway(env, watcher, log, after=start, before_end=end, inside=inside)
            state = _state(env)
            # the release being written when it was killed inside its transaction is not there, not half there
            assert len(state["releases"]) == committed
            disclosed, _documents = _check(state, published_before)
            assert done < disclosed < TOTAL, "killed before it did anything, or after it finished"
            print(f"killed {where} after {disclosed} of {TOTAL} disclosures")
            done = disclosed
    finally:
        watcher.close()

    rerun = json.loads(_run(env, "-m", "civicpact.cli", "disclose-expired", "--json"))
    assert len(rerun) == TOTAL - done  # only what was left
    print(f"the rerun published the {len(rerun)} left")
    after = _state(env)
    disclosed, documents = _check(after, published_before)
    assert disclosed == TOTAL
    expected = {f"{ocid} doc-{n}" for ocid in seeded["ocids"] for n in range(1, CLAIMS + 1)}
    assert sorted(documents) == sorted(expected), "a document disclosed twice, or never"
    verdict = json.loads(_run(env, "-m", "civicpact.cli", "verify-audit", "--json"))
    assert (verdict["ok"], verdict["events_checked"]) == (True, len(after["events"]))
    assert json.loads(_run(env, "-m", "civicpact.cli", "disclose-expired", "--json")) == []  # nothing left
    assert _state(env)["releases"] == after["releases"]
