"""Writes of the performance app: a contract's regime versions, its asset register, telemetry ingest, and the
monthly payment statements (computed by the SLA engine and the money rules, frozen once issued)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.accounts.models import Role, User
from civicpact.contracts.models import Contract, ContractParty
from civicpact.contracts.selectors import is_partner
from civicpact.domain.contracts import ContractStatus, PartyRole
from civicpact.domain.performance import calendar, money
from civicpact.domain.performance.regime import Regime as RegimeDoc
from civicpact.domain.performance.regime import (
    RegimeInputError,
    regime_from_mapping,
    regime_from_text,
    regime_to_mapping,
)
from civicpact.ledger.services import audit_append
from civicpact.notifications.models import Kind
from civicpact.notifications.services import notify, role_users, supplier_users
from civicpact.performance import hooks, publication
from civicpact.performance import ingest as telemetry
from civicpact.performance.models import (
    Asset,
    BatchStatus,
    DisputeStatus,
    IngestBatch,
    Regime,
    Statement,
    StatementDispute,
    StatementStatus,
)

REJECTIONS_KEPT = 200  # the first rejections are kept with the batch; the full report is a CSV file


class PerformanceError(Exception):
    """A refusal whose message is shown as it is (409 in the API, exit 1 on the command line)."""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def store_dir() -> Path:
    return Path(settings.CIVICPACT_TELEMETRY_DIR)


# --- the regime ----------------------------------------------------------------------------------------------------


def regime_doc(regime: Regime) -> RegimeDoc:
    return regime_from_mapping(regime.document)


def latest_regime(contract: Contract) -> Regime | None:
    return Regime.objects.filter(contract=contract).order_by("-number").first()


def _stale_regime_message(contract: Contract, seen: int) -> str:
    """Who saved the version the editor did not see, and when (in the deployment's time zone)."""
    latest = Regime.objects.filter(contract=contract).select_related("created_by").order_by("-number").first()
    if latest is None:  # pragma: no cover - versions are never deleted
        return _("The regime was changed by someone else after you opened it; reload and redo.")
    who = latest.created_by.get_full_name() or latest.created_by.get_username()
    return _(
        "The regime was changed by someone else after you opened it (version %(seen)s): version %(latest)s was "
        "saved by %(who)s on %(when)s. Reload the page to see it, then redo your changes."
    ) % {"seen": seen, "latest": latest.number, "who": who, "when": l10n.when(latest.created_at, with_time=True)}


def regime_save(
    *,
    actor: User,
    contract_id: int,
    expected_number: int,
    rationale: str,
    document: Mapping[str, Any] | None = None,
    text: str = "",
    text_format: Literal["yaml", "json"] = "yaml",
) -> Regime:
    """A new version of the contract's regime, from a mapping or YAML/JSON text; every error names its field.
    Statements always say which version they used; issued ones never change."""
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit set the regime."))
    if not rationale.strip():
        raise ValidationError({"rationale": _("Say why the regime changes (or 'initial regime').")})
    try:
        parsed = regime_from_mapping(document) if document is not None else regime_from_text(text, format=text_format)
    except RegimeInputError as exc:
        raise ValidationError({exc.field: str(exc)}) from None
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        current = Regime.objects.filter(contract=contract).aggregate(top=Max("number"))["top"] or 0
        if current != expected_number:
            raise PerformanceError(_stale_regime_message(contract, expected_number))
        classes = {c.key for c in parsed.asset_classes}
        orphans = sorted(set(Asset.objects.filter(contract=contract).values_list("asset_class", flat=True)) - classes)
        if orphans:
            raise ValidationError(
                {
                    "asset_classes": _("The register has assets of classes this regime drops: %(classes)s.")
                    % {"classes": ", ".join(orphans)}
                }
            )
        regime = Regime(
            contract=contract,
            number=current + 1,
            document=regime_to_mapping(parsed),
            rationale=rationale.strip(),
            created_by=actor,
        )
        regime.save(force_insert=True)
        audit_append(
            actor=actor,
            action="contract.regime",
            obj=contract,
            payload={"version": regime.number, "rationale": regime.rationale},
            public=contract.status == ContractStatus.ACTIVE,
        )
        if contract.status == ContractStatus.ACTIVE:
            publication.regime_release(actor, contract)
        return regime


# --- the asset register ----------------------------------------------------------------------------------------------


def assets_import(*, actor: User, contract_id: int, rows: Iterable[Mapping[str, Any]]) -> int:
    """Add or update assets (asset_id, asset_class, description) in the register; the class must be one of the
    latest regime's. New assets get the next numbers. All rows or none: errors name the row."""
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit keep the register."))
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        regime = latest_regime(contract)
        if regime is None:
            raise PerformanceError(
                _("Set the contract's performance regime first: its asset classes define the register.")
            )
        classes = {c.key for c in regime_doc(regime).asset_classes}
        existing = {a.asset_id: a for a in Asset.objects.filter(contract=contract).all()}
        number = max((a.number for a in existing.values()), default=-1) + 1
        seen: set[str] = set()
        changed = 0
        for index, row in enumerate(rows, start=1):
            asset_id = str(row.get("asset_id", "")).strip()
            asset_class = str(row.get("asset_class", "")).strip()
            if not asset_id or len(asset_id) > 100:
                raise ValidationError({f"row {index}": _("Give the asset's id (up to 100 characters).")})
            if asset_id in seen:
                raise ValidationError({f"row {index}": _("%(asset)s appears twice.") % {"asset": asset_id}})
            seen.add(asset_id)
            if asset_class not in classes:
                known = ", ".join(sorted(classes))
                raise ValidationError(
                    {
                        f"row {index}": _("%(asset)s: the class %(class)s is not one of %(known)s.")
                        % {"asset": asset_id, "class": repr(asset_class), "known": known}
                    }
                )
            description = str(row.get("description", "")).strip()[:200]
            asset = existing.get(asset_id)
            if asset is None:
                Asset.objects.create(
                    contract=contract,
                    asset_id=asset_id,
                    number=number,
                    asset_class=asset_class,
                    description=description,
                )
                number += 1
                changed += 1
            elif (asset.asset_class, asset.description) != (asset_class, description):
                asset.asset_class, asset.description = asset_class, description
                asset.save(update_fields=["asset_class", "description"])
                changed += 1
        audit_append(actor=actor, action="contract.assets", obj=contract, payload={"changed": changed})
        return changed


def assets_from_csv(text: str) -> list[dict[str, str]]:
    """Register rows from CSV text with the header asset_id,asset_class[,description]."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"asset_id", "asset_class"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationError(
            {
                "file": _("The CSV needs the columns asset_id and asset_class (missing %(missing)s).")
                % {"missing": ", ".join(sorted(missing))}
            }
        )
    return [dict(row) for row in reader]


# --- telemetry -------------------------------------------------------------------------------------------------------


def _windows(asset_class: Any) -> tuple[calendar.ServiceWindow, ...]:
    return tuple(calendar.ServiceWindow(h.weekdays, h.from_minute, h.to_minute) for h in asset_class.service_hours)


def telemetry_contract(contract: Contract, regime: Regime | None = None) -> telemetry.TelemetryContract:
    """The plain description the ingest needs: time zone, interval, the term in force, the register."""
    regime = regime or latest_regime(contract)
    if regime is None:
        raise PerformanceError(_("The contract has no performance regime yet."))
    doc = regime_doc(regime)
    version = contract.current or contract.latest
    zone = ZoneInfo(doc.measurement.timezone)
    return telemetry.TelemetryContract(
        id=str(contract.pk),
        timezone=doc.measurement.timezone,
        interval_minutes=doc.measurement.interval_minutes,
        start=datetime.combine(version.start_date, time(), tzinfo=zone),
        end=datetime.combine(version.end_date, time(), tzinfo=zone),
        assets={
            a.asset_id: telemetry.AssetRef(a.number, a.asset_class) for a in Asset.objects.filter(contract=contract)
        },
        classes={c.key: telemetry.AssetClass(windows=_windows(c)) for c in doc.asset_classes},
    )


def batch_create(*, actor: User | None, contract_id: int, source: str, filename: str = "") -> IngestBatch:
    contract = Contract.objects.get(pk=contract_id)
    if actor is not None:
        _require(
            permissions.can_manage_contracts(actor) or is_partner(actor, contract),
            _("Only the contract's managers and its partner send telemetry."),
        )
    return IngestBatch.objects.create(contract=contract, source=source, filename=filename[:255], created_by=actor)


def batch_run(
    batch_id: int,
    source: telemetry.RowSource,
    *,
    feed: str = "samples",
    progress: Any = None,
    until: datetime | None = None,
) -> IngestBatch:
    """Run an ingest for a batch record: all of its accepted rows are stored, or none; the rejections are kept
    (the first ones with the batch, all of them in a CSV report)."""
    batch = IngestBatch.objects.select_related("contract").get(pk=batch_id)
    batch.status = BatchStatus.RUNNING
    batch.save(update_fields=["status"])
    report = store_dir() / "reports" / f"batch-{batch.pk}.csv"
    report.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = telemetry.ingest(
            source,
            contract=telemetry_contract(batch.contract),
            store=store_dir(),
            now=timezone.now(),
            feed=feed,
            until=until,
            progress=progress,
            rejection_report=report,
        )
    except (telemetry.IngestInputError, PerformanceError) as exc:
        batch.status, batch.error, batch.finished_at = BatchStatus.FAILED, str(exc), timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
        return batch
    batch.status = BatchStatus.DUPLICATE if result.already_ingested else BatchStatus.DONE
    batch.content_hash = result.batch
    batch.rows_read, batch.rows_accepted, batch.rows_rejected = result.rows, result.accepted, result.rejected
    batch.intervals_written = sum(result.intervals.values())
    batch.rejections = [
        {"row": r.row, "field": r.field, "reason": r.reason} for r in result.rejections[:REJECTIONS_KEPT]
    ]
    batch.report = str(report) if result.rejections else ""
    batch.finished_at = timezone.now()
    batch.save()
    audit_append(
        actor=batch.created_by,
        action="telemetry.ingest",
        obj=batch.contract,
        payload={"batch": batch.pk, "hash": result.batch, "accepted": result.accepted, "rejected": result.rejected},
    )
    return batch


def mqtt_batch(topic: str, readings: list[Any]) -> str:
    """Ingest one MQTT batch for the contract its topic names (civicpact/<contract>/telemetry); a line to log."""
    from civicpact.performance.mqtt import contract_of_topic

    contract_id = contract_of_topic(topic)
    if contract_id is None or not contract_id.isdigit() or not Contract.objects.filter(pk=int(contract_id)).exists():
        return f"{topic}: no such contract; {len(readings)} reading(s) dropped"
    batch = batch_create(actor=None, contract_id=int(contract_id), source="mqtt", filename=topic)
    batch = batch_run(batch.pk, telemetry.ObjectSource(readings, name=topic))
    if batch.status == BatchStatus.FAILED:
        return f"{topic}: batch {batch.pk} failed: {batch.error}"
    return f"{topic}: batch {batch.pk} {batch.status}: {batch.rows_accepted} accepted, {batch.rows_rejected} rejected"


# --- statements ------------------------------------------------------------------------------------------------------


def _month(month: str) -> tuple[int, int]:
    try:
        year, number = (int(part) for part in month.split("-"))
        if len(month) != 7 or not 1 <= number <= 12:
            raise ValueError
    except ValueError:
        raise ValidationError(
            {"month": _("%(month)s is not a month: write YYYY-MM.") % {"month": repr(month)}}
        ) from None
    return year, number


def month_counts(contract: Contract, regime: Regime, month: str) -> list[Any]:
    """The SLA engine's counts for every asset of the register in the month (DuckDB over the month's Parquet)."""
    from civicpact.performance import engine

    year, number = _month(month)
    doc = regime_doc(regime)
    slots = {
        c.key: calendar.slot_count(
            year,
            number,
            tz=doc.measurement.timezone,
            interval_minutes=doc.measurement.interval_minutes,
            windows=_windows(c),
        )
        for c in doc.asset_classes
    }
    register = {a.asset_id: (a.number, slots[a.asset_class]) for a in Asset.objects.filter(contract=contract).all()}
    directory = telemetry.interval_dir(store_dir(), str(contract.pk), month)
    files = sorted(directory.glob("*.parquet")) if directory.exists() else []
    with telemetry.store_lock(store_dir(), str(contract.pk), shared=True):
        return engine.month_counts_duckdb(
            str(directory / "*.parquet") if files else "",
            register=register,
            rectification_slots=doc.rectification_slots,
            tiers=doc.availability.tiers,
            missing_data=doc.measurement.missing_data,
        )


def statement_compute(
    *, actor: User | None, contract_id: int, month: str, index_value: Decimal | None = None
) -> Statement:
    """Compute (or recompute) the month's draft statement with the latest regime; an issued one is frozen."""
    if actor is not None:
        _require(
            permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit compute statements.")
        )
    _month(month)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        if contract.status != ContractStatus.ACTIVE:
            raise PerformanceError(_("Statements are for a contract in force."))
        latest = Statement.objects.filter(contract=contract).filter(month=month).order_by("-number").first()
        if latest is not None and latest.status == StatementStatus.ISSUED:
            raise PerformanceError(
                _(
                    "The statement for %(month)s is issued and frozen; a correction is a new statement that "
                    "references it."
                )
                % {"month": month}
            )
        values = _computed(contract, month, index_value)
        if latest is None:
            statement = Statement.objects.create(contract=contract, month=month, number=1, **values)
        else:
            for name, value in values.items():
                setattr(latest, name, value)
            latest.save()
            statement = latest
        audit_append(
            actor=actor, action="statement.compute", obj=contract, payload={"month": month, "net": str(statement.net)}
        )
        return statement


def statement_correct(*, actor: User, statement_id: int, reason: str, index_value: Decimal | None = None) -> Statement:
    """A correction of an issued statement: a new statement of the same month, recomputed from the telemetry now
    stored with the latest regime, that references the one it corrects (which stays as issued)."""
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit correct statements."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the statement is corrected (e.g. an upheld dispute).")})
    with transaction.atomic():
        issued = Statement.objects.select_for_update().select_related("contract").get(pk=statement_id)
        if issued.status != StatementStatus.ISSUED:
            raise PerformanceError(_("Only an issued statement is corrected; a draft is simply recomputed."))
        latest = Statement.objects.filter(contract=issued.contract, month=issued.month).order_by("-number").first()
        if latest is not None and latest.pk != issued.pk:
            raise PerformanceError(
                _("Statement #%(number)s of %(month)s already follows this one.")
                % {"number": latest.number, "month": issued.month}
            )
        correction = Statement.objects.create(
            contract=issued.contract,
            month=issued.month,
            number=issued.number + 1,
            corrects=issued,
            reason=reason.strip(),
            **_computed(issued.contract, issued.month, index_value),
        )
        audit_append(
            actor=actor,
            action="statement.correct",
            obj=issued.contract,
            payload={"month": issued.month, "corrects": issued.number, "reason": correction.reason},
        )
        return correction


def _computed(contract: Contract, month: str, index_value: Decimal | None) -> dict[str, Any]:
    """A statement's computed fields for the month, with the contract's latest regime."""
    regime = latest_regime(contract)
    if regime is None:
        raise PerformanceError(_("The contract has no performance regime yet."))
    from civicpact.performance.incident_services import month_failures

    counts = month_counts(contract, regime, month)
    classes = {a.asset_id: a.asset_class for a in Asset.objects.filter(contract=contract)}
    kpi = month_failures(contract, regime, month, timezone.now())
    try:
        figures = money.statement(
            regime_doc(regime), counts, classes, index_value=index_value, kpi_failures=kpi.counts
        )
    except (money.StatementInputError, RegimeInputError) as exc:
        raise ValidationError({exc.field: str(exc)}) from None
    return {
        "regime": regime,
        # what the KPI lines counted, frozen with an issued statement: the incidents failing each response or
        # fix time KPI, and the periodic scores (docs/incidents.md)
        "figures": figures.as_dict() | {"kpi_sources": {"incidents": kpi.incidents, "scores": kpi.scores}},
        "monthly_charge": figures.monthly_charge,
        "deductions": figures.deductions_applied,
        "bonus": figures.bonus,
        "net": figures.net_payment,
        "computed_at": timezone.now(),
    }


def statement_issue(*, actor: User, statement_id: int) -> Statement:
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit issue statements."))
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement_id)
        if statement.status == StatementStatus.ISSUED:
            raise PerformanceError(_("This statement is already issued."))
        statement.status, statement.issued_by, statement.issued_at = StatementStatus.ISSUED, actor, timezone.now()
        statement.save(update_fields=["status", "issued_by", "issued_at"])
        audit_append(
            actor=actor,
            action="statement.issue",
            obj=statement.contract,
            payload={"month": statement.month, "number": statement.number, "net": str(statement.net)},
            public=True,
        )
        publication.statement_release(actor, statement)
        _notify_issued(actor, statement)
        hooks.run_issued_hooks(actor=actor, statement=statement)  # e.g. the finance app's invoice
        return statement


def _notify_issued(actor: User, statement: Statement) -> None:
    """The partner's users and the contract managers (but the issuer) learn the statement is issued."""
    partners = ContractParty.objects.filter(contract_id=statement.contract_id, role=PartyRole.PARTNER)
    people = [
        u
        for u in [
            *supplier_users(partners.values_list("organisation_id", flat=True)),
            *role_users(Role.CONTRACT_MANAGER),
        ]
        if u.pk != actor.pk
    ]
    currency = statement.figures.get("currency") or settings.CIVICPACT_CURRENCY
    notify(
        recipients=people,
        kind=Kind.STATEMENT_ISSUED,
        title=lambda: (
            _("Statement issued: %(contract)s — %(month)s")
            % {"contract": statement.contract, "month": statement.month}
        ),
        body=lambda: (
            _(
                "The payment statement of %(month)s (number %(number)s) of “%(contract)s” is issued: net payment "
                "%(net)s, deductions %(deductions)s. The partner may dispute a line of it on the statement's page."
            )
            % {
                "month": statement.month,
                "number": statement.number,
                "contract": statement.contract,
                "net": l10n.money(statement.net, currency),
                "deductions": l10n.money(statement.deductions, currency),
            }
        ),
        url=reverse("performance:statement", args=[statement.contract_id, statement.pk]),
    )


def dispute_raise(*, actor: User, statement_id: int, line: str, reason: str) -> StatementDispute:
    """The partner disputes a line of an issued statement (an asset or a KPI), with its reason."""
    with transaction.atomic():
        statement = Statement.objects.select_for_update().select_related("contract").get(pk=statement_id)
        _require(is_partner(actor, statement.contract), _("Only the contract's partner disputes its statements."))
        if statement.status != StatementStatus.ISSUED:
            raise PerformanceError(_("Only an issued statement can be disputed."))
        lines = {a["asset"] for a in statement.figures.get("assets", [])} | {
            k["kpi"] for k in statement.figures.get("kpis", [])
        }
        if line not in lines:
            raise ValidationError({"line": _("%(line)s is not a line of this statement.") % {"line": repr(line)}})
        if not reason.strip():
            raise ValidationError({"reason": _("Say why you dispute the line.")})
        dispute = StatementDispute.objects.create(
            statement=statement, line=line, reason=reason.strip(), raised_by=actor
        )
        audit_append(
            actor=actor,
            action="statement.dispute",
            obj=statement.contract,
            payload={"statement": statement.pk, "line": line},
        )
        return dispute


def dispute_answer(*, actor: User, dispute_id: int, upheld: bool, answer: str) -> StatementDispute:
    _require(permissions.can_manage_contracts(actor), _("Only contract managers and the PPP unit answer disputes."))
    if not answer.strip():
        raise ValidationError({"answer": _("Give the answer; the partner reads it.")})
    with transaction.atomic():
        dispute = StatementDispute.objects.select_for_update().get(pk=dispute_id)
        if dispute.status != DisputeStatus.OPEN:
            raise PerformanceError(_("This dispute is already answered."))
        dispute.status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
        dispute.answer, dispute.answered_by, dispute.answered_at = answer.strip(), actor, timezone.now()
        dispute.save()
        audit_append(
            actor=actor,
            action="statement.dispute_answer",
            obj=dispute.statement.contract,
            payload={"dispute": dispute.pk, "upheld": upheld},
        )
        return dispute
