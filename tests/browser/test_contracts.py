"""The award's draft contract, signed in the real browser by the partner and recorded for the city after the
standstill: the contract comes into force."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from playwright.sync_api import expect

from civicpact.contracts.models import Contract
from tests.browser.test_tendering import sign_in_as
from tests.contracts.test_contracts import awarded, legacy_terms, parking_project  # noqa: F401  (fixtures)
from tests.contracts.test_milestones import live  # noqa: F401


def test_the_partner_and_the_city_sign_the_awarded_contract_after_the_standstill(visitor, awarded):  # noqa: F811
    contract = Contract.objects.get(award=awarded)
    page = visitor.page
    sign_in_as(visitor, "officer")
    visitor.visit(f"/tenders/{awarded.tender_id}/", "award-with-draft-contract")
    page.get_by_role("link", name=contract.latest.title).click()
    expect(page.get_by_text("The contract may not be signed yet")).to_be_visible()
    visitor.check("contract-draft")
    with time_machine.travel(awarded.standstill_end + timedelta(minutes=5), tick=True):
        sign_in_as(visitor, "supplier")
        visitor.visit("/contracts/", "contract-list-partner")
        page.get_by_role("link", name=contract.latest.title).click()
        page.get_by_label("Name of the signatory").fill("Inês Carvalho")
        page.get_by_label("Capacity (e.g. Mayor, Director)").fill("Managing director")
        page.get_by_role("button", name="Sign version 1 for Lumen Grid").click()
        expect(page.get_by_text("the other parties must sign too")).to_be_visible()

        sign_in_as(visitor, "manager")
        visitor.visit(f"/contracts/{contract.pk}/", "contract-partner-signed")
        page.get_by_label("Name of the signatory").fill("Helena Duarte")
        page.get_by_label("Capacity (e.g. Mayor, Director)").fill("Mayor")
        page.get_by_role("button", name="Sign version 1 for Energy and Street Lighting").click()
        expect(page.get_by_text("Version 1 is in force.")).to_be_visible()
        visitor.check("contract-in-force")
    contract.refresh_from_db()
    assert (contract.status, contract.in_force) == ("active", 1)


def test_the_partner_requests_a_change_and_the_manager_assesses_and_authorises_it(visitor, live):  # noqa: F811
    page = visitor.page
    sign_in_as(visitor, "supplier")
    visitor.visit(f"/contracts/{live.pk}/", "contract-in-force-partner")
    page.get_by_text("Request a change").click()
    page.get_by_label("The change in a line").fill("Add 40 lights on the new cycle path")
    page.get_by_label("What changes and why").fill("The cycle path opens in spring; it needs lighting.")
    page.get_by_role("button", name="Request the change").click()
    expect(page.get_by_text("the contract manager assesses its impact")).to_be_visible()
    visitor.check("change-requested")
    url = page.url

    sign_in_as(visitor, "manager")
    page.goto(url)
    page.get_by_label("Change in the contract's value (negative for a saving)").fill("36000")
    page.get_by_label("Change in the term, in days (negative to shorten)").fill("0")
    page.get_by_label("Impact on the risks").fill("The partner bears the new lights' availability risk.")
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_text("the contract manager must authorise it")).to_be_visible()
    page.get_by_label("Reasons").fill("Within the delegation; budget line 4.2.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("It became")).to_be_visible()
    visitor.check("change-authorised")
