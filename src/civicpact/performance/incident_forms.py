"""Forms of the incident log, the periodic KPI scores and the remediation plans (their rules are in the services)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from civicpact.domain.performance.regime import Kpi
from civicpact.performance.models import IncidentPriority

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _choices(kpis: Sequence[Kpi], kind: str, blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(k.key, f"{k.name} ({k.target} h)") for k in kpis if k.kind == kind]


class IncidentForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What is wrong, and where")
    reported_at = forms.DateTimeField(widget=DateTimeInput(), label="Reported at")
    response_kpi = forms.ChoiceField(required=False, label="Response time KPI")
    fix_kpi = forms.ChoiceField(required=False, label="Fix time KPI")
    asset = forms.CharField(required=False, max_length=100, label="Asset id (from the register)")
    priority = forms.ChoiceField(choices=IncidentPriority.choices, initial=IncidentPriority.NORMAL, label="Priority")
    reference = forms.CharField(required=False, max_length=100, label="Helpdesk ticket number")

    def __init__(self, *args: Any, kpis: Sequence[Kpi] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["response_kpi"].choices = _choices(kpis, "response_time", "None")  # type: ignore[attr-defined]
        self.fields["fix_kpi"].choices = _choices(kpis, "fix_time", "None")  # type: ignore[attr-defined]


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    at = forms.DateTimeField(widget=DateTimeInput(), label="When")

    def __init__(self, *args: Any, prefix_label: str = "When", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["at"].label = prefix_label


class CorrectionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    field = forms.ChoiceField(
        choices=[("reported_at", "Reported at"), ("responded_at", "Responded at"), ("fixed_at", "Fixed at")],
        label="Time to correct",
    )
    value = forms.DateTimeField(widget=DateTimeInput(), label="Corrected time")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason and evidence")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "correct_%s")
        super().__init__(*args, **kwargs)


class ScoreForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, initial=0)
    kpi = forms.ChoiceField(label="Periodic KPI")
    month = forms.RegexField(regex=MONTH, label="Month (YYYY-MM)")
    score = forms.DecimalField(label="Score")
    source = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Source (survey, sample, inspection)")

    def __init__(self, *args: Any, kpis: Sequence[Kpi] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [  # type: ignore[attr-defined]
            (k.key, f"{k.name} (target {k.target})") for k in kpis if k.kind == "periodic"
        ]


class PlanForm(forms.Form):
    title = forms.CharField(max_length=200, label="The failure to remedy")
    actions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Actions required")
    deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Deadline")
    incident = forms.IntegerField(required=False, min_value=1, label="Incident number")
    kpi = forms.ChoiceField(required=False, label="KPI failed")
    month = forms.RegexField(regex=MONTH, required=False, label="Statement month (YYYY-MM)")

    def __init__(self, *args: Any, kpis: Sequence[Kpi] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [("", "None")] + [(k.key, k.name) for k in kpis]  # type: ignore[attr-defined]


class PlanStepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Text")

    def __init__(self, *args: Any, label: str = "Text", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
