"""The confidentiality claims API (docs/confidentiality.md): auditors and claimants list, staff create."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema, Status

from civicpact.ledger import claims

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
