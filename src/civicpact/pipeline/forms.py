from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpact.accounts.models import Organisation
from civicpact.pipeline.models import DECISION_CHOICES, Interest, Need


class ListField(forms.CharField):
    """A list typed as comma- or line-separated text."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class SdgField(ListField):
    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        numbers = []
        for part in super().to_python(value):
            if not part.isdigit() or not 1 <= int(part) <= 17:
                raise forms.ValidationError(
                    gettext("“%(part)s” is not a goal number: use numbers from 1 to 17.") % {"part": part}
                )
            numbers.append(int(part))
        return sorted(set(numbers))


class NeedForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Department"))
    title = forms.CharField(
        max_length=200, label=_("Title"), help_text=_("A short name, e.g. “Cut street-lighting energy by 40%”.")
    )
    problem_statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Problem statement"),
        help_text=_("The problem, not a solution."),
    )
    outcomes_sought = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Outcomes sought"),
        help_text=_("What success looks like, measurably if you can."),
    )
    kpis = ListField(
        label=_("KPIs it would move"), help_text=_("Comma-separated, e.g. energy use, fault repair time.")
    )
    indicative_budget = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        label=_("Indicative budget"),
        help_text=_("What the department could commit."),
    )
    first_year = forms.IntegerField(min_value=2000, max_value=2100, label=_("First budget year"))
    last_year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Last budget year"))
    location = forms.CharField(
        max_length=200, required=False, label=_("Location"), help_text=_("E.g. citywide, harbour district.")
    )
    assets = ListField(
        label=_("Assets concerned"), help_text=_("Comma-separated, e.g. lighting poles, traffic signals.")
    )
    sdgs = SdgField(label=_("Sustainable Development Goals"), help_text=_("Goal numbers, e.g. 7, 11, 13."))
    tags = ListField(label=_("Tags"), help_text=_("Comma-separated."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, departments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_year"), data.get("last_year")
        if first and last and last < first:
            self.add_error("last_year", gettext("The last budget year cannot come before the first."))
        return data


class NeedFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"))
    department = forms.ModelChoiceField(
        queryset=Organisation.objects.departments(), required=False, label=_("Department")
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *Need._meta.get_field("status").choices],  # type: ignore[misc]
        required=False,
        label=_("Status"),
    )
    tag = forms.CharField(required=False, label=_("Tag"))
    sdg = forms.IntegerField(required=False, min_value=1, max_value=17, label=_("SDG"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why withdraw this need?"))


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Document title"))
    document_type = forms.ChoiceField(
        choices=[
            ("feasibilityStudy", _("Feasibility study")),
            ("needsAssessment", _("Needs assessment")),
            ("projectPlan", _("Project plan")),
            ("riskProvisions", _("Risk provisions")),
            ("marketStudies", _("Market studies")),
            ("other", _("Other")),
        ],
        label=_("Kind of document"),
    )
    file = forms.FileField(label=_("File"), help_text=_("Up to 20 MB."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(gettext("The file is larger than 20 MB."))
        return upload


class ProjectForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Project title"))
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Summary"))
    needs = forms.ModelMultipleChoiceField(
        queryset=Need.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("Needs to take forward together")
    )
    lead_department = forms.ModelChoiceField(queryset=Organisation.objects.departments(), label=_("Lead department"))
    planned_procurement_year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Procurement planned in"))
    planned_start_year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Service starts in"))
    duration_years = forms.IntegerField(min_value=1, max_value=40, label=_("Contract length (years)"))

    def __init__(self, *args: Any, needs: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needs"].queryset = needs  # type: ignore[attr-defined]
        self.departments = list(departments)
        for department in self.departments:
            self.fields[f"share_{department.pk}"] = forms.DecimalField(
                min_value=Decimal("0"),
                max_digits=14,
                decimal_places=2,
                required=False,
                label=gettext("Budget share: %(department)s") % {"department": department.name},
                help_text=gettext("Leave empty if the department pays nothing."),
            )

    def share_fields(self) -> list[Any]:
        return [self[f"share_{d.pk}"] for d in self.departments]

    def budget_shares(self) -> dict[int, Decimal]:
        return {
            d.pk: self.cleaned_data[f"share_{d.pk}"]
            for d in self.departments
            if self.cleaned_data.get(f"share_{d.pk}") is not None
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, procure = data.get("planned_start_year"), data.get("planned_procurement_year")
        if start and procure and start < procure:
            self.add_error("planned_start_year", gettext("The service cannot start before it is procured."))
        return data


class GateForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISION_CHOICES, widget=forms.RadioSelect, label=_("Decision"))
    reasons = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("Reasons"), help_text=_("Recorded in the audit trail.")
    )
    expected_stage = forms.CharField(widget=forms.HiddenInput)
    document = forms.FileField(required=False, label=_("Supporting document"))


class RfiForm(forms.Form):
    title = forms.CharField(
        max_length=200, label=_("Title"), help_text=_("E.g. “Market sounding: smart street lighting”.")
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("What you want to learn"),
        help_text=_("Describe the need and outcomes, not a specification."),
    )
    questions = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label=_("Questions"))
    response_deadline = forms.DateTimeField(
        label=_("Responses accepted until"),
        help_text=_("Date and time, e.g. 2027-03-31 17:00."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    publish = forms.BooleanField(required=False, initial=True, label=_("Publish to verified suppliers now"))


class RfiResponseForm(forms.Form):
    interest = forms.TypedChoiceField(choices=Interest.choices, coerce=int, label=_("Your interest"))
    capability = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Relevant capability"),
        help_text=_("What you have done that is like this."),
    )
    price_min = forms.DecimalField(
        min_value=Decimal("0"), max_digits=14, decimal_places=2, label=_("Indicative price: from")
    )
    price_max = forms.DecimalField(
        min_value=Decimal("0"), max_digits=14, decimal_places=2, label=_("Indicative price: to")
    )
    questions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Your questions"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and high < low:
            self.add_error("price_max", gettext("The high end of the price range cannot be below the low end."))
        return data
