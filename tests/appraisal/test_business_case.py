import pytest
from django.core.management import call_command

from civicpact.appraisal import services
from civicpact.appraisal.models import BusinessCase, VfmRun
from civicpact.pipeline.models import Project


def charts(html: str) -> int:
    """The SVG charts in the page's main content (the header's icons are not charts)."""
    return html.split("<main", 1)[1].split("</main>", 1)[0].count("<svg")


def lighting() -> Project:
    return Project.objects.get(title="Smart street lighting and sensor network")


def form_data(**change):
    case = BusinessCase.objects.get(project=lighting())
    data = {
        "horizon": 13,
        "discount_rate": "0.035",
        "correlation": "0",
        "psc_capex": "5500000, 3500000",
        "psc_opex": "0, 300000, " + ", ".join(["650000"] * 11),
        "ppp_payments": "0, 700000, " + ", ".join(["1450000"] * 11),
        "contract_management": "150000",
        "version": case.version,
    }
    data.update(change)
    return data


def test_the_demo_business_case_has_a_plausible_explained_result(client_for, analyst):
    run = VfmRun.objects.get(project=lighting(), status="done")
    assert run.result is not None
    assert 0 < run.result["vfm_percent_of_psc"] < 20
    html = client_for(analyst).get(f"/appraisal/projects/{lighting().pk}/business-case/").content.decode()
    assert "Value for money:" in html
    assert charts(html) == 4  # histogram, S-curve, tornado, yearly cash flows
    assert "What drives the value for money" in html


def test_an_analyst_saves_inputs_and_runs_the_simulation_on_the_worker(flushable_ledger, client_for, analyst):
    client = client_for(analyst)
    url = f"/appraisal/projects/{lighting().pk}/business-case/"
    saved = client.post(url, form_data())
    assert saved.status_code == 302
    started = client.post(url + "run/", {"iterations": 20_000, "seed": 9})
    run = VfmRun.objects.filter(project=lighting()).first()
    assert started["Location"] == f"{url}runs/{run.pk}/"
    assert run.status == "queued"
    call_command("db_worker", batch=True, verbosity=0)
    run.refresh_from_db()
    assert (run.status, run.done) == ("done", 20_000)
    fragment = client.get(f"{url}runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "status: <strong>done</strong>" in fragment


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"discount_rate": "0.9"}, "discount_rate", "absurd"),
        ({"horizon": "150"}, "horizon", "less than or equal to 100"),
        ({"ppp_payments": ""}, "ppp_payments", "empty"),
        ({"psc_opex": "1, two, 3"}, "psc_opex", "is not an amount"),
    ],
)
def test_bad_inputs_are_field_errors_and_the_saved_case_stays(client_for, analyst, change, field, words):
    before = BusinessCase.objects.get(project=lighting()).version
    response = client_for(analyst).post(f"/appraisal/projects/{lighting().pk}/business-case/", form_data(**change))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert BusinessCase.objects.get(project=lighting()).version == before


def test_a_failed_run_leaves_the_previous_result_shown(analyst):
    good = VfmRun.objects.get(project=lighting(), status="done")
    run = services.vfm_run_start(actor=analyst, project_id=lighting().pk, iterations=1000, seed=1)
    VfmRun.objects.filter(pk=run.pk).update(case={"horizon": 0})
    services.vfm_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    assert "horizon" in run.error
    assert lighting().vfm_runs.filter(status="done").first() == good


def test_too_few_or_too_many_iterations_are_refused(client_for, analyst):
    response = client_for(analyst).post(
        f"/appraisal/projects/{lighting().pk}/business-case/run/", {"iterations": 10, "seed": 1}, follow=True
    )
    assert "iterations" in response.content.decode()
    assert VfmRun.objects.filter(project=lighting()).count() == 1


@pytest.mark.parametrize(("persona", "status"), [("lead", 403), ("supplier", 403), ("evaluator", 403)])
def test_only_analysts_and_the_ppp_unit_change_the_business_case(request, city, client_for, persona, status):
    client = client_for(request.getfixturevalue(persona))
    assert client.post(f"/appraisal/projects/{lighting().pk}/business-case/", form_data()).status_code == status


def test_the_cli_reproduces_the_simulated_numbers(tmp_path, analyst):
    import json

    from civicpact.cli import main

    run = VfmRun.objects.get(project=lighting(), status="done")
    case_file, out = tmp_path / "case.json", tmp_path / "out.json"
    case_file.write_text(json.dumps(run.case))
    assert (
        main(["vfm", str(case_file), "--iterations", str(run.iterations), "--seed", str(run.seed), "--out", str(out)])
        == 0
    )
    assert run.result is not None
    assert json.loads(out.read_text())["vfm"] == run.result["vfm"]


def test_the_business_case_api_saves_runs_and_reports(flushable_ledger, client_for, analyst, supplier):
    client = client_for(analyst)
    base = f"/api/v1/appraisal/projects/{lighting().pk}/business-case"
    current = client.get(base).json()
    bad = client.put(
        base,
        {"version": current["version"], "inputs": {**current["inputs"], "horizon": 500}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "horizon"
    stale = client.put(
        base, {"version": current["version"] - 1, "inputs": current["inputs"]}, content_type="application/json"
    )
    assert stale.status_code == 409
    queued = client.post(f"{base}/runs", {"iterations": 5000, "seed": 3}, content_type="application/json")
    assert queued.status_code == 202
    call_command("db_worker", batch=True, verbosity=0)
    run = client.get(f"{base}/runs/{queued.json()['id']}").json()
    assert run["status"] == "done"
    assert run["result"]["seed"] == 3
    assert client_for(supplier).get(base).status_code == 403


def test_the_cash_flows_download_as_xlsx(client_for, analyst):
    import io

    from openpyxl import load_workbook

    response = client_for(analyst).get(f"/appraisal/projects/{lighting().pk}/business-case.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Cash flows", "Risks", "Cost-benefit", "Affordability", "Result"]
    rows = list(book["Cash flows"].iter_rows(values_only=True))
    assert rows[0][0] == "year"
    assert len(rows) == 14
    assert rows[1][1] == 5_500_000
