"""Forms of the finance pages: the partner's reference, the analyst's decision, an export, an index series' CSV
and a contract's finance terms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)  # what a date input shows, whatever the locale


class ReferenceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reference = forms.CharField(
        max_length=100,
        label=_("Your invoice number"),
        help_text=_("As on your own invoice; the payment days count from today."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ref_%s")
        super().__init__(*args, **kwargs)


class ApproveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class RejectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Why it is rejected"),
        help_text=_("The partner reads it; a wrong amount is corrected by a correcting statement instead."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reject_%s")
        super().__init__(*args, **kwargs)


class ExportForm(forms.Form):
    since = forms.DateField(widget=DateInput(), label=_("Invoices approved on or after"))
    format = forms.ChoiceField(
        choices=[("csv", "CSV"), ("json", "JSON")], widget=forms.RadioSelect, initial="csv", label=_("Format")
    )
    again = forms.BooleanField(
        required=False, label=_("Include invoices already exported (and paid): an explicit re-export")
    )


class IndexForm(forms.Form):
    series = forms.CharField(
        max_length=32, label=_("Series key"), help_text=_("e.g. CPI; a new key creates the series.")
    )
    name = forms.CharField(max_length=200, required=False, label=_("Full name (for a new series)"))
    file = forms.FileField(
        label=_("Monthly values (CSV with the header month,value)"),
        help_text=_("e.g. 2024-01,118.42; all rows or none; a stored month keeps its value."),
    )


class TermsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    budget_line = forms.CharField(
        max_length=100,
        required=False,
        label=_("Budget line"),
        help_text=_("Needed before an invoice can be approved."),
    )
    vat_percent = forms.DecimalField(
        required=False,
        max_digits=5,
        decimal_places=2,
        label=_("VAT rate (%)"),
        help_text=_("Empty: the deployment's rate."),
    )
    payment_days = forms.IntegerField(
        required=False, min_value=0, max_value=365, label=_("Payment days"), help_text=_("Empty: the deployment's.")
    )
    index_series = forms.ChoiceField(required=False, label=_("Index series"), help_text=_("Empty: not indexed."))
    index_base_month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False, label=_("Base index month (YYYY-MM)")
    )
    index_base_date = forms.DateField(
        widget=DateInput(), required=False, label=_("Base date (annual reviews on its anniversaries)")
    )

    def __init__(self, *args: Any, series: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["index_series"].choices = [("", _("Not indexed")), *((key, key) for key in series)]  # type: ignore[attr-defined]
