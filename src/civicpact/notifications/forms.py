from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpact.notifications.models import Kind


class PreferencesForm(forms.Form):
    email = forms.MultipleChoiceField(
        label=_("E-mail me about"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every notification stays on your notifications page; untick a kind to stop its e-mails."),
    )


class HolidayForm(forms.Form):
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("The day the city does not work.")
    )
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("What the day is, e.g. the city's own holiday.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].error_messages["invalid"] = _("Enter the date as year-month-day, e.g. 2026-06-13.")
