"""The business case's cost-benefit analysis, affordability and funding mix, its PDF report and the city's
register of PPP commitments: in the browser's forms, the API and the exports."""

import io
import json

import pytest
from openpyxl import load_workbook

from civicpact.appraisal.models import BusinessCase
from civicpact.pipeline.models import Project


def charts(html: str) -> int:
    """The SVG charts in the page's main content (the header's icons are not charts)."""
    return html.split("<main", 1)[1].split("</main>", 1)[0].count("<svg")


def lighting() -> Project:
    return Project.objects.get(title="Smart street lighting and sensor network")


def case() -> BusinessCase:
    return BusinessCase.objects.get(project=lighting())


def url(tail: str = "") -> str:
    return f"/appraisal/projects/{lighting().pk}/business-case/{tail}"


def cba_form(**change):
    data = {
        "version": case().version,
        "cost_capex": "1000",
        "benefit_cash_savings": "0, 300, 300, 300, 300",
        "carbon_tonnes": "0, 10, 10",
        "carbon_price": "5",
    }
    data.update(change)
    return data


def management(prefix: str, total: int, initial: int = 0) -> dict[str, object]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 20,
    }


def affordability_form(**change):
    data: dict[str, object] = {
        "version": case().version,
        "first_calendar_year": 2027,
        "envelope_0": ", ".join(["2000000"] * 13),
        **management("funding", 1),
        "funding-0-kind": "loan",
        "funding-0-name": "Green city bond",
        "funding-0-amount": "1000000",
        "funding-0-first_year": "0",
        "funding-0-rate": "0.05",
        "funding-0-tenor": "10",
        **management("guarantee", 1),
        "guarantee-0-name": "Minimum revenue guarantee",
        "guarantee-0-maximum": "200000",
        "guarantee-0-probability": "0.1",
        "guarantee-0-first_year": "2",
        "guarantee-0-last_year": "5",
    }
    data.update(change)
    return data


# --- the demo ------------------------------------------------------------------------------------------------


def test_the_demo_case_shows_its_proof_of_value(client_for, analyst):
    html = client_for(analyst).get(url("cba/")).content.decode()
    assert "Proof of value" in html
    assert "benefit-cost ratio of 1.11" in html
    assert "largest benefit is cash savings" in html
    assert charts(html) == 1
    assert "Costs and benefits per year" in html


def test_the_demo_case_shows_a_shortfall_in_the_mobilisation_year_and_its_funding_mix(client_for, analyst):
    html = client_for(analyst).get(url("affordability/")).content.decode()
    assert "Short of the envelope from 2028" in html
    assert "the largest shortfall is 30,000, in 2028" in html
    assert "Termination compensation" in html
    assert "department budget" in html
    assert charts(html) == 1


def test_the_value_for_money_page_shows_the_s_curve_with_its_table(client_for, analyst):
    html = client_for(analyst).get(url()).content.decode()
    assert "Share of simulated futures at or below each net present cost" in html
    assert "Cumulative share of simulated futures" in html
    assert charts(html) == 4


# --- saving through the forms ------------------------------------------------------------------------------


def test_an_analyst_saves_cost_benefit_lines_and_the_other_blocks_stay(client_for, analyst):
    before = dict(case().inputs)
    response = client_for(analyst).post(url("cba/"), cba_form())
    assert response.status_code == 302
    saved = case().inputs
    assert saved["cba"] == {
        "costs": {"capex": [1000.0]},
        "benefits": {"cash_savings": [0.0, 300.0, 300.0, 300.0, 300.0]},
        "carbon": {"tonnes": [0.0, 10.0, 10.0], "price": 5.0},
    }
    assert saved["affordability"] == before["affordability"]
    assert saved["ppp_payments"] == before["ppp_payments"]


def test_saving_the_value_for_money_inputs_keeps_the_cost_benefit_and_affordability(client_for, analyst):
    from tests.appraisal.test_business_case import form_data

    before = dict(case().inputs)
    assert client_for(analyst).post(url(), form_data()).status_code == 302
    assert case().inputs["cba"] == before["cba"]
    assert case().inputs["affordability"] == before["affordability"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"cost_capex": "1, two"}, "is not an amount"),
        ({"cost_capex": ", ".join(["1"] * 14)}, "more years than the horizon of 13"),
        ({"carbon_price": "-4"}, "greater than or equal to 0"),
        ({"cost_capex": "", "cost_opex": ""}, "costs are empty"),
    ],
)
def test_bad_cost_benefit_lines_are_errors_and_nothing_saved_is_lost(client_for, analyst, change, words):
    before = case().inputs
    response = client_for(analyst).post(url("cba/"), cba_form(**change))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert case().inputs == before


def test_an_analyst_saves_envelopes_funding_and_a_guarantee(client_for, analyst):
    response = client_for(analyst).post(url("affordability/"), affordability_form())
    assert response.status_code == 302
    block = case().inputs["affordability"]
    assert block["funding"] == [
        {
            "kind": "loan",
            "name": "Green city bond",
            "amount": 1_000_000.0,
            "first_year": 0,
            "rate": 0.05,
            "tenor": 10,
            "grace": 0,
            "last_year": None,
        }
    ]
    assert block["guarantees"][0]["maximum"] == 200_000
    html = client_for(analyst).get(url("affordability/")).content.decode()
    assert "Affordable in every year" in html
    assert "Borrowing peaks at 1,000,000 outstanding in 2027" in html
    assert "129,505" in html  # the bond's yearly service: 1,000,000 at 5% over 10 years


def test_a_source_can_be_removed_and_a_blank_row_is_ignored(client_for, analyst):
    demo = case().inputs["affordability"]["funding"]  # three sources: the initial rows
    data = affordability_form(**management("funding", len(demo) + 2, initial=len(demo)))
    for index, source in enumerate(demo):
        for key, value in source.items():
            data[f"funding-{index}-{key}"] = "" if value is None else str(value)
    data["funding-0-DELETE"] = "on"  # drop the grant; rows 3 and 4 stay blank, as a browser sends them
    for index in (3, 4):
        data.update({f"funding-{index}-kind": "", f"funding-{index}-name": "", f"funding-{index}-first_year": "0"})
    response = client_for(analyst).post(url("affordability/"), data)
    assert response.status_code == 302
    kept = case().inputs["affordability"]["funding"]
    assert [source["name"] for source in kept] == [source["name"] for source in demo[1:]]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"funding-0-tenor": ""}, "needs a repayment tenor of 1 to 100 years"),
        ({"funding-0-last_year": "4"}, "comes once"),
        ({"guarantee-0-last_year": "40"}, "within the horizon"),
        ({"guarantee-0-probability": "1.5"}, "less than or equal to 1"),
        ({"envelope_0": "1, x"}, "is not an amount"),
    ],
)
def test_bad_affordability_input_is_an_error_and_nothing_saved_is_lost(client_for, analyst, change, words):
    before = case().inputs
    response = client_for(analyst).post(url("affordability/"), affordability_form(**change))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert case().inputs == before


def test_a_stale_affordability_save_is_refused_not_overwritten(client_for, analyst, officer):
    stale = affordability_form()
    assert client_for(officer).post(url("cba/"), cba_form()).status_code == 302
    response = client_for(analyst).post(url("affordability/"), stale)
    assert response.status_code == 409
    assert "was changed by Omar Officer" in response.content.decode()


@pytest.mark.parametrize("persona", ["lead", "supplier", "evaluator", "auditor"])
def test_only_analysts_and_the_ppp_unit_change_cost_benefit_and_affordability(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    before = case().inputs
    assert client.post(url("cba/"), cba_form()).status_code in (403, 404)
    assert client.post(url("affordability/"), affordability_form()).status_code in (403, 404)
    assert case().inputs == before


def test_an_auditor_reads_the_pages_without_forms(client_for, auditor):
    html = client_for(auditor).get(url("affordability/")).content.decode()
    assert "Year by year" in html
    assert '<form class="stack" method="post"' not in html


def test_suppliers_and_the_public_cannot_read_the_business_case(client_for, supplier, citizen):
    assert client_for(supplier).get(url("cba/")).status_code in (403, 404)
    assert citizen.get(url("affordability/")).status_code == 302  # to the sign-in page


# --- exports -------------------------------------------------------------------------------------------------


def test_the_council_report_downloads_as_a_pdf(client_for, analyst):
    response = client_for(analyst).get(f"/appraisal/projects/{lighting().pk}/business-case.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.content.count(b"/Type /Page\n") + response.content.count(b"/Type /Page/") >= 0
    assert len(response.content) > 20_000


def test_the_xlsx_carries_the_cost_benefit_and_affordability_sheets(client_for, analyst):
    response = client_for(analyst).get(f"/appraisal/projects/{lighting().pk}/business-case.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert {"Cash flows", "Risks", "Cost-benefit", "Affordability", "Result"} <= set(book.sheetnames)
    rows = list(book["Affordability"].iter_rows(values_only=True))
    assert rows[0][:4] == ("year", "payments", "envelope", "gap")
    assert rows[2][3] == pytest.approx(-30_000)


# --- API -----------------------------------------------------------------------------------------------------


def api(tail: str = "") -> str:
    return f"/api/v1/appraisal/projects/{lighting().pk}/business-case{tail}"


def test_the_api_reports_the_cost_benefit_and_affordability(client_for, analyst):
    body = client_for(analyst).get(api("/analysis")).json()
    assert body["cba"]["bcr"] == pytest.approx(1.111, abs=0.001)
    assert body["cba"]["irr"]["kind"] == "one"
    assert body["affordability"]["first_shortfall_year"] == 1
    assert body["affordability"]["rows"][1]["calendar_year"] == 2028
    assert body["affordability"]["largest_shortfall"] == pytest.approx(30_000)
    assert "2028" in body["affordability"]["summary"]


def test_the_api_refuses_bad_blocks_with_the_field_named(client_for, analyst):
    client = client_for(analyst)
    current = client.get(api()).json()
    inputs = {**current["inputs"], "cba": {"costs": {"capex": "lots"}}}
    response = client.put(api(), {"version": current["version"], "inputs": inputs}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cba.costs.capex"
    funding = [{"kind": "bond", "amount": 5, "rate": 0.04}]
    inputs = {**current["inputs"], "affordability": {**current["inputs"]["affordability"], "funding": funding}}
    response = client.put(api(), {"version": current["version"], "inputs": inputs}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "affordability.funding[0].tenor"
    assert client.get(api()).json()["version"] == current["version"]


def test_suppliers_cannot_read_the_analysis(client_for, supplier):
    assert client_for(supplier).get(api("/analysis")).status_code == 403


# --- the commitments register ----------------------------------------------------------------------------------


def test_the_register_rolls_up_every_business_case_by_budget_year(client_for, auditor):
    html = client_for(auditor).get("/appraisal/commitments/").content.decode()
    assert "Smart street lighting and sensor network" in html
    assert "18,060,000" in html
    assert "2039" in html
    body = client_for(auditor).get("/api/v1/appraisal/commitments").json()
    assert body["grand_total"] == pytest.approx(18_060_000)
    assert body["years"][0]["year"] == 2027
    assert body["years"][1]["contingent_maximum"] == pytest.approx(6_000_000)
    later = client_for(auditor).get("/api/v1/appraisal/commitments?from_year=2030").json()
    assert later["years"][0]["year"] == 2030


@pytest.mark.parametrize("persona", ["lead", "supplier", "evaluator"])
def test_the_register_is_refused_to_those_without_a_city_wide_view(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/appraisal/commitments/").status_code == 403
    assert client.get("/api/v1/appraisal/commitments").status_code == 403


def test_the_register_page_makes_few_queries(client_for, analyst, django_assert_max_num_queries):
    client = client_for(analyst)
    with django_assert_max_num_queries(12):
        client.get("/appraisal/commitments/")


def test_the_cli_case_file_may_carry_cost_benefit_and_affordability(tmp_path, capsys):
    from civicpact.cli import main
    from civicpact.demo.seed import LIGHTING_CASE

    path = tmp_path / "case.json"
    path.write_text(json.dumps(LIGHTING_CASE))
    assert main(["vfm", str(path), "--iterations", "2000"]) == 0
    out = capsys.readouterr().out
    assert "benefit-cost ratio of 1.11" in out
    assert "largest shortfall is 30,000, in 2028" in out


def test_a_bad_block_in_a_case_file_exits_2_naming_the_field_before_simulating(tmp_path, capsys):
    from civicpact.cli import main
    from civicpact.demo.seed import LIGHTING_CASE

    bad = {**LIGHTING_CASE, "affordability": {"funding": [{"kind": "loan", "amount": 5, "rate": 0.04}]}}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(bad))
    assert main(["vfm", str(path)]) == 2
    captured = capsys.readouterr()
    assert "affordability.funding[0].tenor" in captured.err
    assert "Value for money" not in captured.out


def test_the_analysts_home_lists_the_business_cases_with_their_latest_value_for_money(
    client_for, analyst, django_assert_max_num_queries
):
    client = client_for(analyst)
    with django_assert_max_num_queries(30):
        html = client.get("/").content.decode()
    assert "value for money" in html
    assert "% of the PSC" in html
    assert 'href="/appraisal/commitments/"' in html


def test_a_lead_sees_neither_the_register_link_nor_the_business_case_list(client_for, lead):
    html = client_for(lead).get("/").content.decode()
    assert "/appraisal/commitments/" not in html
    assert "% of the PSC" not in html


def test_the_largest_run_is_configured_and_refused_above_it_everywhere(settings, client_for, analyst):
    from civicpact.appraisal.models import VfmRun

    settings.CIVICPACT_MAX_ITERATIONS = 50_000
    before = VfmRun.objects.count()
    client = client_for(analyst)
    page = client.post(url("run/"), {"iterations": 60_000, "seed": 1}, follow=True).content.decode()
    assert "less than or equal to 50000" in page
    response = client.post(api("/runs"), {"iterations": 60_000, "seed": 1}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "iterations"
    assert "CIVICPACT_MAX_ITERATIONS" in response.json()["errors"][0]["message"]
    assert VfmRun.objects.count() == before


# --- cancelling a run ------------------------------------------------------------------------------------------


def test_a_cancelled_run_is_skipped_by_the_worker_and_the_last_result_stays(flushable_ledger, client_for, analyst):
    from django.core.management import call_command

    from civicpact.appraisal.models import VfmRun

    client = client_for(analyst)
    good = VfmRun.objects.get(project=lighting(), status="done")
    client.post(url("run/"), {"iterations": 20_000, "seed": 5})
    run = VfmRun.objects.filter(project=lighting()).first()
    assert run.status == "queued"
    page = client.get(url(f"runs/{run.pk}/")).content.decode()
    assert "Cancel this run" in page
    response = client.post(url(f"runs/{run.pk}/cancel/"), follow=True)
    assert "The run is cancelled" in response.content.decode()
    call_command("db_worker", batch=True, verbosity=0)
    run.refresh_from_db()
    assert (run.status, run.result) == ("cancelled", None)
    assert lighting().vfm_runs.filter(status="done").first() == good
    again = client.post(api(f"/runs/{run.pk}/cancel"))
    assert again.status_code == 409
    assert "already cancelled" in again.json()["detail"]


def test_a_run_cancelled_while_it_runs_stops_at_the_next_chunk(analyst):
    from civicpact.appraisal import services
    from civicpact.appraisal.models import VfmRun

    run = services.vfm_run_start(actor=analyst, project_id=lighting().pk, iterations=300_000, seed=1)
    calls = []

    def cancel_after_first_chunk(done: int) -> None:
        calls.append(done)
        if len(calls) == 1:
            services.vfm_run_cancel(actor=analyst, project_id=lighting().pk, run_id=run.pk)

    original = VfmRun.objects.filter

    def watching_filter(*args, **kwargs):  # observe the progress writes without replacing the simulation
        query = original(*args, **kwargs)
        if kwargs.get("status") == "running":
            real_update = query.update

            def update(**fields):
                if "done" in fields and "status" not in fields:
                    cancel_after_first_chunk(fields["done"])
                return real_update(**fields)

            query.update = update  # type: ignore[method-assign]
        return query

    VfmRun.objects.filter = watching_filter  # type: ignore[method-assign]
    try:
        services.vfm_run_execute(run_id=run.pk)
    finally:
        VfmRun.objects.filter = original  # type: ignore[method-assign]
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert run.result is None
    assert run.done < 300_000


@pytest.mark.parametrize("persona", ["lead", "auditor", "supplier"])
def test_only_analysts_and_the_ppp_unit_cancel_runs(request, client_for, analyst, persona):
    from civicpact.appraisal import services

    run = services.vfm_run_start(actor=analyst, project_id=lighting().pk, iterations=5_000, seed=1)
    client = client_for(request.getfixturevalue(persona))
    assert client.post(url(f"runs/{run.pk}/cancel/")).status_code in (403, 404)
    assert client.post(api(f"/runs/{run.pk}/cancel")).status_code in (403, 404)
    run.refresh_from_db()
    assert run.status == "queued"
