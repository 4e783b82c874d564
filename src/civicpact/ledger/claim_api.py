"""The confidentiality claims API (docs/confidentiality.md): auditors and claimants list, staff create, the PPP
unit approves or refuses a supplier's request, staff end a claim early. The same permissions as the pages
(claim_views.py): the services check the role before they look the claim up."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from civicpact.ledger import claims
from civicpact.ledger.models import ConfidentialityClaim

router = Router(tags=["confidentiality"])


class ClaimIn(Schema):
    ocid: str
    kind: Literal["document", "field"]
    target: str
    reason: Literal["commercial", "personal_data", "security", "legal_privilege", "other"]
    reason_text: str = ""
    ends_on: date
    withhold_title: bool = False


class ClaimRowOut(Schema):
    state: str
    ends_on: date
    actor: str
    note: str
    created_at: datetime


class ClaimOut(Schema):
    id: int
    ocid: str
    kind: str
    target: str
    reason: str
    reason_text: str
    withhold_title: bool
    ends_on: date
    state: str
    in_force: bool
    claimed_by: str
    approved_by: str
    history: list[ClaimRowOut]


class DecisionIn(Schema):
    note: str = Field("", max_length=500, description="Why (a refusal's reason, an early end's)")


class ClaimEndOut(ClaimOut):
    disclosure_release_id: str = Field(
        description="The release that disclosed what the claim withheld; empty when nothing had been withheld yet"
    )


def _name(user: Any) -> str:
    return user.get_username() if user is not None else "system"


def _out(history: claims.ClaimHistory) -> dict[str, Any]:
    c = history.current
    return {
        "id": history.claim_id,
        "ocid": c.ocid,
        "kind": c.kind,
        "target": c.target,
        "reason": c.reason,
        "reason_text": c.reason_text,
        "withhold_title": c.withhold_title,
        "ends_on": c.ends_on,
        "state": c.state,
        "in_force": history.in_force,
        "claimed_by": _name(c.claimed_by),
        "approved_by": _name(c.approved_by) if c.approved_by_id else "",
        "history": [
            {
                "state": r.state,
                "ends_on": r.ends_on,
                "actor": _name(r.actor),
                "note": r.note,
                "created_at": r.created_at,
            }
            for r in history.rows
        ],
    }


@router.get("", response=list[ClaimOut], summary="Every confidentiality claim with its history (auditors, staff)")
def claim_list(request: HttpRequest, ocid: str = "") -> list[dict[str, Any]]:
    if not claims.can_view_claims(request.user):
        raise PermissionDenied("Only auditors, the PPP unit and contract managers see confidentiality claims.")
    return [_out(h) for h in claims.claim_history_list(ocid=ocid)]


@router.post("", response={201: ClaimOut}, summary="Claim confidentiality (staff) or request it (a supplier)")
def claim_create(request: HttpRequest, payload: ClaimIn) -> Status[dict[str, Any]]:
    claim = claims.claim_create(actor=request.user, **payload.dict())
    history = claims.ClaimHistory(current=claim, rows=(claim,))
    return Status(201, _out(history))


def _note(payload: DecisionIn | None) -> str:
    """The body is optional: a bare POST decides without a note."""
    return payload.note if payload is not None else ""


def _changed(claim_id: int, change: Any) -> Any:
    """Run a decision on claim `claim_id`: an unknown claim is a 404, a claim in the wrong state a 409."""
    try:
        return change()
    except ConfidentialityClaim.DoesNotExist:
        raise Http404(f"No claim #{claim_id}.") from None
    except ValidationError as error:
        raise HttpError(409, " ".join(error.messages)) from None


@router.post(
    "/{claim_id}/approve",
    response=ClaimOut,
    summary="Approve a supplier's pending request: the claim is in force at once (the PPP unit)",
)
def claim_approve(request: HttpRequest, claim_id: int, payload: DecisionIn | None = None) -> dict[str, Any]:
    row: ConfidentialityClaim = _changed(
        claim_id,
        lambda: claims.claim_decide(actor=request.user, claim_id=claim_id, approve=True, note=_note(payload)),
    )
    return _out(claims.claim_history_get(claim_id=row.root_id()))


@router.post(
    "/{claim_id}/refuse",
    response=ClaimOut,
    summary="Refuse a supplier's pending request: nothing is withheld (the PPP unit)",
)
def claim_refuse(request: HttpRequest, claim_id: int, payload: DecisionIn | None = None) -> dict[str, Any]:
    row: ConfidentialityClaim = _changed(
        claim_id,
        lambda: claims.claim_decide(actor=request.user, claim_id=claim_id, approve=False, note=_note(payload)),
    )
    return _out(claims.claim_history_get(claim_id=row.root_id()))


@router.post(
    "/{claim_id}/end",
    response=ClaimEndOut,
    summary="End an active claim early and publish what it withheld (the PPP unit, contract managers)",
)
def claim_end(request: HttpRequest, claim_id: int, payload: DecisionIn | None = None) -> dict[str, Any]:
    done: claims.Disclosure = _changed(
        claim_id, lambda: claims.claim_end(actor=request.user, claim_id=claim_id, note=_note(payload))
    )
    return _out(claims.claim_history_get(claim_id=done.claim_id)) | {"disclosure_release_id": done.release_id}
