"""The analyst runs the demo business case in the browser and reads the result."""

from django.core.management import call_command
from playwright.sync_api import expect

from civicpact.pipeline.models import Project


def test_an_analyst_runs_the_business_case_and_reads_the_charts(visitor):
    project = Project.objects.get(title="Smart street lighting and sensor network")
    page = visitor.page
    visitor.sign_in("analyst")
    visitor.visit(f"/appraisal/projects/{project.pk}/business-case/", "business-case")
    expect(page.get_by_role("img", name="What drives the value for money")).to_be_visible()
    page.get_by_role("spinbutton", name="Iterations").fill("20000")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("progress")).to_be_visible()
    visitor.check("business-case-run-queued")
    call_command("db_worker", batch=True, verbosity=0)
    expect(page.locator("#progress [role=status]")).to_contain_text("done", timeout=10_000)
    page.get_by_role("link", name="See the results").click()
    expect(page.get_by_text("of 20,000 simulated futures")).to_be_visible()
    visitor.check("business-case-result")
