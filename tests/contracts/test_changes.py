"""Change control: requested by the partner or the city, its impact assessed, authorised by the rung of the
delegation ladder its size needs (a contract manager, the PPP unit, the council), and then a new contract
version in force once signed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicpact.contracts import changes
from civicpact.contracts.services import ContractError
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401


def requested(actor, contract, title="Add 200 lights on the new ring road"):
    return changes.change_request(
        actor=actor, contract_id=contract.pk, title=title, description="The road opens in May."
    )


def test_a_small_change_is_authorised_by_the_contract_manager_and_becomes_a_version(manager, supplier, live):  # noqa: F811
    change = requested(supplier, live)
    assert change.requested_for.name == "Lumen Grid"
    with pytest.raises(ValidationError) as caught:
        changes.change_assess(actor=manager, change_id=change.pk, cost_change="lots", days_change="x", risk_impact="")
    assert set(caught.value.message_dict) == {"cost_change", "days_change", "risk_impact"}
    assessed = changes.change_assess(
        actor=manager, change_id=change.pk, cost_change="42000", days_change="0", risk_impact="Partner bears it."
    )
    assert assessed.authority == "contract_manager"
    decided = changes.change_decide(actor=manager, change_id=change.pk, authorise=True, decision="Within budget.")
    assert decided.status == "authorised"
    assert decided.version.number == 2
    assert decided.version.value == live.latest.value == Decimal("1042000.00")
    assert decided.version.rationale == "price_change"
    live.refresh_from_db()
    assert live.in_force == 1  # until every party signs version 2
    with pytest.raises(ContractError, match="only once"):
        changes.change_decide(actor=manager, change_id=change.pk, authorise=False, decision="Changed my mind.")


def test_a_large_change_needs_the_council_and_lower_rungs_are_refused(manager, officer, admin_user, live):  # noqa: F811
    change = requested(manager, live, "Extend the term by two years")
    changes.change_assess(
        actor=manager, change_id=change.pk, cost_change="600000", days_change="730", risk_impact="Longer exposure."
    )
    change.refresh_from_db()
    assert change.authority == "council"
    for lower in (manager, officer):
        with pytest.raises(PermissionDenied, match="must be authorised by the council"):
            changes.change_decide(actor=lower, change_id=change.pk, authorise=True, decision="Yes.")
    decided = changes.change_decide(actor=admin_user, change_id=change.pk, authorise=True, decision="Council, 12 May.")
    assert decided.version.rationale == "time_extension"


def test_who_may_ask_and_what_is_refused(manager, supplier, second_supplier, auditor, parking_project, live):  # noqa: F811
    for outsider in (second_supplier, auditor):
        with pytest.raises(PermissionDenied):
            requested(outsider, live)
    with pytest.raises(ValidationError, match="required"):
        changes.change_request(actor=manager, contract_id=live.pk, title=" ", description="x")
    change = requested(manager, live)
    with pytest.raises(PermissionDenied):
        changes.change_assess(actor=supplier, change_id=change.pk, cost_change="1", days_change="0", risk_impact="x")
    with pytest.raises(ValidationError, match="cannot fall below zero"):
        changes.change_assess(
            actor=manager, change_id=change.pk, cost_change="-2000000", days_change="0", risk_impact="x"
        )
    with pytest.raises(ContractError, match="once its impact is assessed"):
        changes.change_decide(actor=manager, change_id=change.pk, authorise=True, decision="Early.")
    changes.change_assess(actor=manager, change_id=change.pk, cost_change="-5000", days_change="0", risk_impact="x")
    rejected = changes.change_decide(actor=manager, change_id=change.pk, authorise=False, decision="Not now.")
    assert (rejected.status, rejected.version) == ("rejected", None)


def test_the_pages_request_assess_and_decide(client_for, manager, supplier, live):  # noqa: F811
    page = client_for(supplier).get(f"/contracts/{live.pk}/").content.decode()
    assert "Request a change" in page
    response = client_for(supplier).post(
        f"/contracts/{live.pk}/changes/", {"title": "Move 20 lights", "description": "A new bus lane."}, follow=True
    )
    assert "is requested" in response.content.decode()
    url = f"/contracts/{live.pk}/changes/1/"
    assert client_for(supplier).post(f"{url}assess/", {"cost_change": "1"}).status_code == 403
    done = client_for(manager).post(
        f"{url}assess/", {"cost_change": "12000", "days_change": "0", "risk_impact": "None new."}, follow=True
    )
    assert "the contract manager must authorise it" in done.content.decode()
    decided = client_for(manager).post(f"{url}decide/", {"authorise": "yes", "decision": "Fine."}, follow=True)
    assert "the new contract version awaits" in decided.content.decode()
