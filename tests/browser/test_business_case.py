"""The analyst builds, runs and reads the demo business case in the browser, downloads the council's PDF and the
XLSX, and reproduces the same numbers from the CLI; an auditor reads the city's commitments register."""

import json
from pathlib import Path

from playwright.sync_api import expect

from civicpact.appraisal.models import VfmRun
from civicpact.pipeline.models import Project


def lighting() -> Project:
    return Project.objects.get(title="Smart street lighting and sensor network")


def test_an_analyst_runs_the_business_case_and_reads_the_charts(visitor):
    page = visitor.page
    visitor.sign_in("analyst")
    visitor.visit(f"/appraisal/projects/{lighting().pk}/business-case/", "business-case")
    expect(page.get_by_role("img", name="What drives the value for money")).to_be_visible()
    s_curve = page.get_by_role("img", name="Share of simulated futures at or below each net present cost")
    expect(s_curve).to_be_visible()
    page.get_by_role("spinbutton", name="Iterations").fill("20000")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("progress")).to_be_visible()
    visitor.check("business-case-run-queued")
    visitor.run_jobs()
    expect(page.locator("#progress [role=status]")).to_contain_text("done", timeout=10_000)
    page.get_by_role("link", name="See the results").click()
    expect(page.get_by_text("of 20,000 simulated futures")).to_be_visible()
    visitor.check("business-case-result")


def test_an_analyst_builds_the_case_downloads_the_report_and_reproduces_it_from_the_cli(visitor, tmp_path, capsys):
    from civicpact.cli import main

    page = visitor.page
    base = f"/appraisal/projects/{lighting().pk}/business-case/"
    visitor.sign_in("analyst")

    # cost-benefit: a benefit line the demo lacks, with a typing mistake first
    visitor.visit(base + "cba/", "business-case-cba")
    expect(page.get_by_role("img", name="Costs and benefits per year (real prices)")).to_be_visible()
    page.get_by_label("Benefit: Revenue").fill("0, 0, 60000, 6O000")
    page.get_by_role("button", name="Save the cost-benefit lines").click()
    expect(page.get_by_role("alert")).to_contain_text("“6O000” is not an amount")
    visitor.check("business-case-cba-error")
    page.get_by_label("Benefit: Revenue").fill("0, 0, " + ", ".join(["90000"] * 11))
    page.get_by_role("button", name="Save the cost-benefit lines").click()
    expect(page.get_by_text("The cost-benefit lines are saved.")).to_be_visible()
    expect(page.get_by_text("benefit-cost ratio of 1.13")).to_be_visible()

    # affordability: the demo is short in its mobilisation year; a small bond in year 1 closes the gap
    visitor.visit(base + "affordability/", "business-case-affordability")
    expect(page.get_by_role("heading", name="Short of the envelope from 2028")).to_be_visible()
    row = page.get_by_role("group", name="Funding source 4")
    row.get_by_label("Kind").select_option("bond")
    row.get_by_label("Name").fill("Green city bond")
    row.get_by_label("Amount").fill("300000")
    row.get_by_label("Year received").fill("1")
    row.get_by_label("Rate").fill("0.04")
    row.get_by_label("Tenor (years)").fill("10")
    page.get_by_role("button", name="Save affordability and funding").click()
    expect(page.get_by_text("The affordability and funding mix are saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Affordable in every year")).to_be_visible()
    visitor.check("business-case-affordability-funded")

    # run it, then download the council's report and the spreadsheet
    visitor.visit(base, "business-case-before-run")
    page.get_by_role("spinbutton", name="Iterations").fill("20000")
    page.get_by_role("spinbutton", name="Random seed").fill("42")
    page.get_by_role("button", name="Run", exact=True).click()
    visitor.run_jobs()
    expect(page.locator("#progress [role=status]")).to_contain_text("done", timeout=10_000)
    page.get_by_role("link", name="See the results").click()
    shown = page.get_by_role("heading", name="Value for money:").inner_text()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Report for the council (PDF)").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Cash flows (.xlsx)").click()
    assert Path(xlsx.value.path()).read_bytes().startswith(b"PK")

    # the same numbers from the command line
    run = VfmRun.objects.filter(project=lighting(), status="done").first()
    assert (run.iterations, run.seed) == (20_000, 42)
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(run.case))
    assert main(["vfm", str(case_file), "--iterations", "20000", "--seed", "42"]) == 0
    printed = capsys.readouterr().out
    mean = shown.split(":")[1].split("(")[0].strip()  # e.g. "1,234,567"
    assert f"mean {mean} (" in printed
    assert "benefit-cost ratio of 1.13" in printed


def test_an_auditor_reads_the_commitments_register(visitor):
    visitor.sign_in("auditor")
    page = visitor.visit("/appraisal/commitments/", "commitments-register")
    expect(page.get_by_role("img", name="The city's PPP payment commitments by budget year")).to_be_visible()
    expect(page.get_by_role("link", name="Smart street lighting and sensor network")).to_be_visible()
