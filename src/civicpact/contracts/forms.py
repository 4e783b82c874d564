from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpact.accounts.models import Organisation, OrganisationKind, VerificationStatus
from civicpact.contracts.labels import MECHANISM_LABELS_SHOWN, MODEL_LABELS, RATIONALE_LABELS
from civicpact.contracts.models import CONTRACT_DOCUMENT_TYPES
from civicpact.domain.contracts import AMENDMENT_RATIONALES
from civicpact.domain.structuring import PartnershipModel
from civicpact.pipeline.models import Project


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _partners() -> Any:
    return Organisation.objects.filter(
        kind=OrganisationKind.SUPPLIER, verification_status=VerificationStatus.VERIFIED
    ).order_by("name")


class TermsForm(forms.Form):
    """The terms of a contract version and its parties (the city, the partner, any guarantors)."""

    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Description"))
    value = forms.DecimalField(min_value=Decimal(0), max_digits=16, decimal_places=2, label=_("Total value"))
    start_date = forms.DateField(widget=DateInput(), label=_("Start of the term"))
    end_date = forms.DateField(widget=DateInput(), label=_("End of the term"))
    partnership_model = forms.ChoiceField(
        choices=[(m.value, MODEL_LABELS[m]) for m in PartnershipModel], label=_("Partnership model")
    )
    payment_mechanisms = forms.MultipleChoiceField(
        choices=list(MECHANISM_LABELS_SHOWN.items()),
        widget=forms.CheckboxSelectMultiple,
        label=_("Payment mechanisms"),
    )
    city = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT).order_by("name"),
        label=_("The city's contracting department"),
    )
    partner = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Partner"))
    guarantors = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.all().order_by("name"),
        required=False,
        label=_("Guarantors (optional)"),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = _partners()  # type: ignore[attr-defined]

    def terms(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("title", "description", "value", "start_date", "end_date")} | {
            "partnership_model": data["partnership_model"],
            "payment_mechanisms": list(data["payment_mechanisms"]),
        }

    def parties(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        parties = [
            {"organisation": data["city"].pk, "role": "city"},
            {"organisation": data["partner"].pk, "role": "partner"},
        ]
        parties += [{"organisation": g.pk, "role": "guarantor"} for g in data["guarantors"]]
        return parties

    @staticmethod
    def initial_from(version: Any) -> dict[str, Any]:
        roles: dict[str, list[int]] = {}
        for p in version.parties:
            roles.setdefault(p["role"], []).append(int(p["organisation"]))
        return {
            "title": version.title,
            "description": version.description,
            "value": version.value,
            "start_date": version.start_date,
            "end_date": version.end_date,
            "partnership_model": version.partnership_model,
            "payment_mechanisms": list(version.payment_mechanisms),
            "city": roles.get("city", [None])[0],
            "partner": roles.get("partner", [None])[0],
            "guarantors": roles.get("guarantor", []),
        }


class ContractEntryForm(TermsForm):
    """A PPP signed before CivicPact: which project it belongs to."""

    project = forms.ModelChoiceField(queryset=Project.objects.order_by("title"), label=_("Project"))

    field_order = ["project"]


class AmendForm(TermsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    rationale = forms.ChoiceField(
        choices=[(r.value, RATIONALE_LABELS[r]) for r in AMENDMENT_RATIONALES], label=_("Why this new version")
    )
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("What changes and why"))

    field_order = ["rationale", "details"]


class SignForm(forms.Form):
    organisation = forms.IntegerField(widget=forms.HiddenInput)
    signatory_name = forms.CharField(max_length=200, label=_("Name of the signatory"))
    signatory_title = forms.CharField(max_length=200, required=False, label=_("Capacity (e.g. Mayor, Director)"))
    signed_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        label=_("Signed on (leave empty for now)"),
    )


class ContractDocumentForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Document title"))
    document_type = forms.ChoiceField(choices=CONTRACT_DOCUMENT_TYPES, label=_("Kind of document"))
    file = forms.FileField(label=_("File"))


MILESTONES_HELP = _(
    "One milestone a line: kind | title | planned date (YYYY-MM-DD) | payment share in % (optional). Kinds: "
    "mobilisation, knowledge_transfer, system_migration, staff_transition, go_live, delivery. Where any line has "
    "a payment share, the shares are a schedule and must add up to 100."
)


def parse_milestones(text: str) -> list[dict[str, Any]]:
    """Milestone lines to items; raises forms.ValidationError naming the line."""
    items = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split("|")]
        if len(parts) < 3:
            raise forms.ValidationError(
                gettext("Line %(number)s: write kind | title | planned date (| payment share).") % {"number": number}
            )
        try:
            planned = date.fromisoformat(parts[2])
        except ValueError:
            raise forms.ValidationError(
                gettext("Line %(number)s: the date “%(date)s” is not YYYY-MM-DD.")
                % {"number": number, "date": parts[2]}
            ) from None
        share = parts[3] if len(parts) > 3 and parts[3] else None
        items.append({"kind": parts[0], "title": parts[1], "planned_date": planned, "payment_percent": share})
    return items


def milestone_lines(milestones: Any) -> str:
    return "\n".join(
        f"{m.kind} | {m.title} | {m.planned_date.isoformat()}"
        + (f" | {m.payment_percent.normalize():f}" if m.payment_percent is not None else "")
        for m in milestones
    )


class MilestonePlanForm(forms.Form):
    lines = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label=_("Milestones"), help_text=MILESTONES_HELP)

    def clean_lines(self) -> list[dict[str, Any]]:
        return parse_milestones(self.cleaned_data["lines"])


class MilestoneReportForm(forms.Form):
    actual_date = forms.DateField(widget=DateInput(), label=_("Achieved on"))
