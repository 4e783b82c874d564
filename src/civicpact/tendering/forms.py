from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpact.accounts.models import Organisation, OrganisationKind, VerificationStatus
from civicpact.domain.tendering import (
    PAID_STAGES,
    STAGE_LABELS,
    Procedure,
    Stage,
    ends_in_award,
    next_stages,
)
from civicpact.util import human_size

STAGE_FIELDS = ("keep", "phase_payment", "proponent", "proposal_summary", "swiss_rule", "swiss_bonus", "match_days")

PRICE_FORMULA_CHOICES = [
    (
        "lowest_relative",
        gettext_lazy("Lowest price relative: price points times the lowest price divided by this price"),
    ),
    ("linear", gettext_lazy("Linear between the lowest (full points) and the highest price (none)")),
    ("price_per_quality_point", gettext_lazy("Price per quality point: the lowest price per quality point wins")),
]

CRITERIA_HELP = gettext_lazy(
    "One criterion a line: key | name | weight | scale | minimum. Weights of siblings add up to 100; a key with a "
    "dot (quality.approach) is a sub-criterion of the key before the dot. Write “price” as the scale of the "
    "price criterion. Scale and minimum are optional (scale 10, no minimum)."
)


def parse_criteria(text: str) -> list[dict[str, Any]]:
    """The criteria tree from its one-line-a-criterion form; raises forms.ValidationError naming the line."""
    roots: list[dict[str, Any]] = []
    by_key: dict[str, dict[str, Any]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split("|")]
        if len(parts) < 3:
            raise forms.ValidationError(
                _("Line %(number)s: write key | name | weight (and optionally scale | minimum).") % {"number": number}
            )
        key, name, weight = parts[0], parts[1], parts[2]
        if not key or not name or key in by_key:
            raise forms.ValidationError(
                _("Line %(number)s: each criterion needs a new key and a name.") % {"number": number}
            )
        node: dict[str, Any] = {"key": key, "name": name, "weight": _number(weight, number, _("the weight"))}
        scale = parts[3] if len(parts) > 3 else ""
        if scale.lower() == "price":
            node["is_price"] = True
        elif scale:
            node["max_score"] = _number(scale, number, _("the scale"))
        if len(parts) > 4 and parts[4]:
            node["threshold"] = _number(parts[4], number, _("the minimum"))
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        if parent:
            if parent not in by_key:
                raise forms.ValidationError(
                    _("Line %(number)s: “%(parent)s” must come before its sub-criterion %(key)s.")
                    % {"number": number, "parent": parent, "key": key}
                )
            by_key[parent].setdefault("children", []).append(node)
        else:
            roots.append(node)
        by_key[key] = node
    if not roots:
        raise forms.ValidationError(_("Give at least one criterion."))
    return roots


def _number(text: str, line: int, what: str) -> float:
    try:
        return float(Decimal(text.replace(",", ".")))
    except ArithmeticError:
        raise forms.ValidationError(
            _("Line %(line)s: %(what)s “%(text)s” is not a number.") % {"line": line, "what": what, "text": text}
        ) from None


def criteria_lines(criteria: list[dict[str, Any]]) -> str:
    lines: list[str] = []

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            scale = "price" if node.get("is_price") else format(node.get("max_score", 10), "g")
            threshold = "" if node.get("threshold") is None else format(node["threshold"], "g")
            line = f"{node['key']} | {node['name']} | {format(node['weight'], 'g')} | {scale}"
            lines.append(f"{line} | {threshold}" if threshold else line)
            walk(node.get("children", []))

    walk(criteria)
    return "\n".join(lines)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TenderForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, initial=0)
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    lot = forms.CharField(
        max_length=100,
        required=False,
        label=gettext_lazy("Lot"),
        help_text=gettext_lazy(
            "When the project is tendered in lots, one tender per lot (e.g. “Lot 2: sensors”); each lot is a "
            "contracting process of its own."
        ),
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Description"),
        help_text=gettext_lazy("The scope, for bidders."),
    )
    requirements = forms.CharField(
        required=False,
        label=gettext_lazy("Requirements"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Requirements, or for a challenge-based call the problem and the outcome to reach."),
    )
    value_estimate = forms.DecimalField(
        min_value=Decimal(0), max_digits=16, decimal_places=2, label=gettext_lazy("Estimated value")
    )
    criteria_text = forms.CharField(
        label=gettext_lazy("Evaluation criteria"), widget=forms.Textarea(attrs={"rows": 7}), help_text=CRITERIA_HELP
    )
    price_formula = forms.ChoiceField(choices=PRICE_FORMULA_CHOICES, label=gettext_lazy("Price-scoring formula"))
    eligibility_text = forms.CharField(
        required=False,
        label=gettext_lazy("Eligibility (pass/fail)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One requirement a line, e.g. “Registered supplier with no unpaid taxes”."),
    )
    clarification_deadline = forms.DateTimeField(widget=DateTimeInput(), label=gettext_lazy("Clarification deadline"))
    submission_deadline = forms.DateTimeField(widget=DateTimeInput(), label=gettext_lazy("Submission deadline"))
    opening_date = forms.DateTimeField(widget=DateTimeInput(), label=gettext_lazy("Opening"))
    evaluation_end = forms.DateTimeField(widget=DateTimeInput(), label=gettext_lazy("End of evaluation (award)"))
    standstill_end = forms.DateTimeField(widget=DateTimeInput(), label=gettext_lazy("End of the standstill"))

    def __init__(
        self,
        *args: Any,
        procedure: str | None = None,
        after: str | None = None,
        fixed_stage: str | None = None,
        **kwargs: Any,
    ) -> None:
        """With a procedure: the stage fields it needs. A new tender (or next stage) chooses its stage among
        those that may come `after` the previous one; an existing one keeps `fixed_stage`."""
        super().__init__(*args, **kwargs)
        if procedure is None:
            return
        choices = (
            (Stage(fixed_stage),)
            if fixed_stage
            else next_stages(Procedure(procedure), Stage(after) if after else None)
        )
        if not fixed_stage:
            self.fields["stage"] = forms.ChoiceField(
                choices=[(s.value, _(STAGE_LABELS[s])) for s in choices],
                initial=choices[0].value if choices else None,
                required=len(choices) > 1,
                label=gettext_lazy("Stage of the procedure"),
                help_text=gettext_lazy(
                    "Each stage runs as its own tender: sealed bids, opening, scoring. A stage that does not "
                    "end in an award keeps a number of suppliers, who alone are invited to the next stage."
                ),
            )
            if len(choices) == 1:
                self.fields["stage"].widget = forms.HiddenInput()
        if any(not ends_in_award(s) for s in choices):
            self.fields["keep"] = forms.IntegerField(
                required=False,
                min_value=1,
                label=gettext_lazy("Suppliers to keep"),
                help_text=gettext_lazy("How many of the best-ranked qualified suppliers go on to the next stage."),
            )
        if any(s in PAID_STAGES for s in choices):
            self.fields["phase_payment"] = forms.DecimalField(
                required=False,
                min_value=Decimal(0),
                max_digits=16,
                decimal_places=2,
                label=gettext_lazy("Phase payment"),
                help_text=gettext_lazy(
                    "Paid to each supplier kept at the end of this phase (pre-commercial procurement)."
                ),
            )
        if Stage.COMPETING_OFFERS in choices:
            self.fields["proponent"] = forms.ModelChoiceField(
                queryset=Organisation.objects.filter(
                    kind=OrganisationKind.SUPPLIER, verification_status=VerificationStatus.VERIFIED
                ).order_by("name"),
                required=False,
                label=gettext_lazy("Proponent"),
                help_text=gettext_lazy("The verified supplier whose unsolicited proposal is challenged."),
            )
            self.fields["proposal_summary"] = forms.CharField(
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                label=gettext_lazy("The proponent's proposal (published)"),
                help_text=gettext_lazy(
                    "What the proposal offers, without the proponent's trade secrets: competitors bid against it."
                ),
            )
            self.fields["swiss_rule"] = forms.ChoiceField(
                choices=[
                    ("match", _("Right to match: the proponent may match the best competing offer")),
                    ("bonus", _("Bonus: points added to the proponent's total")),
                ],
                label=gettext_lazy("Swiss challenge rule"),
            )
            self.fields["swiss_bonus"] = forms.DecimalField(
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
                label=gettext_lazy("Bonus (points of 100)"),
            )
            self.fields["match_days"] = forms.IntegerField(
                required=False, min_value=1, initial=10, label=gettext_lazy("Days to match")
            )

    def clean_criteria_text(self) -> list[dict[str, Any]]:
        return parse_criteria(self.cleaned_data["criteria_text"])

    def tender_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version")
        data["criteria"] = data.pop("criteria_text")
        data["eligibility"] = [line.strip() for line in data.pop("eligibility_text").splitlines() if line.strip()]
        if not data.get("stage", True):
            data.pop("stage")  # the procedure's only first stage
        if "swiss_bonus" in data and data["swiss_bonus"] is None:
            data["swiss_bonus"] = Decimal(0)
        if "match_days" in data and data["match_days"] is None:
            data["match_days"] = 10
        return data

    @staticmethod
    def initial_from(tender: Any) -> dict[str, Any]:
        return {
            "version": tender.version,
            "title": tender.title,
            "lot": tender.lot,
            "description": tender.description,
            "requirements": tender.requirements,
            "value_estimate": tender.value_estimate,
            "criteria_text": criteria_lines(tender.criteria),
            "price_formula": tender.price_formula,
            "eligibility_text": "\n".join(tender.eligibility),
            **{
                name: value
                for name in STAGE_FIELDS
                if (value := getattr(tender, "proponent_id" if name == "proponent" else name)) not in (None, "")
            },
            **{
                name: getattr(tender, name)
                for name in (
                    "clarification_deadline",
                    "submission_deadline",
                    "opening_date",
                    "evaluation_end",
                    "standstill_end",
                )
            },
        }


class AmendForm(TenderForm):
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Why the conditions change (published)"),
        help_text=gettext_lazy("Bids already made will have to be re-confirmed; their bidders are told."),
    )

    def tender_fields(self) -> dict[str, Any]:
        data = super().tender_fields()
        data.pop("rationale")
        return data


class BidForm(forms.Form):
    """An answer per scored criterion, the price if the tender scores price, and an optional consortium."""

    consortium_text = forms.CharField(
        required=False,
        label=gettext_lazy("Consortium (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One member a line: name | share in % | role (lead, member, or special-purpose vehicle). "
            "Shares add up to 100."
        ),
    )

    def __init__(self, *args: Any, leaves: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leaves = leaves
        for criterion in leaves:
            if criterion.is_price:
                self.fields["price"] = forms.DecimalField(
                    min_value=Decimal("0.01"), max_digits=16, decimal_places=2, label=gettext_lazy("Price")
                )
                self.fields["schedule_text"] = forms.CharField(
                    required=False,
                    label=gettext_lazy("Price schedule (optional)"),
                    widget=forms.Textarea(attrs={"rows": 3}),
                    help_text=gettext_lazy("One item a line: item | amount. The amounts add up to the price."),
                )
            else:
                self.fields[f"answer_{criterion.key}"] = forms.CharField(
                    label=criterion.name,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    max_length=20_000,
                    help_text=(
                        _("Scored 0 to %(top)s; at least %(minimum)s to qualify.")
                        if criterion.threshold is not None
                        else _("Scored 0 to %(top)s.")
                    )
                    % {
                        "top": f"{criterion.max_score:g}",
                        "minimum": f"{criterion.threshold:g}" if criterion.threshold is not None else "",
                    },
                )
        for number in (1, 2, 3):
            self.fields[f"document_{number}"] = forms.FileField(
                required=False,
                label=_("Document %(number)s (optional)") % {"number": number},
                help_text=_("Sealed with your bid; up to %(limit)s each.")
                % {"limit": human_size(settings.CIVICPACT_BID_DOCUMENT_MAX_BYTES)},
            )
        self.order_fields([*[f for f in self.fields if f != "consortium_text"], "consortium_text"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        limit = settings.CIVICPACT_BID_DOCUMENT_MAX_BYTES
        for number in (1, 2, 3):
            upload = data.get(f"document_{number}")
            if upload is not None and upload.size > limit:
                self.add_error(
                    f"document_{number}",
                    f"{upload.name} is {human_size(upload.size)}, over the {human_size(limit)} limit.",
                )
        return data

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        members = []
        for line in data.get("consortium_text", "").splitlines():
            if line.strip():
                parts = [p.strip() for p in line.split("|")]
                members.append(
                    {
                        "name": parts[0],
                        "share": parts[1] if len(parts) > 1 else "",
                        "role": (parts[2:] or ["member"])[0],
                    }
                )
        documents = [
            {
                "name": upload.name,
                "content_type": upload.content_type or "application/octet-stream",
                "data": base64.b64encode(upload.read()).decode(),
            }
            for upload in (data.get(f"document_{n}") for n in (1, 2, 3))
            if upload is not None
        ]
        schedule = []
        for line in data.get("schedule_text", "").splitlines():
            if line.strip():
                parts = [p.strip() for p in line.split("|")]
                schedule.append({"item": parts[0], "amount": parts[1] if len(parts) > 1 else ""})
        return {
            "price_schedule": schedule,
            "price": str(data["price"]) if data.get("price") is not None else None,
            "answers": {c.key: data[f"answer_{c.key}"] for c in self.leaves if not c.is_price},
            "consortium": members,
            "documents": documents,
        }


class QuestionForm(forms.Form):
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5_000, label=gettext_lazy("Your question")
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000, label=gettext_lazy("Answer"))


class TenderDocumentForm(forms.Form):
    """A document published with the tender; on a published tender, an amendment with its rationale."""

    title = forms.CharField(max_length=200, label=gettext_lazy("Document title"))
    file = forms.FileField(label=gettext_lazy("File"))
    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Why it is added (published; bids so far must be re-confirmed)"),
    )

    def __init__(self, *args: Any, amending: bool = False, **kwargs: Any) -> None:
        from civicpact.tendering.models import TENDER_DOCUMENT_TYPES

        super().__init__(*args, **kwargs)
        self.fields["document_type"] = forms.ChoiceField(
            label=gettext_lazy("Kind of document"), choices=TENDER_DOCUMENT_TYPES
        )
        self.order_fields(["title", "document_type", "file", "rationale"])
        limit = settings.CIVICPACT_TENDER_DOCUMENT_MAX_BYTES
        self.fields["file"].help_text = _("Up to %(limit)s; published with the tender, with its SHA-256.") % {
            "limit": human_size(limit)
        }
        if not amending:
            del self.fields["rationale"]


class TenderFilterForm(forms.Form):
    q = forms.CharField(required=False, label=gettext_lazy("Search"))
    procedure = forms.ChoiceField(required=False, label=gettext_lazy("Procedure"), choices=())
    status = forms.ChoiceField(required=False, label=gettext_lazy("Status"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from civicpact.domain.tendering import PROCEDURE_LABELS
        from civicpact.tendering.models import TenderStatus

        super().__init__(*args, **kwargs)
        self.fields["procedure"] = forms.ChoiceField(
            required=False,
            label=gettext_lazy("Procedure"),
            choices=[
                ("", _("Any procedure")),
                *((p.value, _(label.split(" (")[0])) for p, label in PROCEDURE_LABELS.items()),
            ],
        )
        self.fields["status"] = forms.ChoiceField(
            required=False,
            label=gettext_lazy("Status"),
            choices=[("", _("Any status")), ("open", _("Open for bids now")), *TenderStatus.choices],
        )


class ProposalForm(forms.Form):
    title = forms.CharField(max_length=200, label=gettext_lazy("The project you propose"))
    need_addressed = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("The city's problem it solves")
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=gettext_lazy("What you propose"),
        help_text=gettext_lazy(
            "If the city accepts, this summary is published for competing offers (a Swiss challenge): "
            "leave out trade secrets."
        ),
    )
    value_estimate = forms.DecimalField(
        min_value=Decimal(0), max_digits=16, decimal_places=2, label=gettext_lazy("Estimated value")
    )
    duration_years = forms.IntegerField(min_value=1, max_value=50, label=gettext_lazy("Term (years)"))


class ProposalDecisionForm(forms.Form):
    accept = forms.ChoiceField(
        choices=[
            ("yes", gettext_lazy("Accept: a need and a project are created, to be tendered as a Swiss challenge")),
            ("no", gettext_lazy("Decline")),
        ],
        widget=forms.RadioSelect,
        label=gettext_lazy("Decision"),
    )
    department = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT).order_by("name"),
        required=False,
        label=gettext_lazy("Department that takes it on (to accept)"),
    )
    reasons = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Reasons (the proponent reads them)")
    )
