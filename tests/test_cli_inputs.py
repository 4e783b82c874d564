"""Every CLI input format has a JSON Schema and an example in docs/examples/ that runs."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from civicpact.cli import SCHEMAS, main

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
FORMATS = [("screen", "screening"), ("terms-check", "terms"), ("vfm", "vfm"), ("score", "score")]


@pytest.mark.parametrize(("command", "schema"), FORMATS)
def test_the_example_is_valid_against_its_schema_and_runs(command, schema, capsys):
    example = EXAMPLES / f"{schema}.json"
    schema_doc = json.loads((SCHEMAS / f"{schema}.schema.json").read_text())
    Draft202012Validator.check_schema(schema_doc)
    assert list(Draft202012Validator(schema_doc).iter_errors(json.loads(example.read_text()))) == []
    assert main([command, str(example)]) == 0
    assert capsys.readouterr().out.strip()


def test_screening_the_example_recommends_a_ppp_and_gives_json(capsys):
    assert main(["screen", str(EXAMPLES / "screening.json"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcome"] == "ppp_worth_pursuing"
    assert result["drivers"][0]["key"] == "value_over_traditional"


def test_the_example_term_sheet_has_the_gaps_the_checker_should_flag(capsys):
    assert main(["terms-check", str(EXAMPLES / "terms.json"), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {f["code"] for f in findings} >= {
        "data_ownership_undefined",
        "no_exit_plan",
        "long_tech_term_without_refresh",
        "ip_with_partner_without_licence",
    }


def test_strict_mode_fails_a_sheet_with_gaps():
    assert main(["terms-check", str(EXAMPLES / "terms.json"), "--strict"]) == 1


@pytest.mark.parametrize(
    ("command", "content", "words"),
    [
        ("screen", '{"public_need_clear": 9}', "is a required property"),
        ("screen", "not json", "is not valid JSON: line 1 column 1"),
        ("terms-check", '{"term_years": 0}', "term_years: 0 is less than the minimum of 1"),
        ("terms-check", '{"data_ownership": "nobody"}', "data_ownership"),
        ("terms-check", '{"colour": "red"}', "Additional properties are not allowed ('colour' was unexpected)"),
        ("terms-check", '{"deduction_cap_percent": "lots"}', "deduction_cap_percent: deduction_cap_percent must be a"),
    ],
)
def test_bad_input_is_exit_2_with_a_line_naming_the_field(tmp_path, capsys, command, content, words):
    path = tmp_path / "input.json"
    path.write_text(content)
    assert main([command, str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert err.count("\n") == 1


def test_a_missing_file_is_bad_usage(capsys):
    assert main(["screen", "/no/such/file.json"]) == 2
    assert "cannot read /no/such/file.json" in capsys.readouterr().err


def test_vfm_is_reproducible_and_records_the_seed(tmp_path, capsys):
    out_a, out_b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (out_a, out_b):
        assert (
            main(["vfm", str(EXAMPLES / "vfm.json"), "--iterations", "20000", "--seed", "7", "--out", str(out)]) == 0
        )
    assert out_a.read_text() == out_b.read_text()
    result = json.loads(out_a.read_text())
    assert result["seed"] == 7
    assert result["numpy_version"]
    assert "Probability that the PPP costs less" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"horizon": 10, "discount_rate": 0.9, "ppp_payments": [1]}', "discount_rate"),
        (
            '{"horizon": 10, "discount_rate": 0.03, "ppp_payments": [1], "psc_opex": [1], '
            '"risks": [{"probability": 0.5, "min": 9, "most_likely": 2, "max": 3}]}',
            "risks[0].min",
        ),
    ],
)
def test_vfm_bad_cases_exit_2_naming_the_field(tmp_path, capsys, content, words):
    path = tmp_path / "case.json"
    path.write_text(content)
    assert main(["vfm", str(path)]) == 2
    assert words in capsys.readouterr().err


def test_vfm_refuses_too_many_iterations(capsys):
    assert main(["vfm", str(EXAMPLES / "vfm.json"), "--iterations", "999999999"]) == 2
    assert "iterations" in capsys.readouterr().err


def test_scoring_the_example_tender_names_the_winner_the_disqualified_and_the_abnormally_low(capsys):
    assert main(["score", str(EXAMPLES / "score.json")]) == 0
    out = capsys.readouterr().out
    assert "Winner: Lumen Grid (72.49 points)" in out
    assert "BrightPath Systems: below threshold on Open standards and data access: 3 < 5" in out
    assert "Solaris Municipal: not eligible" in out
    assert "Civitas Lighting: 46.6% below the mean of the other bids (4,400,000)" in out
    assert "price (now 30): Civitas Lighting would win at 36.7" in out


def test_scoring_with_json_prints_the_ranking(capsys):
    assert main(["score", str(EXAMPLES / "score.json"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["winner"] == "Lumen Grid"
    assert [r["rank"] for r in result["results"]] == [1, 2, 3, None, None]
    # Lumen Grid's three evaluators average 8 on luminaires: 45 x 40% x 8/10 = 14.4 points
    assert result["results"][0]["points_by_criterion"]["technical.luminaires"] == pytest.approx(14.4)
    assert {s["criterion"] for s in result["sensitivity"]} == {"technical", "delivery", "sustainability", "price"}


TENDER = {
    "criteria": [
        {"key": "quality", "name": "Quality", "weight": 60, "threshold": 5},
        {"key": "price", "name": "Price", "weight": 40, "is_price": True},
    ]
}


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_a_tender_where_no_bid_qualifies_exits_1(tmp_path, capsys, extra):
    path = tmp_path / "tender.json"
    bids = [{"bidder": "weak", "price": 100, "scores": {"quality": 4}}, {"bidder": "late", "eligible": False}]
    path.write_text(json.dumps({**TENDER, "bids": bids}))
    assert main(["score", str(path), *extra]) == 1
    out = capsys.readouterr().out
    if extra:
        assert json.loads(out)["winner"] is None
    else:
        assert "No bid qualifies" in out
        assert "weak: below threshold on Quality: 4 < 5" in out


def test_a_tie_prints_the_rule_that_decided_it(tmp_path, capsys):
    path = tmp_path / "tender.json"
    bids = [
        {"bidder": "cheap", "price": 84_000, "scores": {"quality": 6}},
        {"bidder": "good", "price": 120_000, "scores": {"quality": 8}},
    ]
    path.write_text(json.dumps({**TENDER, "bids": bids}))
    assert main(["score", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Tied with cheap; decided by the higher quality points." in out
    assert "Tie-break rule: Equal totals go to the higher quality points" in out


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"bids": [{"bidder": "a", "price": 10, "scores": {"quality": 11}}]}, "bids[0].scores.quality: "),
        ({"bids": [{"bidder": "a", "price": 10, "scores": {}}]}, "bids[0].scores.quality: "),
        ({"bids": [{"bidder": "a", "scores": {"quality": 5}}]}, "bids[0].price: "),
        ({"bids": [{"bidder": "a", "price": 0, "scores": {"quality": 5}}]}, "bids/0/price: 0 is less than or equal"),
        (
            {"bids": [{"bidder": "a", "price": 10, "evaluators": [{"quality": 5}, {"quality": 12}]}]},
            "bids[0].evaluators[1].quality: ",
        ),
        (
            {"bids": [{"bidder": "a", "price": 10, "scores": {"quality": 5}, "evaluators": [{"quality": 5}]}]},
            "bids[0].evaluators: bids[0] gives both scores and evaluators",
        ),
        (
            {"bids": [{"bidder": "a", "price": 1, "scores": {"quality": 5}}, {"bidder": "a", "price": 1}]},
            "bids[1].bidder: ",
        ),
        ({"price_formula": "cheapest", "bids": []}, "price_formula: 'cheapest' is not one of"),
        (
            {"criteria": [{"key": "quality", "weight": 60}, {"key": "price", "weight": 30, "is_price": True}]},
            "criteria: the weights of criteria add up to 90, not 100",
        ),
        ({"colour": "red"}, "Additional properties are not allowed ('colour' was unexpected)"),
    ],
)
def test_a_bad_tender_exits_2_with_one_line_naming_the_field(tmp_path, capsys, change, words):
    path = tmp_path / "tender.json"
    path.write_text(json.dumps({**TENDER, "bids": [], **change}))
    assert main(["score", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert err.count("\n") == 1
