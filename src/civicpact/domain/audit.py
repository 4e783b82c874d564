"""The audit chain's arithmetic: digests and links. Pure, so anyone can re-run it on an export."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

GENESIS_HASH = "0" * 64


def payload_digest(salt: str, payload: Any) -> str:
    """sha256(salt + canonical JSON of the payload); the salt keeps private payloads unguessable."""
    return hashlib.sha256(salt.encode("utf-8") + rfc8785.dumps(payload)).hexdigest()


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ChainLink:
    """What one event contributes to the chain."""

    seq: int
    time: datetime
    actor: str
    action: str
    object: str
    payload_digest: str

    def canonical(self) -> bytes:
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
    link: ChainLink
    salt: str
    payload: Any
    hash: str


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
            return ChainVerdict(False, checked, seq, f"sequence jumps from {expected_seq - 1} to {seq}")
        if payload_digest(event.salt, event.payload) != event.link.payload_digest:
            return ChainVerdict(False, checked, seq, "payload does not match its digest")
        if link_hash(previous, event.link) != event.hash:
            return ChainVerdict(False, checked, seq, "hash does not match the event and its predecessor")
        previous = event.hash
        expected_seq += 1
        checked += 1
    return ChainVerdict(True, checked)
