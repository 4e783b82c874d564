"""Writes for organisations, people, roles and tokens. Each appends to the audit chain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicpact.accounts import permissions
from civicpact.accounts.exceptions import InvalidTransition, TokenRefused
from civicpact.accounts.models import (
    ApiToken,
    CapabilityProfile,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
    token_digest,
)
from civicpact.ledger.services import audit_append


def user_create(
    *, actor: Any, username: str, password: str, email: str = "", full_name: str = "", validate: bool = True
) -> User:
    with transaction.atomic():
        user = User(username=username, email=email, full_name=full_name)
        if validate:
            validate_password(password, user)
        user.set_password(password)
        user.full_clean()
        user.save()
        audit_append(actor=actor, action="user.create", obj=user, payload={"username": username})
        return user


def organisation_create(
    *, actor: Any, name: str, kind: str, parent: Organisation | None = None, **fields: Any
) -> Organisation:
    with transaction.atomic():
        organisation = Organisation(name=name, kind=kind, parent=parent, **fields)
        if kind == OrganisationKind.SUPPLIER and organisation.verification_status == VerificationStatus.NOT_REQUIRED:
            organisation.verification_status = VerificationStatus.PENDING
        organisation.full_clean()
        organisation.save()
        audit_append(
            actor=actor,
            action="organisation.create",
            obj=organisation,
            payload={"name": name, "kind": kind},
            public=kind != OrganisationKind.SUPPLIER,
        )
        return organisation


def supplier_register(
    *,
    actor: Any,
    name: str,
    legal_name: str,
    country: str,
    registration_number: str,
    is_sme: bool,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    username: str,
    password: str,
    full_name: str,
) -> tuple[Organisation, User]:
    """A supplier signs itself up; it may bid once a procurement officer verifies it."""
    with transaction.atomic():
        organisation = organisation_create(
            actor=actor,
            name=name,
            kind=OrganisationKind.SUPPLIER,
            legal_name=legal_name,
            country=country.upper(),
            registration_number=registration_number.strip(),
            is_sme=is_sme,
            contact_name=contact_name,
            contact_email=contact_email,
            contact_phone=contact_phone,
            verification_status=VerificationStatus.PENDING,
        )
        user = user_create(actor=actor, username=username, password=password, email=contact_email, full_name=full_name)
        membership_grant(actor=None, user=user, organisation=organisation, role=Role.SUPPLIER_USER)
        audit_append(
            actor=user,
            action="supplier.register",
            obj=organisation,
            payload={"country": organisation.country, "registration_number": registration_number},
        )
        return organisation, user


def supplier_decide(*, actor: User, organisation_id: int, approve: bool, reason: str = "") -> Organisation:
    """Verify or reject a pending supplier. Refuses a decision someone else already made."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        if not permissions.can_verify_supplier(actor, organisation):
            raise PermissionDenied("Only a procurement officer or an administrator may verify suppliers.")
        if organisation.verification_status != VerificationStatus.PENDING:
            raise InvalidTransition(
                f"{organisation.name} is already {organisation.get_verification_status_display().lower()}; "
                "reload the page to see the current state."
            )
        if not approve and not reason.strip():
            raise ValidationError({"reason": "Say why the supplier is rejected; the supplier will see it."})
        organisation.verification_status = VerificationStatus.VERIFIED if approve else VerificationStatus.REJECTED
        organisation.verified_at = timezone.now()
        organisation.verified_by = actor
        organisation.full_clean()
        organisation.save(update_fields=["verification_status", "verified_at", "verified_by"])
        audit_append(
            actor=actor,
            action="supplier.verify" if approve else "supplier.reject",
            obj=organisation,
            payload={"name": organisation.name, "reason": reason},
            public=approve,
        )
        return organisation


def membership_grant(*, actor: Any, user: User, organisation: Organisation, role: str) -> Membership:
    with transaction.atomic():
        if actor is not None and not permissions.can_manage_roles(actor):
            raise PermissionDenied("Only an administrator may grant roles.")
        if role == Role.SUPPLIER_USER and organisation.kind != OrganisationKind.SUPPLIER:
            raise ValidationError({"role": "The supplier user role is held in a supplier organisation."})
        if role != Role.SUPPLIER_USER and organisation.kind == OrganisationKind.SUPPLIER:
            raise ValidationError({"role": "In a supplier organisation the only role is supplier user."})
        if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
            raise ValidationError({"role": f"{user} already holds this role in {organisation}."})
        membership = Membership(user=user, organisation=organisation, role=role)
        membership.full_clean()
        membership.save()
        permissions.forget_memberships(user)
        audit_append(
            actor=actor, action="role.grant", obj=user, payload={"organisation": organisation.pk, "role": role}
        )
        return membership


def membership_revoke(*, actor: User, membership_id: int) -> None:
    with transaction.atomic():
        if not permissions.can_manage_roles(actor):
            raise PermissionDenied("Only an administrator may revoke roles.")
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership_id)
        if membership.user_id == actor.pk and membership.role == Role.ADMINISTRATOR:
            raise InvalidTransition("You cannot remove your own administrator role; ask another administrator.")
        payload = {"organisation": membership.organisation_id, "role": membership.role}
        user = membership.user
        membership.delete()
        permissions.forget_memberships(user)
        audit_append(actor=actor, action="role.revoke", obj=user, payload=payload)


def capability_save(
    *, actor: User, organisation_id: int, sectors: list[str], solutions: str, references: str, assets: list[str]
) -> CapabilityProfile:
    """A supplier's users keep its capability profile up to date."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        if not permissions.has_role(actor, Role.SUPPLIER_USER, organisation=organisation):
            raise PermissionDenied("Only the supplier's own users may edit its capability profile.")
        profile, _created = CapabilityProfile.objects.get_or_create(organisation=organisation)
        profile.sectors = [s.strip() for s in sectors if s.strip()]
        profile.assets = [a.strip() for a in assets if a.strip()]
        profile.solutions = solutions.strip()
        profile.references = references.strip()
        profile.full_clean()
        profile.save()
        audit_append(actor=actor, action="capability.save", obj=organisation, payload={"sectors": profile.sectors})
        return profile


def _token_lifetime(days: int | None) -> timedelta:
    """The lifetime asked for, or the deployment's default; at most CIVICPACT_API_TOKEN_MAX_DAYS."""
    chosen = settings.CIVICPACT_API_TOKEN_DAYS if days is None else days
    if not 1 <= chosen <= settings.CIVICPACT_API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"expires_in_days": f"Choose from 1 to {settings.CIVICPACT_API_TOKEN_MAX_DAYS} days, not {chosen}."}
        )
    return timedelta(days=chosen)


def _token_issue(*, actor: User, name: str, days: int | None) -> tuple[ApiToken, str]:
    raw = ApiToken.generate()
    token = ApiToken(
        user=actor,
        name=name.strip(),
        digest=token_digest(raw),
        hint=raw[:10],
        expires_at=timezone.now() + _token_lifetime(days),
    )
    token.full_clean()
    token.save()
    return token, raw


def api_token_create(*, actor: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored. It expires after `days`
    (default CIVICPACT_API_TOKEN_DAYS)."""
    with transaction.atomic():
        token, raw = _token_issue(actor=actor, name=name, days=days)
        audit_append(
            actor=actor,
            action="token.create",
            obj=token,
            payload={"name": token.name, "expires_at": token.expires_at.isoformat()},
        )
        return token, raw


def api_token_rotate(*, actor: User, token_id: int, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token with the same name in place of the actor's token `token_id`, which is revoked at once (an expired
    one may be rotated too; a revoked one may not). Returns the new row and its raw token, shown once."""
    with transaction.atomic():
        old = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
        if old is None:
            raise ApiToken.DoesNotExist("No such token.")
        if old.revoked_at is not None:
            raise InvalidTransition(f"Token “{old.name}” is revoked: create a new token instead.")
        token, raw = _token_issue(actor=actor, name=old.name, days=days)
        old.revoked_at = timezone.now()
        old.replaced_by = token
        old.save(update_fields=["revoked_at", "replaced_by"])
        audit_append(
            actor=actor,
            action="token.rotate",
            obj=old,
            payload={"name": old.name, "new_token": token.pk, "expires_at": token.expires_at.isoformat()},
        )
        return token, raw


def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
        if token is None:
            raise ApiToken.DoesNotExist("No such token.")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_append(actor=actor, action="token.revoke", obj=token, payload={"name": token.name})
        return token


def api_token_authenticate(*, raw: str) -> User | None:
    """The token's user; None for a token nobody has. A token that exists but is expired or revoked raises
    TokenRefused saying so, so that its client learns why (HTTP 401 with that message)."""
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    state = token.state(now)
    if state == "revoked":
        when = timezone.localtime(token.revoked_at).strftime("%Y-%m-%d %H:%M %Z")
        raise TokenRefused(f"This API token was revoked on {when}: use its replacement or create a new one.")
    if state == "expired":
        when = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M %Z")
        raise TokenRefused(
            f"This API token expired on {when}: rotate it on the My account page (or POST "
            f"/api/v1/accounts/tokens/{token.pk}/rotate with another credential) and use the new one."
        )
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        token.save(update_fields=["last_used_at"])
    return token.user


def login_record(*, user: User, address: str) -> None:
    audit_append(actor=user, action="auth.login", obj=user, payload={"address": address})


def logout_record(*, user: User) -> None:
    audit_append(actor=user, action="auth.logout", obj=user)
