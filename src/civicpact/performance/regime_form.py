"""The performance regime as a structured form: a main form (charge, measurement, availability, bonus, cap) and
four formsets (ratchet tiers, asset classes, service windows, KPIs), and the two conversions that tie them to the
regime document (docs/performance-regime.md, "The regime document"):

- `regime_initial(document)`: the document's plain data → the forms' initial values;
- `regime_document(forms)`: the valid forms → the same plain data, every decimal as the text typed.

For a document in canonical form (`regime_to_mapping`) the round trip is exact, except that a period's days are
written in the week's order (checkboxes have no order of their own). The rules stay in the domain: the document
goes to `services.regime_save`, and `place_errors` puts the domain's error (`asset_classes[1].weighting`,
`asset_classes[0].service_hours[1]`) on the form field or row it names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from civicpact.domain.performance.regime import DAYS, FORMAT, INTERVALS, MISSING_DATA, MODES

DAY_LABELS = dict(
    zip(
        DAYS,
        (
            pgettext_lazy("abbreviated day", "Mon"),
            pgettext_lazy("abbreviated day", "Tue"),
            pgettext_lazy("abbreviated day", "Wed"),
            pgettext_lazy("abbreviated day", "Thu"),
            pgettext_lazy("abbreviated day", "Fri"),
            pgettext_lazy("abbreviated day", "Sat"),
            pgettext_lazy("abbreviated day", "Sun"),
        ),
        strict=True,
    )
)
KPI_KIND_LABELS = {"response_time": _("Response time"), "fix_time": _("Fix time"), "periodic": _("Periodic score")}
MISSING_LABELS = {"unavailable": _("Unavailable"), "available": _("Available"), "excluded": _("Excluded")}
MODE_LABELS = {"share": _("Share"), "rate": _("Rate")}


def _decimal(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DecimalField:
    """A decimal typed as text (no spinner, no rounding by the browser), kept exactly as written."""
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _interval(minutes: int) -> str:
    return gettext("%(minutes)s minutes") % {"minutes": minutes}  # 5 to 60


_minutes = lazy(_interval, str)  # the choices are made once, the words in each request's language


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


class RegimeMainForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput)
    currency = forms.CharField(
        max_length=3, label=_("Currency"), help_text=_("ISO 4217 code in capitals, e.g. EUR."), initial="EUR"
    )
    annual = _decimal(_("Annual unitary charge"), help_text=_("The monthly charge is a twelfth of it, indexed."))
    index_name = forms.CharField(
        required=False,
        label=_("Indexation: index name"),
        help_text=_("e.g. CPI. Leave both index fields empty: no index."),
    )
    index_base = _decimal(
        _("Indexation: base value"), required=False, help_text=_("The index's value at the base date.")
    )
    interval_minutes = forms.TypedChoiceField(
        coerce=int,
        choices=[(i, _minutes(i)) for i in INTERVALS],
        initial=15,
        label=_("Measurement interval"),
    )
    timezone = forms.CharField(
        label=_("Time zone"), help_text=_("An IANA name such as Europe/Lisbon: service hours are in its local time.")
    )
    missing_data = forms.ChoiceField(
        choices=[(m, MISSING_LABELS[m]) for m in MISSING_DATA],
        label=_("An interval without data is"),
        help_text=_("Unavailable: priced as down; available: neither up nor priced; excluded: not counted."),
    )
    target_percent = _decimal(_("Availability target (%)"), help_text=_("At most 3 decimals, e.g. 99.5."))
    rectification_minutes = forms.IntegerField(
        min_value=0,
        label=_("Rectification period (minutes)"),
        help_text=_("An outage fixed within it costs nothing; a multiple of the interval."),
    )
    ubu_factor = _decimal(
        _('"Unavailable but used" factor'),
        help_text=_("0 to 1: what a degraded interval costs, as a share of one down."),
    )
    mode = forms.ChoiceField(
        choices=[(m, MODE_LABELS[m]) for m in MODES],
        label=_("Deduction mode"),
        help_text=_("Share: of the asset's part of the charge; rate: a fixed amount per interval."),
    )
    rate = _decimal(_("Rate per interval"), required=False, help_text=_("Rate mode only: the amount per interval."))
    bonus_threshold_percent = _decimal(
        _("Bonus: availability threshold (%)"), required=False, help_text=_("Leave both bonus fields empty: no bonus.")
    )
    bonus_percent = _decimal(_("Bonus: percent of the monthly charge"), required=False)
    cap_percent = _decimal(_("Cap on the month's deductions (% of the monthly charge)"), help_text=_("0 to 100."))
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why this version"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for first, second, what in (
            ("index_name", "index_base", gettext("Give both fields of the index, or leave both empty.")),
            (
                "bonus_threshold_percent",
                "bonus_percent",
                gettext("Give both fields of the bonus, or leave both empty."),
            ),
        ):
            given = [data.get(name) not in (None, "") for name in (first, second)]
            if any(given) and not all(given):
                missing = second if given[0] else first
                self.add_error(missing, what)
        return data


class RatchetForm(forms.Form):
    multiplier = _decimal(_("Multiplier"))


class AssetClassForm(forms.Form):
    key = forms.CharField(max_length=64, label=_("Key"))
    name = forms.CharField(required=False, label=_("Name"))
    weighting = _decimal(_("Weighting (%)"))


class ServiceWindowForm(forms.Form):
    asset_class = forms.CharField(max_length=64, label=_("Asset class (key)"))
    days = forms.MultipleChoiceField(
        choices=list(DAY_LABELS.items()), widget=forms.CheckboxSelectMultiple, label=_("Days")
    )
    start = forms.CharField(
        max_length=5, label=_("From (HH:MM)"), widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5})
    )
    end = forms.CharField(
        max_length=5, label=_("To (HH:MM)"), widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5})
    )


class KpiForm(forms.Form):
    key = forms.CharField(max_length=64, label=_("Key"))
    name = forms.CharField(required=False, label=_("Name"))
    kind = forms.ChoiceField(choices=[("", _("Choose…")), *KPI_KIND_LABELS.items()], label=_("Kind"))
    target = _decimal(_("Target"))
    deduction_per_failure = _decimal(_("Deduction per failure"))


class RowFormSet(BaseFormSet):  # type: ignore[type-arg]
    """A formset whose rows can be removed; `kept()` is the rows to keep, with their form index."""

    def add_fields(self, form: Any, index: Any) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this row")

    def kept(self) -> list[tuple[int, dict[str, Any]]]:
        rows = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append((index, data))
        return rows


def _formset(form: type[forms.Form]) -> type[RowFormSet]:
    return cast(type[RowFormSet], formset_factory(form, formset=RowFormSet, extra=1, can_delete=True))


RatchetFormSet = _formset(RatchetForm)
AssetClassFormSet = _formset(AssetClassForm)
ServiceWindowFormSet = _formset(ServiceWindowForm)
KpiFormSet = _formset(KpiForm)

FORMSETS: Mapping[str, type[RowFormSet]] = {
    "ratchet": RatchetFormSet,
    "classes": AssetClassFormSet,
    "windows": ServiceWindowFormSet,
    "kpis": KpiFormSet,
}
ROW_LABELS = {
    "ratchet": _("Ratchet tier"),
    "classes": _("Asset class"),
    "windows": _("Service window"),
    "kpis": _("KPI"),
}
ADD_LABELS = {
    "ratchet": _("Add a ratchet tier"),
    "classes": _("Add an asset class"),
    "windows": _("Add a service window"),
    "kpis": _("Add a KPI"),
}


@dataclass
class RegimeForms:
    """The main form and the four formsets of one page, bound or not."""

    main: RegimeMainForm
    formsets: dict[str, RowFormSet]
    # the document's indexes → the form index they came from (filled by regime_document, for placing errors)
    rows: dict[str, list[int]] = field(default_factory=dict)
    windows: dict[tuple[int, int], int] = field(default_factory=dict)

    def is_valid(self) -> bool:
        results = [self.main.is_valid(), *(formset.is_valid() for formset in self.formsets.values())]
        return all(results)

    def has_errors(self) -> bool:
        return bool(self.main.errors) or any(
            formset.total_error_count() for formset in self.formsets.values() if formset.is_bound
        )


def regime_forms(data: Any = None, *, initial: Mapping[str, Any] | None = None) -> RegimeForms:
    initial = initial or {}
    return RegimeForms(
        main=RegimeMainForm(data, initial=initial.get("main")),
        formsets={prefix: cls(data, initial=initial.get(prefix), prefix=prefix) for prefix, cls in FORMSETS.items()},
    )


def regime_forms_with_row(data: Any, prefix: str) -> RegimeForms:
    """Unbound forms showing what was posted (rows marked for removal and empty rows left out) and one more empty
    row in the formset `prefix`: adding a row neither saves nor complains about fields not filled yet."""
    posted = regime_forms(data)
    initial: dict[str, Any] = {"main": {name: posted.main[name].value() for name in posted.main.fields}}
    for name, formset in posted.formsets.items():
        rows = []
        for form in formset.forms:
            if not form.has_changed() or form["DELETE"].value():
                continue
            rows.append({key: form[key].value() for key in form.fields if key != "DELETE"})
        initial[name] = rows
    pages = regime_forms(initial=initial)
    pages.formsets[prefix].extra = 2
    return pages


def regime_initial(document: Mapping[str, Any], *, number: int) -> dict[str, Any]:
    """The forms' initial values from a regime document (as `regime_to_mapping` writes it)."""
    charge, measurement, availability = document["unitary_charge"], document["measurement"], document["availability"]
    indexation, bonus = charge.get("indexation"), document.get("bonus")
    main = {
        "number": number,
        "currency": document["currency"],
        "annual": charge["annual"],
        "index_name": indexation["index"] if indexation else "",
        "index_base": indexation["base"] if indexation else None,
        "interval_minutes": measurement["interval_minutes"],
        "timezone": measurement["timezone"],
        "missing_data": measurement["missing_data"],
        "target_percent": availability["target_percent"],
        "rectification_minutes": availability["rectification_minutes"],
        "ubu_factor": availability["ubu_factor"],
        "mode": availability["mode"],
        "rate": availability.get("rate"),
        "bonus_threshold_percent": bonus["threshold_percent"] if bonus else None,
        "bonus_percent": bonus["percent"] if bonus else None,
        "cap_percent": document["cap_percent"],
    }
    classes = document["asset_classes"]
    return {
        "main": main,
        "ratchet": [{"multiplier": m} for m in availability.get("ratchet") or ()],
        "classes": [{"key": c["key"], "name": c.get("name", c["key"]), "weighting": c["weighting"]} for c in classes],
        "windows": [
            {"asset_class": c["key"], "days": list(p["days"]), "start": p["from"], "end": p["to"]}
            for c in classes
            for p in c["service_hours"]
        ],
        "kpis": [
            {
                "key": k["key"],
                "name": k.get("name", k["key"]),
                "kind": k["kind"],
                "target": k["target"],
                "deduction_per_failure": k["deduction_per_failure"],
            }
            for k in document.get("kpis") or ()
        ],
    }


def _week_order(days: Sequence[str]) -> list[str]:
    return [day for day in DAYS if day in days]


def regime_document(forms_: RegimeForms) -> dict[str, Any] | None:
    """The regime document from valid forms (None, with the errors on the forms, when a service window names no
    class of the form). Rows marked for removal or left empty are left out."""
    main = forms_.main.cleaned_data
    classes = forms_.formsets["classes"].kept()
    windows = forms_.formsets["windows"].kept()
    keys = [data["key"] for _, data in classes]
    forms_.rows = {prefix: [index for index, _ in forms_.formsets[prefix].kept()] for prefix in FORMSETS}
    hours: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    for index, data in windows:
        if data["asset_class"] not in hours:
            known = ", ".join(keys) or gettext("none yet")
            forms_.formsets["windows"].forms[index].add_error(
                "asset_class",
                gettext("No asset class has the key %(key)s (the classes: %(known)s).")
                % {"key": repr(data["asset_class"]), "known": known},
            )
            continue
        position = keys.index(data["asset_class"])
        forms_.windows[(position, len(hours[data["asset_class"]]))] = index
        hours[data["asset_class"]].append(
            {"days": _week_order(data["days"]), "from": data["start"], "to": data["end"]}
        )
    if any(form.errors for form in forms_.formsets["windows"].forms):
        return None
    indexed = main["index_name"] and main["index_base"] is not None
    bonus = main["bonus_threshold_percent"] is not None and main["bonus_percent"] is not None
    return {
        "format": FORMAT,
        "currency": main["currency"],
        "unitary_charge": {
            "annual": _text(main["annual"]),
            "indexation": {"index": main["index_name"], "base": _text(main["index_base"])} if indexed else None,
        },
        "measurement": {
            "interval_minutes": main["interval_minutes"],
            "timezone": main["timezone"],
            "missing_data": main["missing_data"],
        },
        "availability": {
            "target_percent": _text(main["target_percent"]),
            "rectification_minutes": main["rectification_minutes"],
            "ubu_factor": _text(main["ubu_factor"]),
            "ratchet": [_text(data["multiplier"]) for _, data in forms_.formsets["ratchet"].kept()],
            "mode": main["mode"],
            "rate": _text(main["rate"]),
        },
        "asset_classes": [
            {
                "key": data["key"],
                "name": data["name"] or data["key"],
                "weighting": _text(data["weighting"]),
                "service_hours": hours[data["key"]],
            }
            for _, data in classes
        ],
        "kpis": [
            {
                "key": data["key"],
                "name": data["name"] or data["key"],
                "kind": data["kind"],
                "target": _text(data["target"]),
                "deduction_per_failure": _text(data["deduction_per_failure"]),
            }
            for _, data in forms_.formsets["kpis"].kept()
        ],
        "bonus": {
            "threshold_percent": _text(main["bonus_threshold_percent"]),
            "percent": _text(main["bonus_percent"]),
        }
        if bonus
        else None,
        "cap_percent": _text(main["cap_percent"]),
    }


# Placing the domain's errors ---------------------------------------------------------------------------------------

MAIN_FIELDS: Mapping[str, str] = {
    "currency": "currency",
    "unitary_charge.annual": "annual",
    "unitary_charge.indexation": "index_name",
    "unitary_charge.indexation.index": "index_name",
    "unitary_charge.indexation.base": "index_base",
    "measurement.interval_minutes": "interval_minutes",
    "measurement.timezone": "timezone",
    "measurement.missing_data": "missing_data",
    "availability.target_percent": "target_percent",
    "availability.rectification_minutes": "rectification_minutes",
    "availability.ubu_factor": "ubu_factor",
    "availability.mode": "mode",
    "availability.rate": "rate",
    "bonus.threshold_percent": "bonus_threshold_percent",
    "bonus.percent": "bonus_percent",
    "cap_percent": "cap_percent",
    "rationale": "rationale",
}
ROW_FIELDS: Mapping[str, Mapping[str, str]] = {
    "classes": {"key": "key", "name": "name", "weighting": "weighting"},
    "kpis": {
        "key": "key",
        "name": "name",
        "kind": "kind",
        "target": "target",
        "deduction_per_failure": "deduction_per_failure",
    },
    "windows": {"days": "days", "from": "start", "to": "end"},
}
_ROW = re.compile(r"(asset_classes|kpis|availability\.ratchet)\[(\d+)\](?:\.(\w+))?.*")
_WINDOW = re.compile(r"asset_classes\[(\d+)\]\.service_hours\[(\d+)\](?:\.(\w+))?")


def _row_form(forms_: RegimeForms, prefix: str, position: int) -> forms.Form | None:
    rows = forms_.rows.get(prefix, [])
    if position >= len(rows):
        return None
    form: forms.Form = forms_.formsets[prefix].forms[rows[position]]
    return form


def place_error(forms_: RegimeForms, path: str, message: str) -> None:
    """Put one error of the domain or the service (keyed by the document's field path) where it belongs: a main
    field, a row's field, a row, the asset classes as a whole, or else the whole form."""
    if path in MAIN_FIELDS:
        forms_.main.add_error(MAIN_FIELDS[path], message)
        return
    window = _WINDOW.match(path)
    if window:
        index = forms_.windows.get((int(window.group(1)), int(window.group(2))))
        if index is not None:
            form = forms_.formsets["windows"].forms[index]
            form.add_error(ROW_FIELDS["windows"].get(window.group(3) or "", None), message)
            return
    row = _ROW.fullmatch(path)
    if row:
        prefix = {"asset_classes": "classes", "kpis": "kpis", "availability.ratchet": "ratchet"}[row.group(1)]
        form = _row_form(forms_, prefix, int(row.group(2)))
        if form is not None:
            name = "multiplier" if prefix == "ratchet" else ROW_FIELDS[prefix].get(row.group(3) or "")
            form.add_error(name, message)
            return
    if path in ("asset_classes", "kpis", "availability.ratchet"):
        prefix = {"asset_classes": "classes", "kpis": "kpis", "availability.ratchet": "ratchet"}[path]
        forms_.formsets[prefix].non_form_errors().append(message)
        return
    forms_.main.add_error(None, message)
