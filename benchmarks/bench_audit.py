"""Audit chain verification: the full check (canonical JSON + two SHA-256 per event) against hashing the same
number of bytes with plain SHA-256 (the floor any verifier must pay)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from benchmarks.util import best_of
from civicpact.domain.audit import GENESIS_HASH, ChainLink, StoredEvent, link_hash, payload_digest, verify_chain


def make_chain(n: int) -> list[StoredEvent]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events, previous = [], GENESIS_HASH
    for i in range(1, n + 1):
        payload = {"supplier": i, "reason": "verified against the company register", "amount": str(i * 100)}
        link = ChainLink(
            i,
            start + timedelta(seconds=i),
            "user:3:officer",
            "supplier.verify",
            f"accounts.organisation:{i}",
            payload_digest("salt", payload),
        )
        previous = link_hash(previous, link)
        events.append(StoredEvent(link, "salt", payload, previous))
    return events


def main() -> None:
    n = 20_000
    chain = make_chain(n)
    blob = [e.link.canonical() for e in chain]
    floor = best_of(lambda: [hashlib.sha256(b).digest() for b in blob for _ in (0, 1)], repeat=3)
    full = best_of(lambda: verify_chain(chain), repeat=3)
    print(f"audit chain verification, {n} events")
    print(
        f"  plain SHA-256 floor: {floor:.3f} s; full verification: {full:.3f} s; "
        f"ratio {full / floor:.1f}x the floor; {n / full:,.0f} events/s"
    )


if __name__ == "__main__":
    main()
