"""Link format 3: the public audit trail names the role and organisation that acted, never the person, and the
chain still proves who it was to anyone holding the database (docs/audit-export.md, "Who acted")."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.db import connection

from civicpact.accounts.models import User
from civicpact.cli import main
from civicpact.domain.audit import LINK_V2, ChainLink, link_hash, payload_digest, subject_digest
from civicpact.domain.audit_export import verify_export
from civicpact.ledger.export import audit_export_document
from civicpact.ledger.models import AuditEvent, ChainHead
from civicpact.ledger.selectors import audit_chain_verify
from civicpact.ledger.services import actor_public, audit_append
from tests.ledger.test_audit_chain import disable_triggers_as_owner
from tests.ledger.test_audit_export import event, write

pytestmark = pytest.mark.django_db
OFFICER = "Procurement officer, Procurement and PPP Unit"


def _officer() -> User:
    return User.objects.get(username="officer")


def _approve(user: Any) -> AuditEvent:
    return audit_append(actor=user, action="gate.approve", obj="pipeline.project:1", payload={"stage": 1}, public=True)


def test_the_public_actor_is_the_role_and_organisation(city):
    assert actor_public(_officer()) == OFFICER
    assert actor_public(None) == "system"


def test_a_person_with_no_role_is_not_named(db):
    nobody = User.objects.create_user(username="jane.doe", password="x")
    assert actor_public(nobody) == "a person without a role"


def test_a_public_event_exports_the_role_and_never_the_account(city):
    officer = _officer()
    _approve(officer)
    document = audit_export_document()
    exported = document["events"][-1]
    assert exported["actor"] == OFFICER
    assert exported["link_version"] == 3
    assert len(exported["person_digest"]) == 64
    text = json.dumps(document)
    assert f"user:{officer.pk}:officer" not in text
    assert AuditEvent.objects.get(seq=exported["seq"]).actor_salt not in text
    assert verify_export(document).ok


def test_the_database_still_knows_who_acted(city):
    stored = _approve(_officer())
    assert (stored.actor_label, stored.actor_public, stored.actor_id) == (
        f"user:{_officer().pk}:officer",
        OFFICER,
        _officer().pk,
    )
    assert audit_chain_verify().ok


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("actor", "Auditor, City of Port Aurelia", "subject digest"),
        ("person_digest", "0" * 64, "hash does not match"),
    ],
)
def test_changing_who_acted_in_an_export_is_caught(city, tmp_path, capsys, field, value, reason):
    seq = _approve(_officer()).seq
    tampered = copy.deepcopy(audit_export_document())
    event(tampered, seq)[field] = value
    assert main(["verify-audit", "--file", write(tmp_path, tampered)]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN at event #{seq}" in out
    assert reason in out


@pytest.mark.parametrize("column", ["actor_label", "actor_public"])
def test_changing_who_acted_behind_the_triggers_back_breaks_the_chain(city, capsys, column):
    seq = _approve(_officer()).seq
    disable_triggers_as_owner()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE ledger_auditevent SET {column} = %s WHERE seq = %s", ["user:1:admin", seq])  # noqa: S608
    assert main(["verify-audit"]) == 1
    assert f"BROKEN at event #{seq}: hash does not match" in capsys.readouterr().out


def _insert_format_2_event(seq: int, previous: str, *, public: bool) -> str:
    """An event as a deployment wrote it before format 3: its hash covers the account inside the subject digest."""
    salt, payload, label = "b" * 32, {"stage": 0}, "user:7:lead"
    time = AuditEvent._meta.get_field("time").to_python("2026-01-01T00:00:00Z")
    link = ChainLink(
        seq,
        time,
        label,
        "gate.approve",
        "pipeline.project:7",
        payload_digest(salt, payload),
        version=LINK_V2,
        public=public,
        subject_digest=subject_digest(salt, actor=label, action="gate.approve", object="pipeline.project:7"),
    )
    digest = link_hash(previous, link)
    hashes = [link.payload_digest, digest]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_auditevent (seq, time, actor_label, action, object_ref, public, payload, salt, "
            "payload_digest, hash, link_version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [seq, time, label, link.action, link.object, public, json.dumps(payload), salt, *hashes, LINK_V2],
        )
    ChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": digest})
    return digest


def test_an_existing_chain_goes_on_in_format_3_and_verifies_whole(city, tmp_path, capsys):
    """Events written before format 3 keep their format: nothing is re-hashed, the chain verifies from the database
    and from a new export, and an export downloaded before the upgrade still verifies."""
    head = ChainHead.objects.get()
    before_upgrade = audit_export_document()
    _insert_format_2_event(head.seq + 1, head.hash, public=True)
    old_export = audit_export_document()
    _approve(_officer())
    assert audit_chain_verify().ok
    document = audit_export_document()
    assert main(["verify-audit", "--file", write(tmp_path, document)]) == 0
    assert main(["verify-audit", "--file", write(tmp_path, old_export, "old.json")]) == 0
    assert main(["verify-audit", "--file", write(tmp_path, before_upgrade, "older.json")]) == 0
    legacy, new = event(document, head.seq + 1), document["events"][-1]
    assert (legacy["link_version"], legacy["actor"]) == (2, "user:7:lead")  # its hash needs the account
    assert (new["link_version"], new["actor"]) == (3, OFFICER)


def test_a_format_2_event_is_not_named_on_the_audit_trail_page(city, citizen):
    head = ChainHead.objects.get()
    _insert_format_2_event(head.seq + 1, head.hash, public=True)
    _approve(_officer())
    page = citizen.get("/audit/").content.decode()
    assert "user:7:lead" not in page
    assert "a person (role not recorded)" in page
    assert OFFICER in page


def test_the_api_shows_the_role_to_everyone_and_the_account_to_auditors(city, citizen, client_for):
    _approve(_officer())
    public = citizen.get("/api/v1/audit/events").json()["items"][0]
    assert (public["actor"], public["account"]) == (OFFICER, None)
    audited = client_for(User.objects.get(username="auditor")).get("/api/v1/audit/events").json()["items"][0]
    assert (audited["actor"], audited["account"]) == (OFFICER, f"user:{_officer().pk}:officer")


def test_auditors_see_the_account_on_the_trail_and_citizens_do_not(city, citizen, client_for):
    _approve(_officer())
    label = f"user:{_officer().pk}:officer"
    assert label not in citizen.get("/audit/").content.decode()
    assert label in client_for(User.objects.get(username="auditor")).get("/audit/").content.decode()
