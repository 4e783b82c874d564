"""The public export of the audit chain: anyone re-computes it, tampering is named, private payloads stay out."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from civicpact.cli import main
from civicpact.domain.audit import LINK_V1, ChainLink, link_hash, payload_digest
from civicpact.domain.audit_export import verify_export
from civicpact.ledger.export import audit_export_document
from civicpact.ledger.models import AuditEvent, ChainHead
from civicpact.ledger.services import audit_append

pytestmark = pytest.mark.django_db

SECRET = "PLANTED-SECRET-7f3a"


def write(tmp_path: Path, document: Any, name: str = "export.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def small_chain() -> None:
    audit_append(actor=None, action="gate.approve", obj="pipeline.project:1", payload={"stage": "one"}, public=True)
    audit_append(actor=None, action="user.login", obj="accounts.user:9", payload={"note": SECRET})
    audit_append(
        actor=None, action="release.publish", obj="ocds.release:x-1", payload={"tags": ["planning"]}, public=True
    )
    audit_append(actor=None, action="dispute.open", obj="contracts.dispute:3", payload={"claim": SECRET})
    audit_append(actor=None, action="gate.approve", obj="pipeline.project:2", payload={"stage": "two"}, public=True)


def event(document: dict[str, Any], seq: int) -> dict[str, Any]:
    item: dict[str, Any] = next(e for e in document["events"] if e["seq"] == seq)
    return item


def test_the_demo_citys_export_verifies_offline(city, tmp_path, capsys):
    document = audit_export_document()
    assert document["head"]["seq"] == AuditEvent.objects.count() > 50
    assert main(["verify-audit", "--file", write(tmp_path, document)]) == 0
    out = capsys.readouterr().out
    assert f"{document['head']['seq']} events verified" in out
    assert document["head"]["hash"] in out


def test_the_export_is_served_publicly_and_streamed(citizen, django_assert_num_queries):
    small_chain()
    response = citizen.get("/audit/export.json")
    assert response.status_code == 200
    assert response.streaming
    with django_assert_num_queries(2):  # the head, then the events in chunks
        document = json.loads(b"".join(response.streaming_content))
    assert verify_export(document).ok
    assert document["format"] == "civicpact-audit-export"


def test_the_api_serves_the_same_export(citizen):
    small_chain()
    response = citizen.get("/api/v1/audit/export")
    assert response.status_code == 200
    document = json.loads(b"".join(response.streaming_content))
    assert [e["hash"] for e in document["events"]] == list(AuditEvent.objects.values_list("hash", flat=True))


def test_a_private_payload_never_appears_in_the_export(citizen):
    small_chain()
    body = b"".join(citizen.get("/audit/export.json").streaming_content).decode()
    assert SECRET not in body
    assert "accounts.user:9" not in body
    assert "dispute.open" not in body
    private = event(json.loads(body), 2)
    assert set(private) == {
        "seq",
        "link_version",
        "time",
        "public",
        "subject_digest",
        "person_digest",
        "payload_digest",
        "hash",
    }


def test_a_public_event_shows_its_payload_and_salt():
    small_chain()
    public = event(audit_export_document(), 1)
    assert public["payload"] == {"stage": "one"}
    assert public["actor"] == "system"
    assert public["object"] == "pipeline.project:1"
    assert len(public["salt"]) == 32


@pytest.mark.parametrize(
    ("tamper", "seq", "reason"),
    [
        (lambda d: event(d, 3)["payload"].update(tags=["award"]), 3, "payload does not match"),
        (lambda d: d["events"].pop(1), 3, "event #2 removed"),
        (lambda d: d["events"].__setitem__(slice(1, 3), [d["events"][2], d["events"][1]]), 3, "sequence jumps"),
        (lambda d: event(d, 4).update(payload_digest="0" * 64), 4, "hash does not match"),
        (lambda d: event(d, 5).update(object="pipeline.project:3"), 5, "subject digest"),
        (
            lambda d: event(d, 4).update(public=True, salt="00", payload={}, actor="a", action="b", object="c"),
            4,
            "payload does not match",
        ),
        (lambda d: d["events"].pop(), 5, "event #5 removed"),
    ],
    ids=["public-payload", "removed", "swapped", "private-digest", "public-object", "private-made-public", "last-cut"],
)
def test_a_tampered_export_fails_naming_the_event(tmp_path, capsys, tamper, seq, reason):
    small_chain()
    document = audit_export_document()
    tampered = copy.deepcopy(document)
    tamper(tampered)
    assert main(["verify-audit", "--file", write(tmp_path, tampered)]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN at event #{seq}" in out
    assert reason in out


def test_a_private_event_relabelled_public_is_caught_by_its_hash():
    small_chain()
    document = audit_export_document()
    private = event(document, 2)
    forged = {**private, "public": True, "actor": "x", "action": "y", "object": "z", "salt": "s", "payload": {}}
    forged["payload_digest"] = payload_digest("s", {})
    document["events"][1] = forged
    verdict = verify_export(document)
    assert verdict.chain.first_broken_seq == 2


def test_the_verdict_can_be_read_as_json(tmp_path, capsys):
    small_chain()
    document = audit_export_document()
    event(document, 3)["payload"] = {"tags": []}
    assert main(["verify-audit", "--file", write(tmp_path, document), "--json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["first_broken_seq"] == 3
    assert verdict["ok"] is False


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON: line 1"),
        ('{"format": "something-else"}', "format: expected"),
        (
            '{"format": "civicpact-audit-export", "format_version": "1.0", "head": {"seq": 1, "hash": "x"}}',
            "head.hash: expected 64",
        ),
        ("[]", "(top level): expected a JSON object"),
    ],
)
def test_an_unreadable_file_exits_2_saying_what_to_fix(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main(["verify-audit", "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err


def test_a_missing_event_field_names_the_event_index(tmp_path, capsys):
    small_chain()
    document = audit_export_document()
    del document["events"][2]["hash"]
    assert main(["verify-audit", "--file", write(tmp_path, document)]) == 2
    assert "events[2].hash: expected a string" in capsys.readouterr().err


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["verify-audit", "--file", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_events_hashed_before_format_2_still_verify_and_show_their_link_fields():
    """A chain begun before format 2: its old private events must show actor and object for the hash to hold."""
    salt, payload = "a" * 32, {"who": SECRET}
    old = ChainLink(
        1,
        AuditEvent._meta.get_field("time").to_python("2026-01-01T00:00:00Z"),
        "user:1:lead",
        "need.submit",
        "pipeline.need:1",
        payload_digest(salt, payload),
        version=LINK_V1,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_auditevent (seq, time, actor_label, action, object_ref, public, payload, salt, "
            "payload_digest, hash) VALUES (1, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                old.time,
                old.actor,
                old.action,
                old.object,
                False,
                json.dumps(payload),
                salt,
                old.payload_digest,
                link_hash("0" * 64, old),
            ],
        )
    ChainHead.objects.update_or_create(pk=1, defaults={"seq": 1, "hash": link_hash("0" * 64, old)})
    audit_append(actor=None, action="gate.approve", obj="pipeline.project:1", payload={"stage": 1}, public=True)
    document = audit_export_document()
    assert verify_export(document).ok
    legacy = event(document, 1)
    assert legacy["link_version"] == 1
    assert legacy["actor"] == "user:1:lead"
    assert "payload" not in legacy
    assert SECRET not in json.dumps(document)
    assert event(document, 2)["link_version"] == 3


def test_the_audit_trail_links_to_the_export_and_the_check_page(citizen):
    page = citizen.get("/audit/").content.decode()
    assert 'href="/audit/export.json"' in page
    assert 'href="/audit/check/"' in page


def test_a_citizen_uploads_an_export_and_sees_the_verdict(citizen, tmp_path):
    small_chain()
    document = audit_export_document()
    with open(write(tmp_path, document), "rb") as upload:
        page = citizen.post("/audit/check/", {"export": upload}).content.decode()
    assert "Intact" in page
    event(document, 3)["payload"] = {}
    with open(write(tmp_path, document, "bad.json"), "rb") as upload:
        response = citizen.post("/audit/check/", {"export": upload})
    assert "Event #3 fails" in response.content.decode()


def test_an_unreadable_upload_is_answered_with_what_to_fix(citizen, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{oops", encoding="utf-8")
    with open(path, "rb") as upload:
        response = citizen.post("/audit/check/", {"export": upload})
    assert response.status_code == 400
    assert "not JSON" in response.content.decode()


SCHEMA = Path(__file__).resolve().parents[2] / "src" / "civicpact" / "schemas" / "audit-export.schema.json"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "audit-export.json"


def schema_errors(document: Any) -> list[str]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_the_documented_example_follows_the_schema_and_verifies(capsys):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert schema_errors(document) == []
    assert main(["verify-audit", "--file", str(EXAMPLE)]) == 0


def test_a_real_export_follows_the_schema():
    small_chain()
    assert schema_errors(audit_export_document()) == []


def test_making_a_public_event_private_behind_the_triggers_back_breaks_the_chain(capsys):
    """Format 2 hashes `public`: hiding a public event from the export by relabelling it is caught."""
    from tests.ledger.test_audit_chain import disable_triggers_as_owner

    small_chain()
    disable_triggers_as_owner()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_auditevent SET public = %s WHERE seq = 3", [False])
    assert main(["verify-audit"]) == 1
    assert "BROKEN at event #3: hash does not match" in capsys.readouterr().out
