"""Writes (and the reads they need) of the incident log, the periodic KPI scores and the remediation plans
(docs/incidents.md). Every write is a service in one transaction with its audit event; the rules of counting are
in `domain/performance/incidents.py`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.accounts.models import User
from civicpact.contracts import selectors as contracts
from civicpact.contracts.models import Contract
from civicpact.domain.performance import incidents as rules
from civicpact.domain.performance.regime import Kpi
from civicpact.ledger.services import audit_append
from civicpact.performance.models import (
    Asset,
    Incident,
    IncidentCorrection,
    IncidentSource,
    PeriodicScore,
    Regime,
    RemediationNote,
    RemediationPlan,
    RemediationStatus,
)
from civicpact.performance.services import PerformanceError, latest_regime, regime_doc

TIMES = ("reported_at", "responded_at", "fixed_at")


class StaleEdit(PerformanceError):
    """Someone else changed the object after the editor read it (409, or a form error)."""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


STALE_MESSAGES = {
    "incident": gettext_lazy(
        "This incident was changed by %(who)s at %(when)s after you opened it (version %(version)s, you had "
        "%(expected)s). Reload to see the change, then make yours again."
    ),
    "score": gettext_lazy(
        "This score was changed by %(who)s at %(when)s after you opened it (version %(version)s, you had "
        "%(expected)s). Reload to see the change, then make yours again."
    ),
    "plan": gettext_lazy(
        "This plan was changed by %(who)s at %(when)s after you opened it (version %(version)s, you had "
        "%(expected)s). Reload to see the change, then make yours again."
    ),
}


def _stale(obj: Any, expected: int, what: str, who: Any, when: datetime) -> None:
    if obj.version != expected:
        raise StaleEdit(
            str(STALE_MESSAGES[what])
            % {"who": who, "when": l10n.when(when, with_time=True), "version": obj.version, "expected": expected}
        )


def _kpis(contract: Contract) -> tuple[Kpi, ...]:
    regime = latest_regime(contract)
    if regime is None:
        raise PerformanceError(_("Set the contract's performance regime first: its KPIs measure incidents."))
    return regime_doc(regime).kpis


def _as_domain(incident: Incident) -> rules.Incident:
    return rules.Incident(
        id=str(incident.pk),
        reported_at=incident.reported_at,
        responded_at=incident.responded_at,
        fixed_at=incident.fixed_at,
        response_kpi=incident.response_kpi,
        fix_kpi=incident.fix_kpi,
    )


def _check(kpis: Sequence[Kpi], incident: Incident, fields: Sequence[str] | None = None) -> None:
    errors = rules.check_incident(kpis, _as_domain(incident), timezone.now())
    if fields is not None:
        errors = {k: v for k, v in errors.items() if k in fields}
    if errors:
        raise ValidationError(errors)


def may_report(actor: Any, contract: Contract) -> bool:
    return permissions.can_manage_contracts(actor) or contracts.is_partner(actor, contract)


# --- incidents ----------------------------------------------------------------------------------------------------


def incident_report(
    *,
    actor: User,
    contract_id: int,
    description: str,
    reported_at: datetime,
    response_kpi: str = "",
    fix_kpi: str = "",
    asset_id: str = "",
    priority: str = "normal",
    reference: str = "",
    source: str = "",
) -> Incident:
    """The city or the partner reports an incident (a helpdesk system posts one through the API, with its
    ticket number as `reference`)."""
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        _require(may_report(actor, contract), _("Only the contract's managers and its partner report incidents."))
        kpis = _kpis(contract)
        if not description.strip():
            raise ValidationError({"description": _("Say what is wrong and where.")})
        asset = None
        if asset_id.strip():
            asset = Asset.objects.filter(contract=contract, asset_id=asset_id.strip()).first()
            if asset is None:
                raise ValidationError(
                    {
                        "asset": _("%(asset)s is not an asset of this contract's register.")
                        % {"asset": repr(asset_id.strip())}
                    }
                )
        reference = reference.strip()
        if reference:
            earlier = Incident.objects.filter(contract=contract, reference=reference).first()
            if earlier is not None:
                raise ValidationError(
                    {
                        "reference": _("Ticket %(reference)s is already incident #%(number)s.")
                        % {"reference": reference, "number": earlier.pk}
                    }
                )
        partner = contracts.is_partner(actor, contract) and not permissions.can_manage_contracts(actor)
        incident = Incident(
            contract=contract,
            asset=asset,
            response_kpi=response_kpi.strip(),
            fix_kpi=fix_kpi.strip(),
            priority=priority,
            description=description.strip(),
            reference=reference,
            source=source or (IncidentSource.PARTNER if partner else IncidentSource.CITY),
            reported_at=reported_at,
            reported_by=actor,
            updated_by=actor,
            updated_at=timezone.now(),
        )
        _check(kpis, incident)
        incident.full_clean(exclude=["contract", "asset", "reported_by", "updated_by"], validate_constraints=False)
        incident.save()
        audit_append(
            actor=actor,
            action="incident.report",
            obj=incident,
            payload={
                "contract": contract.pk,
                "reported_at": incident.reported_at.isoformat(),
                "kpis": _keys(incident),
            },
        )
        return incident


def _keys(incident: Incident) -> list[str]:
    return [k for k in (incident.response_kpi, incident.fix_kpi) if k]


def _step(*, actor: User, incident_id: int, expected_version: int, field: str, moment: datetime) -> Incident:
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("contract", "updated_by").get(pk=incident_id)
        _require(
            contracts.is_partner(actor, incident.contract),
            _("Only the contract's partner records the response and the fix; the city corrects a time instead."),
        )
        _stale(incident, expected_version, "incident", incident.updated_by, incident.updated_at)
        if getattr(incident, field) is not None:
            raise PerformanceError(
                _("The responded is already recorded; the city corrects a recorded time.")
                if field == "responded_at"
                else _("The fixed is already recorded; the city corrects a recorded time.")
            )
        setattr(incident, field, moment)
        setattr(incident, field.replace("_at", "_by"), actor)
        _check(_kpis(incident.contract), incident, fields=TIMES)
        incident.version += 1
        incident.updated_by, incident.updated_at = actor, timezone.now()
        incident.save()
        audit_append(
            actor=actor,
            action=f"incident.{'respond' if field == 'responded_at' else 'fix'}",
            obj=incident,
            payload={field: moment.isoformat(), "version": incident.version},
        )
        return incident


def incident_respond(*, actor: User, incident_id: int, expected_version: int, responded_at: datetime) -> Incident:
    """The partner records when it responded."""
    return _step(
        actor=actor,
        incident_id=incident_id,
        expected_version=expected_version,
        field="responded_at",
        moment=responded_at,
    )


def incident_fix(*, actor: User, incident_id: int, expected_version: int, fixed_at: datetime) -> Incident:
    """The partner records when it fixed the incident (after its response)."""
    return _step(
        actor=actor, incident_id=incident_id, expected_version=expected_version, field="fixed_at", moment=fixed_at
    )


def incident_correct(
    *, actor: User, incident_id: int, expected_version: int, field: str, value: datetime, reason: str
) -> IncidentCorrection:
    """The city disputes a recorded time and sets another, with its reason: an explicit, audited correction that
    keeps the time it replaces."""
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit correct incidents."))
    if field not in TIMES:
        raise ValidationError({"field": _("Choose one of %(choices)s.") % {"choices": ", ".join(TIMES)}})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason and the evidence for the correction.")})
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("contract", "updated_by").get(pk=incident_id)
        _stale(incident, expected_version, "incident", incident.updated_by, incident.updated_at)
        old = getattr(incident, field)
        if old is None:
            raise ValidationError(
                {"field": _("Nothing is recorded there yet: the partner records the response and fix.")}
            )
        if old == value:
            raise ValidationError({"value": _("This is the time already recorded.")})
        setattr(incident, field, value)
        try:
            _check(_kpis(incident.contract), incident, fields=TIMES)
        except ValidationError as exc:
            raise ValidationError({"value": [m for ms in exc.message_dict.values() for m in ms]}) from None
        incident.version += 1
        incident.updated_by, incident.updated_at = actor, timezone.now()
        incident.save()
        correction = IncidentCorrection.objects.create(
            incident=incident, field=field, old_value=old, new_value=value, reason=reason.strip(), corrected_by=actor
        )
        audit_append(
            actor=actor,
            action="incident.correct",
            obj=incident,
            payload={
                "field": field,
                "old": old.isoformat(),
                "new": value.isoformat(),
                "reason": correction.reason,
            },
        )
        return correction


def incident_verdicts(incident: Incident, as_of: datetime) -> list[dict[str, Any]]:
    """Each KPI measuring the incident: its deadline, whether the incident met it, failed it or is pending, and the
    month (in the regime's time zone) a failure counts in."""
    regime = latest_regime(incident.contract)
    if regime is None:
        return []
    doc = regime_doc(regime)
    zone, kpis = ZoneInfo(doc.measurement.timezone), doc.kpis
    verdicts = []
    for kpi in kpis:
        if kpi.key not in (incident.response_kpi, incident.fix_kpi) or kpi.kind not in rules.INCIDENT_KINDS:
            continue
        judged = rules.judge(kpi, _as_domain(incident), as_of)
        state = "pending" if judged is None else ("failed" if judged.failed else "met")
        due = rules.deadline(incident.reported_at, kpi.target)
        verdicts.append({"kpi": kpi, "deadline": due, "state": state, "month": due.astimezone(zone).strftime("%Y-%m")})
    return verdicts


# --- reads --------------------------------------------------------------------------------------------------------


def incident_list(*, contract: Contract, state: str = "", kpi: str = "") -> QuerySet[Incident]:
    """A contract's incidents (the caller has checked the contract is visible): `state` open (not fixed) or
    closed (fixed), `kpi` measured by that KPI."""
    incidents = Incident.objects.filter(contract=contract).select_related("asset", "reported_by")
    if state == "open":
        incidents = incidents.filter(fixed_at__isnull=True)
    elif state == "closed":
        incidents = incidents.filter(fixed_at__isnull=False)
    if kpi:
        incidents = incidents.filter(Q(response_kpi=kpi) | Q(fix_kpi=kpi))
    return incidents


@dataclass(frozen=True)
class MonthFailures:
    counts: dict[str, int]  # KPI key -> failures (money.statement's kpi_failures)
    incidents: dict[str, list[int]]  # response/fix KPI key -> the failing incidents' ids
    scores: dict[str, dict[str, str]]  # periodic KPI key -> the score, target and source recorded


def month_failures(contract: Contract, regime: Regime, month: str, as_of: datetime) -> MonthFailures:
    """The month's KPI failures from the incident log and the periodic scores, as they stand at `as_of`."""
    doc = regime_doc(regime)
    keys = [k.key for k in doc.kpis if k.kind in rules.INCIDENT_KINDS]
    log = Incident.objects.filter(contract=contract).filter(Q(response_kpi__in=keys) | Q(fix_kpi__in=keys))
    domain = [_as_domain(i) for i in log.order_by("reported_at", "pk")]
    recorded = {s.kpi: s for s in PeriodicScore.objects.filter(contract=contract, month=month)}
    periodic = {k.key: k for k in doc.kpis if k.kind == "periodic"}
    scores = {key: s.score for key, s in recorded.items() if key in periodic}
    try:
        failing = rules.failing_incidents(
            doc.kpis, domain, month=month, timezone=doc.measurement.timezone, as_of=as_of
        )
        counts = {key: len(ids) for key, ids in failing.items()} | rules.periodic_failures(doc.kpis, scores)
    except rules.IncidentInputError as exc:
        raise ValidationError({exc.field: str(exc)}) from None
    return MonthFailures(
        counts=counts,
        incidents={key: [int(i) for i in ids] for key, ids in failing.items()},
        scores={
            key: {"score": str(s.score), "target": str(periodic[key].target), "source": s.source}
            for key, s in recorded.items()
            if key in periodic
        },
    )


# --- periodic scores ----------------------------------------------------------------------------------------------


def periodic_score_record(
    *, actor: User, contract_id: int, kpi: str, month: str, score: Decimal, source: str, expected_version: int = 0
) -> PeriodicScore:
    """The city records a periodic KPI's score for a month with its source; recording the month again replaces it
    (expected_version: the version read, 0 for a new one), and the audit keeps the score replaced."""
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit record KPI scores."))
    try:
        rules.month_bounds(month, "UTC")
    except rules.IncidentInputError as exc:
        raise ValidationError({"month": str(exc)}) from None
    if not source.strip():
        raise ValidationError(
            {"source": _("Say where the score comes from (the survey, its sample, the inspection).")}
        )
    if not score.is_finite() or score < 0:
        raise ValidationError({"score": _("Give a score of 0 or more.")})
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        periodic = [k.key for k in _kpis(contract) if k.kind == "periodic"]
        if kpi not in periodic:
            raise ValidationError(
                {
                    "kpi": _("%(kpi)s is not a periodic KPI of the regime (%(periodic)s).")
                    % {"kpi": repr(kpi), "periodic": ", ".join(periodic) or _("none")}
                }
            )
        current = PeriodicScore.objects.select_related("recorded_by").filter(contract=contract, kpi=kpi, month=month)
        record = current.first()
        before = None
        if record is None:
            if expected_version:
                raise StaleEdit(_("This score was removed or never existed; reload."))
            record = PeriodicScore(contract=contract, kpi=kpi, month=month)
        else:
            _stale(record, expected_version, "score", record.recorded_by, record.recorded_at)
            before = str(record.score)
            record.version += 1
        record.score, record.source = score, source.strip()
        record.recorded_by, record.recorded_at = actor, timezone.now()
        record.save()
        audit_append(
            actor=actor,
            action="kpi.score",
            obj=contract,
            payload={"kpi": kpi, "month": month, "score": str(score), "replaces": before, "source": record.source},
        )
        return record


# --- remediation plans --------------------------------------------------------------------------------------------


def remediation_raise(
    *,
    actor: User,
    contract_id: int,
    title: str,
    actions: str,
    deadline: date,
    incident_id: int | None = None,
    kpi: str = "",
    month: str = "",
) -> RemediationPlan:
    """A contract manager asks the partner to remedy a failure (optionally naming the incident, the KPI, the
    statement month)."""
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit raise plans."))
    errors = {}
    if not title.strip():
        errors["title"] = _("Name the failure to remedy.")
    if not actions.strip():
        errors["actions"] = _("Say what must be done.")
    if deadline < timezone.localdate():
        errors["deadline"] = _("The deadline is in the past.")
    if month:
        try:
            rules.month_bounds(month, "UTC")
        except rules.IncidentInputError as exc:
            errors["month"] = str(exc)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        incident = None
        if incident_id is not None:
            incident = Incident.objects.filter(contract=contract, pk=incident_id).first()
            if incident is None:
                raise ValidationError(
                    {"incident": _("Incident #%(number)s is not one of this contract's.") % {"number": incident_id}}
                )
        if kpi and kpi not in {k.key for k in _kpis(contract)}:
            raise ValidationError({"kpi": _("%(kpi)s is not a KPI of the regime.") % {"kpi": repr(kpi)}})
        now = timezone.now()
        plan = RemediationPlan.objects.create(
            contract=contract,
            incident=incident,
            kpi=kpi,
            month=month,
            title=title.strip(),
            actions=actions.strip(),
            deadline=deadline,
            raised_by=actor,
            raised_at=now,
            updated_by=actor,
            updated_at=now,
        )
        audit_append(
            actor=actor,
            action="remediation.raise",
            obj=plan,
            payload={"contract": contract.pk, "deadline": deadline.isoformat(), "incident": incident_id, "kpi": kpi},
        )
        return plan


PLAN_MOVES = {  # action -> (who: "partner" | "city", from statuses, to status)
    "submission": ("partner", (RemediationStatus.RAISED, RemediationStatus.REJECTED), RemediationStatus.SUBMITTED),
    "progress": (
        "partner",
        (
            RemediationStatus.RAISED,
            RemediationStatus.SUBMITTED,
            RemediationStatus.ACCEPTED,
            RemediationStatus.REJECTED,
        ),
        None,
    ),
    "accepted": ("city", (RemediationStatus.SUBMITTED,), RemediationStatus.ACCEPTED),
    "rejected": ("city", (RemediationStatus.SUBMITTED,), RemediationStatus.REJECTED),
    "follow_up": (
        "city",
        (
            RemediationStatus.RAISED,
            RemediationStatus.SUBMITTED,
            RemediationStatus.ACCEPTED,
            RemediationStatus.REJECTED,
        ),
        None,
    ),
    "closed": ("city", (RemediationStatus.ACCEPTED,), RemediationStatus.CLOSED),
}
PLAN_MESSAGES = {
    "submission": gettext_lazy("Describe your plan: the actions, who does them, by when."),
    "progress": gettext_lazy("Say what has been done."),
    "accepted": gettext_lazy("Give the reasons for accepting the plan."),
    "rejected": gettext_lazy("Give the reasons for rejecting the plan: the partner reads them and resubmits."),
    "follow_up": gettext_lazy("Say what the city checked or asked."),
    "closed": gettext_lazy("Say how the city checked that the failure is remedied."),
}


def remediation_act(*, actor: User, plan_id: int, expected_version: int, action: str, text: str) -> RemediationPlan:
    """One step of a plan: the partner submits its plan or notes progress; the city accepts or rejects the plan
    with reasons, notes its follow-up, or closes it once the remedy is checked. Every step is kept as a note."""
    if action not in PLAN_MOVES:
        raise ValidationError({"action": _("Choose one of %(choices)s.") % {"choices": ", ".join(PLAN_MOVES)}})
    if not text.strip():
        raise ValidationError({"text": str(PLAN_MESSAGES[action])})
    who, allowed, to = PLAN_MOVES[action]
    with transaction.atomic():
        plan = RemediationPlan.objects.select_for_update().select_related("contract", "updated_by").get(pk=plan_id)
        if who == "partner":
            _require(contracts.is_partner(actor, plan.contract), _("Only the contract's partner does this."))
        else:
            _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit do this."))
        _stale(plan, expected_version, "plan", plan.updated_by, plan.updated_at)
        if plan.status not in allowed:
            raise PerformanceError(
                _("A plan that is %(status)s cannot take this step.") % {"status": plan.get_status_display().lower()}
            )
        if action == "submission":
            plan.plan = text.strip()
        if action in ("accepted", "rejected"):
            plan.decision_reason = text.strip()
        if to is not None:
            plan.status = to
        plan.version += 1
        plan.updated_by, plan.updated_at = actor, timezone.now()
        plan.save()
        RemediationNote.objects.create(plan=plan, kind=action, text=text.strip(), author=actor)
        audit_append(
            actor=actor,
            action=f"remediation.{action}",
            obj=plan,
            payload={"status": plan.status, "version": plan.version},
        )
        return plan


def remediation_submit(*, actor: User, plan_id: int, expected_version: int, plan: str) -> RemediationPlan:
    return remediation_act(
        actor=actor, plan_id=plan_id, expected_version=expected_version, action="submission", text=plan
    )


def remediation_decide(
    *, actor: User, plan_id: int, expected_version: int, accept: bool, reason: str
) -> RemediationPlan:
    action = "accepted" if accept else "rejected"
    return remediation_act(actor=actor, plan_id=plan_id, expected_version=expected_version, action=action, text=reason)


def plan_overdue(plan: RemediationPlan, today: date | None = None) -> bool:
    return rules.remediation_overdue(deadline=plan.deadline, status=plan.status, today=today or timezone.localdate())
