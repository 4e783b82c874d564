"""The demo's incidents on the harbour street lighting: the draft month counts them, the issued months stay as
issued, and seeding again changes nothing."""

from __future__ import annotations

from decimal import Decimal

from civicpact.demo.incidents import seed_streetlight_incidents
from civicpact.demo.performance import CONTRACT_TITLE, seed_streetlight_contract
from civicpact.ledger.models import AuditEvent
from civicpact.performance.models import Incident, RemediationPlan, Statement


def test_the_demo_draft_month_counts_its_incidents_and_score_and_seeding_again_changes_nothing(
    city, client_for, manager
):
    seed_streetlight_contract()
    issued_before = {s.pk: s.figures for s in Statement.objects.filter(status="issued")}
    seed_streetlight_incidents()
    statements = list(Statement.objects.filter(contract__versions__title=CONTRACT_TITLE).order_by("month"))
    assert [s.status for s in statements] == ["issued", "issued", "draft"]
    assert {s.pk: s.figures for s in statements[:2]} == issued_before
    lines = {k["kpi"]: (k["failures"], k["deduction"]) for k in statements[2].figures["kpis"]}
    # one fix after 31 hours (target 24), one response after 3.5 hours (target 2), satisfaction 3.8 (target 4.0)
    assert lines == {"response": (1, "150.00"), "fix": (1, "250.00"), "satisfaction": (1, "1000.00")}
    assert Decimal(statements[2].figures["kpi_deductions"]) == Decimal("1400.00")
    assert RemediationPlan.objects.get().status == "submitted"
    contract = statements[2].contract
    dashboard = client_for(manager).get(f"/contracts/{contract.pk}/performance/dashboard/").content.decode()
    assert "Residents&#x27; satisfaction" in dashboard or "Residents' satisfaction" in dashboard
    counts = (Incident.objects.count(), AuditEvent.objects.count(), Statement.objects.count())
    seed_streetlight_incidents()
    seed_streetlight_contract()
    assert (Incident.objects.count(), AuditEvent.objects.count(), Statement.objects.count()) == counts
