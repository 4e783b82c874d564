"""The term sheet and its gap checker: the terms contracts often leave vague, flagged before signature."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal


class PaymentMechanism(StrEnum):
    AVAILABILITY = "availability"
    USAGE = "usage"
    MILESTONE = "milestone"
    REVENUE_SHARE = "revenue_share"


OWNERS = ("city", "partner", "joint")
IP_OWNERS = ("city", "partner", "joint", "licence_to_city")
MAX_CAP_PERCENT = Decimal("30")
TECH_TERM_YEARS = 10


class TermsInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TermSheet:
    payment_mechanisms: tuple[PaymentMechanism, ...] = ()
    indexation: str | None = None
    incentives: str | None = None
    penalties: str | None = None
    deduction_cap_percent: Decimal | None = None
    kpis: tuple[str, ...] = ()
    governance_bodies: tuple[str, ...] = ()
    reporting_cadence: str | None = None
    escalation_ladder: tuple[str, ...] = ()
    change_threshold_amount: Decimal | None = None
    dispute_resolution: str | None = None
    data_ownership: str | None = None
    data_licence: str | None = None
    privacy_impact_assessment: bool = False
    open_data_duties: str | None = None
    ip_new_developments: str | None = None
    interoperability_open_standards: bool = False
    audit_rights: bool = False
    term_years: int | None = None
    technology_refresh_clause: bool = False
    extension_options: str | None = None
    exit_plan: bool = False
    hand_back_conditions: str | None = None
    technology_project: bool = True
    personal_data_processed: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TermSheet:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TermsInputError(unknown[0], f"{unknown[0]} is not a term-sheet field; remove it")
        values: dict[str, Any] = {}
        for name, parse in PARSERS.items():
            if name in data and data[name] is not None:
                values[name] = parse(name, data[name])
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("deduction_cap_percent", "change_threshold_amount"):
            if out[key] is not None:
                out[key] = str(out[key])
        out["payment_mechanisms"] = [m.value for m in self.payment_mechanisms]
        return out


def _text(name: str, value: Any) -> str | None:
    if not isinstance(value, str):
        raise TermsInputError(name, f"{name} must be text")
    return value.strip() or None


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TermsInputError(name, f"{name} must be true or false")
    return value


def _texts(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TermsInputError(name, f"{name} must be a list of texts")
    return tuple(v.strip() for v in value if v.strip())


def _amount(name: str, value: Any, high: Decimal | None = None) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise TermsInputError(name, f"{name} must be a number") from None
    if isinstance(value, bool) or not amount.is_finite() or amount < 0 or (high is not None and amount > high):
        bound = f" from 0 to {high}" if high is not None else " of zero or more"
        raise TermsInputError(name, f"{name} must be a number{bound}")
    return amount


def _choice(options: tuple[str, ...]) -> Callable[[str, Any], str | None]:
    def parse(name: str, value: Any) -> str | None:
        if value in ("", None):
            return None
        if value not in options:
            raise TermsInputError(name, f"{name} must be one of: {', '.join(options)}")
        return str(value)

    return parse


def _mechanisms(name: str, value: Any) -> tuple[PaymentMechanism, ...]:
    items = _texts(name, value)
    try:
        return tuple(PaymentMechanism(v) for v in items)
    except ValueError:
        allowed = ", ".join(m.value for m in PaymentMechanism)
        raise TermsInputError(name, f"{name} may hold only: {allowed}") from None


def _years(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
        raise TermsInputError(name, f"{name} must be a whole number of years from 1 to 50")
    return int(value)


PARSERS: Mapping[str, Callable[[str, Any], Any]] = {
    "payment_mechanisms": _mechanisms,
    "indexation": _text,
    "incentives": _text,
    "penalties": _text,
    "deduction_cap_percent": lambda n, v: _amount(n, v, Decimal("100")),
    "kpis": _texts,
    "governance_bodies": _texts,
    "reporting_cadence": _text,
    "escalation_ladder": _texts,
    "change_threshold_amount": _amount,
    "dispute_resolution": _text,
    "data_ownership": _choice(OWNERS),
    "data_licence": _text,
    "privacy_impact_assessment": _flag,
    "open_data_duties": _text,
    "ip_new_developments": _choice(IP_OWNERS),
    "interoperability_open_standards": _flag,
    "audit_rights": _flag,
    "term_years": _years,
    "technology_refresh_clause": _flag,
    "extension_options": _text,
    "exit_plan": _flag,
    "hand_back_conditions": _text,
    "technology_project": _flag,
    "personal_data_processed": _flag,
}

Severity = Literal["gap", "risk", "advice"]
SEVERITY_ORDER = {"gap": 0, "risk": 1, "advice": 2}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    field: str
    message: str


Rule = Callable[[TermSheet], Finding | None]


def _no_payment_mechanism(t: TermSheet) -> Finding | None:
    if not t.payment_mechanisms:
        return Finding("no_payment_mechanism", "gap", "payment_mechanisms", "No payment mechanism is defined.")
    return None


def _performance_without_kpi(t: TermSheet) -> Finding | None:
    performance = {PaymentMechanism.AVAILABILITY, PaymentMechanism.USAGE} & set(t.payment_mechanisms)
    if performance and not t.kpis:
        return Finding(
            "performance_payment_without_kpi",
            "gap",
            "kpis",
            "Payment depends on performance, but no KPI is defined to measure it.",
        )
    return None


def _deduction_cap(t: TermSheet) -> Finding | None:
    if PaymentMechanism.AVAILABILITY in t.payment_mechanisms and t.penalties and t.deduction_cap_percent is None:
        return Finding(
            "no_deduction_cap",
            "risk",
            "deduction_cap_percent",
            "Deductions have no cap: the partner will price unlimited exposure into its bid.",
        )
    if t.deduction_cap_percent is not None and t.deduction_cap_percent > MAX_CAP_PERCENT:
        return Finding(
            "deduction_cap_too_high",
            "risk",
            "deduction_cap_percent",
            f"A deduction cap of {t.deduction_cap_percent}% of the payment is unusually high "
            f"(over {MAX_CAP_PERCENT}%): expect higher prices or no bidders.",
        )
    return None


def _data_ownership(t: TermSheet) -> Finding | None:
    if t.data_ownership is None:
        return Finding(
            "data_ownership_undefined",
            "gap",
            "data_ownership",
            "Who owns the data the service generates is not defined.",
        )
    return None


def _long_term_without_refresh(t: TermSheet) -> Finding | None:
    if t.technology_project and (t.term_years or 0) > TECH_TERM_YEARS and not t.technology_refresh_clause:
        return Finding(
            "long_tech_term_without_refresh",
            "risk",
            "technology_refresh_clause",
            f"A {t.term_years}-year technology contract without a technology-refresh clause "
            "will end on obsolete equipment.",
        )
    return None


def _exit(t: TermSheet) -> Finding | None:
    if not t.exit_plan:
        return Finding("no_exit_plan", "gap", "exit_plan", "There is no exit and transition plan.")
    if not t.hand_back_conditions:
        return Finding(
            "no_hand_back",
            "advice",
            "hand_back_conditions",
            "State the condition in which assets, systems and data are handed back.",
        )
    return None


def _audit(t: TermSheet) -> Finding | None:
    if not t.audit_rights:
        return Finding("no_audit_rights", "gap", "audit_rights", "The city has no audit rights.")
    return None


def _dispute(t: TermSheet) -> Finding | None:
    if not t.dispute_resolution:
        return Finding("no_dispute_resolution", "gap", "dispute_resolution", "No dispute-resolution procedure.")
    return None


def _escalation(t: TermSheet) -> Finding | None:
    if t.escalation_ladder:
        return None
    if t.governance_bodies:
        return Finding(
            "no_escalation_ladder",
            "gap",
            "escalation_ladder",
            "Governance bodies exist but there is no escalation ladder between them.",
        )
    return Finding("no_escalation_ladder", "advice", "escalation_ladder", "Define how issues escalate.")


def _governance(t: TermSheet) -> Finding | None:
    if not t.governance_bodies:
        return Finding("no_governance", "gap", "governance_bodies", "No governance bodies are defined.")
    return None


def _reporting(t: TermSheet) -> Finding | None:
    if not t.reporting_cadence:
        return Finding("no_reporting_cadence", "gap", "reporting_cadence", "No reporting cadence is set.")
    return None


def _privacy(t: TermSheet) -> Finding | None:
    if t.personal_data_processed and not t.privacy_impact_assessment:
        return Finding(
            "personal_data_without_pia",
            "gap",
            "privacy_impact_assessment",
            "Personal data is processed but no privacy impact assessment is required.",
        )
    return None


def _ip(t: TermSheet) -> Finding | None:
    if t.ip_new_developments == "partner" and not t.data_licence:
        return Finding(
            "ip_with_partner_without_licence",
            "risk",
            "ip_new_developments",
            "The partner owns what is developed and the city has no licence: the city may be locked in.",
        )
    return None


def _interoperability(t: TermSheet) -> Finding | None:
    if not t.interoperability_open_standards:
        return Finding(
            "no_interoperability",
            "risk",
            "interoperability_open_standards",
            "No interoperability or open-standards duty: a risk of vendor lock-in.",
        )
    return None


def _indexation(t: TermSheet) -> Finding | None:
    if (t.term_years or 0) > 5 and not t.indexation:
        return Finding(
            "no_indexation_long_term",
            "advice",
            "indexation",
            "Over five years without indexation, prices drift from costs.",
        )
    return None


def _change_threshold(t: TermSheet) -> Finding | None:
    if t.change_threshold_amount is None:
        return Finding(
            "no_change_threshold",
            "gap",
            "change_threshold_amount",
            "No threshold says which changes need whose authorisation.",
        )
    return None


RULES: tuple[Rule, ...] = (
    _no_payment_mechanism,
    _performance_without_kpi,
    _deduction_cap,
    _data_ownership,
    _long_term_without_refresh,
    _exit,
    _audit,
    _dispute,
    _escalation,
    _governance,
    _reporting,
    _privacy,
    _ip,
    _interoperability,
    _indexation,
    _change_threshold,
)


def check_terms(sheet: TermSheet) -> tuple[Finding, ...]:
    """Every finding, gaps first, then risks, then advice; stable order within each."""
    findings = [f for rule in RULES if (f := rule(sheet)) is not None]
    return tuple(sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity]))


def findings_as_dicts(findings: tuple[Finding, ...]) -> list[dict[str, str]]:
    return [asdict(f) for f in findings]
