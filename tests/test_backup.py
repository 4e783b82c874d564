"""Backup and restore (docs/backup.md): round trips on the seeded city with a document, a telemetry Parquet file and
a sealed bid; damaged archives, occupied targets and missing keys refused with nothing changed."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from jsonschema import Draft202012Validator

from civicpact.accounts import services as accounts
from civicpact.accounts.models import User
from civicpact.backup import keys as backup_keys
from civicpact.backup.archive import SCHEMA
from civicpact.cli import main
from civicpact.ledger.models import AuditEvent
from civicpact.ledger.selectors import audit_chain_verify
from civicpact.pipeline import services as pipeline
from civicpact.pipeline.models import Document, Project
from civicpact.tendering import services as tendering
from civicpact.tendering.models import Bid, BidVersion
from tests.tendering.fixtures import SECRET_ANSWER, bid_payload

REPO = Path(__file__).resolve().parent.parent
DOCUMENT = b"%PDF-1.4 outline business case of the smart street lighting"
PASSPHRASE = "orchid lantern harbour seventeen"


@pytest.fixture
def deployment(settings: Any, tmp_path: Path) -> dict[str, Path]:
    """This test's own data folder, documents folder and telemetry store (a restore replaces them)."""
    data, media = tmp_path / "data", tmp_path / "media"
    data.mkdir()
    settings.DATA_DIR = data
    settings.BID_MASTER_KEY_FILE = data / "bid_master_key"
    settings.BID_MASTER_KEYS_RETIRED_FILE = data / "bid_master_keys_retired"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    settings.CIVICPACT_BACKUP_PASSPHRASE = ""
    return {"data": data, "media": media, "telemetry": Path(settings.CIVICPACT_TELEMETRY_DIR)}


@pytest.fixture
def seeded(deployment: dict[str, Path], tender: Any, supplier: User, officer: User) -> dict[str, Any]:
    """The demo city, an uploaded document, a telemetry Parquet file and a sealed bid."""
    project = Project.objects.get(title="Smart street lighting and sensor network")
    document = pipeline.document_attach(
        actor=officer,
        upload=SimpleUploadedFile("outline.pdf", DOCUMENT, content_type="application/pdf"),
        title="Outline business case",
        project=project,
    )
    month = deployment["telemetry"] / "contract=1" / "month=2026-01"
    month.mkdir(parents=True)
    table = pa.table({"asset": pa.array([1, 2], pa.int32()), "slot": [0, 1], "state": pa.array([0, 1], pa.int8())})
    pq.write_table(table, month / "batch-one.parquet")
    tendering.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    return {"document": document, "tender": tender}


def manifest_of(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as archive:
        member = archive.extractfile("manifest.json")
        assert member is not None
        manifest: dict[str, Any] = json.load(member)
    return manifest


def rewrite(source: Path, target: Path, change: Any) -> None:
    """Copy an archive member by member, letting `change(name, data)` alter members (None drops one)."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            handle = old.extractfile(member)
            assert handle is not None
            data = change(member.name, handle.read())
            if data is not None:
                member.size = len(data)
                new.addfile(member, io.BytesIO(data))


def reseal_manifest(name: str, data: bytes, changed: dict[str, bytes]) -> bytes:
    """A forger's archive: the changed members' hashes recomputed in the manifest, so only deeper checks see it."""
    if name in changed:
        return changed[name]
    if name == "manifest.json":
        manifest = json.loads(data)
        for member, content in changed.items():
            manifest["files"][member] = {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        return json.dumps(manifest).encode()
    return data


def member(path: Path, name: str) -> bytes:
    with tarfile.open(path) as archive:
        handle = archive.extractfile(name)
        assert handle is not None
        return handle.read()


def state_of_the_city(deployment: dict[str, Path]) -> dict[str, Any]:
    """What must survive a refused restore untouched."""
    return {
        "users": sorted(User.objects.values_list("username", flat=True)),
        "events": AuditEvent.objects.count(),
        "media": sorted(p.relative_to(deployment["media"]).as_posix() for p in deployment["media"].rglob("*.*")),
        "telemetry": sorted(
            p.relative_to(deployment["telemetry"]).as_posix() for p in deployment["telemetry"].rglob("*.parquet")
        ),
    }


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Members whose content differs between two manifests, and tables whose row count differs."""
    names = set(before["files"]) | set(after["files"])
    files = sorted(n for n in names if before["files"].get(n) != after["files"].get(n))
    rows_before = {t["model"]: t["rows"] for t in before["tables"]}
    rows_after = {t["model"]: t["rows"] for t in after["tables"]}
    rows = {
        m: (rows_before.get(m), rows_after.get(m))
        for m in rows_before | rows_after
        if rows_before.get(m) != rows_after.get(m)
    }
    return {"files": files, "rows": rows}


# --- the round trip --------------------------------------------------------------------------------------------


def test_a_restore_brings_back_every_row_document_and_telemetry_file_and_the_chain_verifies(
    seeded, deployment, tmp_path, officer, capsys
):
    archive, again = tmp_path / "city.tar.gz", tmp_path / "again.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    taken = manifest_of(archive)
    assert {"media/" + seeded["document"].file.name, "telemetry/contract=1/month=2026-01/batch-one.parquet"} <= set(
        taken["files"]
    )
    assert {t["model"]: t["rows"] for t in taken["tables"]}["tendering.bidversion"] >= 1
    sealed = {pk: bytes(blob) for pk, blob in BidVersion.objects.values_list("pk", "sealed")}

    accounts.user_create(actor=officer, username="latecomer", password="a-long-enough-password-2026")
    Path(seeded["document"].file.path).unlink()
    (deployment["telemetry"] / "contract=1" / "month=2026-01" / "stray.parquet").write_bytes(b"PAR1 not ours")

    assert main(["restore", "--force", str(archive)]) == 0
    assert "audit chain intact" in capsys.readouterr().out
    assert main(["backup", "--out", str(again)]) == 0

    restored = manifest_of(again)
    assert differences(taken, restored) == {
        "files": ["database/ledger.auditevent.jsonl", "database/ledger.chainhead.jsonl"],
        "rows": {"ledger.auditevent": (taken["audit_chain"]["events"], taken["audit_chain"]["events"] + 1)},
    }
    assert AuditEvent.objects.order_by("-seq").first().action == "system.restore"
    assert audit_chain_verify().ok
    assert not User.objects.filter(username="latecomer").exists()
    assert Path(Document.objects.get().file.path).read_bytes() == DOCUMENT
    assert not (deployment["telemetry"] / "contract=1" / "month=2026-01" / "stray.parquet").exists()
    assert {pk: bytes(blob) for pk, blob in BidVersion.objects.values_list("pk", "sealed")} == sealed


def test_the_archive_holds_every_datetime_to_the_microsecond(seeded, tmp_path):
    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    first = json.loads(member(archive, "database/ledger.auditevent.jsonl").splitlines()[0])
    stored = AuditEvent.objects.get(pk=first["pk"]).time
    assert first["fields"]["time"] == stored.isoformat()


def _fresh_database(tmp_path: Path) -> tuple[str, Any]:
    """A database of its own for a second deployment, on the vendor the tests run on; and how to drop it."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh' / 'civicpact.sqlite3'}", lambda: None
    import psycopg

    params = connection.settings_dict
    name = f"civicpact_restore_{uuid.uuid4().hex[:12]}"
    admin = {"host": params["HOST"], "port": params["PORT"] or 5432, "user": params["USER"], "dbname": "postgres"}
    if params["PASSWORD"]:
        admin["password"] = params["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return f"postgres://{params['USER']}{password}@{params['HOST']}:{params['PORT'] or 5432}/{name}", drop


def civicpact(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "civicpact.cli", *args], capture_output=True, text=True, check=False, env=env
    )


def test_a_fresh_deployment_restored_from_the_archive_holds_the_same_data(seeded, settings, tmp_path):
    archive, again = tmp_path / "city.tar.gz", tmp_path / "again.tar.gz"
    settings.CIVICPACT_BACKUP_PASSPHRASE = PASSPHRASE
    assert main(["backup", "--out", str(archive)]) == 0
    url, drop = _fresh_database(tmp_path)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "DATABASE_URL": url,
        "CIVICPACT_DATA_DIR": str(tmp_path / "fresh"),
        "CIVICPACT_BACKUP_PASSPHRASE": PASSPHRASE,
    }
    env.pop("CIVICPACT_BID_MASTER_KEY", None)  # the new deployment keeps its key in its data folder
    env.pop("CIVICPACT_BID_MASTER_KEY_FILE", None)
    try:
        restored = civicpact("restore", str(archive), env=env)
        assert restored.returncode == 0, restored.stderr
        assert "bid master keys were installed" in restored.stdout
        assert civicpact("verify-audit", env=env).returncode == 0
        status = civicpact("keys", "status", "--json", env=env)
        assert status.returncode == 0, status.stdout
        assert json.loads(status.stdout)["missing"] == {}
        assert civicpact("backup", "--out", str(again), "--without-keys", env=env).returncode == 0
    finally:
        drop()
    taken, after = manifest_of(archive), manifest_of(again)
    found = differences(taken, after)
    assert found["rows"] == {"ledger.auditevent": (taken["audit_chain"]["events"], taken["audit_chain"]["events"] + 1)}
    assert set(found["files"]) == {
        "database/ledger.auditevent.jsonl",
        "database/ledger.chainhead.jsonl",
        backup_keys.MEMBER,  # left out of the second archive
    }
    new_key = (tmp_path / "fresh" / "bid_master_key").read_text().strip()
    assert new_key == settings.CIVICPACT_BID_MASTER_KEY
    assert oct((tmp_path / "fresh" / "bid_master_key").stat().st_mode & 0o777) == "0o600"


# --- refusals: nothing changes ---------------------------------------------------------------------------------


def test_a_restore_into_a_deployment_with_data_is_refused_without_force(seeded, deployment, tmp_path, officer, capsys):
    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    accounts.user_create(actor=officer, username="latecomer", password="a-long-enough-password-2026")
    before = state_of_the_city(deployment)
    capsys.readouterr()
    assert main(["restore", str(archive)]) == 2
    error = capsys.readouterr().err
    assert "already holds data" in error
    assert "--force" in error
    assert error.count("civicpact restore:") == 1
    assert "read database" not in error  # refused before the archive is read
    assert state_of_the_city(deployment) == before


def test_a_damaged_file_in_the_archive_is_named_and_nothing_is_restored(seeded, deployment, tmp_path, officer, capsys):
    archive, damaged = tmp_path / "city.tar.gz", tmp_path / "damaged.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    name = "media/" + seeded["document"].file.name
    rewrite(archive, damaged, lambda n, data: data.replace(b"outline", b"OUTLINE") if n == name else data)
    accounts.user_create(actor=officer, username="latecomer", password="a-long-enough-password-2026")
    before = state_of_the_city(deployment)
    capsys.readouterr()
    assert main(["restore", "--force", str(damaged)]) == 1
    error = capsys.readouterr().err
    assert f"{name} is damaged" in error
    assert state_of_the_city(deployment) == before
    assert not [p for p in deployment["data"].iterdir() if p.name.startswith(".restore")]
    assert not [p for p in deployment["media"].parent.iterdir() if ".restore-" in p.name]


def test_a_member_missing_from_the_archive_is_named(seeded, tmp_path, capsys):
    archive, cut = tmp_path / "city.tar.gz", tmp_path / "cut.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    rewrite(archive, cut, lambda n, data: None if n == "database/accounts.user.jsonl" else data)
    assert main(["restore", "--check", str(cut)]) == 1
    assert "database/accounts.user.jsonl is missing from the archive" in capsys.readouterr().err


def test_a_truncated_archive_is_damaged_and_a_file_that_is_no_archive_is_bad_usage(seeded, tmp_path, capsys):
    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert main(["restore", "--check", str(truncated)]) == 1
    assert "truncated or damaged" in capsys.readouterr().err
    text = tmp_path / "notes.txt"
    text.write_text("not a backup")
    assert main(["restore", "--check", str(text)]) == 2
    assert "is not a CivicPact backup archive" in capsys.readouterr().err
    assert main(["restore", "--check", str(tmp_path / "nowhere.tar.gz")]) == 2


def test_a_forged_audit_event_fails_the_chain_check_and_is_rolled_back(seeded, deployment, tmp_path, officer, capsys):
    """Someone who rewrites an event and recomputes the manifest's hash still fails the chain's own check."""
    archive, forged = tmp_path / "city.tar.gz", tmp_path / "forged.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    events = member(archive, "database/ledger.auditevent.jsonl")
    changed = {
        "database/ledger.auditevent.jsonl": events.replace(b'"action":"tender.publish"', b'"action":"tender.pause"', 1)
    }
    assert changed["database/ledger.auditevent.jsonl"] != events
    rewrite(archive, forged, lambda n, data: reseal_manifest(n, data, changed))
    accounts.user_create(actor=officer, username="latecomer", password="a-long-enough-password-2026")
    before = state_of_the_city(deployment)
    capsys.readouterr()
    assert main(["restore", "--force", str(forged)]) == 1
    error = capsys.readouterr().err
    assert "audit chain is broken at event #" in error
    assert "nothing was restored" in error
    assert state_of_the_city(deployment) == before
    assert audit_chain_verify().ok


def test_a_row_count_that_does_not_match_the_manifest_is_rolled_back(seeded, deployment, tmp_path, capsys):
    archive, forged = tmp_path / "city.tar.gz", tmp_path / "forged.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    users = member(archive, "database/accounts.user.jsonl")
    changed = {"database/accounts.user.jsonl": b"\n".join(users.splitlines()[:-1]) + b"\n"}
    rewrite(archive, forged, lambda n, data: reseal_manifest(n, data, changed))
    before = state_of_the_city(deployment)
    assert main(["restore", "--force", str(forged)]) == 1
    assert "the manifest says" in capsys.readouterr().err
    assert state_of_the_city(deployment) == before


def test_an_archive_from_a_newer_format_is_refused_as_such(seeded, tmp_path, capsys):
    archive, newer = tmp_path / "city.tar.gz", tmp_path / "newer.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0

    def bump(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), "format_version": 2}).encode()

    rewrite(archive, newer, bump)
    assert main(["restore", "--check", str(newer)]) == 2
    assert "made by a newer CivicPact" in capsys.readouterr().err


def test_check_verifies_an_archive_and_changes_nothing(seeded, deployment, tmp_path, capsys):
    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    before = state_of_the_city(deployment)
    capsys.readouterr()
    assert main(["restore", "--check", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "is intact" in out
    assert "needs --force" in out
    assert state_of_the_city(deployment) == before


# --- the bid master keys ---------------------------------------------------------------------------------------


def test_without_a_passphrase_the_keys_stay_out_of_the_archive_and_the_manifest_names_them(seeded, settings, tmp_path):
    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    manifest = manifest_of(archive)
    assert manifest["bid_keys"]["included"] is False
    assert not [name for name in manifest["files"] if name.startswith("keys/")]
    kid = seeded["tender"].master_key_id
    assert manifest["bid_keys"]["tenders_by_key"][kid] >= 1
    _assert_key_not_in(archive, settings.CIVICPACT_BID_MASTER_KEY)


def _assert_key_not_in(archive: Path, key_text: str) -> None:
    with tarfile.open(archive) as opened:
        contents = b"".join(opened.extractfile(m).read() for m in opened if m.isreg())
    assert key_text.encode() not in contents
    assert base64.b64decode(key_text) not in contents


def test_with_a_passphrase_the_keys_travel_encrypted_and_open_only_with_it(seeded, settings, tmp_path, capsys):
    settings.CIVICPACT_BACKUP_PASSPHRASE = PASSPHRASE
    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    assert manifest_of(archive)["bid_keys"]["included"] is True
    _assert_key_not_in(archive, settings.CIVICPACT_BID_MASTER_KEY)

    settings.CIVICPACT_BACKUP_PASSPHRASE = "a different passphrase"
    capsys.readouterr()
    assert main(["keys", "unpack", str(archive), "--out", str(tmp_path / "keys.env")]) == 2
    assert "does not open the bid master keys" in capsys.readouterr().err
    assert not (tmp_path / "keys.env").exists()

    settings.CIVICPACT_BACKUP_PASSPHRASE = PASSPHRASE
    assert main(["keys", "unpack", str(archive), "--out", str(tmp_path / "keys.env")]) == 0
    unpacked = (tmp_path / "keys.env").read_text()
    assert f"CIVICPACT_BID_MASTER_KEY={settings.CIVICPACT_BID_MASTER_KEY}\n" in unpacked
    assert oct((tmp_path / "keys.env").stat().st_mode & 0o777) == "0o600"


def test_keys_already_configured_are_enough_and_the_archives_are_not_opened(seeded, settings, tmp_path, capsys):
    settings.CIVICPACT_BACKUP_PASSPHRASE = PASSPHRASE
    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    settings.CIVICPACT_BACKUP_PASSPHRASE = "the passphrase of next year"
    assert main(["restore", "--check", str(archive)]) == 0
    assert "is intact" in capsys.readouterr().out


def test_a_short_passphrase_is_refused(seeded, settings, tmp_path, capsys):
    settings.CIVICPACT_BACKUP_PASSPHRASE = "short"
    assert main(["backup", "--out", str(tmp_path / "city.tar.gz")]) == 2
    assert "at least 12" in capsys.readouterr().err
    assert not list(tmp_path.glob("*city.tar.gz*"))


def test_a_restore_without_the_tenders_master_key_is_refused_before_anything_changes(
    seeded, deployment, settings, tmp_path, capsys
):
    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    kid = seeded["tender"].master_key_id
    settings.CIVICPACT_BID_MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
    settings.CIVICPACT_BID_MASTER_KEY_SOURCE = "environment"
    before = state_of_the_city(deployment)
    capsys.readouterr()
    assert main(["restore", "--force", str(archive)]) == 2
    assert f"sealed under master key(s) {kid}" in capsys.readouterr().err
    assert state_of_the_city(deployment) == before


def test_the_bids_open_after_a_restore(seeded, settings, tmp_path, officer):
    import time_machine

    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    assert main(["restore", "--force", str(archive)]) == 0
    tender = seeded["tender"]
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        tendering.tender_open(actor=officer, tender_id=tender.pk)
    bid = Bid.objects.select_related("tender").get(tender=tender)
    assert tendering.bid_contents(actor=officer, bid=bid)["answers"]["quality.approach"] == SECRET_ANSWER


# --- usage ------------------------------------------------------------------------------------------------------


def test_a_backup_never_overwrites_a_file(seeded, tmp_path, capsys):
    existing = tmp_path / "city.tar.gz"
    existing.write_bytes(b"yesterday's backup")
    assert main(["backup", "--out", str(existing)]) == 2
    assert "exists" in capsys.readouterr().err
    assert existing.read_bytes() == b"yesterday's backup"


def test_documents_kept_outside_a_folder_are_refused_with_a_reason(seeded, settings, tmp_path, capsys):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    assert main(["backup", "--out", str(tmp_path / "city.tar.gz")]) == 2
    assert "documents are kept by InMemoryStorage" in capsys.readouterr().err


def test_progress_goes_to_standard_error_and_the_result_to_standard_output(seeded, tmp_path, capsys):
    assert main(["backup", "--out", str(tmp_path / "city.tar.gz")]) == 0
    captured = capsys.readouterr()
    assert "database: accounts.apitoken (0 rows)" in captured.err
    assert "database:" not in captured.out
    assert "SHA-256 of the archive" in captured.out


# --- the manifest's format ---------------------------------------------------------------------------------------


def test_the_example_manifest_and_a_real_one_follow_the_schema(seeded, tmp_path):
    validator = Draft202012Validator(json.loads(SCHEMA.read_text()))
    example = json.loads((REPO / "docs" / "examples" / "backup-manifest.json").read_text())
    assert list(validator.iter_errors(example)) == []
    archive = tmp_path / "city.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    assert list(validator.iter_errors(manifest_of(archive))) == []


def test_a_manifest_that_breaks_the_schema_is_named_with_its_field(seeded, tmp_path, capsys):
    archive, broken = tmp_path / "city.tar.gz", tmp_path / "broken.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0

    def negative_rows(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"][0]["rows"] = -1
        return json.dumps(manifest).encode()

    rewrite(archive, broken, negative_rows)
    assert main(["restore", "--check", str(broken)]) == 1
    assert "manifest.json is damaged: tables/0/rows" in capsys.readouterr().err


def test_an_archive_from_before_a_migration_is_loaded_at_its_state_then_migrated_forward(seeded, officer, tmp_path):
    """An archive made before accounts 0003 (tokens had no expiry): the rows go in at the archive's own migration
    state, then the migration gives the old token its lifetime, and the chain still verifies."""
    services_token, _raw = accounts.api_token_create(actor=officer, name="old gateway")
    archive, older, again = tmp_path / "city.tar.gz", tmp_path / "older.tar.gz", tmp_path / "again.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    lines = [json.loads(line) for line in member(archive, "database/accounts.apitoken.jsonl").splitlines()]
    for line in lines:
        del line["fields"]["expires_at"], line["fields"]["replaced_by"]
    tokens = "".join(json.dumps(line) + "\n" for line in lines).encode()
    people = [json.loads(line) for line in member(archive, "database/accounts.user.jsonl").splitlines()]
    for person in people:
        del person["fields"]["language"]  # accounts 0005's field
    users = "".join(json.dumps(person) + "\n" for person in people).encode()

    later = "database/accounts.externalidentity.jsonl"  # accounts 0004's table, after 0003: not in such an archive

    def before_0003(name: str, data: bytes) -> bytes | None:
        if name == later:
            return None
        data = reseal_manifest(
            name, data, {"database/accounts.apitoken.jsonl": tokens, "database/accounts.user.jsonl": users}
        )
        if name == "manifest.json":
            manifest = json.loads(data)
            kept = [m for m in manifest["migrations"]["accounts"] if m < "0003"]
            manifest["migrations"]["accounts"] = kept
            manifest["files"].pop(later, None)
            manifest["tables"] = [t for t in manifest["tables"] if t["model"] != "accounts.externalidentity"]
            data = json.dumps(manifest).encode()
        return data

    rewrite(archive, older, before_0003)
    url, drop = _fresh_database(tmp_path)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "DATABASE_URL": url,
        "CIVICPACT_DATA_DIR": str(tmp_path / "fresh"),
        "CIVICPACT_BID_MASTER_KEY": os.environ.get("CIVICPACT_BID_MASTER_KEY", "") or _current_key(),
    }
    env.pop("CIVICPACT_BID_MASTER_KEY_FILE", None)
    try:
        restored = civicpact("restore", str(older), env=env)
        assert restored.returncode == 0, restored.stderr
        assert "migrated forward" in restored.stdout
        assert civicpact("verify-audit", env=env).returncode == 0
        assert civicpact("backup", "--out", str(again), env=env).returncode == 0
    finally:
        drop()
    (token,) = [json.loads(line) for line in member(again, "database/accounts.apitoken.jsonl").splitlines()]
    assert token["pk"] == services_token.pk
    assert token["fields"]["expires_at"] is not None
    assert "0003_api_token_expiry" in manifest_of(again)["migrations"]["accounts"]


def _current_key() -> str:
    from django.conf import settings

    key: str = settings.CIVICPACT_BID_MASTER_KEY
    return key
