"""A supplier's performance record: known answers on hand-made statements (a correction replaces the statement it
corrects, drafts do not count), aggregated in a fixed number of queries; who sees it; and evaluators seeing each
bidder's record on their scoring page after the opening — unless they are recused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from civicpact.accounts import services as accounts
from civicpact.accounts.models import Organisation
from civicpact.contracts import governance
from civicpact.performance import incident_services
from civicpact.performance.models import DisputeStatus, Regime, RemediationPlan, Statement, StatementDispute
from civicpact.performance.selectors import supplier_record, supplier_summaries
from civicpact.tendering import evaluation
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import metered  # noqa: F401


def statement(
    contract: Any,
    month: str,
    *,
    availability: str | None,
    deductions: str,
    capped: bool = False,
    failures: tuple[int, ...] = (),
    number: int = 1,
    status: str = "issued",
    corrects: Any = None,
) -> Any:
    charge = Decimal("100000.00")
    return Statement.objects.create(
        contract=contract,
        month=month,
        number=number,
        regime=Regime.objects.get(contract=contract),
        status=status,
        figures={
            "contract_availability_percent": availability,
            "capped": capped,
            "kpis": [{"kpi": f"k{i}", "name": f"K{i}", "failures": n} for i, n in enumerate(failures)],
            "assets": [],
        },
        monthly_charge=charge,
        deductions=Decimal(deductions),
        bonus=Decimal(0),
        net=charge - Decimal(deductions),
        computed_at=timezone.now(),
        corrects=corrects,
    )


@pytest.fixture
def history(metered, supplier):  # noqa: F811
    """Lumen Grid's months on its contract (target 99.0%): January 98.5% and capped, two KPI failures and one;
    February 90% corrected to 92% (the correction counts, with its one KPI failure); March 99.5%; April a draft."""
    statement(metered, "2026-01", availability="98.500", deductions="1500.00", capped=True, failures=(2, 1))
    february = statement(metered, "2026-02", availability="90.000", deductions="20000.00", capped=True, failures=(5,))
    statement(
        metered, "2026-02", availability="92.000", deductions="15000.00", failures=(1,), number=2, corrects=february
    )
    statement(metered, "2026-03", availability="99.500", deductions="0.00")
    statement(metered, "2026-04", availability="10.000", deductions="20000.00", capped=True, status="draft")
    january = Statement.objects.get(contract=metered, month="2026-01")
    StatementDispute.objects.create(
        statement=january, line="SL-0001", reason="x", raised_by=supplier, status=DisputeStatus.REJECTED
    )
    StatementDispute.objects.create(
        statement=february, line="SL-0002", reason="y", raised_by=supplier, status=DisputeStatus.UPHELD
    )
    return metered


def dispute(actor: Any, contract: Any, subject: str) -> Any:
    return governance.dispute_raise(
        actor=actor, contract_id=contract.pk, subject=subject, description="The parties disagree."
    )


def climb(actor: Any, raised: Any, rungs: int) -> Any:
    for _ in range(rungs):
        version = raised.version
        governance.dispute_record_failure(actor=actor, dispute_id=raised.pk, expected_version=version, note="No.")
        raised = governance.dispute_escalate(
            actor=actor, dispute_id=raised.pk, expected_version=version + 1, reason="Failed to agree."
        )
    return raised


def remediation(manager: Any, contract: Any, title: str, *, days: int = 30) -> Any:
    return incident_services.remediation_raise(
        actor=manager,
        contract_id=contract.pk,
        title=title,
        actions="Remedy it.",
        deadline=timezone.localdate() + timedelta(days=days),
    )


@pytest.fixture
def governed(history, manager, supplier):
    """On top of `history`: three contract disputes — settled at the operational rung, taken to expert
    determination and still open, withdrawn — and three remediation plans — rejected once, then accepted and
    closed after its deadline; overdue (its deadline passed, only raised); in time."""
    settled = dispute(supplier, history, "Deduction in March")
    governance.dispute_resolve(
        actor=manager, dispute_id=settled.pk, expected_version=1, outcome="Waived.", agreed_by="Both managers"
    )
    climbed = climb(manager, dispute(manager, history, "Lighting levels"), rungs=2)
    assert climbed.level == "expert_determination"
    withdrawn = dispute(supplier, history, "Invoice date")
    governance.dispute_withdraw(actor=supplier, dispute_id=withdrawn.pk, expected_version=1, reason="Paid.")
    closed = remediation(manager, history, "Late fixes")
    for actor, action, text in (
        (supplier, "submission", "Two spares."),
        (manager, "rejected", "Too few."),
        (supplier, "submission", "Forty spares."),
        (manager, "accepted", "Good."),
        (manager, "closed", "Checked."),
    ):
        closed = incident_services.remediation_act(
            actor=actor, plan_id=closed.pk, expected_version=closed.version, action=action, text=text
        )
    overdue = remediation(manager, history, "Dark streets")
    yesterday = timezone.localdate() - timedelta(days=1)
    RemediationPlan.objects.filter(pk__in=[closed.pk, overdue.pk]).update(deadline=yesterday)
    remediation(manager, history, "Slow responses")
    return history


def lumen() -> Organisation:
    return Organisation.objects.get(name="Lumen Grid")


def test_the_record_has_the_known_answer(manager, history, django_assert_num_queries):
    manager.refresh_from_db()
    with django_assert_num_queries(9):  # the organisation, the actor's roles, contracts, 2 per-contract, 2 totals,
        # the contract disputes and the remediation plans per contract (their totals are those rows summed)
        record = supplier_record(actor=manager, organisation_id=lumen().pk)
    totals = record.totals
    assert totals.months == 3
    assert totals.availability_shown == Decimal("96.667")  # (98.5 + 92 + 99.5) / 3
    assert totals.target_shown == Decimal("99.000")
    assert totals.below_target == 2
    assert (totals.deductions, totals.charge, totals.deductions_percent) == (
        Decimal("16500.00"),
        Decimal("300000.00"),
        Decimal("5.50"),
    )
    assert totals.capped == 1
    assert totals.kpi_failures == 4
    assert (totals.disputes_raised, totals.disputes_upheld) == (2, 1)
    [row] = record.contracts
    assert row.contract_id == history.pk
    assert row.figures == totals


def test_the_record_counts_contract_disputes_and_remediation_plans_in_fixed_queries(
    manager, governed, django_assert_num_queries
):
    manager.refresh_from_db()
    with django_assert_num_queries(9):  # as above, and the contract disputes and the plans per contract
        record = supplier_record(actor=manager, organisation_id=lumen().pk)
    totals = record.totals
    assert (totals.contract_disputes, totals.contract_disputes_escalated, totals.contract_disputes_resolved) == (
        3,
        1,
        1,
    )
    assert (totals.plans_raised, totals.plans_rejected, totals.plans_overdue) == (3, 1, 1)
    assert (totals.months, totals.kpi_failures, totals.disputes_raised) == (3, 4, 2)  # the statements' unchanged
    [row] = record.contracts
    assert row.figures == totals


def test_the_governance_counts_are_per_partner_and_in_the_summaries(
    manager, governed, second_supplier, django_assert_num_queries
):
    brightway = second_supplier.memberships.get().organisation
    manager.refresh_from_db()
    from civicpact.accounts import permissions

    permissions.memberships_of(manager)
    ids = [lumen().pk, brightway.pk]
    with django_assert_num_queries(4):  # statements, statement disputes, contract disputes, plans
        summaries = supplier_summaries(actor=manager, organisation_ids=ids)
    lumen_figures = summaries[lumen().pk]
    assert (lumen_figures.contract_disputes, lumen_figures.contract_disputes_escalated) == (3, 1)
    assert (lumen_figures.plans_raised, lumen_figures.plans_rejected, lumen_figures.plans_overdue) == (3, 1, 1)
    assert (summaries[brightway.pk].contract_disputes, summaries[brightway.pk].plans_raised) == (0, 0)


def test_the_page_and_the_api_show_the_governance_counts(client_for, manager, governed):
    page = client_for(manager).get(f"/contracts/suppliers/{lumen().pk}/performance/").content.decode()
    assert "3 raised, 1 reached expert determination or arbitration, 1 resolved" in page
    assert "3 raised, 1 rejected at least once, 1 overdue" in page
    api = client_for(manager).get(f"/api/v1/performance/suppliers/{lumen().pk}/record").json()
    figures = api["contracts"][0]["figures"]
    assert {k: figures[k] for k in figures if k.startswith(("contract_", "remediation_"))} == {
        "contract_disputes": 3,
        "contract_disputes_escalated": 1,
        "contract_disputes_resolved": 1,
        "remediation_plans": 3,
        "remediation_plans_rejected": 1,
        "remediation_plans_overdue": 1,
    }
    assert api["totals"]["remediation_plans_overdue"] == 1


def test_a_supplier_without_contracts_has_an_empty_record(manager, second_supplier):
    brightway = second_supplier.memberships.get().organisation
    record = supplier_record(actor=manager, organisation_id=brightway.pk)
    assert record.contracts == ()
    assert (record.totals.months, record.totals.availability, record.totals.deductions_percent) == (0, None, None)


def test_summaries_for_several_bidders_take_four_queries(manager, history, second_supplier, django_assert_num_queries):
    brightway = second_supplier.memberships.get().organisation
    ids = [lumen().pk, brightway.pk]
    manager.refresh_from_db()
    from civicpact.accounts import permissions

    permissions.memberships_of(manager)
    with django_assert_num_queries(4):  # statements, statement disputes, contract disputes, remediation plans
        summaries = supplier_summaries(actor=manager, organisation_ids=ids)
    assert summaries[lumen().pk].months == 3
    assert summaries[lumen().pk].kpi_failures == 4
    assert summaries[brightway.pk].months == 0


@pytest.mark.parametrize("who", ["officer", "evaluator", "manager", "analyst", "auditor", "admin_user", "supplier"])
def test_city_staff_and_the_supplier_itself_see_the_record(request, client_for, who, history):
    user = request.getfixturevalue(who)
    page = client_for(user).get(f"/contracts/suppliers/{lumen().pk}/performance/")
    assert page.status_code == 200
    assert "96.667% against 99.000%" in page.content.decode()
    api = client_for(user).get(f"/api/v1/performance/suppliers/{lumen().pk}/record").json()
    assert api["totals"]["months"] == 3
    assert api["totals"]["deductions_percent_of_charge"] == "5.50"
    assert api["contracts"][0]["figures"]["kpi_failures"] == 4


def test_other_suppliers_and_the_public_get_a_404(client_for, citizen, second_supplier, other_supplier, history):
    resident = accounts.user_create(
        actor=None, username="resident", password="a-long-enough-password-2026", validate=False
    )
    for user in (second_supplier, other_supplier, resident):
        assert client_for(user).get(f"/contracts/suppliers/{lumen().pk}/performance/").status_code == 404
        assert client_for(user).get(f"/api/v1/performance/suppliers/{lumen().pk}/record").status_code == 404
    assert citizen.get(f"/contracts/suppliers/{lumen().pk}/performance/").status_code == 302
    assert citizen.get(f"/api/v1/performance/suppliers/{lumen().pk}/record").status_code == 401
    city = Organisation.objects.exclude(kind="supplier").first()
    assert client_for(second_supplier).get(f"/contracts/suppliers/{city.pk}/performance/").status_code == 404


def test_a_supplier_sees_its_own_record_but_no_other_bidders(supplier, second_supplier, history):
    assert supplier_summaries(actor=supplier, organisation_ids=[lumen().pk]) == {}


def declare(user: Any, tender: Any, conflict_with: int | None = None) -> None:
    bidders = [bid.supplier_id for bid in evaluation.current_bids(tender)]
    evaluation.conflicts_declare(
        actor=user,
        tender_id=tender.pk,
        declarations={
            pk: (pk == conflict_with, "My brother runs it." if pk == conflict_with else "") for pk in bidders
        },
    )


def test_an_evaluator_sees_each_bidders_record_on_the_scoring_page(client_for, evaluator, opened, history):
    declare(evaluator, opened)
    page = client_for(evaluator).get(f"/tenders/{opened.pk}/evaluate/").content.decode()
    assert "Performance record of Lumen Grid: 3 months of issued statements, mean availability 96.667%" in page
    assert f'href="/contracts/suppliers/{lumen().pk}/performance/"' in page
    assert "Performance record of Brightway Services: no issued statement on any contract yet" in page


def test_the_evaluators_summary_counts_contract_disputes_and_remediation_plans(
    client_for, evaluator, opened, governed
):
    declare(evaluator, opened)
    page = client_for(evaluator).get(f"/tenders/{opened.pk}/evaluate/").content.decode()
    assert "3 contract disputes (1 to expert determination or arbitration), 3 remediation plans (1 overdue)" in page
    assert "3 raised, 1 rejected at least once, 1 overdue" in page


def test_a_conflicted_evaluator_sees_no_bidder_and_no_record(client_for, committee, opened, history):
    recused = committee[1]
    declare(recused, opened, conflict_with=lumen().pk)
    page = client_for(recused).get(f"/tenders/{opened.pk}/evaluate/").content.decode()
    assert "performance record" not in page.lower()
    assert "declared a conflict of interest" in page


def test_before_the_opening_the_scoring_page_shows_nothing(client_for, evaluator, tender, history):
    response = client_for(evaluator).get(f"/tenders/{tender.pk}/evaluate/", follow=True)
    assert "performance record" not in response.content.decode().lower()


def test_the_contracts_performance_page_links_to_its_partners_record(client_for, manager, supplier, metered):  # noqa: F811
    link = f'href="/contracts/suppliers/{lumen().pk}/performance/"'
    assert link in client_for(manager).get(f"/contracts/{metered.pk}/performance/").content.decode()
    assert link in client_for(supplier).get(f"/contracts/{metered.pk}/performance/").content.decode()
