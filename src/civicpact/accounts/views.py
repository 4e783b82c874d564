from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions, selectors, services
from civicpact.accounts.exceptions import AccountsError
from civicpact.accounts.forms import (
    CapabilityForm,
    RejectionForm,
    RoleGrantForm,
    SupplierRegistrationForm,
    TokenForm,
)
from civicpact.accounts.models import ApiToken, Membership, Organisation, VerificationStatus
from civicpact.util import add_errors


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.login_record(user=form.get_user(), address=self.request.META.get("REMOTE_ADDR", ""))
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            services.logout_record(user=permissions.signed_in_user(request))
        return super().post(request, *args, **kwargs)


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
                request, f"{organisation.name} is registered. A procurement officer will verify it before you can bid."
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
        raise Http404("No such supplier.") from None
    if not organisation.is_supplier:
        raise Http404("No such supplier.")
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
        raise Http404("No such supplier.") from None
    except AccountsError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:supplier-detail", pk=pk)
    verb = "verified" if approve else "rejected"
    messages.success(request, f"{organisation.name} is {verb}.")
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
        {"form": form, "new_token": new_token, "tokens": tokens},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """A new token in place of one of the user's own; the old one is revoked at once. The new one is shown once."""
    try:
        token, raw = services.api_token_rotate(actor=permissions.signed_in_user(request), token_id=pk)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
    except AccountsError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:account")
    request.session["new_token"] = raw
    messages.success(request, f"Token “{token.name}” is rotated: the old one no longer works; copy the new one now.")
    return redirect("accounts:account")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = services.api_token_revoke(actor=permissions.signed_in_user(request), token_id=pk)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
    messages.success(request, f"Token “{token.name}” is revoked; clients using it are refused from now on.")
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
                messages.success(request, "Role granted.")
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
        messages.error(request, "That role was already removed.")
    except AccountsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Role removed.")
    return redirect("accounts:people")


@login_required
def capability(request: HttpRequest) -> HttpResponse:
    organisations = permissions.supplier_organisations(request.user)
    if not organisations:
        raise PermissionDenied("Only supplier users keep a capability profile.")
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
        messages.success(request, "Your capability profile is saved. Needs that fit it will now find you.")
        return redirect("accounts:capability")
    return render(request, "accounts/capability.html", {"form": form, "org": organisation})
