"""The audit chain's arithmetic: digests and links. Pure, so anyone can re-run it on an export."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

GENESIS_HASH = "0" * 64

# Link formats. 1: the link holds actor, action and object in clear (every event before format 2).
# 2: the link holds `public` and a salted digest of {actor, action, object} instead, so a private event's
# link can be published without its actor or object (docs/audit-export.md).
# 3: as 2, but the actor in the subject is the public one (role and organisation, never the person), and the
# person's account is hashed apart with a salt of its own that is never published (`person_digest`).
LINK_V1, LINK_V2, LINK_V3 = 1, 2, 3
SUBJECT_LINKS = (LINK_V2, LINK_V3)  # the formats whose link holds a subject digest


def payload_digest(salt: str, payload: Any) -> str:
    """sha256(salt + canonical JSON of the payload); the salt keeps private payloads unguessable."""
    return hashlib.sha256(salt.encode("utf-8") + rfc8785.dumps(payload)).hexdigest()


def subject_digest(salt: str, *, actor: str, action: str, object: str) -> str:
    """sha256(salt + canonical JSON of {actor, action, object}): who did what to what, hidden for private events."""
    subject = {"actor": actor, "action": action, "object": object}
    return hashlib.sha256(salt.encode("utf-8") + rfc8785.dumps(subject)).hexdigest()


def person_digest(salt: str, *, person: str) -> str:
    """sha256(salt + canonical JSON of {person}): who acted, for format 3; its salt never leaves the system."""
    return hashlib.sha256(salt.encode("utf-8") + rfc8785.dumps({"person": person})).hexdigest()


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ChainLink:
    """What one event contributes to the chain.

    Format 1 hashes actor, action and object; format 2 hashes `public` and `subject_digest` instead (a private
    event's actor, action and object are then empty in an export, and only the digest is known); format 3 hashes
    `person_digest` too, and its `actor` is the public one (role and organisation).
    """

    seq: int
    time: datetime
    actor: str
    action: str
    object: str
    payload_digest: str
    version: int = LINK_V1
    public: bool = False
    subject_digest: str = ""
    person_digest: str = ""

    def canonical(self) -> bytes:
        if self.version == LINK_V3:
            return rfc8785.dumps(
                {
                    "v": LINK_V3,
                    "seq": self.seq,
                    "time": format_time(self.time),
                    "public": self.public,
                    "subject_digest": self.subject_digest,
                    "person_digest": self.person_digest,
                    "payload_digest": self.payload_digest,
                }
            )
        if self.version == LINK_V2:
            return rfc8785.dumps(
                {
                    "v": LINK_V2,
                    "seq": self.seq,
                    "time": format_time(self.time),
                    "public": self.public,
                    "subject_digest": self.subject_digest,
                    "payload_digest": self.payload_digest,
                }
            )
        if self.version != LINK_V1:
            raise ValueError(f"unknown link format {self.version}")
        return rfc8785.dumps(
            {
                "seq": self.seq,
                "time": format_time(self.time),
                "actor": self.actor,
                "action": self.action,
                "object": self.object,
                "payload_digest": self.payload_digest,
            }
        )


def link_hash(previous_hash: str, link: ChainLink) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + link.canonical()).hexdigest()


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored, or as exported: `salt` is None when the payload (and, in formats 2 and 3, the subject) is
    withheld, and then only the link's digests can be chained. `person` and `person_salt` (format 3) are known only
    inside the system; an export chains the person digest as given."""

    link: ChainLink
    salt: str | None
    payload: Any
    hash: str
    person: str | None = None
    person_salt: str | None = None


@dataclass(frozen=True)
class ChainVerdict:
    ok: bool
    events_checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(events: Iterable[StoredEvent]) -> ChainVerdict:
    """Re-compute every digest and link in sequence order; name the first event that does not fit."""
    previous = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in events:
        seq = event.link.seq
        if seq != expected_seq:
            return ChainVerdict(False, checked, seq, _sequence_problem(expected_seq, seq))
        problem = _content_problem(event)
        if problem:
            return ChainVerdict(False, checked, seq, problem)
        if link_hash(previous, event.link) != event.hash:
            return ChainVerdict(False, checked, seq, "hash does not match the event and its predecessor")
        previous = event.hash
        expected_seq += 1
        checked += 1
    return ChainVerdict(True, checked)


def _sequence_problem(expected: int, seq: int) -> str:
    if seq > expected:
        missing = f"#{expected}" if seq == expected + 1 else f"#{expected} to #{seq - 1}"
        return f"sequence jumps from {expected - 1} to {seq}: event {missing} removed or moved"
    return f"event #{seq} comes after #{expected - 1}: events reordered or repeated"


def _content_problem(event: StoredEvent) -> str:
    """What is wrong with the event's own digests, where their salts are known; empty when nothing is."""
    link = event.link
    if (
        link.version == LINK_V3
        and event.person_salt is not None
        and link.person_digest != person_digest(event.person_salt, person=event.person or "")
    ):
        return "the person who acted does not match the person digest"
    if event.salt is None:
        return ""
    if payload_digest(event.salt, event.payload) != link.payload_digest:
        return "payload does not match its digest"
    if link.version in SUBJECT_LINKS and link.subject_digest != subject_digest(
        event.salt, actor=link.actor, action=link.action, object=link.object
    ):
        return "actor, action or object does not match the subject digest"
    return ""
