"""Who still owes a second factor in this session, and what the enrolment page shows (QR code, secret).

The rule (docs/sign-in.md): a signed-in person must have entered a code from their authenticator app (or a backup
code) in this session when their role requires it (CIVICPACT_REQUIRE_2FA and CIVICPACT_2FA_ROLES), or whenever they
have set up an authenticator at all. A single sign-on whose provider asserted multi-factor authentication counts
(CIVICPACT_OIDC_TRUST_MFA). API tokens are not affected: they are for machine clients.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicpact.accounts import permissions

# The user id whose single sign-on carried an accepted multi-factor assertion (`amr`).
SSO_MFA_SESSION_KEY = "civicpact_2fa_sso"
# Set at sign-in when the person had a confirmed device: they verify even where their role would not require it.
DEVICE_SESSION_KEY = "civicpact_2fa_device"


def note_sign_in(session: SessionBase, user: Any, *, sso_mfa: bool = False) -> None:
    """Record, right after a sign-in, what the second-factor rule needs to know about it."""
    session[DEVICE_SESSION_KEY] = user_has_device(user, confirmed=True)
    if sso_mfa:
        session[SSO_MFA_SESSION_KEY] = user.pk
    else:
        session.pop(SSO_MFA_SESSION_KEY, None)


def verification_owed(request: HttpRequest) -> bool:
    """True while the signed-in person must still enter a code before anything else."""
    session = request.session
    has_device_flag = bool(session.get(DEVICE_SESSION_KEY))
    if not settings.CIVICPACT_REQUIRE_2FA and not has_device_flag:
        return False
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return False
    if permissions.requires_two_factor(user):
        return True
    return has_device_flag and user_has_device(user, confirmed=True)


def is_verified(request: HttpRequest) -> bool:
    """A code was entered in this session, or the single sign-on's provider vouched for a second factor."""
    user = request.user
    if request.session.get(SSO_MFA_SESSION_KEY) == user.pk:
        return True
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def qr_svg(device: TOTPDevice, label: str) -> SafeString:
    """The authenticator's otpauth:// link as a QR code, drawn as inline SVG on the server."""
    code = segno.make(device.config_url, error="m")
    svg = code.svg_inline(scale=5, border=4, dark="#000", light="#fff", title=label, svgclass="qr-code")
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # segno's own markup; the label is ours


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
