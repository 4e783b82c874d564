"""The manager logs an incident, the partner records the response and a late fix, the manager computes the month's
statement, sees the KPI deduction and its incident, and raises a remediation plan that the partner submits — in
the real browser, pages checked and photographed."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_tendering import sign_in_as
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_incidents import kpis  # noqa: F401
from tests.performance.test_statements import last_month


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def report_incident(visitor, contract, reported):
    page = visitor.page
    visitor.visit(f"/contracts/{contract.pk}/performance/", "incidents-overview")
    page.get_by_role("link", name="Incident log").click()
    page.get_by_label("What is wrong, and where").fill("Light SL-0001 dark at the harbour gate.")
    page.get_by_label("Reported at").fill(local(reported))
    page.get_by_label("Response time KPI").select_option("response")
    page.get_by_label("Fix time KPI").select_option("fix")
    page.get_by_label("Asset id (from the register) (optional)").fill("SL-0001")
    page.get_by_role("button", name="Record the incident").click()
    expect(page.get_by_text("the KPIs' clocks started")).to_be_visible()
    visitor.check("incident-reported")
    return page.url


def respond_and_fix_late(visitor, incident_url, reported):
    page = visitor.page
    page.goto(incident_url)
    page.get_by_label("Responded at").fill(local(reported + timedelta(hours=1)))
    page.get_by_role("button", name="Record the response").click()
    expect(page.get_by_text("The response is recorded.")).to_be_visible()
    page.get_by_label("Fixed at").fill(local(reported + timedelta(hours=30)))
    page.get_by_role("button", name="Record the fix").click()
    expect(page.get_by_text("The fix is recorded.")).to_be_visible()
    visitor.check("incident-fixed-late")


def record_score(visitor, contract, month):
    page = visitor.page
    visitor.visit(f"/contracts/{contract.pk}/performance/scores/", "kpi-scores")
    page.get_by_label("Month (YYYY-MM)").fill(month)
    page.get_by_label("Score").fill("4.5")
    page.get_by_label("Source (survey, sample, inspection)").fill("Residents' panel, 380 answers.")
    page.get_by_role("button", name="Record the score").click()
    expect(page.get_by_text("target met")).to_be_visible()
    visitor.check("kpi-score-recorded")


def raise_plan(visitor):
    page = visitor.page
    page.get_by_role("link", name="Raise a remediation plan").click()
    page.get_by_label("The failure to remedy").fill("Late fix at the harbour gate")
    page.get_by_label("Actions required").fill("Keep spare drivers at the depot.")
    page.get_by_label("Deadline").fill((timezone.localdate() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Raise the plan").click()
    expect(page.get_by_text("The remediation plan is raised")).to_be_visible()
    visitor.check("remediation-raised")
    return page.url


def test_a_late_fix_becomes_a_kpi_deduction_and_a_remediation_plan(visitor, kpis):  # noqa: F811
    month, start = last_month()
    reported = start + timedelta(days=3, hours=8)
    page = visitor.page
    sign_in_as(visitor, "manager")
    incident_url = report_incident(visitor, kpis, reported)
    sign_in_as(visitor, "supplier")
    respond_and_fix_late(visitor, incident_url, reported)

    sign_in_as(visitor, "manager")
    record_score(visitor, kpis, month)
    visitor.visit(f"/contracts/{kpis.pk}/performance/", "incidents-overview-manager")
    page.get_by_label("Month (YYYY-MM)").fill(month)
    page.get_by_role("button", name="Compute the month's statement").click()
    kpi_row = page.get_by_role("row", name="Fixed within 24 hours")
    expect(kpi_row).to_contain_text("250.00")
    visitor.check("incidents-statement-kpi-deduction")
    kpi_row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Fixed within 24 hours")
    expect(page.get_by_role("rowheader")).to_have_count(1)
    visitor.check("incidents-drill-down")
    page.get_by_role("rowheader").get_by_role("link").click()
    plan_url = raise_plan(visitor)

    sign_in_as(visitor, "supplier")
    page.goto(plan_url)
    page.get_by_label("Your plan: actions, who, by when").fill("Forty spare drivers stocked by the 15th.")
    page.get_by_role("button", name="Submit the plan").click()
    expect(page.get_by_text("Submitted: waiting for the city's decision")).to_be_visible()
    visitor.check("remediation-submitted")
    visitor.visit(f"/contracts/{kpis.pk}/performance/remediation/", "remediation-list")
    visitor.visit(f"/contracts/{kpis.pk}/performance/incidents/?state=closed", "incidents-fixed")
