"""OCDS validation with libcoveocds, offline: the demo city's export is clean, tampered packages are reported."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from civicpact.cli import main
from civicpact.demo.seed import seed_demo_city
from civicpact.domain import ocds
from civicpact.transparency import bulk, packages, selectors, validate

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
VALID_EXAMPLE = EXAMPLES / "ocds-release-package.json"
INVALID_EXAMPLE = EXAMPLES / "ocds-release-package-invalid.json"


def assert_clean(report: validate.Report) -> None:
    """What the issue asks of the demo export, on the fields libcoveocds really returns."""
    assert report.validation_errors == []
    assert report.additional_closed_codelist_values == {}
    assert report.invalid_extension == {}
    assert report.is_extended_schema is True
    assert report.additional_fields == []
    assert report.records_errors == []
    assert report.is_valid


@pytest.fixture
def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VALID_EXAMPLE.read_text(encoding="utf-8"))
    return data


def test_the_declared_extensions_are_exactly_the_mirrored_ones(settings):
    mirror = Path(settings.CIVICPACT_OCDS_DIR) / "extensions"
    mirrored = sorted(str(p.relative_to(mirror)) for p in mirror.glob("*/*/*/extension.json"))
    declared = sorted(url.removeprefix("https://raw.githubusercontent.com/") for url in ocds.extension_urls())
    assert len(declared) == 14
    assert declared == mirrored


@pytest.mark.django_db
def test_the_demo_citys_export_validates_with_every_extension_applied(city):
    package = bulk.export_package()
    report = validate.validate_package(package)
    assert_clean(report)
    assert report.releases == len(package["releases"]) > 0
    assert len(report.extensions) == 14


@pytest.mark.django_db
def test_the_full_demo_export_with_contracts_and_statements_validates(db):
    seed_demo_city()
    package = bulk.export_package()
    tags = {tag for release in package["releases"] for tag in release["tag"]}
    assert {"contract", "implementation"} <= tags
    report = validate.validate_package(package)
    assert_clean(report)
    records = selectors.record_page(page=1, size=1000).items
    record_report = validate.validate_package(packages.record_package(records, uri=packages.bulk_uri()))
    assert_clean(record_report)
    assert record_report.ocids == len({r["ocid"] for r in package["releases"]})


@pytest.mark.django_db
def test_the_demo_citys_record_package_validates(city, citizen):
    package = citizen.get("/api/v1/ocds/records").json()
    report = validate.validate_package(package)
    assert report.package_type == "record package"
    assert_clean(report)
    assert report.ocids == len(package["records"])


def test_the_example_release_package_is_valid(example):
    assert_clean(validate.validate_package(example))


def test_a_wrong_type_is_a_validation_error(example):
    example["releases"][0]["tag"] = "planning"
    report = validate.validate_package(example)
    assert not report.is_valid
    assert [(e["path"], e["type"]) for e in report.validation_errors] == [("releases/0/tag", "array")]


def test_an_unknown_extension_is_reported_without_touching_the_network(example):
    unknown = (
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_unknown_extension/master/extension.json"
    )
    elsewhere = "https://extensions.example.org/ocds_local/extension.json"
    example["extensions"] += [unknown, elsewhere]
    report = validate.validate_package(example)
    assert report.invalid_extension == {unknown: "404: not found", elsewhere: "fetching failed"}
    assert not report.is_valid


def test_a_value_outside_a_closed_codelist_of_an_extension_is_reported(example):
    risk = {"id": "risk-1", "category": "design", "allocation": "government"}  # the codelist says "public"
    example["releases"][1]["contracts"] = [{"id": "c-1", "awardID": "a-1", "riskAllocation": [risk]}]
    report = validate.validate_package(example)
    assert not report.is_valid
    breach = report.additional_closed_codelist_values["releases/contracts/riskAllocation/allocation"]
    assert (breach["codelist"], breach["values"]) == ("riskAllocation.csv", ["government"])


def test_an_additional_field_is_reported(example):
    example["releases"][0]["planning"]["secretNote"] = "internal"
    report = validate.validate_package(example)
    assert report.additional_fields == ["/releases/planning/secretNote"]


def test_a_record_packages_compiled_release_is_checked_against_the_profile(example):
    release = example["releases"][0]
    compiled = copy.deepcopy(release) | {"id": f"{release['ocid']}-compiled", "tag": ["compiled"]}
    compiled["planning"]["budget"]["amount"]["amount"] = "a lot"
    package = {k: v for k, v in example.items() if k != "releases"}
    package["records"] = [{"ocid": release["ocid"], "releases": [release], "compiledRelease": compiled}]
    report = validate.validate_package(package)
    assert [e["path"] for e in report.records_errors] == ["records/0/compiledRelease/planning/budget/amount/amount"]
    assert not report.is_valid


def test_anything_but_a_package_is_refused():
    with pytest.raises(validate.NotAPackage):
        validate.validate_package([{"ocid": "x"}])


def test_the_local_adapter_refuses_other_hosts(settings):
    adapter = validate.LocalOCDSAdapter(Path(settings.CIVICPACT_OCDS_DIR))
    session = requests.Session()
    session.mount("https://", adapter)
    with pytest.raises(requests.ConnectionError):
        session.get("https://example.org/anything.json")
    archive = session.get("https://github.com/open-contracting-extensions/ocds_ppp_extension/archive/1.1.zip")
    assert archive.status_code == 200
    assert archive.content.startswith(b"PK")


# --- the command -------------------------------------------------------------------------------------------------


def test_validate_passes_the_example_file(capsys):
    assert main(["ocds", "validate", str(VALID_EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "VALID OCDS 1.1 release package (2 releases, 1 ocids)" in out
    assert "applied: 14" in out


def test_validate_fails_the_invalid_example_naming_each_problem(capsys):
    assert main(["ocds", "validate", str(INVALID_EXAMPLE)]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out
    assert "releases/1/tag: 'tag' is not a JSON array" in out
    assert "tenderStatus.csv: releases/tender/status = open" in out
    assert "ocds_no_such_extension" in out


def test_validate_prints_the_report_as_json(capsys):
    assert main(["ocds", "validate", "--json", str(INVALID_EXAMPLE)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["is_valid"] is False
    assert report["is_extended_schema"] is True
    assert len(report["invalid_extension"]) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("{not json", "is not valid JSON"), ('{"ocid": "x"}', "not an OCDS release or record")],
)
def test_validate_is_bad_usage_for_unreadable_files(tmp_path, capsys, content, message):
    path = tmp_path / "package.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["ocds", "validate", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_validate_refuses_an_unknown_ocds_version(example, tmp_path, capsys):
    path = tmp_path / "package.json"
    path.write_text(json.dumps(example | {"version": "9.9"}), encoding="utf-8")
    assert main(["ocds", "validate", str(path)]) == 2
    assert "version" in capsys.readouterr().err


@pytest.mark.django_db
def test_export_writes_everything_published_and_it_validates(city, tmp_path, capsys):
    from civicpact.ledger.models import Release

    out = tmp_path / "export.json"
    assert main(["ocds", "export", "--out", str(out)]) == 0
    package = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in package["releases"]) == sorted(Release.objects.values_list("release_id", flat=True))
    assert set(package) == {"uri", "version", "extensions", "publishedDate", "publisher", "license", "releases"}
    assert main(["ocds", "validate", str(out)]) == 0


def test_validate_is_bad_usage_without_the_ocds_schemas(settings, tmp_path, capsys):
    settings.CIVICPACT_OCDS_DIR = str(tmp_path)
    assert main(["ocds", "validate", str(VALID_EXAMPLE)]) == 2
    assert "CIVICPACT_OCDS_DIR" in capsys.readouterr().err
