from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from civicpact.accounts import oidc, permissions, selectors, services, two_factor
from civicpact.accounts.exceptions import AccountsError, InvalidTransition, TooManyAttempts, WrongCode
from civicpact.accounts.forms import (
    CapabilityForm,
    RejectionForm,
    RoleGrantForm,
    SupplierRegistrationForm,
    TokenForm,
    TwoFactorCodeForm,
    TwoFactorEnrolForm,
)
from civicpact.accounts.models import ApiToken, Membership, Organisation, User, VerificationStatus
from civicpact.util import add_errors

sso_start = oidc.SsoStartView.as_view()
sso_callback = oidc.SsoCallbackView.as_view()


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        config = oidc.enabled_config()
        context["sso_name"] = config.name if config else ""
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        services.login_record(user=user, address=self.request.META.get("REMOTE_ADDR", ""))
        two_factor.note_sign_in(self.request.session, user)
        return response


class LogoutView(auth_views.LogoutView):
    """Signs out here, and after a single sign-on also at the provider when it has an end-session endpoint."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = str(request.session.get("oidc_id_token", ""))
        if request.user.is_authenticated:
            services.logout_record(
                user=permissions.signed_in_user(request), address=request.META.get("REMOTE_ADDR", "")
            )
        response = super().post(request, *args, **kwargs)
        provider_logout = oidc.end_session_url(request, id_token) if id_token else ""
        return redirect(provider_logout) if provider_logout else response


def _next_url(request: HttpRequest) -> str:
    """Where to go after the second factor: the page the person asked for, if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("web:home")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: a QR code drawn on the server, the secret as text, then a code to confirm."""
    user = permissions.signed_in_user(request)
    next_url = _next_url(request)
    try:
        device = services.two_factor_enrol_start(actor=user)
    except InvalidTransition as exc:
        messages.info(request, str(exc))
        owed = two_factor.verification_owed(request)
        return redirect(_with_next("accounts:two-factor-verify", next_url) if owed else reverse("accounts:account"))
    form = TwoFactorEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.two_factor_enrol_confirm(actor=user, code=form.cleaned_data["code"])
        except (WrongCode, TooManyAttempts) as exc:
            form.add_error("code", str(exc))
        else:
            otp_login(request, device)
            request.session["new_backup_codes"] = codes
            messages.success(request, _("Two-factor authentication is set up."))
            return redirect(_with_next("accounts:two-factor-backup-codes", next_url))
    context = {
        "form": form,
        "qr": two_factor.qr_svg(device, _("QR code to add CivicPact to your authenticator app")),
        "secret": two_factor.secret_text(device),
        "next": next_url,
        "required": permissions.requires_two_factor(user),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Enter a code from the authenticator (or a backup code) to finish signing in."""
    user = permissions.signed_in_user(request)
    next_url = _next_url(request)
    if not user_has_device(user):
        return redirect(_with_next("accounts:two-factor-setup", next_url))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_verify(actor=user, code=form.cleaned_data["code"])
        except (WrongCode, TooManyAttempts) as exc:
            form.add_error("code", str(exc))
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("You signed in with a backup code; %(left)s left. Each works once: make new ones on My account.")
                    % {"left": left},
                )
            return redirect(next_url)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


@login_required
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes are shown once: kept in the session across the redirect, then dropped."""
    user = permissions.signed_in_user(request)
    if request.method == "POST":
        if not two_factor.is_verified(request):
            return redirect(_with_next("accounts:two-factor-verify", reverse("accounts:account")))
        try:
            request.session["new_backup_codes"] = services.two_factor_backup_codes_issue(actor=user)
        except InvalidTransition as exc:
            messages.error(request, str(exc))
            return redirect("accounts:account")
        return redirect(_with_next("accounts:two-factor-backup-codes", reverse("accounts:account")))
    codes = request.session.pop("new_backup_codes", None)
    if not codes:
        return redirect("accounts:account")
    return render(request, "accounts/two_factor_backup_codes.html", {"codes": codes, "next": _next_url(request)})


@login_required
@require_POST
def two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.people_list(actor=request.user)  # the role check
    try:
        user = services.two_factor_reset(actor=permissions.signed_in_user(request), user_id=pk)
    except User.DoesNotExist:
        raise Http404(_("No such person.")) from None
    except AccountsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Two-factor authentication of %(person)s is reset: they set up a new authenticator when they next "
                "sign in."
            )
            % {"person": user},
        )
    return redirect("accounts:people")


password_change = auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password-change-done"))
password_change_done = auth_views.PasswordChangeDoneView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    success_url=reverse_lazy("accounts:password-reset-done"),
    email_template_name="registration/password_reset_email.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    success_url=reverse_lazy("accounts:password-reset-complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()


def supplier_register(request: HttpRequest) -> HttpResponse:
    form = SupplierRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation, user = services.supplier_register(actor=request.user, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("%(name)s is registered. A procurement officer will verify it before you can bid.")
                % {"name": organisation.name},
            )
            return redirect("web:home")
    return render(request, "accounts/supplier_register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def supplier_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in {"", *VerificationStatus.values}:
        status = ""
    suppliers = selectors.supplier_list(actor=request.user, status=status)
    return render(
        request,
        "accounts/supplier_list.html",
        {
            "suppliers": suppliers,
            "status": status,
            "statuses": VerificationStatus.choices[1:],
        },
    )


@login_required
def supplier_detail(
    request: HttpRequest, pk: int, reject_form: RejectionForm | None = None, status: int = 200
) -> HttpResponse:
    selectors.supplier_list(actor=request.user)  # the role check
    try:
        organisation = selectors.organisation_get(actor=request.user, pk=pk)
    except Organisation.DoesNotExist:
        raise Http404(_("No such supplier.")) from None
    if not organisation.is_supplier:
        raise Http404(_("No such supplier."))
    return render(
        request,
        "accounts/supplier_detail.html",
        {
            "org": organisation,
            "reject_form": reject_form or RejectionForm(),
            "users": organisation.memberships.select_related("user"),
        },
        status=status,
    )


@login_required
@require_POST
def supplier_decide(request: HttpRequest, pk: int) -> HttpResponseBase:
    selectors.supplier_list(actor=request.user)
    approve = request.POST.get("decision") == "verify"
    form = RejectionForm(request.POST)
    if not approve and not form.is_valid():
        return supplier_detail(request, pk, reject_form=form, status=400)
    try:
        organisation = services.supplier_decide(
            actor=permissions.signed_in_user(request),
            organisation_id=pk,
            approve=approve,
            reason=form.cleaned_data.get("reason", "") if not approve else "",
        )
    except Organisation.DoesNotExist:
        raise Http404(_("No such supplier.")) from None
    except AccountsError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:supplier-detail", pk=pk)
    if approve:
        messages.success(request, _("%(name)s is verified.") % {"name": organisation.name})
    else:
        messages.success(request, _("%(name)s is rejected.") % {"name": organisation.name})
    return redirect("accounts:supplier-list")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The account page. A new token is shown once: kept in the session across the redirect, then dropped."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, raw = services.api_token_create(
            actor=permissions.signed_in_user(request),
            name=form.cleaned_data["name"],
            days=form.cleaned_data["expires_in_days"],
        )
        request.session["new_token"] = raw
        return redirect("accounts:account")
    new_token = request.session.pop("new_token", "") if request.method == "GET" else ""
    now = timezone.now()
    tokens = [(token, token.state(now)) for token in selectors.api_token_list(actor=request.user)]
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": tokens,
            "two_factor": selectors.two_factor_status(actor=request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """A new token in place of one of the user's own; the old one is revoked at once. The new one is shown once."""
    try:
        token, raw = services.api_token_rotate(actor=permissions.signed_in_user(request), token_id=pk)
    except ApiToken.DoesNotExist:
        raise Http404(_("No such token.")) from None
    except AccountsError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:account")
    request.session["new_token"] = raw
    messages.success(
        request,
        _("Token “%(name)s” is rotated: the old one no longer works; copy the new one now.") % {"name": token.name},
    )
    return redirect("accounts:account")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = services.api_token_revoke(actor=permissions.signed_in_user(request), token_id=pk)
    except ApiToken.DoesNotExist:
        raise Http404(_("No such token.")) from None
    messages.success(
        request, _("Token “%(name)s” is revoked; clients using it are refused from now on.") % {"name": token.name}
    )
    return redirect("accounts:account")


@login_required
def people(request: HttpRequest) -> HttpResponse:
    users = selectors.people_list(actor=request.user)
    form = RoleGrantForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.membership_grant(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Role granted."))
                return redirect("accounts:people")
        status = 400
    return render(request, "accounts/people.html", {"users": users, "form": form}, status=status)


@login_required
@require_POST
def membership_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.people_list(actor=request.user)
    try:
        services.membership_revoke(actor=permissions.signed_in_user(request), membership_id=pk)
    except Membership.DoesNotExist:
        messages.error(request, _("That role was already removed."))
    except AccountsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Role removed."))
    return redirect("accounts:people")


@login_required
def capability(request: HttpRequest) -> HttpResponse:
    organisations = permissions.supplier_organisations(request.user)
    if not organisations:
        raise PermissionDenied(_("Only supplier users keep a capability profile."))
    organisation = organisations[0]
    profile = getattr(organisation, "capability", None)
    initial = (
        {
            "sectors": ", ".join(profile.sectors),
            "solutions": profile.solutions,
            "references": profile.references,
            "assets": ", ".join(profile.assets),
        }
        if profile
        else {}
    )
    form = CapabilityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.capability_save(
            actor=permissions.signed_in_user(request),
            organisation_id=organisation.pk,
            sectors=CapabilityForm.split(data["sectors"]),
            solutions=data["solutions"],
            references=data["references"],
            assets=CapabilityForm.split(data["assets"]),
        )
        messages.success(request, _("Your capability profile is saved. Needs that fit it will now find you."))
        return redirect("accounts:capability")
    return render(request, "accounts/capability.html", {"form": form, "org": organisation})
