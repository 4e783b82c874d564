"""The performance regime edited as a form (the YAML/JSON text area stays as the advanced editor): formsets for
the ratchet tiers, asset classes, service windows and KPIs; rows are added with a submit button (no JavaScript
needed); the document is saved through `services.regime_save`, whose errors land next to the field they name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpact.accounts import permissions
from civicpact.performance import services
from civicpact.performance.models import Regime
from civicpact.performance.regime_form import (
    ADD_LABELS,
    FORMSETS,
    ROW_LABELS,
    RegimeForms,
    place_error,
    regime_document,
    regime_forms,
    regime_forms_with_row,
    regime_initial,
)
from civicpact.performance.views import _contract

SECTION_TITLES = {
    "ratchet": (
        gettext_lazy("Ratchet tiers"),
        gettext_lazy(
            "Multipliers of an asset's 1st, 2nd, 3rd and later deductible outages in a month: each at least 1 and "
            "never lower than the tier before. No tier: one tier, multiplier 1."
        ),
    ),
    "classes": (
        gettext_lazy("Asset classes"),
        gettext_lazy(
            "The key is what the asset register names; the name is shown (empty: the key). A class's weighting is "
            "its share of the monthly charge in percent: the weightings add up to exactly 100."
        ),
    ),
    "windows": (
        gettext_lazy("Service windows"),
        gettext_lazy(
            "When each asset class (by its key) must be available, in local time, on the measurement interval's "
            'grid. "24:00" is midnight at the end of the day; hours across midnight are two windows.'
        ),
    ),
    "kpis": (
        gettext_lazy("Key performance indicators"),
        gettext_lazy(
            "The target is in hours for a response or fix time, the score to reach for a periodic KPI; each failure "
            "to meet it deducts the amount given. The name is shown (empty: the key)."
        ),
    ),
}


def _starter(number: int) -> dict[str, Any]:
    """A new regime's form: the deployment's currency and time zone, the common defaults, the amounts to fill."""
    return {
        "main": {
            "number": number,
            "currency": settings.CIVICPACT_CURRENCY,
            "interval_minutes": 15,
            "timezone": settings.TIME_ZONE,
            "missing_data": "unavailable",
            "mode": "share",
            "rectification_minutes": 0,
            "ubu_factor": "0.5",
        },
        "windows": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}],
    }


def _save(request: HttpRequest, contract_id: int, pages: RegimeForms) -> int:
    """Validate the forms, build the document and save it: 0 when saved; else 400 (invalid: the errors are on the
    forms) or 409 (a newer version was saved meanwhile: who and when, on the whole form)."""
    if not pages.is_valid():
        return 400
    document = regime_document(pages)
    if document is None:
        return 400
    try:
        services.regime_save(
            actor=permissions.signed_in_user(request),
            contract_id=contract_id,
            expected_number=pages.main.cleaned_data["number"],
            rationale=pages.main.cleaned_data["rationale"],
            document=document,
        )
    except ValidationError as exc:
        for path, errors in exc.message_dict.items():
            for message in errors:
                place_error(pages, path, message)
        return 400
    except services.PerformanceError as exc:
        pages.main.add_error(None, str(exc))
        return 409
    return 0


def _summary(pages: RegimeForms) -> list[tuple[str, str]]:
    """Every error once, for the summary at the top: (the id of the field or row to jump to, the message)."""
    out = [("regime-form", str(e)) for e in pages.main.non_field_errors()]
    out += [
        (
            pages.main[name].id_for_label or "regime-form",
            _("%(label)s: %(error)s") % {"label": pages.main[name].label, "error": e},
        )
        for name, errors in pages.main.errors.items()
        if name != "__all__"
        for e in errors
    ]
    for prefix, formset in pages.formsets.items():
        out += [(f"{prefix}-rows", str(e)) for e in formset.non_form_errors()]
        for index, form in enumerate(formset.forms):
            for name, errors in form.errors.items():
                row = f"{prefix}-{index}"
                anchor = row if name == "__all__" else (form[name].id_for_label or row)
                row_label = f"{ROW_LABELS[prefix]} {index + 1}"
                if name != "__all__":
                    row_label = _("%(label)s: %(error)s") % {"label": row_label, "error": form[name].label}
                out += [(anchor, _("%(label)s: %(error)s") % {"label": row_label, "error": e}) for e in errors]
    return out


@login_required
def regime_form(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    if not permissions.can_manage_contracts(request.user):
        raise PermissionDenied(_("Only contract managers and the PPP unit set the regime."))
    regime = services.latest_regime(contract)
    number = regime.number if regime else 0
    status = 200
    if request.method == "POST":
        added = request.POST.get("add", "")
        if added in FORMSETS:
            pages = regime_forms_with_row(request.POST, added)
        else:
            pages = regime_forms(request.POST)
            status = _save(request, contract.pk, pages)
            if not status:
                messages.success(
                    request, _("The new version of the regime is saved; statements say which one they use.")
                )
                return redirect("performance:regime-form", pk=contract.pk)
    else:
        initial = regime_initial(regime.document, number=number) if regime else _starter(number)
        pages = regime_forms(initial=initial)
    context = {
        "contract": contract,
        "regime": regime,
        "main": pages.main,
        "sections": [
            {
                "prefix": prefix,
                "formset": formset,
                "title": SECTION_TITLES[prefix][0],
                "help": SECTION_TITLES[prefix][1],
                "row_label": ROW_LABELS[prefix],
                "add_label": ADD_LABELS[prefix],
            }
            for prefix, formset in pages.formsets.items()
        ],
        "versions": Regime.objects.filter(contract=contract).select_related("created_by").order_by("-number"),
        "summary": _summary(pages) if status != 200 else [],
    }
    return render(request, "performance/regime_form.html", context, status=status)
