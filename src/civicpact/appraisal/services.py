"""Writes for a project's appraisal. Each appends to the audit chain in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.accounts.models import User
from civicpact.appraisal.exceptions import RunFinished, StaleRegister
from civicpact.appraisal.models import (
    BusinessCase,
    ModelChoice,
    Risk,
    RiskRegister,
    RouteChoice,
    RunStatus,
    Screening,
    TermSheetVersion,
    VfmRun,
)
from civicpact.domain import risks as risk_math
from civicpact.domain.screening import ScreeningAnswers, ScreeningInputError, screen
from civicpact.domain.structuring import (
    ModelConsiderations,
    PartnershipModel,
    Route,
    RouteFacts,
    SoleSourceJustification,
    StructuringInputError,
    rank_models,
    recommend_route,
    validate_route_choice,
)
from civicpact.domain.terms import TermSheet, TermsInputError, check_terms, findings_as_dicts
from civicpact.ledger.services import audit_append
from civicpact.pipeline.models import Project

RISK_FIELDS = (
    "category",
    "title",
    "description",
    "probability",
    "cost_min",
    "cost_most_likely",
    "cost_max",
    "distribution",
    "once",
    "timing_year",
    "first_year",
    "last_year",
    "share_transferred",
    "allocation_reason",
    "mitigation",
    "owner",
)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _project(project_id: int) -> Project:
    return Project.objects.select_for_update().get(pk=project_id)


def screening_record(*, actor: User, project_id: int, answers: Mapping[str, Any]) -> Screening:
    _require(permissions.can_edit_appraisal(actor), _("Only the PPP unit records screenings."))
    with transaction.atomic():
        project = _project(project_id)
        try:
            parsed = ScreeningAnswers.from_mapping(answers)
        except ScreeningInputError as exc:
            raise ValidationError({exc.field: str(exc)}) from None
        result = screen(parsed)
        version = (project.screenings.count()) + 1
        record = Screening(
            project=project,
            version=version,
            answers=parsed.as_dict(),
            outcome=result.outcome,
            ppp_score=result.ppp_score,
            drivers=result.as_dict()["drivers"],
            created_by=actor,
        )
        record.full_clean()
        record.save(force_insert=True)
        audit_append(
            actor=actor,
            action="screening.record",
            obj=project,
            payload={"version": version, "outcome": result.outcome.value, "score": result.ppp_score},
        )
        return record


def model_choose(
    *, actor: User, project_id: int, considerations: Mapping[str, Any], chosen_model: str, reason: str
) -> ModelChoice:
    _require(permissions.can_edit_appraisal(actor), _("Only the PPP unit chooses the partnership model."))
    with transaction.atomic():
        project = _project(project_id)
        try:
            parsed = ModelConsiderations.from_mapping(considerations)
            model = PartnershipModel(chosen_model)
        except StructuringInputError as exc:
            raise ValidationError({exc.field: str(exc)}) from None
        except ValueError:
            raise ValidationError({"chosen_model": _("Choose one of the five partnership models.")}) from None
        if not reason.strip():
            raise ValidationError({"reason": _("Say why this model; the reason is recorded.")})
        ranking = [
            {"model": f.model.value, "label": f.model.label, "score": f.score, "reasons": list(f.reasons)}
            for f in rank_models(parsed)
        ]
        choice = ModelChoice(
            project=project,
            considerations=asdict(parsed),
            ranking=ranking,
            chosen_model=model,
            reason=reason.strip(),
            decided_by=actor,
        )
        choice.full_clean()
        choice.save(force_insert=True)
        audit_append(
            actor=actor,
            action="model.choose",
            obj=project,
            payload={"model": model.value, "recommended": ranking[0]["model"], "reason": choice.reason},
        )
        return choice


def route_choose(
    *,
    actor: User,
    project_id: int,
    facts: Mapping[str, Any],
    chosen_route: str,
    sole_source_justification: str,
    reason: str,
) -> RouteChoice:
    _require(permissions.can_edit_appraisal(actor), _("Only the PPP unit chooses the procurement route."))
    with transaction.atomic():
        project = _project(project_id)
        try:
            parsed = RouteFacts.from_mapping(facts)
            route = Route(chosen_route)
            justification = SoleSourceJustification(sole_source_justification) if sole_source_justification else None
            validate_route_choice(route, justification)
        except StructuringInputError as exc:
            raise ValidationError({exc.field: str(exc)}) from None
        except ValueError:
            raise ValidationError({"chosen_route": _("Choose a route from the list.")}) from None
        if not reason.strip():
            raise ValidationError({"reason": _("Say why this route; the reason is recorded.")})
        recommendation = recommend_route(parsed)
        facts_json = {
            **asdict(parsed),
            "estimated_value": str(parsed.estimated_value),
            "sole_source_justification": parsed.sole_source_justification or None,
        }
        choice = RouteChoice(
            project=project,
            facts=facts_json,
            recommended_route=recommendation.route,
            rule=recommendation.rule,
            chosen_route=route,
            sole_source_justification=justification or "",
            reason=reason.strip(),
            decided_by=actor,
        )
        choice.full_clean()
        choice.save(force_insert=True)
        audit_append(
            actor=actor,
            action="route.choose",
            obj=project,
            payload={
                "route": route.value,
                "recommended": recommendation.route.value,
                "reason": choice.reason,
                "justification": choice.sole_source_justification,
            },
        )
        return choice


def _locked_register(project_id: int, expected_version: int, actor: User) -> RiskRegister:
    _require(permissions.can_edit_risks(actor), _("Only the PPP unit and finance analysts edit the risk register."))
    project = _project(project_id)
    register, _created = RiskRegister.objects.select_for_update().get_or_create(project=project)
    if register.version != expected_version:
        who = register.updated_by or _("someone")
        raise StaleRegister(
            _(
                "The risk register was changed by %(who)s at %(when)s after you opened it. Reload to see their "
                "changes, then make yours again."
            )
            % {"who": who, "when": l10n.when(register.updated_at, with_time=True)}
        )
    return register


def _bump(register: RiskRegister, actor: User) -> None:
    register.version += 1
    register.updated_by = actor
    register.save(update_fields=["version", "updated_by", "updated_at"])


def _validated_risk(risk: Risk) -> None:
    data = {key: getattr(risk, key) for key in RISK_FIELDS}
    try:
        risk_math.RiskEstimate.from_mapping(
            {
                **data,
                "cost_min": str(risk.cost_min),
                "cost_most_likely": str(risk.cost_most_likely),
                "cost_max": str(risk.cost_max),
            }
        )
    except risk_math.RiskInputErrors as exc:
        errors: dict[str, list[str]] = {}
        for field, message in exc.errors:
            errors.setdefault(field, []).append(message)
        raise ValidationError(errors) from None
    if not risk.allocation_reason.strip():
        raise ValidationError({"allocation_reason": _("Say why the risk is allocated this way.")})
    risk.full_clean()


def risk_save(
    *, actor: User, project_id: int, expected_version: int, risk_id: int | None = None, **fields: Any
) -> Risk:
    """Add a risk (risk_id None) or change one, unless the register changed since `expected_version`."""
    with transaction.atomic():
        register = _locked_register(project_id, expected_version, actor)
        risk = Risk(register=register) if risk_id is None else register.risks.get(pk=risk_id)
        for key in RISK_FIELDS:
            if key in fields:
                setattr(risk, key, fields[key])
        _validated_risk(risk)
        risk.save()
        _bump(register, actor)
        audit_append(
            actor=actor,
            action="risk.add" if risk_id is None else "risk.update",
            obj=risk,
            payload={"title": risk.title, "register_version": register.version},
        )
        return risk


def risk_delete(*, actor: User, project_id: int, expected_version: int, risk_id: int) -> None:
    with transaction.atomic():
        register = _locked_register(project_id, expected_version, actor)
        risk = register.risks.get(pk=risk_id)
        title = risk.title
        risk.delete()
        _bump(register, actor)
        audit_append(actor=actor, action="risk.delete", obj=register, payload={"title": title})


def risk_add_from_library(*, actor: User, project_id: int, expected_version: int, category: str) -> Risk:
    """A library risk with its default allocation under the project's chosen model (managed services if none)."""
    library = risk_math.library_risk(risk_math.RiskCategory(category))
    project = Project.objects.get(pk=project_id)
    choice = project.model_choices.first()
    model = choice.chosen_model if choice else "managed_services"
    share = library.default_share_transferred[model]
    return risk_save(
        actor=actor,
        project_id=project_id,
        expected_version=expected_version,
        category=category,
        title=library.title,
        description=library.description,
        probability=0.1,
        cost_min=Decimal(0),
        cost_most_likely=Decimal(0),
        cost_max=Decimal(0),
        distribution="triangular",
        once=True,
        timing_year=1,
        first_year=1,
        last_year=1,
        share_transferred=share,
        allocation_reason=f"Library default for {PartnershipModel(model).label.lower()}; adjust after review.",
    )


def risks_replace(*, actor: User, project_id: int, expected_version: int, rows: Sequence[Mapping[str, Any]]) -> int:
    """Replace the whole register (an XLSX import); all rows are checked before any is saved."""
    with transaction.atomic():
        register = _locked_register(project_id, expected_version, actor)
        new = []
        errors: dict[str, list[str]] = {}
        for number, row in enumerate(rows, start=2):
            risk = Risk(register=register, **{k: row[k] for k in RISK_FIELDS if k in row})
            try:
                _validated_risk(risk)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors.setdefault("file", []).extend(
                        _("row %(row)s, %(field)s: %(message)s") % {"row": number, "field": field, "message": m}
                        for m in messages
                    )
            new.append(risk)
        if errors:
            raise ValidationError(errors)
        register.risks.all().delete()
        Risk.objects.bulk_create(new)
        _bump(register, actor)
        audit_append(actor=actor, action="risk.import", obj=register, payload={"rows": len(new)})
        return len(new)


def terms_save(*, actor: User, project_id: int, terms: Mapping[str, Any], expected_version: int) -> TermSheetVersion:
    _require(permissions.can_edit_appraisal(actor), _("Only the PPP unit edits term sheets."))
    with transaction.atomic():
        project = _project(project_id)
        current = project.term_sheets.first()
        current_version = current.version if current else 0
        if current is None and expected_version != 0:
            raise StaleRegister(
                _("The project has no term sheet yet, not version %(version)s: send version 0 to save the first.")
                % {"version": expected_version}
            )
        if current is not None and current_version != expected_version:
            raise StaleRegister(
                _(
                    "The term sheet was saved by %(who)s at %(when)s after you opened it. Reload to see their "
                    "version, then make your changes again."
                )
                % {"who": current.created_by, "when": l10n.when(current.created_at, with_time=True)}
            )
        try:
            sheet = TermSheet.from_mapping(terms)
        except TermsInputError as exc:
            raise ValidationError({exc.field: str(exc)}) from None
        findings = findings_as_dicts(check_terms(sheet))
        record = TermSheetVersion(
            project=project, version=current_version + 1, terms=sheet.as_dict(), findings=findings, created_by=actor
        )
        record.full_clean()
        record.save(force_insert=True)
        audit_append(
            actor=actor,
            action="terms.save",
            obj=project,
            payload={"version": record.version, "gaps": record.gap_count},
        )
        return record


def case_with_risks(*, project: Project, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The business-case inputs plus the project's risk register, in the vfm.schema.json format."""
    horizon = int(inputs.get("horizon", 1) or 1)
    risks = []
    for risk in Risk.objects.filter(register__project=project).order_by("pk"):
        first, last = (risk.timing_year, risk.timing_year) if risk.once else (risk.first_year, risk.last_year)
        risks.append(
            {
                "name": risk.title,
                "probability": risk.probability,
                "min": float(risk.cost_min),
                "most_likely": float(risk.cost_most_likely),
                "max": float(risk.cost_max),
                "distribution": risk.distribution,
                "once": risk.once,
                "share_transferred": risk.share_transferred,
                "first_year": min(first, horizon - 1),
                "last_year": min(last, horizon - 1),
            }
        )
    return {**inputs, "risks": risks}


def _validated_case(project: Project, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The full simulation case (risks included), after checking every block of the inputs."""
    from civicpact.appraisal.selectors import business_case_analysis
    from civicpact.domain.finance import FinanceInputError
    from civicpact.domain.vfm import VfmCase

    case = case_with_risks(project=project, inputs=inputs)
    try:
        VfmCase.from_mapping(case)
    except FinanceInputError as exc:
        raise ValidationError({exc.field: str(exc)}) from None
    business_case_analysis(inputs=inputs)
    return case


def business_case_save(
    *, actor: User, project_id: int, inputs: Mapping[str, Any], expected_version: int
) -> BusinessCase:
    """Save the whole of a business case's inputs (the API's PUT)."""
    return _business_case_write(
        actor=actor, project_id=project_id, expected_version=expected_version, change=lambda _old: dict(inputs)
    )


def business_case_update(
    *, actor: User, project_id: int, changes: Mapping[str, Any], expected_version: int
) -> BusinessCase:
    """Change some blocks of the inputs (the VfM figures, `cba` or `affordability`) and keep the rest."""
    return _business_case_write(
        actor=actor,
        project_id=project_id,
        expected_version=expected_version,
        change=lambda old: {**old, **changes},
    )


def _business_case_write(
    *, actor: User, project_id: int, expected_version: int, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> BusinessCase:
    _require(permissions.can_edit_risks(actor), _("Only finance analysts and the PPP unit edit the business case."))
    with transaction.atomic():
        project = _project(project_id)
        current = BusinessCase.objects.select_for_update().filter(project=project).first()
        if (current.version if current else 0) != expected_version:
            who = current.updated_by if current else _("someone")
            raise StaleRegister(
                _("The business case was changed by %(who)s after you opened it; reload and redo.") % {"who": who}
            )
        inputs = change(dict(current.inputs) if current else {})
        if "horizon" not in inputs:
            raise ValidationError({"horizon": _("Save the value-for-money inputs (horizon, rate, flows) first.")})
        _validated_case(project, inputs)
        case = current or BusinessCase(project=project, version=0)
        case.inputs, case.version, case.updated_by = inputs, case.version + 1, actor
        case.full_clean()
        case.save()
        audit_append(
            actor=actor,
            action="business_case.save",
            obj=project,
            payload={"version": case.version, "blocks": sorted(k for k in ("cba", "affordability") if k in inputs)},
        )
        return case


def vfm_run_start(*, actor: User, project_id: int, iterations: int, seed: int) -> VfmRun:
    """Queue a simulation of the current business case and its risks on the background worker."""
    from civicpact.appraisal.tasks import vfm_run_task

    most = settings.CIVICPACT_MAX_ITERATIONS
    _require(permissions.can_edit_risks(actor), _("Only finance analysts and the PPP unit run the business case."))
    if not 1_000 <= iterations <= most:
        raise ValidationError(
            {
                "iterations": _("iterations must be %(low)s to %(high)s (CIVICPACT_MAX_ITERATIONS), not %(given)s")
                % {"low": l10n.number(1_000), "high": l10n.number(most), "given": l10n.number(iterations)}
            }
        )
    with transaction.atomic():
        project = _project(project_id)
        business_case = BusinessCase.objects.filter(project=project).first()
        if business_case is None:
            raise ValidationError({"__all__": _("Save the business case before running it.")})
        run = VfmRun.objects.create(
            project=project,
            case_version=business_case.version,
            iterations=iterations,
            seed=seed,
            created_by=actor,
            case=_validated_case(project, business_case.inputs),
        )
        audit_append(
            actor=actor, action="vfm.run", obj=project, payload={"run": run.pk, "seed": seed, "iterations": iterations}
        )
        vfm_run_task.enqueue(run.pk)
        return run


class RunCancelled(Exception):
    """The run was cancelled while it ran."""


def vfm_run_cancel(*, actor: User, project_id: int, run_id: int) -> VfmRun:
    """Stop a queued or running simulation; the results of earlier runs stay as they are."""
    _require(permissions.can_edit_risks(actor), _("Only finance analysts and the PPP unit cancel a run."))
    with transaction.atomic():
        run = VfmRun.objects.select_for_update().filter(project_id=project_id, pk=run_id).first()
        if run is None:
            raise VfmRun.DoesNotExist
        if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            raise RunFinished(
                _("The run is already %(status)s; there is nothing to cancel.")
                % {"status": run.get_status_display().lower()}
            )
        run.status, run.finished_at = RunStatus.CANCELLED, timezone.now()
        run.save(update_fields=["status", "finished_at"])
        audit_append(actor=actor, action="vfm.cancel", obj=run.project, payload={"run": run.pk, "done": run.done})
        return run


def vfm_run_execute(*, run_id: int) -> VfmRun:
    """Run a queued simulation, reporting progress; a failure is recorded and leaves earlier results alone."""
    from civicpact.domain.vfm import VfmCase, simulate

    run = VfmRun.objects.get(pk=run_id)
    # already run (e.g. by the demo seed) or cancelled before it started: nothing to do
    if not VfmRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(status=RunStatus.RUNNING):
        return run
    running = VfmRun.objects.filter(pk=run_id, status=RunStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        if not running.update(done=done):  # no longer running: cancelled
            raise RunCancelled

    try:
        result = simulate(VfmCase.from_mapping(run.case), iterations=run.iterations, seed=run.seed, progress=progress)
    except RunCancelled:
        pass
    except Exception as exc:
        running.update(status=RunStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now())
    else:
        running.update(status=RunStatus.DONE, result=result.as_dict(), done=run.iterations, finished_at=timezone.now())
    run.refresh_from_db()
    return run
