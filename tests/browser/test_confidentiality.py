"""Confidentiality in the real browser: an officer claims a document and a field through the form, the register
lists them for an auditor, and a citizen sees on the contract page what is withheld, why and until when."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from civicpact.ledger.services import ocid_mint, release_append
from tests.browser.conftest import Visitor
from tests.browser.test_tendering import sign_in_as
from tests.ledger.test_confidentiality import SECRET, _doc, contract_sections


def _claim_through_the_form(visitor, ocid: str, *, kind: str, target: str, reason: str, until: str) -> None:
    page = visitor.page
    page.goto(f"{visitor.base_url}/audit/claims/new/?ocid={ocid}&kind={kind}&target={target}")
    page.get_by_label("Reason", exact=True).select_option(label=reason)
    page.get_by_label("Withheld until").fill(until)
    if kind == "document":
        page.get_by_label("Withhold the document's title too").check()
    visitor.check(f"claim-form-{kind}")
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confidentiality claims")


def test_an_officer_claims_and_a_citizen_sees_what_is_withheld(visitor, browser):
    ocid = ocid_mint(actor=None, obj="pipeline.project:99", local_id="confidential-1").ocid
    until = (timezone.localdate() + timedelta(days=90)).isoformat()
    sign_in_as(visitor, "officer")
    _claim_through_the_form(
        visitor, ocid, kind="field", target="contracts/*/value", reason="Commercial confidentiality", until=until
    )
    _claim_through_the_form(visitor, ocid, kind="document", target="doc-1", reason="Security", until=until)
    visitor.check("claims-register-officer")

    sections = contract_sections(amount=4_321_987.0)
    sections["contracts"][0]["documents"] = [_doc("doc-1", SECRET), _doc("doc-2", "Open annex")]
    release_append(actor=None, ocid=ocid, tags=["contract"], sections=sections)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    citizen = Visitor(context.new_page(), visitor.base_url).visit(
        f"/open/contracts/{ocid}/contract-1/", "portal-contract-withheld"
    )
    expect(citizen.get_by_text(f"Withheld: commercial confidentiality, until {until}").first).to_be_visible()
    expect(citizen.get_by_text(f"Withheld: security, until {until}.")).to_be_visible()
    assert SECRET not in citizen.content()
    context.close()

    sign_in_as(visitor, "auditor")
    page = visitor.visit("/audit/claims/", "claims-register-auditor")
    expect(page.get_by_role("cell", name="Security")).to_be_visible()
    assert SECRET not in page.content()
