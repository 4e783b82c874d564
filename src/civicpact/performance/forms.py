from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class RegimeForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        label=_("The regime (YAML or JSON)"),
        help_text=_(
            "Format 1: see docs/performance-regime.md and the example docs/examples/regime.yaml. Every error "
            "names its field."
        ),
    )
    text_format = forms.ChoiceField(choices=[("yaml", "YAML"), ("json", "JSON")], label=_("Written in"))
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why this version"))


class AssetsForm(forms.Form):
    file = forms.FileField(label=_("Asset register (CSV: asset_id, asset_class, description)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "assets_%s")  # ids distinct from the telemetry form's on the same page
        super().__init__(*args, **kwargs)


class TelemetryForm(forms.Form):
    file = forms.FileField(label=_("Telemetry file (CSV, NDJSON or Parquet)"))
    feed = forms.ChoiceField(
        choices=[("samples", _("Periodic samples")), ("changes", _("Status changes"))], label=_("What the rows are")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "telemetry_%s")
        super().__init__(*args, **kwargs)


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", label=_("Month (YYYY-MM)"))
    index = forms.DecimalField(required=False, label=_("Price index of the month (indexed regimes only)"))


class DisputeForm(forms.Form):
    line = forms.CharField(max_length=120, label=_("Line (asset id or KPI key)"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Why you dispute it"))
