"""The public export of the audit chain: what each event shows, and how anyone re-computes the chain from it.

Pure, so a citizen's copy of CivicPact (or any script following docs/audit-export.md) verifies an export offline.
A public event shows everything, salt and payload included, so both its digests and its link are checked. A private
event never shows its payload or salt; in link formats 2 and 3 it shows only its position, time and digests, and in
format 1 (events hashed before format 2 existed) its actor, action and object too, because its hash covers them.
In format 3 the actor shown (and hashed in the subject) is the role and organisation that acted, never the person:
the person's account is hashed into `person_digest` with a salt that is never exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from civicpact.domain.audit import (
    GENESIS_HASH,
    LINK_V1,
    LINK_V3,
    SUBJECT_LINKS,
    ChainLink,
    ChainVerdict,
    StoredEvent,
    format_time,
    verify_chain,
)

EXPORT_FORMAT = "civicpact-audit-export"
EXPORT_FORMAT_VERSION = "1.1"  # 1.1: events may have link_version 3 (person_digest)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
HEX_LENGTH = 64


class ExportFormatError(ValueError):
    """The file is not an audit export this code can read; the message says where and what to fix."""


def export_event(event: StoredEvent, *, public: bool) -> dict[str, Any]:
    """One event as the public export shows it (docs/audit-export.md)."""
    link = event.link
    item: dict[str, Any] = {
        "seq": link.seq,
        "link_version": link.version,
        "time": format_time(link.time),
        "public": public,
    }
    if public or link.version == LINK_V1:
        item.update(actor=link.actor, action=link.action, object=link.object)
    if link.version in SUBJECT_LINKS:
        item["subject_digest"] = link.subject_digest
    if link.version == LINK_V3:
        item["person_digest"] = link.person_digest
    if public:
        item.update(salt=event.salt, payload=event.payload)
    item.update(payload_digest=link.payload_digest, hash=event.hash)
    return item


def export_header(*, publisher: str, exported_at: datetime, head_seq: int, head_hash: str) -> dict[str, Any]:
    """The export's fields before its `events` array."""
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "publisher": {"name": publisher},
        "exported_at": format_time(exported_at),
        "genesis_hash": GENESIS_HASH,
        "head": {"seq": head_seq, "hash": head_hash},
    }


@dataclass(frozen=True)
class ExportVerdict:
    chain: ChainVerdict
    head_seq: int
    head_hash: str

    @property
    def ok(self) -> bool:
        return self.chain.ok


def verify_export(document: Any) -> ExportVerdict:
    """Check the export's shape (ExportFormatError), then re-compute the chain and compare its end with the head."""
    head_seq, head_hash = _read_header(document)
    verdict = verify_chain(_read_events(document["events"]))
    if verdict.ok:
        verdict = _check_head(document["events"], verdict, head_seq, head_hash)
    return ExportVerdict(verdict, head_seq, head_hash)


def _check_head(events: list[Any], verdict: ChainVerdict, head_seq: int, head_hash: str) -> ChainVerdict:
    last_seq, last_hash = (events[-1]["seq"], events[-1]["hash"]) if events else (0, GENESIS_HASH)
    if last_seq < head_seq:
        return ChainVerdict(
            False,
            verdict.events_checked,
            last_seq + 1,
            f"event #{last_seq + 1} removed: the export ends at #{last_seq} but its head is #{head_seq}",
        )
    if (last_seq, last_hash) != (head_seq, head_hash):
        return ChainVerdict(False, verdict.events_checked, last_seq, "the last event does not match the head")
    return verdict


def _read_header(document: Any) -> tuple[int, str]:
    if not isinstance(document, Mapping):
        raise ExportFormatError("(top level): expected a JSON object")
    if document.get("format") != EXPORT_FORMAT:
        raise ExportFormatError(f"format: expected {EXPORT_FORMAT!r}; is this a CivicPact audit export?")
    if not str(document.get("format_version", "")).startswith("1."):
        raise ExportFormatError("format_version: only version 1.x exports can be read")
    if document.get("genesis_hash", GENESIS_HASH) != GENESIS_HASH:
        raise ExportFormatError("genesis_hash: a chain starts from 64 zeros")
    head = document.get("head")
    if not isinstance(head, Mapping):
        raise ExportFormatError("head: expected an object with seq and hash")
    head_seq = _integer(head, "seq", "head")
    head_hash = _digest(head, "hash", "head")
    if not isinstance(document.get("events"), list):
        raise ExportFormatError("events: expected a list of events")
    return head_seq, head_hash


def _read_events(items: Iterable[Any]) -> Iterator[StoredEvent]:
    for index, item in enumerate(items):
        yield _read_event(item, f"events[{index}]")


def _read_event(item: Any, where: str) -> StoredEvent:
    if not isinstance(item, Mapping):
        raise ExportFormatError(f"{where}: expected an object")
    version = item.get("link_version")
    if version not in (LINK_V1, *SUBJECT_LINKS):
        raise ExportFormatError(f"{where}.link_version: expected 1, 2 or 3")
    public = item.get("public")
    if not isinstance(public, bool):
        raise ExportFormatError(f"{where}.public: expected true or false")
    shows_subject = public or version == LINK_V1
    link = ChainLink(
        seq=_integer(item, "seq", where),
        time=_time(item, where),
        actor=_text(item, "actor", where) if shows_subject else "",
        action=_text(item, "action", where) if shows_subject else "",
        object=_text(item, "object", where) if shows_subject else "",
        payload_digest=_digest(item, "payload_digest", where),
        version=version,
        public=public,
        subject_digest=_digest(item, "subject_digest", where) if version in SUBJECT_LINKS else "",
        person_digest=_digest(item, "person_digest", where) if version == LINK_V3 else "",
    )
    salt = _text(item, "salt", where) if public else None
    if public and "payload" not in item:
        raise ExportFormatError(f"{where}.payload: a public event shows its payload")
    return StoredEvent(
        link=link, salt=salt, payload=item.get("payload") if public else None, hash=_digest(item, "hash", where)
    )


def _integer(item: Mapping[str, Any], key: str, where: str) -> int:
    value = item.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ExportFormatError(f"{where}.{key}: expected a whole number")
    return value


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise ExportFormatError(f"{where}.{key}: expected a string")
    return value


def _digest(item: Mapping[str, Any], key: str, where: str) -> str:
    value = _text(item, key, where)
    if len(value) != HEX_LENGTH or any(c not in "0123456789abcdef" for c in value):
        raise ExportFormatError(f"{where}.{key}: expected 64 lower-case hexadecimal characters")
    return value


def _time(item: Mapping[str, Any], where: str) -> datetime:
    value = _text(item, "time", where)
    try:
        return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ExportFormatError(f"{where}.time: expected YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)") from None
