"""The drill-down pages: an asset's month behind a statement line (its outage events, the counts and the deduction
they make, and a day x interval strip), reached from the statement's asset lines and from the dashboard's heat map.
Seen by exactly the people who see the statement: city staff and the contract's parties; anyone else gets a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from civicpact.performance import services
from civicpact.performance.dashboard import DashboardInputError, latest_statements, parse_month
from civicpact.performance.drilldown import AssetMonth, DrilldownError, asset_month
from civicpact.performance.views import _contract, _statement


def _render(request: HttpRequest, drilled: AssetMonth) -> HttpResponse:
    return render(request, "performance/drilldown.html", {"contract": drilled.contract, "d": drilled})


@login_required
def statement_asset(request: HttpRequest, pk: int, statement_pk: int, asset_id: str) -> HttpResponse:
    """The asset's line of a statement, down to its events (with the statement's regime version)."""
    contract = _contract(request, pk)
    statement = _statement(contract, statement_pk)
    try:
        drilled = asset_month(
            contract=contract, asset_id=asset_id, month=statement.month, regime=statement.regime, statement=statement
        )
    except DrilldownError as exc:
        raise Http404(str(exc)) from None
    return _render(request, drilled)


@login_required
def month_asset(request: HttpRequest, pk: int, month: str, asset_id: str) -> HttpResponse:
    """The asset's month from the heat map: the latest statement's drill-down when the month has one (the link's
    day anchor is kept by the browser), else the month under the latest regime, without money when it cannot be
    priced yet."""
    contract = _contract(request, pk)
    try:
        month = parse_month(month)
    except DashboardInputError as exc:
        raise Http404(str(exc)) from None
    statement = next((s for s in reversed(latest_statements(contract)) if s.month == month), None)
    if statement is not None:
        return redirect(reverse("performance:statement-asset", args=[contract.pk, statement.pk, asset_id]))
    regime = services.latest_regime(contract)
    if regime is None:
        raise Http404("The contract has no performance regime yet.")
    try:
        drilled = asset_month(contract=contract, asset_id=asset_id, month=month, regime=regime)
    except DrilldownError as exc:
        raise Http404(str(exc)) from None
    return _render(request, drilled)
