"""Forms of the governance pages: each parses what one service takes (the services check the rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpact.contracts.forms import DateInput
from civicpact.contracts.labels import (
    BODY_LABELS,
    CADENCE_LABELS,
    DECISION_STATUS_LABELS,
    EXIT_CATEGORY_LABELS,
    EXIT_STATUS_LABELS,
    LEVEL_LABELS,
)
from civicpact.domain.governance import LADDER, OWNER_STATUSES


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class DisputeRaiseForm(forms.Form):
    subject = forms.CharField(max_length=200, label=_("The dispute in a line"))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("What is disputed and why"))
    amount = forms.DecimalField(
        required=False, min_value=Decimal(0), max_digits=16, decimal_places=2, label=_("Amount in question")
    )
    clause = forms.CharField(max_length=200, required=False, label=_("Clause in question"))


class FailureForm(VersionForm):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("What this level could not agree on"))
    meeting = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("At the meeting"))

    def __init__(self, *args: Any, meetings: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [("", "—"), *meetings]  # type: ignore[attr-defined]


class DiscussForm(VersionForm):
    meeting = forms.TypedChoiceField(coerce=int, label=_("The meeting that discussed it"))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("What the meeting said"))

    def __init__(self, *args: Any, meetings: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = meetings  # type: ignore[attr-defined]


class EscalateForm(VersionForm):
    level = forms.ChoiceField(choices=[(lv.value, LEVEL_LABELS[lv]) for lv in LADDER], label=_("Escalate to"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why it is escalated"))


class ResolveForm(FailureForm):
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("What was agreed or determined"))
    agreed_by = forms.CharField(max_length=300, label=_("Who agreed or determined it"))

    field_order = ["outcome", "agreed_by", "meeting"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["note"]


class WithdrawForm(VersionForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why it is withdrawn"))


class BodyForm(forms.Form):
    kind = forms.ChoiceField(choices=list(BODY_LABELS.items()), label=_("Kind of body"))
    name = forms.CharField(max_length=200, label=_("Name"))
    cadence = forms.ChoiceField(choices=list(CADENCE_LABELS.items()), label=_("Meets"))
    members = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Members"),
        help_text=_("One a line: name | organisation."),
    )
    established = forms.DateField(widget=DateInput(), required=False, label=_("Set up on (default today)"))

    def clean_members(self) -> list[dict[str, str]]:
        members = []
        for line in lines(self.cleaned_data["members"]):
            name, _bar, organisation = line.partition("|")
            members.append({"name": name.strip(), "organisation": organisation.strip()})
        return members


class MeetingForm(forms.Form):
    date = forms.DateField(widget=DateInput(), label=_("Date of the meeting"))
    held = forms.BooleanField(required=False, label=_("It was held (record its minutes now)"))
    agenda = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Agenda"))
    minutes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label=_("Minutes"))
    attendees = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Attendees"), help_text=_("One a line.")
    )
    document = forms.FileField(required=False, label=_("Minutes as a document"))

    def clean_attendees(self) -> list[str]:
        return lines(self.cleaned_data["attendees"])


class MeetingRecordForm(VersionForm):
    minutes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label=_("Minutes"))
    attendees = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Attendees"), help_text=_("One a line.")
    )
    document = forms.FileField(required=False, label=_("Minutes as a document"))

    def clean_attendees(self) -> list[str]:
        return lines(self.cleaned_data["attendees"])


class DecisionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Decision"))
    owner = forms.CharField(
        max_length=200,
        label=_("Owner (who carries it out)"),
        error_messages={"required": _("Every decision has an owner: who carries it out.")},
    )
    due_date = forms.DateField(
        widget=DateInput(), label=_("Due by"), error_messages={"required": _("Give the date it is due by.")}
    )
    dispute = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("It resolves the dispute"))

    def __init__(self, *args: Any, disputes: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["dispute"].choices = [("", "—"), *disputes]  # type: ignore[attr-defined]


class DecisionStatusForm(VersionForm):
    status = forms.ChoiceField(choices=list(DECISION_STATUS_LABELS.items()), label=_("Status"))


class ExtensionForm(VersionForm):
    new_end_date = forms.DateField(widget=DateInput(), label=_("New end of the term"))
    value = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=2,
        label=_("New total value"),
    )
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Why the city extends the term"))


class ExitStartForm(forms.Form):
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Approach"))
    due_date = forms.DateField(widget=DateInput(), required=False, label=_("Items due by (default: end of the term)"))


class ExitItemForm(forms.Form):
    category = forms.ChoiceField(choices=list(EXIT_CATEGORY_LABELS.items()), label=_("Category"))
    title = forms.CharField(max_length=200, label=_("What is to be handed back or done"))
    owner_party = forms.ChoiceField(choices=[("partner", _("The partner")), ("city", _("The city"))], label=_("Owner"))
    due_date = forms.DateField(widget=DateInput(), label=_("Due by"))


class ExitItemUpdateForm(VersionForm):
    status = forms.ChoiceField(label=_("Status"))
    evidence = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Evidence (a note)"))
    document = forms.FileField(required=False, label=_("Evidence as a document"))
    city_note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("The city's note (say why, to return it)")
    )

    def __init__(self, *args: Any, manager: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statuses = list(EXIT_STATUS_LABELS) if manager else list(OWNER_STATUSES)
        self.fields["status"].choices = [(s.value, EXIT_STATUS_LABELS[s]) for s in statuses]  # type: ignore[attr-defined]
        if not manager:
            del self.fields["city_note"]
