"""The export's verifier on hand-built chains: public and private events in the three link formats."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.audit import (
    GENESIS_HASH,
    LINK_V1,
    LINK_V2,
    LINK_V3,
    ChainLink,
    StoredEvent,
    link_hash,
    payload_digest,
    person_digest,
    subject_digest,
)
from civicpact.domain.audit_export import ExportFormatError, export_event, export_header, verify_export

START = datetime(2026, 1, 1, tzinfo=UTC)


def build_export(kinds: list[tuple[int, bool]]) -> dict[str, Any]:
    """An export of events of the given (link_version, public) kinds."""
    previous, events = GENESIS_HASH, []
    for seq, (version, public) in enumerate(kinds, start=1):
        salt, payload = f"salt-{seq}", {"n": seq, "secret": "only-in-private" if not public else "shown"}
        person, action, obj = f"user:{seq}:someone", "thing.do", f"thing:{seq}"
        actor = "Procurement officer, City" if version == LINK_V3 else person  # format 3 hashes the role
        link = ChainLink(
            seq,
            START + timedelta(seconds=seq),
            actor,
            action,
            obj,
            payload_digest(salt, payload),
            version=version,
            public=public,
            subject_digest=subject_digest(salt, actor=actor, action=action, object=obj) if version != LINK_V1 else "",
            person_digest=person_digest(f"person-salt-{seq}", person=person) if version == LINK_V3 else "",
        )
        previous = link_hash(previous, link)
        events.append(export_event(StoredEvent(link, salt, payload, previous), public=public))
    document = export_header(publisher="Test", exported_at=START, head_seq=len(kinds), head_hash=previous)
    document["events"] = events
    return document


kinds = st.lists(st.tuples(st.sampled_from([LINK_V1, LINK_V2, LINK_V3]), st.booleans()), min_size=1, max_size=10)


@given(kinds)
def test_any_mix_of_public_and_private_events_verifies(event_kinds):
    document = build_export(event_kinds)
    verdict = verify_export(document)
    assert verdict.ok
    assert verdict.chain.events_checked == len(event_kinds)


@given(kinds)
def test_no_private_payload_or_salt_is_exported(event_kinds):
    for item in build_export(event_kinds)["events"]:
        if not item["public"]:
            assert "payload" not in item
            assert "salt" not in item
            if item["link_version"] == LINK_V2:
                assert "actor" not in item
                assert "object" not in item


@given(kinds, st.data())
def test_changing_any_digest_is_caught_at_that_event(event_kinds, data):
    document = build_export(event_kinds)
    index = data.draw(st.integers(0, len(event_kinds) - 1))
    key = data.draw(st.sampled_from(["payload_digest", "hash"]))
    document["events"][index][key] = "f" * 64
    verdict = verify_export(document)
    assert not verdict.ok
    assert verdict.chain.first_broken_seq == index + 1


def test_swapping_two_events_names_the_first_out_of_place():
    document = build_export([(LINK_V2, True)] * 4)
    document["events"][1], document["events"][2] = document["events"][2], document["events"][1]
    verdict = verify_export(document)
    assert verdict.chain.first_broken_seq == 3
    assert "sequence jumps from 1 to 3" in verdict.chain.reason


def test_a_repeated_event_is_named():
    document = build_export([(LINK_V2, True)] * 3)
    document["events"].insert(2, copy.deepcopy(document["events"][1]))
    verdict = verify_export(document)
    assert verdict.chain.first_broken_seq == 2
    assert "reordered or repeated" in verdict.chain.reason


def test_an_empty_chain_verifies():
    document = export_header(publisher="Test", exported_at=START, head_seq=0, head_hash=GENESIS_HASH)
    document["events"] = []
    assert verify_export(document).ok


def test_a_format_2_public_event_needs_its_subject():
    document = build_export([(LINK_V2, True)])
    del document["events"][0]["actor"]
    with pytest.raises(ExportFormatError, match=r"events\[0\]\.actor"):
        verify_export(document)


def test_an_unknown_link_version_is_a_format_error():
    document = build_export([(LINK_V2, False)])
    document["events"][0]["link_version"] = 4
    with pytest.raises(ExportFormatError, match="link_version: expected 1, 2 or 3"):
        verify_export(document)


def test_a_format_3_event_needs_its_person_digest():
    document = build_export([(LINK_V2, False)])
    document["events"][0]["link_version"] = 3
    with pytest.raises(ExportFormatError, match=r"events\[0\]\.person_digest: expected a string"):
        verify_export(document)


def test_a_format_3_export_never_shows_the_person():
    document = build_export([(LINK_V3, True), (LINK_V3, False)])
    public, private = document["events"]
    assert public["actor"] == "Procurement officer, City"
    assert "user:" not in str(document)
    assert "person-salt" not in str(document)
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
    assert verify_export(document).ok


def test_the_person_digest_is_checked_where_its_salt_is_known():
    from civicpact.domain.audit import verify_chain

    salt, person_salt = "s", "p"
    link = ChainLink(
        1,
        START,
        "Auditor, City",
        "a",
        "o",
        payload_digest(salt, {}),
        version=LINK_V3,
        public=True,
        subject_digest=subject_digest(salt, actor="Auditor, City", action="a", object="o"),
        person_digest=person_digest(person_salt, person="user:1:ann"),
    )
    event = StoredEvent(link, salt, {}, link_hash(GENESIS_HASH, link), person="user:1:ann", person_salt=person_salt)
    assert verify_chain([event]).ok
    forged = StoredEvent(link, salt, {}, event.hash, person="user:2:bob", person_salt=person_salt)
    assert verify_chain([forged]).reason == "the person who acted does not match the person digest"
