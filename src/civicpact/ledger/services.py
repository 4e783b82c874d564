"""Writes to the audit chain and the OCDS release store. Callers pass their own transaction."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone, translation

from civicpact.domain import ocds, redaction
from civicpact.domain.audit import (
    GENESIS_HASH,
    LINK_V3,
    ChainLink,
    link_hash,
    payload_digest,
    person_digest,
    subject_digest,
)
from civicpact.ledger.exceptions import ReleaseOrderError
from civicpact.ledger.models import AuditEvent, ChainHead, ConfidentialityClaim, Ocid, Release, WithheldContent


def object_ref(obj: models.Model | str) -> str:
    if isinstance(obj, str):
        return obj
    return f"{obj._meta.label_lower}:{obj.pk}"


def actor_label(actor: Any) -> str:
    """The account that acted (kept inside: hashed into the person digest, never published)."""
    if actor is None:
        return "system"
    if not getattr(actor, "is_authenticated", False):
        return "anonymous"
    return f"user:{actor.pk}:{actor.get_username()}"


PUBLIC_ACTOR_MAX = 300


def actor_public(actor: Any) -> str:
    """Who acted, as the public reads it: each role the person holds and where ("Procurement officer, City of Port
    Aurelia"), never their name or account. Read through the user's memberships (the ledger imports no app)."""
    if actor is None:
        return "system"
    if not getattr(actor, "is_authenticated", False):
        return "anonymous"
    memberships = actor.memberships.select_related("organisation").order_by("organisation__name", "role")
    with translation.override(settings.LANGUAGE_CODE):  # recorded in the chain: the city's words, not the reader's
        text = (
            "; ".join(f"{m.get_role_display()}, {m.organisation.name}" for m in memberships)
            or "a person without a role"
        )
    return text if len(text) <= PUBLIC_ACTOR_MAX else text[: PUBLIC_ACTOR_MAX - 1] + "…"


def _locked_head() -> ChainHead:
    """The chain head row, locked until the caller's transaction ends (created by a migration; re-created
    on an emptied database)."""
    head, _created = ChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    return head


def _json_normalised(payload: Any) -> Any:
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def audit_append(
    *,
    actor: Any,
    action: str,
    obj: models.Model | str,
    payload: dict[str, Any] | None = None,
    public: bool = False,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    The chain head row is locked first, so concurrent writers queue up and never fork the chain.
    """
    with transaction.atomic():
        head = _locked_head()
        body = _json_normalised(payload or {})
        salt, person_salt = secrets.token_hex(16), secrets.token_hex(16)
        label, shown, ref = actor_label(actor), actor_public(actor), object_ref(obj)
        link = ChainLink(
            seq=head.seq + 1,
            time=timezone.now(),
            actor=shown,
            action=action,
            object=ref,
            payload_digest=payload_digest(salt, body),
            version=LINK_V3,
            public=public,
            subject_digest=subject_digest(salt, actor=shown, action=action, object=ref),
            person_digest=person_digest(person_salt, person=label),
        )
        event = AuditEvent(
            seq=link.seq,
            time=link.time,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=label,
            actor_public=shown,
            actor_salt=person_salt,
            action=action,
            object_ref=link.object,
            public=public,
            payload=body,
            salt=salt,
            payload_digest=link.payload_digest,
            hash=link_hash(head.hash, link),
            link_version=LINK_V3,
        )
        event.full_clean()
        event.save(force_insert=True)
        head.seq = event.seq
        head.hash = event.hash
        head.save(update_fields=["seq", "hash"])
        return event


def ocid_mint(*, actor: Any, obj: models.Model | str, local_id: str) -> Ocid:
    """Give a contracting process its ocid, once."""
    with transaction.atomic():
        value = ocds.make_ocid(settings.CIVICPACT_OCID_PREFIX, local_id)
        record = Ocid(ocid=value, object_ref=object_ref(obj))
        record.full_clean()
        record.save(force_insert=True)
        audit_append(actor=actor, action="ocid.mint", obj=obj, payload={"ocid": value}, public=True)
        return record


def _bodies_newest_first(ocid: str) -> Iterator[dict[str, Any]]:
    """The ocid's release bodies from the newest, read a few at a time (callers usually stop at the first)."""
    releases = Release.objects.filter(ocid=ocid).order_by("-date")
    start, size = 0, 8
    while True:
        bodies = list(releases.values_list("body", flat=True)[start : start + size])
        yield from bodies
        if len(bodies) < size:
            return
        start, size = start + size, size * 4


def _claims_in_force(ocid: str) -> list[redaction.Claim]:
    """The confidentiality claims that every new release of `ocid` applies (docs/confidentiality.md)."""
    today = timezone.localdate()
    return [c.as_domain() for c in ConfidentialityClaim.objects.in_force(today).filter(ocid=ocid)]


def release_append(
    *,
    actor: Any,
    ocid: str,
    tags: list[str],
    sections: dict[str, Any] | None = None,
    initiation_type: str = "tender",
    date: datetime | None = None,
) -> Release:
    """Store a new release for `ocid`: a fresh release id and a date later than the last one.

    Confidentiality claims in force are applied here, the one place releases are written: what they withhold
    never reaches the release and is kept privately (WithheldContent) until the claim ends."""
    with transaction.atomic():
        _locked_head()  # one writer at a time for ids and dates
        if not Ocid.objects.filter(ocid=ocid).exists():
            raise ReleaseOrderError(f"unknown ocid {ocid!r}: mint it with ocid_mint first")
        last = Release.objects.filter(ocid=ocid).order_by("-date").first()
        count = Release.objects.filter(ocid=ocid).count()
        when = date or timezone.now()
        if last is not None and when <= last.date:
            if date is not None:
                raise ReleaseOrderError(f"release date {when.isoformat()} is not after the last one for {ocid}")
            when = last.date + timedelta(milliseconds=1)
        when = when.replace(microsecond=(when.microsecond // 1000) * 1000)
        if last is not None and when <= last.date:
            when = last.date + timedelta(milliseconds=1)
        release_id = f"{ocid}-{count + 1:05d}"
        normalised = _json_normalised(sections or {})
        if normalised.get("parties"):
            normalised["parties"] = ocds.with_earlier_roles(normalised["parties"], _bodies_newest_first(ocid))
        published, withheld = redaction.redact(normalised, _claims_in_force(ocid))
        body = ocds.build_release(
            ocid=ocid,
            release_id=release_id,
            date=when,
            tags=tags,
            initiation_type=initiation_type,
            language=settings.CIVICPACT_OCDS_LANGUAGE,  # the city's language (CIVICPACT_LANGUAGE)
            sections=published,
        )
        release = Release(ocid=ocid, release_id=release_id, date=when, tags=list(tags), body=body)
        release.full_clean()
        release.save(force_insert=True)
        for item in withheld:
            WithheldContent.objects.create(claim_id=item.claim_id, release=release, fragment=item.fragment)
        audit_append(
            actor=actor,
            action="release.publish",
            obj=f"ocds.release:{release_id}",
            payload={"tags": tags},
            public=True,
        )
        return release
