from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.audit import (
    GENESIS_HASH,
    ChainLink,
    StoredEvent,
    format_time,
    link_hash,
    payload_digest,
    verify_chain,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


def build_chain(payloads: list[object]) -> list[StoredEvent]:
    events, previous = [], GENESIS_HASH
    for index, payload in enumerate(payloads, start=1):
        salt = f"salt{index}"
        link = ChainLink(
            index,
            START + timedelta(seconds=index),
            "user:1:officer",
            "thing.do",
            f"obj:{index}",
            payload_digest(salt, payload),
        )
        previous = link_hash(previous, link)
        events.append(StoredEvent(link=link, salt=salt, payload=payload, hash=previous))
    return events


@given(st.lists(json_values, min_size=0, max_size=12))
def test_an_untouched_chain_verifies(payloads):
    verdict = verify_chain(build_chain(payloads))
    assert verdict.ok
    assert verdict.events_checked == len(payloads)


@given(st.lists(json_values, min_size=1, max_size=12), st.data())
def test_changing_any_payload_is_caught_at_that_event(payloads, data):
    events = build_chain(payloads)
    index = data.draw(st.integers(0, len(events) - 1))
    events[index] = replace(events[index], payload={"tampered": events[index].payload})
    verdict = verify_chain(events)
    assert not verdict.ok
    assert verdict.first_broken_seq == index + 1


@given(st.lists(json_values, min_size=2, max_size=12), st.data())
def test_removing_an_event_is_caught(payloads, data):
    events = build_chain(payloads)
    index = data.draw(st.integers(0, len(events) - 2))
    del events[index]
    verdict = verify_chain(events)
    assert not verdict.ok
    assert verdict.first_broken_seq == index + 2


def test_rewriting_an_action_and_its_hash_breaks_the_next_link():
    events = build_chain([{"a": 1}, {"b": 2}, {"c": 3}])
    forged_link = replace(events[1].link, action="thing.undo")
    events[1] = replace(events[1], link=forged_link, hash=link_hash(events[0].hash, forged_link))
    verdict = verify_chain(events)
    assert verdict.first_broken_seq == 3


def test_the_payload_digest_depends_on_the_salt_and_not_on_key_order():
    assert payload_digest("s", {"a": 1, "b": 2}) == payload_digest("s", {"b": 2, "a": 1})
    assert payload_digest("s", {"a": 1}) != payload_digest("t", {"a": 1})


def test_audit_times_must_be_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 1, 1))
