"""Importing another publisher's OCDS package: checked first, all or nothing, kept apart from our own data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicpact.cli import main
from civicpact.ledger.models import AuditEvent, Ocid, Release
from civicpact.ledger.selectors import audit_chain_verify
from civicpact.transparency import imported
from civicpact.transparency.imports import ImportRefused, package_import
from civicpact.transparency.models import ImportedPackage, ImportedRelease

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "ocds-import"
RELEASES = EXAMPLES / "historical-release-package.json"
RECORDS = EXAMPLES / "historical-record-package.json"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def as_bytes(package: dict[str, Any]) -> bytes:
    return json.dumps(package).encode()


def test_the_example_release_package_imports_through_the_cli(capsys):
    assert main(["ocds", "import", str(RELEASES)]) == 0
    assert "imported 3 release(s)" in capsys.readouterr().out
    package = ImportedPackage.objects.get()
    assert package.publisher_name == "Port Aurelia Procurement Archive (2015-2024)"
    assert package.uri.endswith("historical-2019-2021.json")
    assert package.imported_by is None
    assert sorted(ImportedRelease.objects.values_list("release_id", flat=True)) == [
        "2019-017-award",
        "2019-017-tender",
        "2021-004-planning",
    ]


def test_imported_releases_keep_their_own_ids_and_never_enter_the_ledger(city):
    own_releases, own_ocids = Release.objects.count(), Ocid.objects.count()
    package_import(actor=None, data=RELEASES.read_bytes(), file_name="x.json")
    assert (Release.objects.count(), Ocid.objects.count()) == (own_releases, own_ocids)
    body = ImportedRelease.objects.get(release_id="2019-017-award").body
    assert body == load(RELEASES)["releases"][1]


def test_the_example_record_package_imports_embedded_and_compiled_releases(capsys):
    assert main(["ocds", "import", str(RECORDS), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "record_package"
    assert report["release_count"] == 3
    assert ImportedRelease.objects.get(ocid="ocds-h1st0r-2016-009").compiled


def test_importing_the_same_file_again_stores_nothing_new(capsys):
    assert main(["ocds", "import", str(RELEASES)]) == 0
    events = AuditEvent.objects.count()
    assert main(["ocds", "import", str(RELEASES)]) == 0
    assert "already imported" in capsys.readouterr().out
    assert ImportedPackage.objects.count() == 1
    assert ImportedRelease.objects.count() == 3
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("name", "path", "message"),
    [
        ("bad-malformed.json", "(top level)", "not valid JSON: line 3"),
        ("bad-wrong-version.json", "version", "OCDS version '1.0' is not supported"),
        ("bad-duplicate-ocid.json", "records/1/ocid", "has more than one record"),
        ("bad-extension-url.json", "extensions/3", "ocds_lots_extension/v9.9/extension.json: not an extension"),
    ],
)
def test_a_bad_example_is_refused_with_its_report_and_nothing_imported(capsys, name, path, message):
    assert main(["ocds", "import", str(EXAMPLES / name)]) == 1
    out = capsys.readouterr().out
    assert "refused, nothing imported" in out
    assert f"  {path}: " in out
    assert message in out
    assert ImportedPackage.objects.count() == ImportedRelease.objects.count() == 0


def test_a_refusal_leaves_a_private_audit_event():
    report = package_import(actor=None, data=b"{", file_name="broken.json")
    assert not report.ok
    event = AuditEvent.objects.get(action="ocds.import-refuse")
    assert not event.public
    assert event.payload["problems"] == 1


def test_an_import_leaves_a_public_audit_event_and_the_chain_holds():
    report = package_import(actor=None, data=RELEASES.read_bytes(), file_name="h.json")
    event = AuditEvent.objects.get(action="ocds.import")
    assert event.public
    assert event.object_ref == f"transparency.importedpackage:{report.package_id_text()}"
    assert event.payload["ocids"] == ["ocds-h1st0r-2019-017", "ocds-h1st0r-2021-004"]
    assert audit_chain_verify().ok


def test_a_schema_error_is_named_by_its_path():
    package = load(RELEASES)
    package["releases"][0]["tender"]["status"] = "somewhere"
    del package["releases"][2]["date"]
    report = package_import(actor=None, data=as_bytes(package))
    paths = {p["path"] for p in report.problems}
    assert "releases/0/tender/status" in paths
    assert "releases/2" in paths
    assert "releases/2/date" in paths


def test_a_duplicate_release_id_in_the_file_is_refused():
    package = load(RELEASES)
    package["releases"].append(copy.deepcopy(package["releases"][0]))
    report = package_import(actor=None, data=as_bytes(package))
    assert {
        "path": "releases/3/id",
        "message": "release id '2019-017-tender' appears more than once for ocid 'ocds-h1st0r-2019-017'",
    } in report.problems


def test_an_ocid_already_imported_from_another_file_is_refused():
    package_import(actor=None, data=RELEASES.read_bytes())
    changed = load(RELEASES)
    changed["uri"] = "https://archive.port-aurelia.example/ocds/again.json"
    report = package_import(actor=None, data=as_bytes(changed))
    assert {
        "path": "releases/0/ocid",
        "message": "ocid 'ocds-h1st0r-2019-017' was already imported from another package",
    } in report.problems
    assert ImportedPackage.objects.count() == 1


def test_an_ocid_of_our_own_is_refused(city):
    own = Release.objects.order_by("pk").first()
    assert own is not None
    package = load(RELEASES)
    package["releases"][0]["ocid"] = own.ocid
    report = package_import(actor=None, data=as_bytes(package))
    assert any("one of this publisher's own" in p["message"] for p in report.problems)


def test_a_package_that_is_no_ocds_package_is_refused():
    report = package_import(actor=None, data=b'{"hello": "world"}')
    assert report.problems == [
        {
            "path": "(top level)",
            "message": "neither a release package (a 'releases' array) nor a record package (a 'records' array)",
        }
    ]


def test_only_administrators_import(officer, auditor):
    for person in (officer, auditor):
        with pytest.raises(ImportRefused):
            package_import(actor=person, data=RELEASES.read_bytes())
    assert ImportedPackage.objects.count() == 0


def test_an_administrator_imports_through_the_upload_page(client_for, admin_user):
    client = client_for(admin_user)
    upload = SimpleUploadedFile("h.json", RELEASES.read_bytes(), content_type="application/json")
    response = client.post("/open/imported/upload/", {"package": upload})
    assert response.status_code == 200
    assert "Imported" in response.content.decode()
    assert ImportedPackage.objects.get().imported_by == admin_user


def test_the_upload_page_shows_the_report_of_a_refused_file(client_for, admin_user):
    upload = SimpleUploadedFile("v.json", (EXAMPLES / "bad-wrong-version.json").read_bytes())
    response = client_for(admin_user).post("/open/imported/upload/", {"package": upload})
    assert response.status_code == 422
    page = response.content.decode()
    assert "nothing was imported" in page
    assert "OCDS version &#x27;1.0&#x27; is not supported" in page


@pytest.mark.parametrize("username", ["officer", "auditor", "supplier"])
def test_the_upload_page_is_denied_to_everyone_but_administrators(client_for, city, username):
    from civicpact.accounts.models import User

    client = client_for(User.objects.get(username=username))
    assert client.get("/open/imported/upload/").status_code == 403
    upload = SimpleUploadedFile("h.json", RELEASES.read_bytes())
    assert client.post("/open/imported/upload/", {"package": upload}).status_code == 403
    assert ImportedPackage.objects.count() == 0


def test_a_citizen_is_sent_to_sign_in_for_the_upload_page(citizen):
    response = citizen.get("/open/imported/upload/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_api_imports_for_administrators_and_refuses_others(client_for, admin_user, officer):
    upload = SimpleUploadedFile("h.json", RELEASES.read_bytes())
    denied = client_for(officer).post("/api/v1/ocds/imports", {"file": upload})
    assert denied.status_code == 403
    upload = SimpleUploadedFile("h.json", RELEASES.read_bytes())
    created = client_for(admin_user).post("/api/v1/ocds/imports", {"file": upload})
    assert created.status_code == 201
    assert created.json()["release_count"] == 3
    upload = SimpleUploadedFile("h.json", RELEASES.read_bytes())
    again = client_for(admin_user).post("/api/v1/ocds/imports", {"file": upload})
    assert again.status_code == 200
    assert again.json()["already_imported"]


def test_the_api_answers_a_refused_file_with_its_report(client_for, admin_user):
    upload = SimpleUploadedFile("d.json", (EXAMPLES / "bad-duplicate-ocid.json").read_bytes())
    response = client_for(admin_user).post("/api/v1/ocds/imports", {"file": upload})
    assert response.status_code == 422
    assert {"path": "records/1/ocid", "message": "ocid 'ocds-h1st0r-2017-002' has more than one record"} in (
        response.json()["problems"]
    )


def test_the_api_without_a_sign_in_is_refused(citizen):
    upload = SimpleUploadedFile("h.json", RELEASES.read_bytes())
    assert citizen.post("/api/v1/ocds/imports", {"file": upload}).status_code == 401


def test_the_public_list_page_and_api_show_imported_records(citizen, django_assert_max_num_queries):
    package_import(actor=None, data=RELEASES.read_bytes())
    package_import(actor=None, data=RECORDS.read_bytes())
    with django_assert_max_num_queries(6):
        page = citizen.get("/open/imported/").content.decode()
    assert "Harbour district LED street lighting" in page
    assert 'href="/open/imported/ocds-h1st0r-2019-017/"' in page
    assert "Waterfront public Wi-Fi" in page
    with django_assert_max_num_queries(2):
        packages = citizen.get("/api/v1/ocds/imports").json()
    assert {p["release_total"] for p in packages} == {3}


def test_an_imported_record_is_compiled_from_its_releases(citizen):
    package_import(actor=None, data=RELEASES.read_bytes())
    record = imported.imported_record_get(ocid="ocds-h1st0r-2019-017")
    assert record is not None
    assert record["imported"] is True
    assert record["compiledRelease"]["tag"] == ["compiled"]
    assert record["compiledRelease"]["awards"][0]["id"] == "2019-017-A1"
    assert record["compiledRelease"]["tender"]["title"].startswith("Harbour district")
    assert record["publisher"]["name"] == "Port Aurelia Procurement Archive (2015-2024)"
    api = citizen.get("/api/v1/ocds/imported/ocds-h1st0r-2019-017").json()
    assert api["compiledRelease"] == record["compiledRelease"]
    assert citizen.get("/open/imported/ocds-h1st0r-2019-017/").status_code == 200
    assert citizen.get("/open/imported/ocds-none-1/").status_code == 404
    assert citizen.get("/api/v1/ocds/imported/ocds-none-1").status_code == 404


def test_a_compiled_only_record_shows_its_compiled_release():
    package_import(actor=None, data=RECORDS.read_bytes())
    record = imported.imported_record_get(ocid="ocds-h1st0r-2016-009")
    assert record is not None
    assert record["releases"] == []
    assert record["compiledRelease"]["planning"]["project"]["title"] == "Waterfront public Wi-Fi"


def test_a_package_of_many_processes_imports_whole():
    package = load(RELEASES)
    template = package["releases"][2]
    package["releases"] = [
        {**template, "ocid": f"ocds-h1st0r-bulk-{n:05d}", "id": f"bulk-{n:05d}"} for n in range(1200)
    ]
    report = package_import(actor=None, data=as_bytes(package))
    assert report.ok, report.problems[:3]
    assert ImportedRelease.objects.count() == 1200
    again = load(RELEASES)
    again["releases"] = package["releases"][1199:]
    assert any("already imported" in p["message"] for p in package_import(actor=None, data=as_bytes(again)).problems)
