"""Reads of the performance app that other apps may use: a supplier's performance record across its contracts.

The tendering app reads this module (and only this one) to show evaluators each bidder's record after the opening:
the one exception to the lifecycle's import direction that ARCHITECTURE.md names, kept by the import-linter
contract in pyproject.toml.

A month counts once: the latest issued statement of each contract and month (an issued correction replaces the
statement it corrects; drafts are not a record). Governance counts too: the contract disputes on the escalation
ladder and the remediation plans. Everything is aggregated in SQL (a handful of queries, whatever the number of
contracts, months, disputes or plans).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation, OrganisationKind
from civicpact.contracts.models import Contract, ContractVersion, Dispute
from civicpact.domain.contracts import PartyRole
from civicpact.domain.governance import DisputeStatus as ContractDisputeStatus
from civicpact.domain.governance import Level
from civicpact.domain.performance.incidents import OPEN_PLAN_STATUSES
from civicpact.performance.models import (
    DisputeStatus,
    Regime,
    RemediationPlan,
    Statement,
    StatementDispute,
    StatementStatus,
)
from civicpact.performance.publication import statement_pk

PERCENT: DecimalField[Decimal, Decimal] = DecimalField(max_digits=9, decimal_places=3)
# {column}: the compiled figures column (its parameters stay bound)
SQLITE_KPI_FAILURES = (
    "(SELECT coalesce(sum(json_extract(k.value, '$.failures')), 0) FROM json_each({column}, '$.kpis') AS k)"
)
POSTGRESQL_KPI_FAILURES = (
    "(SELECT coalesce(sum((k ->> 'failures')::integer), 0) FROM jsonb_array_elements(({column}) -> 'kpis') AS k)"
)


class KpiFailures(Func):
    """The sum of `failures` over a statement's KPI lines (`figures.kpis`, a JSON array), in SQL: one expression
    per database vendor (SQLite's json_each, PostgreSQL's jsonb_array_elements)."""

    output_field = IntegerField()

    def as_sql(  # pragma: no cover - other vendors
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, *args: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        raise NotSupportedError("KPI failures are summed on SQLite and PostgreSQL only.")

    def _argument(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return sql, list(params)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = self._argument(compiler, connection)
        return SQLITE_KPI_FAILURES.replace("{column}", sql), params

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = self._argument(compiler, connection)
        return POSTGRESQL_KPI_FAILURES.replace("{column}", sql), params


def partner_contracts(organisation_id: int) -> QuerySet[Contract]:
    """The contracts whose latest version has the organisation as its partner."""
    return Contract.objects.filter(
        party_links__organisation_id=organisation_id, party_links__role=PartyRole.PARTNER
    ).distinct()


def record_statements(organisation_ids: list[int]) -> QuerySet[Statement]:
    """The months of record: the latest issued statement of each month of the organisations' partner contracts."""
    replaced = Statement.objects.filter(corrects=OuterRef("pk"), status=StatementStatus.ISSUED)
    return Statement.objects.filter(
        status=StatementStatus.ISSUED,
        contract__party_links__organisation_id__in=organisation_ids,
        contract__party_links__role=PartyRole.PARTNER,
    ).exclude(Exists(replaced))


def partner_disputes(organisation_ids: list[int]) -> QuerySet[StatementDispute]:
    """The statement-line disputes on the organisations' partner contracts (only the partner raises them)."""
    return StatementDispute.objects.filter(
        statement__contract__party_links__organisation_id__in=organisation_ids,
        statement__contract__party_links__role=PartyRole.PARTNER,
    )


def partner_contract_disputes(organisation_ids: list[int]) -> QuerySet[Dispute]:
    """The contract disputes (the escalation ladder) on the organisations' partner contracts, whoever raised them."""
    return Dispute.objects.filter(
        contract__party_links__organisation_id__in=organisation_ids, contract__party_links__role=PartyRole.PARTNER
    )


def partner_plans(organisation_ids: list[int]) -> QuerySet[RemediationPlan]:
    """The remediation plans the city raised on the organisations' partner contracts."""
    return RemediationPlan.objects.filter(
        contract__party_links__organisation_id__in=organisation_ids, contract__party_links__role=PartyRole.PARTNER
    )


def _contract_dispute_aggregates() -> dict[str, Any]:
    """Raised; escalated as far as expert determination or arbitration (a dispute never moves down, so its rung
    now is the highest it reached); resolved."""
    return {
        "raised": Count("pk"),
        "escalated": Count("pk", filter=Q(level__in=(Level.EXPERT, Level.ARBITRATION))),
        "resolved": Count("pk", filter=Q(status=ContractDisputeStatus.RESOLVED)),
    }


def _plan_aggregates() -> dict[str, Any]:
    """Raised; rejected by the city at least once (a resubmitted plan still counts); overdue today (the deadline
    passed and the plan not closed: `domain/performance/incidents.remediation_overdue`)."""
    today = timezone.localdate()
    return {
        "raised": Count("pk", distinct=True),
        "rejected": Count("pk", filter=Q(notes__kind="rejected"), distinct=True),
        "overdue": Count("pk", filter=Q(deadline__lt=today, status__in=OPEN_PLAN_STATUSES), distinct=True),
    }


def _by(rows: QuerySet[Any], key: str) -> dict[int, dict[str, Any]]:
    """Grouped aggregate rows, by the contract's or the organisation's id."""
    return {row.pop(key): row for row in rows}


def _summed(rows: dict[int, dict[str, Any]]) -> dict[str, int]:
    """The totals of per-contract counts: exact, since each dispute or plan belongs to one contract."""
    return {name: sum(row[name] for row in rows.values()) for name in next(iter(rows.values()), {})}


def _statement_aggregates() -> dict[str, Any]:
    return {
        "months": Count("pk"),
        "availability": Avg("availability_value", output_field=PERCENT),
        "target": Avg("target_value", output_field=PERCENT),
        "below_target": Count("pk", filter=Q(availability_value__lt=F("target_value"))),
        "deductions": Coalesce(Sum("deductions"), Decimal(0)),
        "charge": Coalesce(Sum("monthly_charge"), Decimal(0)),
        "capped": Count("pk", filter=Q(figures__capped=True)),
        "kpi_failures": Coalesce(Sum(KpiFailures("figures")), 0),
    }


def _annotated(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    """Each statement's availability and the target of its regime version, as decimals read from the JSON."""
    target = Regime.objects.filter(pk=OuterRef("regime_id")).annotate(
        value=Cast(KT("document__availability__target_percent"), PERCENT)
    )
    return statements.annotate(
        availability_value=Cast(KT("figures__contract_availability_percent"), PERCENT),
        target_value=Subquery(target.values("value")[:1], output_field=PERCENT),
    )


def _dispute_aggregates() -> dict[str, Any]:
    return {"raised": Count("pk"), "upheld": Count("pk", filter=Q(status=DisputeStatus.UPHELD))}


@dataclass(frozen=True)
class Figures:
    """A record's figures, for one contract or for all of them."""

    months: int  # months with an issued statement
    availability: Decimal | None  # the months' mean contract availability, percent (None: no month with a figure)
    target: Decimal | None  # the mean availability target of those months, percent
    below_target: int  # months under their target
    deductions: Decimal  # the deductions applied, summed
    charge: Decimal  # the monthly unitary charges, summed
    capped: int  # months whose deductions hit the cap
    kpi_failures: int  # failures of the other KPIs (response, fix times, periodic), summed
    disputes_raised: int  # statement lines the supplier disputed
    disputes_upheld: int
    contract_disputes: int = 0  # contract disputes on the escalation ladder, raised by either party
    contract_disputes_escalated: int = 0  # of which reached expert determination or arbitration
    contract_disputes_resolved: int = 0
    plans_raised: int = 0  # remediation plans the city raised
    plans_rejected: int = 0  # rejected at least once
    plans_overdue: int = 0  # past their deadline and not closed, today

    @property
    def deductions_percent(self) -> Decimal | None:
        """Deductions as a percentage of the charge, to 0.01."""
        if not self.charge:
            return None
        return (self.deductions * 100 / self.charge).quantize(Decimal("0.01"))

    @property
    def availability_shown(self) -> Decimal | None:
        return None if self.availability is None else Decimal(self.availability).quantize(Decimal("0.001"))

    @property
    def target_shown(self) -> Decimal | None:
        return None if self.target is None else Decimal(self.target).quantize(Decimal("0.001"))


EMPTY: dict[str, Any] = {
    "months": 0,
    "availability": None,
    "target": None,
    "below_target": 0,
    "deductions": Decimal("0.00"),
    "charge": Decimal("0.00"),
    "capped": 0,
    "kpi_failures": 0,
}


def _figures(
    statements: dict[str, Any] | None,
    disputes: dict[str, Any] | None,
    contract_disputes: dict[str, Any] | None = None,
    plans: dict[str, Any] | None = None,
) -> Figures:
    values = {**EMPTY, **(statements or {})}
    ladder, remedies = contract_disputes or {}, plans or {}
    return Figures(
        months=int(values["months"]),
        availability=values["availability"],
        target=values["target"],
        below_target=int(values["below_target"]),
        deductions=Decimal(values["deductions"]),
        charge=Decimal(values["charge"]),
        capped=int(values["capped"]),
        kpi_failures=int(values["kpi_failures"]),
        disputes_raised=int((disputes or {}).get("raised", 0)),
        disputes_upheld=int((disputes or {}).get("upheld", 0)),
        contract_disputes=int(ladder.get("raised", 0)),
        contract_disputes_escalated=int(ladder.get("escalated", 0)),
        contract_disputes_resolved=int(ladder.get("resolved", 0)),
        plans_raised=int(remedies.get("raised", 0)),
        plans_rejected=int(remedies.get("rejected", 0)),
        plans_overdue=int(remedies.get("overdue", 0)),
    )


@dataclass(frozen=True)
class ContractRecord:
    contract_id: int
    title: str
    status: str
    figures: Figures


@dataclass(frozen=True)
class SupplierRecord:
    organisation: Organisation
    contracts: tuple[ContractRecord, ...]  # every contract where it is the partner, newest first
    totals: Figures


def can_view_record(actor: Any, organisation: Organisation) -> bool:
    """City staff (who read every contract and statement) and the supplier's own users."""
    if permissions.can_view_all_contracts(actor):
        return True
    return any(org.pk == organisation.pk for org in permissions.supplier_organisations(actor))


def _visible_organisation(actor: Any, organisation_id: int) -> Organisation:
    organisation = Organisation.objects.filter(pk=organisation_id, kind=OrganisationKind.SUPPLIER).first()
    if organisation is None or not can_view_record(actor, organisation):
        raise Organisation.DoesNotExist("No such supplier.")
    return organisation


def supplier_record(*, actor: Any, organisation_id: int) -> SupplierRecord:
    """A supplier's performance record across every contract where it is the partner: per contract and in all.
    Raises Organisation.DoesNotExist when the actor may not see it (other suppliers, the public): its existence
    does not leak. Eight queries (nine with the actor's memberships), whatever the number of contracts, months,
    disputes and plans: the statements' and statement disputes' figures per contract and in total, the contract
    disputes and the remediation plans per contract (their totals are the rows summed)."""
    organisation = _visible_organisation(actor, organisation_id)
    title = ContractVersion.objects.filter(contract=OuterRef("pk")).order_by("-number").values("title")[:1]
    contracts = list(
        partner_contracts(organisation.pk).annotate(title=Subquery(title)).values("pk", "title", "status")
    )
    statements = _annotated(record_statements([organisation.pk]))
    disputes = partner_disputes([organisation.pk])
    per_contract = {row["contract"]: row for row in statements.values("contract").annotate(**_statement_aggregates())}
    disputes_per_contract = {
        row["statement__contract"]: row
        for row in disputes.values("statement__contract").annotate(**_dispute_aggregates())
    }
    ladder = _by(
        partner_contract_disputes([organisation.pk]).values("contract").annotate(**_contract_dispute_aggregates()),
        "contract",
    )
    plans = _by(partner_plans([organisation.pk]).values("contract").annotate(**_plan_aggregates()), "contract")
    totals = _figures(
        statements.aggregate(**_statement_aggregates()),
        disputes.aggregate(**_dispute_aggregates()),
        _summed(ladder),
        _summed(plans),
    )
    return SupplierRecord(
        organisation=organisation,
        contracts=tuple(
            ContractRecord(
                contract_id=c["pk"],
                title=c["title"] or _("Contract %(number)s") % {"number": c["pk"]},
                status=c["status"],
                figures=_figures(
                    per_contract.get(c["pk"]),
                    disputes_per_contract.get(c["pk"]),
                    ladder.get(c["pk"]),
                    plans.get(c["pk"]),
                ),
            )
            for c in contracts
        ),
        totals=totals,
    )


def supplier_summaries(*, actor: Any, organisation_ids: list[int]) -> dict[int, Figures]:
    """Each organisation's record in all (no per-contract rows), for a list of bidders: four queries for any number
    (statements, statement disputes, contract disputes, remediation plans).
    Only for city staff; anyone else gets an empty mapping."""
    if not permissions.can_view_all_contracts(actor) or not organisation_ids:
        return {}
    by_partner = "contract__party_links__organisation_id"
    statements = _annotated(record_statements(organisation_ids)).values(by_partner).annotate(**_statement_aggregates())
    per_org = {row[by_partner]: row for row in statements}
    disputes = (
        partner_disputes(organisation_ids)
        .values("statement__contract__party_links__organisation_id")
        .annotate(**_dispute_aggregates())
    )
    disputes_per_org = {row["statement__contract__party_links__organisation_id"]: row for row in disputes}
    ladder = _by(
        partner_contract_disputes(organisation_ids).values(by_partner).annotate(**_contract_dispute_aggregates()),
        by_partner,
    )
    plans = _by(partner_plans(organisation_ids).values(by_partner).annotate(**_plan_aggregates()), by_partner)
    return {
        pk: _figures(per_org.get(pk), disputes_per_org.get(pk), ladder.get(pk), plans.get(pk))
        for pk in organisation_ids
    }


def published_deductions(*, ocds_ids: Iterable[str]) -> dict[str, Decimal]:
    """{OCDS id: deductions applied} of the issued payment statements that `ocds_ids` name (`statement-<id>`, the id
    of a statement's published transaction and document), from the statements' figures, in one query. For the public
    portal, which asks only for the payments it publishes: a statement is published when it is issued
    (publication.statement_release), a draft never, so drafts are not read."""
    wanted = {pk: ocds_id for ocds_id in ocds_ids if (pk := statement_pk(ocds_id)) is not None}
    rows = Statement.objects.filter(pk__in=wanted, status=StatementStatus.ISSUED).values_list(
        "pk", KT("figures__deductions_applied")
    )
    return {wanted[pk]: Decimal(str(amount)) for pk, amount in rows if amount is not None}
