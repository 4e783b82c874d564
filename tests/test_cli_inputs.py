"""Every CLI input format has a JSON Schema and an example in docs/examples/ that runs."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from civicpact.cli import SCHEMAS, main

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
FORMATS = [("screen", "screening"), ("terms-check", "terms"), ("vfm", "vfm")]


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
