"""Records compiled from the ledger's releases with ocdsmerge and the PPP profile's schema, and their cache."""

from __future__ import annotations

import pytest

from civicpact.ledger import services
from civicpact.ledger.models import Release
from civicpact.transparency import compiled, records
from civicpact.transparency.models import CompiledRecord, ItemKind, RecordItem

pytestmark = pytest.mark.django_db

NEW_TITLE = "Harbour ferry ZQX"


def _releases(ocid):
    return [r.body for r in Release.objects.filter(ocid=ocid).order_by("date")]


def _first_ocid():
    ocid = Release.objects.order_by("ocid").values_list("ocid", flat=True).first()
    assert ocid is not None
    return ocid


def _publish_tender(ocid, title=NEW_TITLE):
    return services.release_append(
        actor=None,
        ocid=ocid,
        tags=["tenderAmendment"],
        sections={"tender": {"id": "tender-ferry", "title": title, "status": "active", "procurementMethod": "open"}},
    )


def _cached():
    return {r.ocid: (r.pk, r.last_release_pk, r.compiled) for r in CompiledRecord.objects.all()}


def test_a_record_compiles_the_latest_state_of_every_release_of_its_ocid(city):
    ocid = _first_ocid()
    bodies = _releases(ocid)
    record = compiled.record_get(ocid=ocid, versioned=True)
    assert record is not None
    assert record["ocid"] == ocid
    assert record["releases"] == bodies
    compiled_release = record["compiledRelease"]
    assert compiled_release["ocid"] == ocid
    assert compiled_release["tag"] == ["compiled"]
    assert compiled_release["date"] == bodies[-1]["date"]
    assert "versionedRelease" in record


def test_an_unpublished_ocid_has_no_record(city):
    assert compiled.record_get(ocid="ocds-none-1") is None


def test_every_ocid_is_compiled_once(city):
    every = list(compiled.compiled_releases())
    assert sorted(c["ocid"] for c in every) == sorted(set(Release.objects.values_list("ocid", flat=True)))


def test_every_cached_record_equals_a_fresh_ocdsmerge_compile(city):
    compiled.records_refresh()
    cached = dict(CompiledRecord.objects.values_list("ocid", "compiled"))
    assert cached
    for ocid, body in cached.items():
        assert body == records.compile_release(_releases(ocid))


def test_a_published_release_is_in_the_record_read_at_once(city):
    ocid = _first_ocid()
    assert compiled.record_get(ocid=ocid) is not None  # cached before the release
    release = _publish_tender(ocid)
    record = compiled.record_get(ocid=ocid)
    assert record is not None
    assert record["compiledRelease"]["tender"]["title"] == NEW_TITLE
    assert record["compiledRelease"] == records.compile_release(_releases(ocid))
    assert CompiledRecord.objects.get(ocid=ocid).last_release_pk == release.pk


def test_a_new_release_recompiles_only_its_own_record(city):
    compiled.records_refresh()
    before = _cached()
    ocid = _first_ocid()
    _publish_tender(ocid)
    assert compiled.records_refresh() == [ocid]
    after = _cached()
    assert after.keys() == before.keys()
    assert {o: v for o, v in after.items() if o != ocid} == {o: v for o, v in before.items() if o != ocid}
    assert after[ocid] != before[ocid]
    assert after[ocid][2] == records.compile_release(_releases(ocid))


def test_a_fresh_cache_recompiles_nothing(city, django_assert_num_queries):
    compiled.records_refresh()
    with django_assert_num_queries(1):
        assert compiled.records_refresh() == []


def test_the_lists_show_a_new_release_at_once(city, citizen):
    citizen.get("/open/tenders/")  # the cache is warm
    ocid = _first_ocid()
    _publish_tender(ocid)
    html = citizen.get("/open/tenders/", {"q": "ferry zqx"}).content.decode()
    assert NEW_TITLE in html
    assert f"/open/projects/{ocid}/#tender-ferry" in html


def test_deleting_the_cache_rebuilds_it_on_the_next_read(city, citizen):
    compiled.records_refresh()
    before = dict(CompiledRecord.objects.values_list("ocid", "compiled"))
    items = RecordItem.objects.count()
    RecordItem.objects.all().delete()
    CompiledRecord.objects.all().delete()
    assert citizen.get("/open/projects/").status_code == 200
    assert dict(CompiledRecord.objects.values_list("ocid", "compiled")) == before
    assert RecordItem.objects.count() == items


def test_a_record_missing_from_the_cache_is_compiled_when_read(city):
    compiled.records_refresh()
    ocid = _first_ocid()
    RecordItem.objects.filter(ocid=ocid).delete()
    CompiledRecord.objects.filter(ocid=ocid).delete()
    process = compiled.process_get(ocid=ocid)
    assert process is not None
    assert process.compiled == records.compile_release(_releases(ocid))
    assert CompiledRecord.objects.filter(ocid=ocid).exists()


def test_rebuild_compiles_every_record(city):
    assert compiled.records_rebuild() == len(set(Release.objects.values_list("ocid", flat=True)))


def test_the_list_lines_follow_the_compiled_record(city):
    compiled.records_refresh()
    for record in CompiledRecord.objects.all():
        contracts = record.compiled.get("contracts", [])
        lines = RecordItem.objects.filter(ocid=record.ocid, kind=ItemKind.CONTRACT).order_by("position")
        assert [line.item_id for line in lines] == [c["id"] for c in contracts]


def test_reading_one_record_first_leaves_no_other_new_release_behind(city):
    compiled.records_refresh()
    first, second = Release.objects.order_by("ocid").values_list("ocid", flat=True).distinct()[:2]
    _publish_tender(first, "Ferry one")
    _publish_tender(second, "Ferry two")
    record = compiled.record_get(ocid=second)
    assert record is not None
    assert record["compiledRelease"]["tender"]["title"] == "Ferry two"
    compiled.records_refresh()
    assert CompiledRecord.objects.get(ocid=first).compiled["tender"]["title"] == "Ferry one"
    assert RecordItem.objects.filter(ocid=first, kind=ItemKind.TENDER, title="Ferry one").exists()
