"""Confidentiality claims: who may make them, and their life (docs/confidentiality.md).

A claim's rows are append-only (ledger.ConfidentialityClaim): each change writes a new row that supersedes the
last one. Claims take effect on the next release of their ocid (ledger.services.release_append applies them); a
claim that ends publishes a disclosure release restoring what it withheld. Releases already published are never
changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from civicpact.accounts import permissions
from civicpact.accounts.models import Role
from civicpact.domain import redaction
from civicpact.ledger.models import ClaimState, ConfidentialityClaim, Ocid, Release, WithheldContent
from civicpact.ledger.services import audit_append, release_append

# City staff who manage a process's objects: the PPP unit (procurement officers) and contract managers.
CLAIMANT_ROLES = (Role.PROCUREMENT_OFFICER, Role.CONTRACT_MANAGER, Role.ADMINISTRATOR)
# The PPP unit decides suppliers' requests.
APPROVER_ROLES = (Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR)
SUPPLIER_ROLES = ("supplier", "tenderer", "privateParty")


def can_claim(user: Any) -> bool:
    return permissions.has_role(user, *CLAIMANT_ROLES)


def can_decide(user: Any) -> bool:
    return permissions.has_role(user, *APPROVER_ROLES)


def can_view_claims(user: Any) -> bool:
    """Auditors see every claim (what is withheld and why, never the content); so do the staff who claim."""
    return permissions.can_view_private_audit(user) or can_claim(user)


def supplier_may_request(user: Any, ocid: str) -> bool:
    """A supplier user may request a claim in a process where its organisation is a published supplier party."""
    party_ids = {f"org-{o.pk}" for o in permissions.supplier_organisations(user)}
    if not party_ids:
        return False
    for body in Release.objects.filter(ocid=ocid).values_list("body", flat=True):
        for entry in body.get("parties", ()):
            if entry.get("id") in party_ids and set(entry.get("roles", ())) & set(SUPPLIER_ROLES):
                return True
    return False


def _audit(actor: Any, action: str, claim: ConfidentialityClaim) -> None:
    # The audit event is private: it names the target; the public learns of the claim from the releases.
    audit_append(
        actor=actor,
        action=action,
        obj=f"ledger.confidentialityclaim:{claim.root_id()}",
        payload={
            "ocid": claim.ocid,
            "kind": claim.kind,
            "target": claim.target,
            "state": claim.state,
            "reason": claim.reason,
            "ends_on": claim.ends_on.isoformat(),
        },
    )


def _check(*, ocid: str, kind: str, target: str, reason: str, ends_on: date) -> None:
    try:
        redaction.check_claim(kind=kind, target=target, reason=reason)
    except redaction.ClaimError as error:
        raise ValidationError(str(error)) from error
    if not Ocid.objects.filter(ocid=ocid).exists():
        raise ValidationError(gettext_noop("unknown ocid %(ocid)r"), params={"ocid": ocid})
    if ends_on < timezone.localdate():
        raise ValidationError(gettext_noop("the end date has passed"))


def claim_create(
    *,
    actor: Any,
    ocid: str,
    kind: str,
    target: str,
    reason: str,
    ends_on: date,
    reason_text: str = "",
    withhold_title: bool = False,
) -> ConfidentialityClaim:
    """City staff claim confidentiality (active at once); a supplier requests it (the PPP unit decides)."""
    if can_claim(actor):
        state = ClaimState.ACTIVE
    elif supplier_may_request(actor, ocid) and kind == redaction.DOCUMENT:
        state = ClaimState.REQUESTED
    else:
        raise PermissionDenied(
            gettext_noop(
                "Only the PPP unit and contract managers claim confidentiality; a supplier may "
                "request it on documents of its own processes."
            )
        )
    _check(ocid=ocid, kind=kind, target=target, reason=reason, ends_on=ends_on)
    with transaction.atomic():
        claim = ConfidentialityClaim(
            ocid=ocid,
            kind=kind,
            target=target,
            reason=reason,
            reason_text=reason_text,
            withhold_title=withhold_title,
            ends_on=ends_on,
            state=state,
            claimed_by=actor,
            approved_by=actor if state == ClaimState.ACTIVE else None,
            actor=actor,
        )
        claim.full_clean()
        claim.save(force_insert=True)
        _audit(actor, "claim.create" if state == ClaimState.ACTIVE else "claim.request", claim)
        return claim


def _supersede(
    previous: ConfidentialityClaim,
    *,
    actor: Any,
    state: str,
    note: str = "",
    ends_on: date | None = None,
    approved_by: Any = None,
) -> ConfidentialityClaim:
    if ConfidentialityClaim.objects.filter(supersedes=previous).exists():
        raise ValidationError(gettext_noop("this claim has changed since: reload it"))
    row = ConfidentialityClaim(
        ocid=previous.ocid,
        kind=previous.kind,
        target=previous.target,
        reason=previous.reason,
        reason_text=previous.reason_text,
        withhold_title=previous.withhold_title,
        ends_on=ends_on or previous.ends_on,
        state=state,
        supersedes=previous,
        origin_id=previous.root_id(),
        claimed_by=previous.claimed_by,
        approved_by=approved_by or previous.approved_by,
        actor=actor,
        note=note,
    )
    row.full_clean()
    row.save(force_insert=True)
    return row


def claim_current(*, claim_id: int) -> ConfidentialityClaim:
    """The newest row of claim `claim_id` (the id of its first row)."""
    row: ConfidentialityClaim | None = ConfidentialityClaim.objects.current().filter(pk=claim_id).first() or (
        ConfidentialityClaim.objects.current().filter(origin_id=claim_id).first()
    )
    if row is None:
        raise ConfidentialityClaim.DoesNotExist(f"no claim {claim_id}")
    return row


def claim_decide(*, actor: Any, claim_id: int, approve: bool, note: str = "") -> ConfidentialityClaim:
    """The PPP unit approves or refuses a supplier's request."""
    if not can_decide(actor):
        raise PermissionDenied(gettext_noop("Only the PPP unit decides confidentiality requests."))
    with transaction.atomic():
        current = claim_current(claim_id=claim_id)
        if current.state != ClaimState.REQUESTED:
            raise ValidationError(gettext_noop("only a pending request can be approved or refused"))
        state = ClaimState.ACTIVE if approve else ClaimState.REFUSED
        row = _supersede(current, actor=actor, state=state, note=note, approved_by=actor if approve else None)
        _audit(actor, "claim.approve" if approve else "claim.refuse", row)
        return row


@dataclass(frozen=True)
class Disclosure:
    claim_id: int
    release_id: str  # empty when the claim had withheld nothing yet


def claim_end(*, actor: Any, claim_id: int, note: str = "") -> Disclosure:
    """End an active claim early: a new row, and a release disclosing what it withheld."""
    if not can_claim(actor):
        raise PermissionDenied(gettext_noop("Only the PPP unit and contract managers end confidentiality claims."))
    with transaction.atomic():
        current = claim_current(claim_id=claim_id)
        if current.state != ClaimState.ACTIVE:
            raise ValidationError(gettext_noop("only an active claim can be ended"))
        return _disclose(current, actor=actor, note=note or "ended early")


def _disclose(current: ConfidentialityClaim, *, actor: Any, note: str) -> Disclosure:
    ended = _supersede(current, actor=actor, state=ClaimState.ENDED, note=note)
    _audit(actor, "claim.end", ended)
    claim_id = current.root_id()
    # Every release that withheld something, oldest first: later values win, and a document or field withheld
    # only in an earlier release (another section) is restored too.
    withheld = list(
        WithheldContent.objects.filter(claim_id=claim_id).select_related("release").order_by("release__date")
    )
    if not withheld:
        return Disclosure(claim_id, "")
    last = withheld[-1]
    sections = redaction.merge_fragments([w.fragment for w in withheld])
    release = release_append(
        actor=actor,
        ocid=current.ocid,
        tags=redaction.disclosure_tags(sections),
        sections=sections,
        initiation_type=last.release.body.get("initiationType", "tender"),
    )
    return Disclosure(claim_id, release.release_id)


def claims_disclose_expired(*, actor: Any = None, today: date | None = None) -> list[Disclosure]:
    """Disclose every active claim whose end date has passed: `civicpact disclose-expired` and the worker's daily
    run (ledger/tasks.py) call this; two runs at once disclose each claim once."""
    day = today or timezone.localdate()
    done: list[Disclosure] = []
    for claim in ConfidentialityClaim.objects.expired(day).order_by("pk"):
        with transaction.atomic():
            # Locked and read again: a run of the command, the worker's daily run or a person ending the claim early
            # may have got there first (then there is nothing left to do).
            rows = ConfidentialityClaim.objects.select_for_update(of=("self",))
            current = rows.current().filter(pk=claim.pk).first()
            if current is None:
                continue
            done.append(_disclose(current, actor=actor, note=f"end date {current.ends_on.isoformat()} passed"))
    return done


@dataclass(frozen=True)
class ClaimHistory:
    """One claim for the register: its newest row and every earlier row, oldest first."""

    current: ConfidentialityClaim
    rows: tuple[ConfidentialityClaim, ...]
    published_before: int = 0  # releases published before the claim that hold its target in clear

    @property
    def claim_id(self) -> int:
        return self.current.root_id()

    @property
    def in_force(self) -> bool:
        return self.current.state == ClaimState.ACTIVE and self.current.ends_on >= timezone.localdate()


def claim_history_get(*, claim_id: int) -> ClaimHistory:
    """One claim (`claim_id`: the id of its first row) with every row, oldest first. Raises DoesNotExist."""
    rows = tuple(
        ConfidentialityClaim.objects.select_related("claimed_by", "approved_by", "actor")
        .filter(Q(pk=claim_id, origin__isnull=True) | Q(origin_id=claim_id))
        .order_by("pk")
    )
    if not rows:
        raise ConfidentialityClaim.DoesNotExist(f"no claim {claim_id}")
    return ClaimHistory(current=rows[-1], rows=rows)


def claim_history_list(*, ocid: str = "") -> list[ClaimHistory]:
    """Every claim (of `ocid`, if given), newest first, with its rows. Never the withheld content. One query."""
    rows = ConfidentialityClaim.objects.select_related("claimed_by", "approved_by", "actor").order_by("pk")
    if ocid:
        rows = rows.filter(ocid=ocid)
    grouped: dict[int, list[ConfidentialityClaim]] = {}
    for row in rows:
        grouped.setdefault(row.root_id(), []).append(row)
    releases = _releases_of({r[0].ocid for r in grouped.values()})
    return [
        ClaimHistory(current=r[-1], rows=tuple(r), published_before=_published_before(r[0], releases))
        for _, r in sorted(grouped.items(), reverse=True)
    ]


def _releases_of(ocids: set[str]) -> dict[str, list[Release]]:
    out: dict[str, list[Release]] = {}
    for release in Release.objects.filter(ocid__in=ocids).only("ocid", "date", "body"):
        out.setdefault(release.ocid, []).append(release)
    return out


def _published_before(first: ConfidentialityClaim, releases: dict[str, list[Release]]) -> int:
    """How many releases before the claim published its target in clear (they stay public: append-only)."""
    claim = first.as_domain()
    return sum(
        1 for r in releases.get(first.ocid, ()) if r.date < first.created_at and redaction.redact(r.body, [claim])[1]
    )
