from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from civicpact.accounts import permissions
from civicpact.accounts.auth import PUBLIC
from civicpact.ledger import selectors
from civicpact.ledger.models import AuditEvent, AuditEventQuerySet
from civicpact.pagination import PageNumberPagination

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    seq: int
    time: datetime
    actor: str = Field(
        alias="public_actor", description="Who did it: the roles and organisation, never the person's name"
    )
    account: str | None = Field(
        None, description="The account that did it (user:<id>:<username>): auditors and administrators only"
    )
    action: str
    object: str = Field(alias="object_ref")
    public: bool
    payload: dict[str, Any] | None
    payload_digest: str
    hash: str

    @staticmethod
    def resolve_account(obj: AuditEvent, context: dict[str, Any]) -> str | None:
        return obj.actor_label if permissions.can_view_private_audit(context["request"].user) else None

    @staticmethod
    def resolve_payload(obj: AuditEvent, context: dict[str, Any]) -> dict[str, Any] | None:
        if obj.public or permissions.can_view_private_audit(context["request"].user):
            return dict(obj.payload)
        return None


class ChainVerdictOut(Schema):
    ok: bool
    events_checked: int
    first_broken_seq: int | None
    reason: str


@router.get(
    "/events",
    response=list[AuditEventOut],
    auth=PUBLIC,
    summary="The audit chain, newest first (payloads of private events only for auditors)",
)
@paginate(PageNumberPagination, page_size=100)
def event_list(request: HttpRequest) -> AuditEventQuerySet:
    return selectors.audit_event_list(include_private=permissions.can_view_private_audit(request.user))


@router.get("/verify", response=ChainVerdictOut, summary="Re-compute the whole chain (auditors)")
def verify(request: HttpRequest) -> Any:
    if not permissions.can_view_private_audit(request.user):
        raise PermissionDenied("Only auditors and administrators may run a full verification.")
    return selectors.audit_chain_verify()


@router.get(
    "/export",
    auth=PUBLIC,
    summary="The public export of the whole chain (docs/audit-export.md): every link, public payloads, streamed",
    response={200: dict[str, Any]},
)
def export(request: HttpRequest) -> Any:
    from civicpact.ledger.export_views import export_response

    return export_response()
