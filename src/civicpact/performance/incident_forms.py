"""Forms of the incident log, the periodic KPI scores and the remediation plans (their rules are in the services)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpact.domain.performance.regime import Kpi
from civicpact.performance.models import IncidentPriority

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _choices(kpis: Sequence[Kpi], kind: str, blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [
        (k.key, gettext("%(name)s (%(hours)s h)") % {"name": k.name, "hours": formats.localize(k.target)})
        for k in kpis
        if k.kind == kind
    ]


class IncidentForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("What is wrong, and where"))
    reported_at = forms.DateTimeField(widget=DateTimeInput(), label=_("Reported at"))
    response_kpi = forms.ChoiceField(required=False, label=_("Response time KPI"))
    fix_kpi = forms.ChoiceField(required=False, label=_("Fix time KPI"))
    asset = forms.CharField(required=False, max_length=100, label=_("Asset id (from the register)"))
    priority = forms.ChoiceField(
        choices=IncidentPriority.choices, initial=IncidentPriority.NORMAL, label=_("Priority")
    )
    reference = forms.CharField(required=False, max_length=100, label=_("Helpdesk ticket number"))

    def __init__(self, *args: Any, kpis: Sequence[Kpi] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        none = gettext("None")
        self.fields["response_kpi"].choices = _choices(kpis, "response_time", none)  # type: ignore[attr-defined]
        self.fields["fix_kpi"].choices = _choices(kpis, "fix_time", none)  # type: ignore[attr-defined]


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    at = forms.DateTimeField(widget=DateTimeInput(), label=_("When"))

    def __init__(self, *args: Any, prefix_label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if prefix_label is not None:
            self.fields["at"].label = prefix_label


class CorrectionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    field = forms.ChoiceField(
        choices=[("reported_at", _("Reported at")), ("responded_at", _("Responded at")), ("fixed_at", _("Fixed at"))],
        label=_("Time to correct"),
    )
    value = forms.DateTimeField(widget=DateTimeInput(), label=_("Corrected time"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason and evidence"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "correct_%s")
        super().__init__(*args, **kwargs)


class ScoreForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, initial=0)
    kpi = forms.ChoiceField(label=_("Periodic KPI"))
    month = forms.RegexField(regex=MONTH, label=_("Month (YYYY-MM)"))
    score = forms.DecimalField(label=_("Score"))
    source = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Source (survey, sample, inspection)"))

    def __init__(self, *args: Any, kpis: Sequence[Kpi] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [  # type: ignore[attr-defined]
            (k.key, gettext("%(name)s (target %(target)s)") % {"name": k.name, "target": formats.localize(k.target)})
            for k in kpis
            if k.kind == "periodic"
        ]


class PlanForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("The failure to remedy"))
    actions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Actions required"))
    deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Deadline"))
    incident = forms.IntegerField(required=False, min_value=1, label=_("Incident number"))
    kpi = forms.ChoiceField(required=False, label=_("KPI failed"))
    month = forms.RegexField(regex=MONTH, required=False, label=_("Statement month (YYYY-MM)"))

    def __init__(self, *args: Any, kpis: Sequence[Kpi] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [("", gettext("None"))] + [  # type: ignore[attr-defined]
            (k.key, k.name) for k in kpis
        ]


class PlanStepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Text"))

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["text"].label = label
