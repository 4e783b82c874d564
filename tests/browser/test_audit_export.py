"""The verifiable audit trail and OCDS imports in the real browser: a citizen fetches the export linked from the
audit trail, checks it on the page (intact, then a tampered copy), and an administrator imports another system's
package, first a refused one, and the portal lists it."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_tendering import sign_in_as

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "ocds-import"


def test_a_citizen_checks_the_audit_export_and_a_tampered_copy(visitor, tmp_path):
    page = visitor.visit("/audit/", "audit-trail-with-export-links")
    link = page.get_by_role("link", name="download the public export (JSON)")
    response = page.request.get(visitor.base_url + str(link.get_attribute("href")))
    assert response.ok
    assert response.headers["content-type"] == "application/json"
    exported = tmp_path / "audit-export.json"
    exported.write_bytes(response.body())
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert len(document["events"]) == document["head"]["seq"] > 0

    page.get_by_role("link", name="check it here").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check an audit export")
    page.get_by_label("Audit export (JSON)").set_input_files(str(exported))
    page.get_by_role("button", name="Check the export").click()
    expect(page.get_by_role("status")).to_contain_text(f"All {len(document['events'])} events were re-computed")
    visitor.check("audit-export-intact")

    public = next(e for e in document["events"] if e["public"])
    public["payload"] = {"tampered": True}
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document), encoding="utf-8")
    page.get_by_label("Audit export (JSON)").set_input_files(str(tampered))
    page.get_by_role("button", name="Check the export").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Event #{public['seq']} fails: payload does not match")
    visitor.check("audit-export-tampered")


def test_an_administrator_imports_a_historical_package_and_the_portal_lists_it(visitor):
    page = visitor.page
    sign_in_as(visitor, "admin")
    visitor.visit("/open/imported/", "imported-empty")
    page.get_by_role("link", name="Import a package").click()
    page.get_by_label("OCDS package (JSON)").set_input_files(str(EXAMPLES / "bad-extension-url.json"))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("alert")).to_contain_text("2 problems in bad-extension-url.json; nothing was imported")
    expect(page.get_by_role("cell", name="extensions/3")).to_be_visible()
    visitor.check("import-refused-report")

    page.get_by_label("OCDS package (JSON)").set_input_files(str(EXAMPLES / "historical-release-package.json"))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("status")).to_contain_text("3 releases from Port Aurelia Procurement Archive")
    visitor.check("import-done")
    page.get_by_role("link", name="See the imported data").click()
    page.get_by_role("link", name="ocds-h1st0r-2019-017").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Harbour district LED street lighting (design, build, maintain)"
    )
    visitor.check("imported-record")
    visitor.visit("/open/imported/", "imported-list")


def test_the_audit_trail_names_roles_to_the_public_and_accounts_to_auditors(visitor):
    page = visitor.visit("/audit/", "audit-trail-roles-public")
    who = page.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert who
    assert not [w for w in who if "user:" in w]
    assert any("Procurement and PPP Unit" in w or w == "system" for w in who)
    sign_in_as(visitor, "auditor")
    page = visitor.visit("/audit/", "audit-trail-roles-auditor")
    expect(page.locator("tbody").first).to_contain_text("user:")
