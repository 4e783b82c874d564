from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from civicpact.accounts import permissions, selectors, services
from civicpact.accounts.auth import PUBLIC
from civicpact.accounts.exceptions import AccountsError
from civicpact.accounts.forms import SupplierRegistrationForm
from civicpact.accounts.models import ApiToken, Organisation
from civicpact.pagination import PageNumberPagination

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    organisation_id: int
    organisation: str
    role: str


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[MembershipOut]


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    legal_name: str
    country: str
    registration_number: str
    is_sme: bool
    verification_status: str


class SupplierIn(Schema):
    name: str = Field(max_length=200)
    legal_name: str = Field(max_length=200)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    registration_number: str = Field(min_length=1, max_length=64)
    is_sme: bool = False
    contact_name: str = Field(max_length=200)
    contact_email: str = Field(max_length=254)
    contact_phone: str = ""
    full_name: str = Field(max_length=200)
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1)


class DecisionIn(Schema):
    reason: str = ""


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(
        None, description="Lifetime in days (default CIVICPACT_API_TOKEN_DAYS, at most CIVICPACT_API_TOKEN_MAX_DAYS)."
    )


class TokenRotateIn(Schema):
    expires_in_days: int | None = Field(None, description="The new token's lifetime in days (default as at creation).")


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: Any
    last_used_at: Any
    revoked_at: Any
    expires_at: Any
    replaced_by_id: int | None = Field(description="The token a rotation issued in this one's place.")
    state: str = Field(description="active, expired or revoked")

    @staticmethod
    def resolve_state(obj: ApiToken | dict[str, Any]) -> str:
        if isinstance(obj, dict):  # a TokenCreatedOut built from a TokenOut's dict
            state: str = obj["state"]
            return state
        return obj.state(timezone.now())


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The raw token. Shown once; store it safely.")


@router.get("/me", response=MeOut, summary="Who am I, and with which roles")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "username": user.get_username(),
        "full_name": getattr(user, "full_name", ""),
        "roles": [
            {"organisation_id": m.organisation_id, "organisation": m.organisation.name, "role": m.role}
            for m in permissions.memberships_of(user)
        ],
    }


@router.get("/organisations", response=list[OrganisationOut], auth=PUBLIC, summary="Organisations you may see")
@paginate(PageNumberPagination, page_size=50)
def organisation_list(request: HttpRequest) -> list[Organisation]:
    return selectors.organisation_list(actor=request.user)


@router.get("/organisations/{organisation_id}", response=OrganisationOut, auth=PUBLIC)
def organisation_get(request: HttpRequest, organisation_id: int) -> Organisation:
    try:
        return selectors.organisation_get(actor=request.user, pk=organisation_id)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation.") from None


@router.get("/suppliers", response=list[OrganisationOut], summary="The supplier register (officers)")
@paginate(PageNumberPagination, page_size=50)
def supplier_list(request: HttpRequest, status: str = "") -> Any:
    return selectors.supplier_list(actor=request.user, status=status)


@router.post("/suppliers", response={201: OrganisationOut}, auth=PUBLIC, summary="Register a supplier")
def supplier_register(request: HttpRequest, payload: SupplierIn) -> Status[Organisation]:
    form = SupplierRegistrationForm(data=payload.dict())
    if not form.is_valid():
        raise ValidationError({field: [str(e) for e in errs] for field, errs in form.errors.items()})
    organisation, _user = services.supplier_register(actor=request.user, **form.cleaned_data)
    return Status(201, organisation)


def _decide(request: HttpRequest, organisation_id: int, *, approve: bool, reason: str) -> Organisation:
    selectors.supplier_list(actor=request.user)
    try:
        return services.supplier_decide(
            actor=permissions.signed_in_user(request),
            organisation_id=organisation_id,
            approve=approve,
            reason=reason,
        )
    except Organisation.DoesNotExist:
        raise Http404("No such supplier.") from None
    except AccountsError as exc:
        raise HttpError(409, str(exc)) from None


@router.post("/suppliers/{organisation_id}/verify", response=OrganisationOut)
def supplier_verify(request: HttpRequest, organisation_id: int) -> Organisation:
    return _decide(request, organisation_id, approve=True, reason="")


@router.post("/suppliers/{organisation_id}/reject", response=OrganisationOut)
def supplier_reject(request: HttpRequest, organisation_id: int, payload: DecisionIn) -> Organisation:
    return _decide(request, organisation_id, approve=False, reason=payload.reason)


@router.get("/tokens", response=list[TokenOut])
def token_list(request: HttpRequest) -> Any:
    return selectors.api_token_list(actor=request.user)


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, raw = services.api_token_create(
        actor=permissions.signed_in_user(request), name=payload.name, days=payload.expires_in_days
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.post(
    "/tokens/{token_id}/rotate",
    response={201: TokenCreatedOut},
    summary="Replace one of your tokens with a new one (the old one stops working at once)",
)
def token_rotate(request: HttpRequest, token_id: int, payload: TokenRotateIn | None = None) -> Status[dict[str, Any]]:
    try:
        token, raw = services.api_token_rotate(
            actor=permissions.signed_in_user(request),
            token_id=token_id,
            days=payload.expires_in_days if payload else None,
        )
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
    except AccountsError as exc:
        raise HttpError(409, str(exc)) from None
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
def token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    try:
        return services.api_token_revoke(actor=permissions.signed_in_user(request), token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
