"""Transition milestones: a plan whose payment shares are a schedule adding up to 100, reported achieved by the
partner, accepted (payable, published as met) or refused with a reason by the city."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicpact.accounts.models import Organisation
from civicpact.contracts import services
from civicpact.ledger.models import Release
from tests.contracts.test_contracts import legacy_terms, package_errors, parking_project  # noqa: F401

TODAY = timezone.localdate()


@pytest.fixture
def live(manager, parking_project):  # noqa: F811
    """A contract in force with Lumen Grid as the partner, its term around today."""
    city = Organisation.objects.get(name="Transport and Mobility")
    partner = Organisation.objects.get(name="Lumen Grid")
    terms = legacy_terms(
        start_date=TODAY - timedelta(days=200),
        end_date=TODAY + timedelta(days=3000),
        parties=[{"organisation": city.pk, "role": "city"}, {"organisation": partner.pk, "role": "partner"}],
        value=Decimal("1000000"),
    )
    contract = services.contract_create(actor=manager, project_id=parking_project.pk, **terms)
    for party in contract.latest.parties:
        services.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=1,
            organisation_id=int(party["organisation"]),
            signatory_name="S",
        )
    contract.refresh_from_db()
    return contract


def plan(*rows):
    return [
        {"kind": kind, "title": title, "planned_date": TODAY - timedelta(days=days), "payment_percent": share}
        for kind, title, days, share in rows
    ]


PLAN = plan(
    ("mobilisation", "Teams and depots ready", 150, "10"),
    ("system_migration", "Parking data migrated", 90, "30"),
    ("go_live", "Sensors live in every zone", 30, "60"),
)


@pytest.mark.parametrize(
    ("rows", "field", "words"),
    [
        (
            plan(("go_live", "Live", 10, "50"), ("delivery", "Report", 5, "40")),
            "milestones",
            "add up to 90%, not 100%",
        ),
        (plan(("go_live", "Live", -4000, "100")), "milestones[0]", "within the contract's term"),
        (plan(("party", "Cake", 10, None)), "milestones[0]", "The kind must be one of"),
        (plan(("go_live", "Live", 10, "abc")), "milestones[0]", "is not a number"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_line_and_the_old_plan_stays(manager, live, rows, field, words):
    services.milestones_plan(actor=manager, contract_id=live.pk, items=PLAN)
    with pytest.raises(ValidationError) as caught:
        services.milestones_plan(actor=manager, contract_id=live.pk, items=rows)
    assert words in " ".join(caught.value.message_dict[field])
    assert live.milestones.count() == 3


def test_the_partner_reports_the_city_accepts_and_the_milestone_is_payable_and_published(
    manager, supplier, second_supplier, live
):
    with pytest.raises(PermissionDenied):
        services.milestones_plan(actor=supplier, contract_id=live.pk, items=PLAN)
    services.milestones_plan(actor=manager, contract_id=live.pk, items=PLAN)
    first = live.milestones.get(kind="mobilisation")
    with pytest.raises(PermissionDenied):
        services.milestone_report(actor=second_supplier, milestone_id=first.pk, actual_date=TODAY)
    with pytest.raises(ValidationError, match="future"):
        services.milestone_report(actor=supplier, milestone_id=first.pk, actual_date=TODAY + timedelta(days=1))
    services.milestone_report(actor=supplier, milestone_id=first.pk, actual_date=TODAY - timedelta(days=148))
    with pytest.raises(PermissionDenied):
        services.milestone_decide(actor=supplier, milestone_id=first.pk, accept=True, note="")
    with pytest.raises(ValidationError, match="Say why"):
        services.milestone_decide(actor=manager, milestone_id=first.pk, accept=False, note=" ")
    services.milestone_decide(actor=manager, milestone_id=first.pk, accept=False, note="Depot two is not staffed.")
    first.refresh_from_db()
    assert first.state == "refused: to be reported again"
    services.milestone_report(actor=supplier, milestone_id=first.pk, actual_date=TODAY - timedelta(days=140))
    accepted = services.milestone_decide(actor=manager, milestone_id=first.pk, accept=True, note="Checked on site.")
    assert accepted.payable == Decimal("100000.00")
    with pytest.raises(services.ContractError, match="not yet decided"):
        services.milestone_decide(actor=manager, milestone_id=first.pk, accept=True, note="")
    release = Release.objects.filter(ocid=live.project.ocid).latest("date")
    assert release.tags == ["implementation"]
    milestones = release.body["contracts"][0]["implementation"]["milestones"]
    met = next(m for m in milestones if m["status"] == "met")
    assert (met["code"], met["type"]) == ("commencement", "delivery")
    assert package_errors(live.project.ocid) == []
    # the reported milestone stays when the rest of the plan is replaced
    services.milestones_plan(
        actor=manager, contract_id=live.pk, items=plan(("go_live", "Sensors live in every zone", 20, "90"))
    )
    assert [m.title for m in live.milestones.all()] == ["Teams and depots ready", "Sensors live in every zone"]


def test_milestones_of_a_draft_contract_are_not_reported(manager, parking_project):  # noqa: F811
    contract = services.contract_create(actor=manager, project_id=parking_project.pk, **legacy_terms())
    services.milestones_plan(
        actor=manager,
        contract_id=contract.pk,
        items=[{"kind": "go_live", "title": "Live", "planned_date": date(2022, 1, 1), "payment_percent": None}],
    )
    with pytest.raises(services.ContractError, match="once the contract is signed"):
        services.milestone_report(
            actor=manager, milestone_id=contract.milestones.get().pk, actual_date=date(2022, 1, 2)
        )


def test_the_api_and_the_page_plan_report_and_decide(client_for, manager, supplier, live):
    api = f"/api/v1/contracts/contracts/{live.pk}/milestones"
    body = {"milestones": [{**m, "planned_date": m["planned_date"].isoformat()} for m in PLAN]}
    body["milestones"][0]["payment_percent"] = "5"
    bad = client_for(manager).put(api, body, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "milestones"
    body["milestones"][0]["payment_percent"] = "10"
    assert client_for(supplier).put(api, body, content_type="application/json").status_code == 403
    assert client_for(manager).put(api, body, content_type="application/json").status_code == 200
    milestone = live.milestones.get(kind="go_live")
    reported = client_for(supplier).post(
        f"{api}/{milestone.pk}/report", {"actual_date": TODAY.isoformat()}, content_type="application/json"
    )
    assert reported.json()["state"] == "awaiting acceptance"
    page = client_for(manager).get(f"/contracts/{live.pk}/").content.decode()
    assert "Record the decision on “Sensors live in every zone”" in page
    decided = client_for(manager).post(
        f"/contracts/{live.pk}/milestones/{milestone.pk}/decide/", {"accept": "yes", "note": ""}, follow=True
    )
    assert "600,000.00 is payable" in decided.content.decode()
    form = client_for(manager).post(f"/contracts/{live.pk}/milestones/", {"lines": "go_live | Live | 20-01-2027"})
    assert form.status_code == 400
    assert "is not YYYY-MM-DD" in form.content.decode()
