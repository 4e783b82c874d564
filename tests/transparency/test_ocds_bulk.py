"""Bulk data: one release package of everything published, flattened to XLSX and CSV with the package metadata."""

from __future__ import annotations

import csv
import io
import json
import warnings
import zipfile

import pytest
from openpyxl import load_workbook

from civicpact.ledger.models import Release
from civicpact.transparency import bulk

pytestmark = pytest.mark.django_db

BULK = "/api/v1/ocds/bulk"


@pytest.fixture(autouse=True)
def _bulk_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_bulk_json_is_everything_published_as_one_release_package(city, citizen, settings):
    response = citizen.get(f"{BULK}/releases.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    package = json.loads(_content(response))
    assert package["uri"] == settings.CIVICPACT_PUBLIC_URL + "/api/v1/ocds/bulk/releases.json"
    assert len(package["releases"]) == Release.objects.count()
    assert "links" not in package


def test_bulk_files_are_generated_once_per_state_of_the_ledger(city, citizen, django_assert_num_queries):
    _content(citizen.get(f"{BULK}/releases.json"))
    with django_assert_num_queries(1):  # the newest release's id: the file is reused
        _content(citizen.get(f"{BULK}/releases.json"))


def test_a_new_release_gives_new_bulk_files(city, citizen, officer):

    from civicpact.ledger import services

    first = json.loads(_content(citizen.get(f"{BULK}/releases.json")))
    ocid = first["releases"][0]["ocid"]
    services.release_append(actor=officer, ocid=ocid, tags=["planningUpdate"], sections={})
    second = json.loads(_content(citizen.get(f"{BULK}/releases.json")))
    assert len(second["releases"]) == len(first["releases"]) + 1
    assert len(list(bulk.bulk_root().iterdir())) == 1  # the old files are gone


def test_the_xlsx_has_the_releases_and_the_package_metadata(city, citizen, settings):
    response = citizen.get(f"{BULK}/releases.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(_content(response)), read_only=True)
    assert workbook.sheetnames[:2] == ["Meta", "main"]
    meta = {row[0]: row[1] for row in workbook["Meta"].iter_rows(values_only=True)}
    assert meta["version"] == "1.1"
    assert meta["publisher/name"] == settings.CIVICPACT_PUBLISHER_NAME
    assert meta["license"] == settings.CIVICPACT_OCDS_LICENSE
    assert len(meta["extensions"].split(";")) == 14
    main_rows = list(workbook["main"].iter_rows(values_only=True))
    assert main_rows[0][:2] == ("ocid", "id")
    assert len(main_rows) - 1 == Release.objects.count()


def test_the_csv_zip_has_a_file_per_sheet_and_the_metadata(city, citizen):
    response = citizen.get(f"{BULK}/releases-csv.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(_content(response)))
    names = archive.namelist()
    assert {"main.csv", "Meta.csv"} <= set(names)
    meta = dict(csv.reader(io.StringIO(archive.read("Meta.csv").decode())))
    assert meta["uri"].endswith("/api/v1/ocds/bulk/releases.json")
    main_rows = list(csv.reader(io.StringIO(archive.read("main.csv").decode())))
    assert len(main_rows) - 1 == Release.objects.count()


def test_flattentool_reads_the_xlsx_back_with_its_metadata(city, citizen, tmp_path):
    from flattentool import unflatten
    from flattentool.exceptions import FlattenToolWarning

    path = tmp_path / "releases.xlsx"
    path.write_bytes(_content(citizen.get(f"{BULK}/releases.xlsx")))
    out = tmp_path / "back.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FlattenToolWarning)
        unflatten(
            str(path),
            input_format="xlsx",
            output_name=str(out),
            root_list_path="releases",
            root_id="ocid",
            schema=str(bulk.schema_path()),
            metatab_name="Meta",
            metatab_vertical_orientation=True,
        )
    back = json.loads(out.read_text(encoding="utf-8"))
    original = bulk.export_package()
    assert back["publisher"] == original["publisher"]
    assert back["uri"] == original["uri"]
    assert sorted(r["id"] for r in back["releases"]) == sorted(r["id"] for r in original["releases"])
