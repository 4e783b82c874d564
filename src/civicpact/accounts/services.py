"""Writes for organisations, people, roles and tokens. Each appends to the audit chain."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicpact.accounts import permissions
from civicpact.accounts.exceptions import InvalidTransition, SignInRefused, TokenRefused, TooManyAttempts, WrongCode
from civicpact.accounts.models import (
    ApiToken,
    CapabilityProfile,
    ExternalIdentity,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
    token_digest,
)
from civicpact.accounts.sso import SsoConfig, claim_values, email_refusal, role_grants
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
            raise PermissionDenied(gettext("Only a procurement officer or an administrator may verify suppliers."))
        if organisation.verification_status != VerificationStatus.PENDING:
            raise InvalidTransition(
                gettext("%(name)s is already %(status)s; reload the page to see the current state.")
                % {"name": organisation.name, "status": organisation.get_verification_status_display().lower()}
            )
        if not approve and not reason.strip():
            raise ValidationError({"reason": gettext("Say why the supplier is rejected; the supplier will see it.")})
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
            raise PermissionDenied(gettext("Only an administrator may grant roles."))
        if role == Role.SUPPLIER_USER and organisation.kind != OrganisationKind.SUPPLIER:
            raise ValidationError({"role": gettext("The supplier user role is held in a supplier organisation.")})
        if role != Role.SUPPLIER_USER and organisation.kind == OrganisationKind.SUPPLIER:
            raise ValidationError({"role": gettext("In a supplier organisation the only role is supplier user.")})
        if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
            raise ValidationError(
                {
                    "role": gettext("%(person)s already holds this role in %(organisation)s.")
                    % {"person": user, "organisation": organisation}
                }
            )
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
            raise PermissionDenied(gettext("Only an administrator may revoke roles."))
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership_id)
        if membership.user_id == actor.pk and membership.role == Role.ADMINISTRATOR:
            raise InvalidTransition(
                gettext("You cannot remove your own administrator role; ask another administrator.")
            )
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
            raise PermissionDenied(gettext("Only the supplier's own users may edit its capability profile."))
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
            {
                "expires_in_days": gettext("Choose from 1 to %(most)s days, not %(chosen)s.")
                % {"most": settings.CIVICPACT_API_TOKEN_MAX_DAYS, "chosen": chosen}
            }
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
            raise InvalidTransition(
                gettext("Token “%(name)s” is revoked: create a new token instead.") % {"name": old.name}
            )
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


def reader_language_set(*, actor: User, language: str) -> None:
    """Remember the language a person chose with the switcher: their notifications and e-mails are written in it.
    A language the interface does not speak is refused."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": gettext("Choose one of the interface's languages.")})
    if actor.language != language:
        actor.language = language
        actor.save(update_fields=["language"])


def login_record(*, user: User, address: str, method: str = "password") -> None:
    audit_append(actor=user, action="auth.login", obj=user, payload={"address": address, "method": method})


def logout_record(*, user: User, address: str) -> None:
    # the audit event needs a payload (an empty one fails full_clean): signing out was an error page before
    audit_append(actor=user, action="auth.logout", obj=user, payload={"address": address})


# Single sign-on (docs/sign-in.md). The claims were verified by oidc.CityOIDCBackend; these functions decide.


def sso_sign_in(*, config: SsoConfig, subject: str, claims: Mapping[str, Any]) -> User:
    """The user linked to the provider's (issuer, subject); at the first sign-in, a new user with the roles the
    claims map to. Raises SignInRefused with a message for the person when CivicPact must not let them in."""
    refusal = email_refusal(config, claims)
    if refusal:
        raise SignInRefused(refusal)
    with transaction.atomic():
        identity = (
            ExternalIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=config.issuer, subject=subject)
            .first()
        )
        if identity is None:
            identity = _sso_account_create(config=config, subject=subject, claims=claims)
        elif not identity.user.is_active:
            raise SignInRefused(gettext("Your CivicPact account is switched off; ask a CivicPact administrator."))
        identity.email = str(claims.get("email") or "")[:254]
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["email", "last_login_at"])
        return identity.user


def _sso_account_create(*, config: SsoConfig, subject: str, claims: Mapping[str, Any]) -> ExternalIdentity:
    grants = role_grants(config, claims)
    if not grants:
        groups = ", ".join(claim_values(claims, config.groups_claim)) or gettext("none")
        raise SignInRefused(
            gettext(
                "%(provider)s signed you in, but none of your groups (%(groups)s) gives a role in CivicPact, so no "
                "account was made. Ask the city's CivicPact administrator to map your group to a role."
            )
            % {"provider": config.name, "groups": groups}
        )
    names = {grant.organisation for grant in grants}
    organisations = {
        o.name: o for o in Organisation.objects.filter(name__in=names).exclude(kind=OrganisationKind.SUPPLIER)
    }
    missing = sorted(names - organisations.keys())
    if missing:
        raise SignInRefused(
            gettext(
                "Your group gives a role in %(organisations)s, which CivicPact does not know as a city "
                "organisation. Tell the city's CivicPact administrator (the single sign-on role map names it)."
            )
            % {"organisations": ", ".join(missing)}
        )
    email = str(claims.get("email") or "").strip()[:254]
    if email and User.objects.filter(email__iexact=email).exists():
        raise SignInRefused(
            gettext(
                "CivicPact already has an account with the address %(email)s, not linked to %(provider)s. Sign in "
                "with your password, and ask an administrator to link the account to single sign-on."
            )
            % {"email": email, "provider": config.name}
        )
    user = User(
        username=_sso_username(claims, subject),
        email=email,
        full_name=str(claims.get("name") or "")[:200],
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_append(
        actor=None, action="user.create", obj=user, payload={"username": user.username, "via": "single sign-on"}
    )
    for grant in grants:
        membership_grant(actor=None, user=user, organisation=organisations[grant.organisation], role=grant.role)
    identity = ExternalIdentity(user=user, issuer=config.issuer, subject=subject, email=email)
    identity.full_clean()
    identity.save()
    audit_append(actor=user, action="sso.link", obj=user, payload={"issuer": config.issuer, "subject": subject})
    return identity


def _sso_username(claims: Mapping[str, Any], subject: str) -> str:
    """A readable, free username: the provider's preferred username, else the e-mail's local part."""
    wanted = str(claims.get("preferred_username") or str(claims.get("email") or "").split("@")[0] or "")
    base = re.sub(r"[^\w.@+-]", "", wanted)[:140] or "sso-" + re.sub(r"[^\w]", "", subject)[:20]
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


# Two-factor authentication (django-otp: an authenticator app, plus single-use backup codes).


def two_factor_enrol_start(*, actor: User) -> TOTPDevice:
    """The authenticator the person is setting up: made once, kept unconfirmed until a code from it is entered."""
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
            raise InvalidTransition(
                gettext("Your authenticator app is already set up. To replace it, ask an administrator to reset it.")
            )
        device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice(user=actor, name="Authenticator app", confirmed=False)
            device.full_clean()
            device.save()
        return device


def two_factor_enrol_confirm(*, actor: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a code from it; returns it and a fresh set of backup codes."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).order_by("pk").first()
        if device is None:
            raise InvalidTransition(
                gettext("There is no authenticator waiting to be confirmed; start the set-up again.")
            )
        _check_throttle(device)
        verified = device.verify_token(_normalise_code(code))
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _backup_codes_replace(actor)
            audit_append(actor=actor, action="two_factor.enrol", obj=actor, payload={"backup_codes": len(codes)})
    if not verified:  # outside the transaction, so the throttle's count of failures is kept
        raise WrongCode(
            gettext(
                "That code does not match the authenticator. Enter the 6-digit code it shows now; if it keeps "
                "failing, check that your phone's clock is set automatically."
            )
        )
    return device, codes


def two_factor_verify(*, actor: User, code: str) -> Device:
    """The device that accepts the code: the authenticator for a 6-digit code, else a backup code (used up)."""
    code = _normalise_code(code)
    model: type[Device] = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        devices = [d for d in devices_for_user(actor, confirmed=True, for_verify=True) if isinstance(d, model)]
        for device in devices:
            _check_throttle(device)
        match = next((d for d in devices if d.verify_token(code)), None)
        if isinstance(match, StaticDevice):
            left = match.token_set.count()
            audit_append(actor=actor, action="two_factor.backup_code_use", obj=actor, payload={"left": left})
    if match is None:
        raise WrongCode(
            gettext(
                "That code is not right. Enter the 6-digit code your authenticator app shows now, or one of your "
                "backup codes."
            )
        )
    return match


def two_factor_backup_codes_issue(*, actor: User) -> list[str]:
    """New backup codes for a person with a confirmed authenticator; the old ones stop working."""
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
            raise InvalidTransition(gettext("Set up an authenticator app first; backup codes come with it."))
        codes = _backup_codes_replace(actor)
        audit_append(actor=actor, action="two_factor.backup_codes", obj=actor, payload={"backup_codes": len(codes)})
        return codes


def two_factor_reset(*, actor: User, user_id: int) -> User:
    """An administrator removes a person's authenticator and backup codes (a lost phone); at their next sign-in
    they set up a new one."""
    with transaction.atomic():
        if not permissions.can_manage_roles(actor):
            raise PermissionDenied(gettext("Only an administrator may reset someone's two-factor authentication."))
        user = User.objects.select_for_update().get(pk=user_id)
        if user.pk == actor.pk:
            raise InvalidTransition(
                gettext("You cannot reset your own two-factor authentication; ask another administrator.")
            )
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            devices = model.objects.filter(user=user)
            removed += devices.count()
            devices.delete()
        audit_append(actor=actor, action="two_factor.reset", obj=user, payload={"removed": removed})
        return user


def _backup_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.CIVICPACT_2FA_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _check_throttle(device: Device) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        until = (info or {}).get("locked_until")
        if until:
            raise TooManyAttempts(
                gettext("Too many wrong codes in a row. Try again after %(time)s.")
                % {"time": f"{timezone.localtime(until):%H:%M:%S}"}
            )
        raise TooManyAttempts(gettext("Too many wrong codes in a row. Try again in a little while."))


def _normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()
