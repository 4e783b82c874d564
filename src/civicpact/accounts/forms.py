from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpact.accounts.models import Organisation, OrganisationKind, Role, User


class SupplierRegistrationForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Organisation name"), help_text=_("The name you trade under."))
    legal_name = forms.CharField(max_length=200, label=_("Legal name"), help_text=_("As registered."))
    country = forms.CharField(
        min_length=2,
        max_length=2,
        label=_("Country of registration"),
        help_text=_("Two-letter code, e.g. GB, PT, DE."),
    )
    registration_number = forms.CharField(
        max_length=64, label=_("Registration number"), help_text=_("Your company number in that country's register.")
    )
    is_sme = forms.BooleanField(required=False, label=_("We are a small or medium-sized enterprise"))
    contact_name = forms.CharField(max_length=200, label=_("Contact person"))
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    contact_phone = forms.CharField(max_length=40, required=False, label=_("Contact telephone"))
    full_name = forms.CharField(max_length=200, label=_("Your full name"))
    username = forms.CharField(max_length=150, label=_("Username"), help_text=_("You will sign in with this."))
    password = forms.CharField(
        widget=forms.PasswordInput, label=_("Password"), help_text=_("At least 10 characters, not a common password.")
    )

    def clean_country(self) -> str:
        country = str(self.cleaned_data["country"]).upper()
        if not country.isalpha():
            raise forms.ValidationError(gettext("Use the two-letter country code, e.g. GB."))
        return country

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"]).strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(gettext("This username is taken; choose another."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        country, number = data.get("country"), str(data.get("registration_number", "")).strip()
        if (
            country
            and number
            and Organisation.objects.suppliers().filter(country=country, registration_number__iexact=number).exists()
        ):
            self.add_error(
                "registration_number",
                gettext(
                    "A supplier with registration number %(number)s in %(country)s is already registered. "
                    "If it is yours, ask a colleague who has an account to invite you."
                )
                % {"number": number, "country": country},
            )
        if data.get("password") and data.get("username"):
            try:
                validate_password(data["password"], User(username=data["username"]))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class RejectionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Reason for rejection"),
        help_text=_("The supplier will see this."),
    )


class RoleGrantForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.order_by("username"), label=_("Person"))
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.exclude(kind=OrganisationKind.SUPPLIER).order_by("name"), label=_("Organisation")
    )
    role = forms.ChoiceField(choices=[c for c in Role.choices if c[0] != Role.SUPPLIER_USER], label=_("Role"))


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=_("What is the token for?"), help_text=_("For example 'finance system export'.")
    )
    expires_in_days = forms.IntegerField(label=_("Expires after (days)"), min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["expires_in_days"]
        assert isinstance(field, forms.IntegerField)  # noqa: S101 - declared just above
        longest = settings.CIVICPACT_API_TOKEN_MAX_DAYS
        field.initial = settings.CIVICPACT_API_TOKEN_DAYS
        field.max_value = longest
        field.validators.append(MaxValueValidator(longest))
        field.widget.attrs["max"] = longest
        field.help_text = gettext(
            "At most %(days)s days. Before it expires, rotate it here: you get a new token and the old one stops."
        ) % {"days": longest}


class CapabilityForm(forms.Form):
    sectors = forms.CharField(
        required=False, label=_("Sectors"), help_text=_("Comma-separated, e.g. street lighting, sensors.")
    )
    solutions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label=_("Solutions you offer")
    )
    references = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("References"),
        help_text=_("Past projects and clients."),
    )
    assets = forms.CharField(
        required=False,
        label=_("City assets you work with"),
        help_text=_("Comma-separated, e.g. lighting poles, parking bays."),
    )

    @staticmethod
    def split(value: str) -> list[str]:
        return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        max_length=32,
        label=_("Code"),
        help_text=_("The 6-digit code your authenticator app shows now, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class TwoFactorEnrolForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label=_("Code from the app"),
        help_text=_("After adding CivicPact to the app, enter the 6-digit code it shows."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
