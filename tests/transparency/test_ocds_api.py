"""The OCDS API: release and record packages, paginated, public."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from civicpact.domain import ocds
from civicpact.ledger.models import Release

pytestmark = pytest.mark.django_db

API = "/api/v1/ocds"


@pytest.fixture
def small_pages(settings):
    settings.CIVICPACT_OCDS_PAGE_SIZE = 2


def test_the_release_list_is_a_public_release_package_with_the_package_metadata(city, citizen, settings):
    settings.CIVICPACT_OCDS_PUBLICATION_POLICY = "https://portaurelia.example/open-data-policy"
    settings.CIVICPACT_PUBLISHER_URI = "https://portaurelia.example"
    response = citizen.get(f"{API}/releases")
    assert response.status_code == 200
    package = response.json()
    assert package["version"] == "1.1"
    assert package["extensions"] == ocds.extension_urls()
    assert package["publisher"] == {"name": settings.CIVICPACT_PUBLISHER_NAME, "uri": "https://portaurelia.example"}
    assert package["license"] == settings.CIVICPACT_OCDS_LICENSE
    assert package["publicationPolicy"] == "https://portaurelia.example/open-data-policy"
    assert package["uri"] == "http://testserver/api/v1/ocds/releases"
    bodies = [r["id"] for r in package["releases"]]
    assert sorted(bodies) == sorted(Release.objects.values_list("release_id", flat=True))
    assert package["publishedDate"] == max(r["date"] for r in package["releases"])
    assert "links" not in package


def test_the_publisher_carries_its_scheme_and_uid_when_configured(city, citizen, settings):
    settings.CIVICPACT_PUBLISHER_SCHEME = "PT-NIF"
    settings.CIVICPACT_PUBLISHER_UID = "501306099"
    publisher = citizen.get(f"{API}/releases").json()["publisher"]
    assert (publisher["scheme"], publisher["uid"]) == ("PT-NIF", "501306099")


def test_release_pages_link_to_the_next_and_previous_pages(city, citizen, small_pages):
    first = citizen.get(f"{API}/releases").json()
    assert len(first["releases"]) == 2
    assert first["links"] == {"next": "http://testserver/api/v1/ocds/releases?page=2"}
    second = citizen.get(first["links"]["next"]).json()
    assert second["links"]["prev"] == "http://testserver/api/v1/ocds/releases?page=1"
    seen = [r["id"] for r in first["releases"] + second["releases"]]
    assert len(set(seen)) == 4


def test_the_last_page_has_no_next_link(city, citizen, small_pages):
    total = Release.objects.count()
    last = (total + 1) // 2
    package = citizen.get(f"{API}/releases", {"page": last}).json()
    assert "next" not in package["links"]
    assert citizen.get(f"{API}/releases", {"page": last + 1}).status_code == 404


def test_a_release_page_costs_one_query_whatever_its_size(city, citizen, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert citizen.get(f"{API}/releases").status_code == 200


def test_since_keeps_the_releases_dated_from_then_on(city, citizen):
    dates = sorted(Release.objects.values_list("date", flat=True))
    since = ocds.format_date(dates[-1])
    package = citizen.get(f"{API}/releases", {"since": since}).json()
    assert [r["date"] for r in package["releases"]] == [since]
    assert citizen.get(f"{API}/releases", {"since": "2999-01-01"}).json()["releases"] == []


def test_ocid_keeps_one_contracting_process(city, citizen):
    ocid = Release.objects.values_list("ocid", flat=True).first()
    package = citizen.get(f"{API}/releases", {"ocid": ocid}).json()
    assert {r["ocid"] for r in package["releases"]} == {ocid}
    assert len(package["releases"]) == Release.objects.filter(ocid=ocid).count()


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": "0"}, "page"), ({"page": "two"}, "page"), ({"since": "yesterday"}, "since")],
)
def test_bad_parameters_answer_422_in_the_house_error_shape(city, citizen, query, field):
    response = citizen.get(f"{API}/releases", query)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The request has invalid fields."
    assert [e["field"] for e in body["errors"]] == [field]


def test_one_release_is_served_in_a_release_package(city, citizen):
    release = Release.objects.order_by("pk").first()
    package = citizen.get(f"{API}/releases/{release.release_id}").json()
    assert package["releases"] == [release.body]
    assert package["publishedDate"] == release.body["date"]


def test_an_unknown_release_is_404(city, citizen):
    response = citizen.get(f"{API}/releases/ocds-cvp0dm-nothing-00001")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No release has the id")


def test_the_record_list_compiles_each_contracting_process(city, citizen, django_assert_num_queries):
    citizen.get(f"{API}/records")  # the first read compiles what was published
    with django_assert_num_queries(3):  # the cache's freshness, the page's compiled records, their releases
        package = citizen.get(f"{API}/records").json()
    ocids = sorted(set(Release.objects.values_list("ocid", flat=True)))
    assert [r["ocid"] for r in package["records"]] == ocids
    for record in package["records"]:
        assert record["compiledRelease"]["tag"] == ["compiled"]
        assert [r["ocid"] for r in record["releases"]] == [record["ocid"]] * len(record["releases"])
        assert "versionedRelease" not in record


def test_record_pages_link_onwards(city, citizen, settings):
    settings.CIVICPACT_OCDS_PAGE_SIZE = 1
    first = citizen.get(f"{API}/records").json()
    assert len(first["records"]) == 1
    assert first["links"] == {"next": "http://testserver/api/v1/ocds/records?page=2"}
    second = citizen.get(first["links"]["next"]).json()
    assert second["records"][0]["ocid"] > first["records"][0]["ocid"]


def test_records_since_keep_processes_with_a_recent_release(city, citizen):
    latest = Release.objects.order_by("-date").first()
    package = citizen.get(f"{API}/records", {"since": ocds.format_date(latest.date)}).json()
    assert [r["ocid"] for r in package["records"]] == [latest.ocid]


def test_one_record_with_its_versioned_release(city, citizen, django_assert_num_queries):
    ocid = Release.objects.values_list("ocid", flat=True).first()
    citizen.get(f"{API}/records/{ocid}")
    with django_assert_num_queries(2):  # its releases, its cached compiled release
        package = citizen.get(f"{API}/records/{ocid}", {"versioned": "true"}).json()
    (record,) = package["records"]
    assert record["ocid"] == ocid
    assert len(record["releases"]) == Release.objects.filter(ocid=ocid).count()
    assert record["compiledRelease"]["ocid"] == ocid
    assert record["versionedRelease"]["ocid"] == ocid
    assert record["versionedRelease"]["initiationType"][0]["releaseID"] == record["releases"][0]["id"]


def test_a_record_without_versioned_has_none(city, citizen):
    ocid = Release.objects.values_list("ocid", flat=True).first()
    (record,) = citizen.get(f"{API}/records/{ocid}").json()["records"]
    assert "versionedRelease" not in record


def test_an_unknown_ocid_is_404(city, citizen):
    response = citizen.get(f"{API}/records/ocds-cvp0dm-unknown")
    assert response.status_code == 404
    assert "ocds-cvp0dm-unknown" in response.json()["detail"]


def test_the_ocds_endpoints_are_in_the_openapi_document(db, citizen):
    paths = citizen.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/ocds/releases",
        "/api/v1/ocds/releases/{release_id}",
        "/api/v1/ocds/records",
        "/api/v1/ocds/records/{ocid}",
        "/api/v1/ocds/bulk/releases.json",
        "/api/v1/ocds/bulk/releases.xlsx",
        "/api/v1/ocds/bulk/releases-csv.zip",
    ):
        assert path in paths
    parameters = {p["name"] for p in paths["/api/v1/ocds/releases"]["get"]["parameters"]}
    assert parameters == {"page", "since", "ocid"}


def test_since_reads_an_offset_even_with_an_unescaped_plus(city, citizen):
    latest = Release.objects.order_by("-date").first()
    local = latest.date.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert "+02:00" in local
    unescaped = f"{API}/releases?since={local}"  # the "+" arrives as a space
    assert [r["id"] for r in citizen.get(unescaped).json()["releases"]] == [latest.release_id]
