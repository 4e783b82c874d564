from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpact.appraisal.models import (
    CATEGORY_CHOICES,
    DISTRIBUTION_CHOICES,
    JUSTIFICATION_FORM_CHOICES,
    MODEL_CHOICES,
    ROUTE_CHOICES,
)
from civicpact.domain.screening import QUESTIONS
from civicpact.domain.terms import IP_OWNERS, OWNERS, PaymentMechanism

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SCALE = [(i, str(i)) for i in range(5)]
MECHANISM_NAMES: dict[PaymentMechanism, StrOrPromise] = {
    PaymentMechanism.AVAILABILITY: _("Availability"),
    PaymentMechanism.USAGE: _("Usage"),
    PaymentMechanism.MILESTONE: _("Milestone"),
    PaymentMechanism.REVENUE_SHARE: _("Revenue share"),
}
# who owns the data or the IP: the term sheet's values, named for the reader
OWNER_NAMES: dict[str, StrOrPromise] = {
    "city": _("city"),
    "partner": _("partner"),
    "joint": _("joint"),
    "licence_to_city": _("licence to city"),
}


def _scale(label: str | StrOrPromise, help_text: str | StrOrPromise = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        label=label,
        help_text=help_text or _("0 = not at all … 4 = very much"),
    )


# The screening questions of domain.screening.QUESTIONS (text, help), in the reader's language.
QUESTION_TEXTS: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    "public_need_clear": (
        _("How clearly is the public need established?"),
        _("0 = an idea only; 4 = evidenced, agreed by the departments concerned."),
    ),
    "private_interest": (
        _("How much market interest has been shown?"),
        _("From market soundings, industry days or unsolicited approaches. 0 = none yet."),
    ),
    "value_over_traditional": (
        _("How much value could a partnership add over buying it traditionally?"),
        _("Whole-life integration, performance-based pay, shared innovation."),
    ),
    "scope_defined": (
        _("How well is the scope defined?"),
        _("Outputs, boundaries and interfaces with other city systems."),
    ),
    "expertise_gap": (
        _("How large is the city's expertise gap?"),
        _("Skills the city lacks to design, build or run the service."),
    ),
    "capital_constraint": (
        _("How tight is the city's capital budget for this?"),
        _("4 = the city cannot fund the investment up front."),
    ),
    "innovation_speed": (
        _("How much does speed of innovation matter?"),
        _("Technology that changes fast, or a need to deploy quickly."),
    ),
    "risk_transfer": (
        _("How much risk could a private partner manage better?"),
        _("Design, integration, availability, obsolescence, demand."),
    ),
    "operational_efficiency": (
        _("How much operational efficiency could a partner bring?"),
        _("Economies of scale, remote monitoring, performance management."),
    ),
    "commodity_need": (
        _("Is this a well-defined commodity that is readily bought off the shelf?"),
        _("E.g. standard laptops or office software licences."),
    ),
    "lifecycle_years": (
        _("How many years would the partnership last?"),
        _("Technology partnerships usually run 5 to 10 years."),
    ),
}


class ScreeningForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for q in QUESTIONS:
            text, help_text = QUESTION_TEXTS.get(q.key, (q.text, q.help))
            if q.kind == "scale":
                self.fields[q.key] = _scale(text, help_text)
            elif q.kind == "yes_no":
                self.fields[q.key] = forms.BooleanField(required=False, label=text, help_text=help_text)
            else:
                self.fields[q.key] = forms.IntegerField(min_value=1, max_value=40, label=text, help_text=help_text)


class ModelForm(forms.Form):
    capabilities_needed = _scale(_("How much private capability is needed?"))
    risk_transfer_wanted = _scale(_("How much risk should the partner take?"))
    public_funding_available = _scale(_("How much public funding is available?"), _("0 = none … 4 = fully funded"))
    duration_years = forms.IntegerField(min_value=1, max_value=40, label=_("Expected duration (years)"))
    governance_complexity_acceptable = _scale(_("How much governance complexity is acceptable?"))
    control_vs_flexibility = _scale(
        _("Control or flexibility?"), _("0 = the city must keep control … 4 = flexibility")
    )
    risk_transfer_vs_cost = _scale(_("Low cost or risk transfer?"), _("0 = keep the cost low … 4 = transfer risk"))
    innovation_vs_predictability = _scale(_("Predictability or innovation?"), _("0 = predictability … 4 = innovation"))
    speed_vs_thoroughness = _scale(_("Thoroughness or speed?"), _("0 = thoroughness … 4 = speed"))
    data_centric = forms.BooleanField(required=False, label=_("The value lies mainly in shared data"))
    chosen_model = forms.ChoiceField(choices=[("", "—"), *MODEL_CHOICES], required=False, label=_("Your choice"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Why this model?"))

    considerations = (
        "capabilities_needed",
        "risk_transfer_wanted",
        "public_funding_available",
        "duration_years",
        "governance_complexity_acceptable",
        "control_vs_flexibility",
        "risk_transfer_vs_cost",
        "innovation_vs_predictability",
        "speed_vs_thoroughness",
        "data_centric",
    )


class RouteForm(forms.Form):
    solution_on_market = _scale(
        _("Is the solution on the market?"), _("0 = needs R&D … 2 = near market … 4 = readily available")
    )
    need_can_be_specified = _scale(_("Can the need be specified in full?"))
    outcome_defined_not_spec = forms.BooleanField(
        required=False, label=_("We can state the problem and outcome, not the solution")
    )
    needs_real_world_testing = forms.BooleanField(
        required=False, label=_("It must be tested in real city settings first")
    )
    dialogue_needed = forms.BooleanField(required=False, label=_("It is complex and needs dialogue or negotiation"))
    many_capable_suppliers = _scale(_("How many capable suppliers are there?"), _("0 = none known … 4 = many"))
    unsolicited_proposal_received = forms.BooleanField(
        required=False, label=_("A private party proposed it unsolicited")
    )
    grant_funded = forms.BooleanField(required=False, label=_("Grant funding is available"))
    sole_source_justification = forms.ChoiceField(
        choices=JUSTIFICATION_FORM_CHOICES, required=False, label=_("Sole-source justification (if any)")
    )
    estimated_value = forms.DecimalField(
        min_value=Decimal(0), max_digits=14, decimal_places=2, label=_("Estimated contract value")
    )
    chosen_route = forms.ChoiceField(choices=[("", "—"), *ROUTE_CHOICES], required=False, label=_("Your choice"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Why this route?"))

    facts = (
        "solution_on_market",
        "need_can_be_specified",
        "outcome_defined_not_spec",
        "needs_real_world_testing",
        "dialogue_needed",
        "many_capable_suppliers",
        "unsolicited_proposal_received",
        "grant_funded",
        "sole_source_justification",
        "estimated_value",
    )


class RiskForm(forms.Form):
    category = forms.ChoiceField(choices=CATEGORY_CHOICES, label=_("Category"))
    title = forms.CharField(max_length=200, label=_("Risk"))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Description"))
    probability = forms.FloatField(min_value=0, max_value=1, label=_("Probability (0 to 1)"))
    cost_min = forms.DecimalField(min_value=Decimal(0), max_digits=14, decimal_places=2, label=_("Cost: minimum"))
    cost_most_likely = forms.DecimalField(
        min_value=Decimal(0), max_digits=14, decimal_places=2, label=_("Cost: most likely")
    )
    cost_max = forms.DecimalField(min_value=Decimal(0), max_digits=14, decimal_places=2, label=_("Cost: maximum"))
    distribution = forms.ChoiceField(choices=DISTRIBUTION_CHOICES, label=_("Distribution"))
    once = forms.BooleanField(required=False, initial=True, label=_("Occurs at most once"))
    timing_year = forms.IntegerField(min_value=1, max_value=60, initial=1, label=_("Year (if once)"))
    first_year = forms.IntegerField(min_value=1, max_value=60, initial=1, label=_("First year (if recurring)"))
    last_year = forms.IntegerField(min_value=1, max_value=60, initial=1, label=_("Last year (if recurring)"))
    share_transferred = forms.FloatField(min_value=0, max_value=1, label=_("Share borne by the partner (0 to 1)"))
    allocation_reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why this allocation?"))
    mitigation = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Mitigation"))
    owner = forms.CharField(max_length=200, required=False, label=_("Owner"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, likely, high = data.get("cost_min"), data.get("cost_most_likely"), data.get("cost_max")
        if low is not None and likely is not None and low > likely:
            self.add_error("cost_min", gettext("The minimum cannot exceed the most likely cost."))
        if likely is not None and high is not None and likely > high:
            self.add_error("cost_max", gettext("The maximum cannot be below the most likely cost."))
        if (
            not data.get("once")
            and data.get("first_year")
            and data.get("last_year")
            and data["last_year"] < data["first_year"]
        ):
            self.add_error("last_year", gettext("The last year cannot come before the first."))
        return data


class LibraryRiskForm(forms.Form):
    category = forms.ChoiceField(choices=CATEGORY_CHOICES, label=_("Add a risk from the library"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Risk register spreadsheet (.xlsx)"),
        help_text=_("Same columns as the export. The file replaces the register."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def _lines(label: str | StrOrPromise, help_text: str | StrOrPromise = "") -> forms.CharField:
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=label,
        help_text=help_text or _("One per line."),
    )


class TermsForm(forms.Form):
    payment_mechanisms = forms.MultipleChoiceField(
        choices=[(m.value, MECHANISM_NAMES[m]) for m in PaymentMechanism],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Payment mechanisms"),
    )
    indexation = forms.CharField(required=False, label=_("Indexation"))
    incentives = forms.CharField(required=False, label=_("Incentives"))
    penalties = forms.CharField(required=False, label=_("Penalties and deductions"))
    deduction_cap_percent = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        # xgettext:no-python-format  # noqa: ERA001 - tells xgettext the % is no placeholder
        label=_("Cap on deductions (% of the payment)"),
    )
    kpis = _lines(_("KPIs"))
    governance_bodies = _lines(_("Governance bodies"))
    reporting_cadence = forms.CharField(required=False, label=_("Reporting cadence"))
    escalation_ladder = _lines(_("Escalation ladder"), _("One step per line, lowest first."))
    change_threshold_amount = forms.DecimalField(
        required=False, min_value=Decimal(0), label=_("Change authorisation threshold")
    )
    dispute_resolution = forms.CharField(required=False, label=_("Dispute resolution"))
    data_ownership = forms.ChoiceField(
        choices=[("", _("Not defined")), *[(o, OWNER_NAMES[o]) for o in OWNERS]],
        required=False,
        label=_("Who owns the data generated"),
    )
    data_licence = forms.CharField(required=False, label=_("Data or IP licence to the city"))
    privacy_impact_assessment = forms.BooleanField(required=False, label=_("A privacy impact assessment is required"))
    open_data_duties = forms.CharField(required=False, label=_("Open-data duties"))
    ip_new_developments = forms.ChoiceField(
        choices=[("", _("Not defined")), *[(o, OWNER_NAMES[o]) for o in IP_OWNERS]],
        required=False,
        label=_("IP of new developments"),
    )
    interoperability_open_standards = forms.BooleanField(
        required=False, label=_("Interoperability and open standards required")
    )
    audit_rights = forms.BooleanField(required=False, label=_("The city has audit rights"))
    term_years = forms.IntegerField(required=False, min_value=1, max_value=50, label=_("Term (years)"))
    technology_refresh_clause = forms.BooleanField(required=False, label=_("Technology-refresh clause"))
    extension_options = forms.CharField(required=False, label=_("Extension options"))
    exit_plan = forms.BooleanField(required=False, label=_("Exit and transition plan"))
    hand_back_conditions = forms.CharField(required=False, label=_("Hand-back conditions"))
    technology_project = forms.BooleanField(required=False, initial=True, label=_("This is a technology project"))
    personal_data_processed = forms.BooleanField(required=False, label=_("Personal data is processed"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    LIST_FIELDS = ("kpis", "governance_bodies", "escalation_ladder")

    def terms(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version")
        for key in self.LIST_FIELDS:
            data[key] = [line.strip() for line in data[key].splitlines() if line.strip()]
        for key in ("deduction_cap_percent", "change_threshold_amount"):
            data[key] = str(data[key]) if data[key] is not None else None
        return data

    @classmethod
    def initial_from(cls, terms: dict[str, Any]) -> dict[str, Any]:
        initial = dict(terms)
        for key in cls.LIST_FIELDS:
            initial[key] = "\n".join(terms.get(key) or [])
        return initial


FLOW_FIELDS = (
    "psc_capex",
    "psc_opex",
    "competitive_neutrality",
    "ppp_payments",
    "contract_management",
    "transaction_costs",
)


class AmountsField(forms.CharField):
    """Yearly amounts typed as a comma-separated list, year 0 first."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Yearly amounts, year 0 first, separated by commas."))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(format(v, ".15g") for v in value)
        return value

    def to_python(self, value: Any) -> list[float]:  # type: ignore[override]
        text = super().to_python(value) or ""
        amounts = []
        for part in [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]:
            try:
                amounts.append(float(part.replace(" ", "")))
            except ValueError:
                raise forms.ValidationError(gettext("“%(part)s” is not an amount.") % {"part": part}) from None
        return amounts


class BusinessCaseForm(forms.Form):
    horizon = forms.IntegerField(
        min_value=1,
        max_value=100,
        label=_("Horizon (years)"),
        help_text=_("Years 0 to horizon minus 1; year 0 is today."),
    )
    discount_rate = forms.FloatField(label=_("Real discount rate"), help_text=_("As a fraction: 0.035 means 3.5%."))
    mid_year = forms.BooleanField(required=False, label=_("Discount at mid-year"))
    correlation = forms.FloatField(
        required=False,
        initial=0.0,
        min_value=0.0,
        max_value=0.99,
        label=_("Correlation between risks"),
        help_text=_("0 = independent."),
    )
    psc_capex = AmountsField(label=_("PSC: capital costs"))
    psc_opex = AmountsField(label=_("PSC: operating costs"))
    competitive_neutrality = AmountsField(label=_("PSC: competitive-neutrality adjustment"))
    ppp_payments = AmountsField(label=_("PPP: payments to the partner"))
    contract_management = AmountsField(label=_("PPP: contract-management costs"))
    transaction_costs = AmountsField(label=_("PPP: transaction costs"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def inputs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version")
        data["correlation"] = data.get("correlation") or 0.0
        return data


class RunForm(forms.Form):
    iterations = forms.IntegerField(
        min_value=1_000,
        initial=100_000,
        label=_("Iterations"),
        help_text=_("More iterations, smaller sampling error; large runs show their progress."),
    )
    seed = forms.IntegerField(min_value=0, initial=20261124, label=_("Random seed"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["iterations"].max_value = settings.CIVICPACT_MAX_ITERATIONS  # type: ignore[attr-defined]
        self.fields["iterations"].validators.append(MaxValueValidator(settings.CIVICPACT_MAX_ITERATIONS))


COST_LABELS = {
    "capex": _("Capital costs"),
    "opex": _("Operating costs"),
    "renewals": _("Renewals"),
    "transaction": _("Transaction costs"),
    "contract_management": _("Contract-management costs"),
}
BENEFIT_LABELS = {
    "cash_savings": _("Cash savings"),
    "revenue": _("Revenue"),
    "social": _("Monetised social benefits"),
    "environmental": _("Monetised environmental benefits (other than carbon)"),
    "time_saved": _("Time saved (monetised)"),
}


class CbaForm(forms.Form):
    """The cost-benefit lines of the business case: costs and benefits per year, carbon avoided at a price."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    carbon_tonnes = AmountsField(
        label=_("Tonnes of CO2 avoided"), help_text=_("Per year, year 0 first, separated by commas.")
    )
    carbon_price = forms.FloatField(
        required=False, min_value=0, label=_("Carbon value per tonne"), help_text=_("In the case's (real) prices.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in COST_LABELS.items():
            self.fields[f"cost_{key}"] = AmountsField(label=gettext("Cost: %(line)s") % {"line": label})
        for key, label in BENEFIT_LABELS.items():
            self.fields[f"benefit_{key}"] = AmountsField(label=gettext("Benefit: %(line)s") % {"line": label})
        self.order_fields([*[f"cost_{k}" for k in COST_LABELS], *[f"benefit_{k}" for k in BENEFIT_LABELS]])

    @staticmethod
    def initial_from(block: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for key, values in block.get("costs", {}).items():
            initial[f"cost_{key}"] = values
        for key, values in block.get("benefits", {}).items():
            initial[f"benefit_{key}"] = values
        carbon = block.get("carbon") or {}
        initial["carbon_tonnes"] = carbon.get("tonnes", [])
        initial["carbon_price"] = carbon.get("price")
        return initial

    def block(self) -> dict[str, Any]:
        data = self.cleaned_data
        block: dict[str, Any] = {
            "costs": {k: data[f"cost_{k}"] for k in COST_LABELS if data.get(f"cost_{k}")},
            "benefits": {k: data[f"benefit_{k}"] for k in BENEFIT_LABELS if data.get(f"benefit_{k}")},
        }
        if data.get("carbon_tonnes"):
            block["carbon"] = {"tonnes": data["carbon_tonnes"], "price": data.get("carbon_price") or 0.0}
        return block


FUNDING_KIND_CHOICES = [
    ("department_budget", _("Department budget")),
    ("grant", _("Grant")),
    ("loan", _("Loan")),
    ("bond", _("Bond")),
    ("private_capital", _("Private capital")),
    ("user_revenue", _("User revenue")),
    ("crowdfunding", _("Crowdfunding / citizen investment")),
]


class AffordabilityForm(forms.Form):
    """Budget envelopes of the departments involved, one amounts field per department."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    first_calendar_year = forms.IntegerField(
        min_value=2000,
        max_value=2200,
        label=_("Calendar year of year 0"),
        help_text=_("Aligns the case with budget years."),
    )

    def __init__(self, *args: Any, departments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.departments = departments
        for index, name in enumerate(departments):
            self.fields[f"envelope_{index}"] = AmountsField(
                label=gettext("Annual budget envelope: %(department)s") % {"department": name},
                help_text=gettext("What this department can pay each year, year 0 first, separated by commas."),
            )

    def envelopes(self) -> dict[str, list[float]]:
        return {
            name: self.cleaned_data[f"envelope_{i}"]
            for i, name in enumerate(self.departments)
            if self.cleaned_data.get(f"envelope_{i}")
        }


class FundingSourceForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", _("Choose a kind")), *FUNDING_KIND_CHOICES], label=_("Kind"))
    name = forms.CharField(max_length=120, label=_("Name"), help_text=_("E.g. “EU urban innovation grant”."))
    amount = forms.FloatField(min_value=0, label=_("Amount"), help_text=_("Principal or total."))
    first_year = forms.IntegerField(
        min_value=0, initial=0, label=_("Year received"), help_text=_("0 = year 0 of the case.")
    )
    last_year = forms.IntegerField(
        required=False,
        min_value=0,
        label=_("Every year to"),
        help_text=_("Grants, user revenue, department budgets: the amount comes each year up to this one."),
    )
    rate = forms.FloatField(
        required=False,
        min_value=0,
        max_value=0.5,
        label=_("Rate"),
        help_text=_("Interest or expected return: 0.04 = 4%."),
    )
    tenor = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        label=_("Tenor (years)"),
        help_text=_("Loans, bonds, crowdfunding."),
    )
    grace = forms.IntegerField(required=False, min_value=0, max_value=20, label=_("Grace (years)"))

    def entry(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "name": data["name"],
            "amount": data["amount"],
            "first_year": data["first_year"],
            "rate": data.get("rate") or 0.0,
            "tenor": data.get("tenor") or 0,
            "grace": data.get("grace") or 0,
            "last_year": data.get("last_year"),
        }


class GuaranteeForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Name"), help_text=_("E.g. “minimum revenue guarantee”."))
    maximum = forms.FloatField(min_value=0, label=_("Most the city could pay in a year"))
    probability = forms.FloatField(
        min_value=0, max_value=1, label=_("Chance of a call per year"), help_text=_("0 to 1.")
    )
    first_year = forms.IntegerField(min_value=0, label=_("First year"))
    last_year = forms.IntegerField(min_value=0, label=_("Last year"))

    def entry(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "DELETE"}


class RowsFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """Saved rows plus blank ones to fill in; a saved row is removed with its own checkbox."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = gettext("Remove this row")


FundingFormSet = forms.formset_factory(
    FundingSourceForm, formset=RowsFormSet, extra=2, max_num=20, can_delete=True, can_delete_extra=False
)
GuaranteeFormSet = forms.formset_factory(
    GuaranteeForm, formset=RowsFormSet, extra=1, max_num=20, can_delete=True, can_delete_extra=False
)
FUNDING_KIND_LABELS = dict(FUNDING_KIND_CHOICES)
