"""Pages for confidentiality claims (docs/confidentiality.md): the register for auditors and the staff who
claim, the claim form, and the decisions (approve or refuse a supplier's request, end a claim early)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicpact.ledger import claims
from civicpact.ledger.models import ClaimKind, ClaimReason, ConfidentialityClaim


class ClaimForm(forms.Form):
    ocid = forms.CharField(
        max_length=100,
        label=gettext_lazy("Process (ocid)"),
        help_text=gettext_lazy("The contracting process, e.g. ocds-cvp0dm-project-1."),
    )
    kind = forms.ChoiceField(choices=ClaimKind.choices, initial=ClaimKind.DOCUMENT, label=gettext_lazy("Kind"))
    target = forms.CharField(
        max_length=300,
        label=gettext_lazy("Document id or field path"),
        help_text=gettext_lazy(
            "A published document's id (tender-document-12), or a field path such as contracts/*/value."
        ),
    )
    reason = forms.ChoiceField(choices=ClaimReason.choices, label=gettext_lazy("Reason"))
    reason_text = forms.CharField(max_length=500, required=False, label=gettext_lazy("Reason in your words"))
    ends_on = forms.DateField(
        label=gettext_lazy("Withheld until"),
        help_text=gettext_lazy("Disclosed the day after."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    withhold_title = forms.BooleanField(required=False, label=gettext_lazy("Withhold the document's title too"))


def _shown(error: ValidationError | PermissionDenied) -> list[str]:
    """A claim service's refusal, in the reader's language (the service writes English, as the API answers)."""
    if isinstance(error, PermissionDenied):
        return [_(str(error))]
    return [_(str(e.message)) % e.params if e.params else _(str(e.message)) for e in error.error_list]


def _require_viewer(request: HttpRequest) -> None:
    if not claims.can_view_claims(request.user):
        raise PermissionDenied(_("Only auditors, the PPP unit and contract managers see confidentiality claims."))


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """Every claim with its history: what is withheld, why, until when, who claimed and approved it."""
    _require_viewer(request)
    ocid = request.GET.get("ocid", "").strip()
    return render(
        request,
        "ledger/claim_list.html",
        {
            "claims": claims.claim_history_list(ocid=ocid),
            "ocid": ocid,
            "can_claim": claims.can_claim(request.user),
            "can_decide": claims.can_decide(request.user),
        },
    )


@login_required
def claim_new(request: HttpRequest) -> HttpResponse:
    """Claim confidentiality (city staff) or request it (a supplier, on its own process's documents)."""
    form = ClaimForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            claim = claims.claim_create(actor=request.user, **data)
        except PermissionDenied as error:
            raise PermissionDenied(*_shown(error)) from error
        except ValidationError as error:
            form.add_error(None, _shown(error))
        else:
            if claims.can_view_claims(request.user):
                return redirect(f"/audit/claims/?ocid={claim.ocid}")
            return render(request, "ledger/claim_requested.html", {"claim": claim})
    return render(request, "ledger/claim_form.html", {"form": form})


@login_required
@require_POST
def claim_decide(request: HttpRequest, claim_id: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    try:
        row = claims.claim_decide(
            actor=request.user, claim_id=claim_id, approve=approve, note=request.POST.get("note", "")
        )
    except ConfidentialityClaim.DoesNotExist as error:
        raise PermissionDenied(_("No such claim.")) from error
    except PermissionDenied as error:
        raise PermissionDenied(*_shown(error)) from error
    except ValidationError as error:
        messages.error(request, " ".join(_shown(error)))
        return redirect("ledger:claim-list")
    done = _("Claim #%(claim)s approved.") if approve else _("Claim #%(claim)s refused.")
    messages.success(request, done % {"claim": claim_id})
    return redirect(f"/audit/claims/?ocid={row.ocid}")


@login_required
@require_POST
def claim_end(request: HttpRequest, claim_id: int) -> HttpResponse:
    try:
        done = claims.claim_end(actor=request.user, claim_id=claim_id, note=request.POST.get("note", ""))
    except ConfidentialityClaim.DoesNotExist as error:
        raise PermissionDenied(_("No such claim.")) from error
    except PermissionDenied as error:
        raise PermissionDenied(*_shown(error)) from error
    except ValidationError as error:
        messages.error(request, " ".join(_shown(error)))
        return redirect("ledger:claim-list")
    if done.release_id:
        ended = _("Claim #%(claim)s ended: disclosed in %(release)s.") % {
            "claim": claim_id,
            "release": done.release_id,
        }
    else:
        ended = _("Claim #%(claim)s ended: nothing had been withheld yet.") % {"claim": claim_id}
    messages.success(request, ended)
    row = claims.claim_current(claim_id=done.claim_id)
    return redirect(f"/audit/claims/?ocid={row.ocid}")
