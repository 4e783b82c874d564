"""Records compiled from the ledger's releases with ocdsmerge and the PPP profile's schema."""

from __future__ import annotations

import pytest

from civicpact.ledger.models import Release
from civicpact.transparency import records

pytestmark = pytest.mark.django_db


def _releases(ocid):
    return [r.body for r in Release.objects.filter(ocid=ocid).order_by("date")]


def test_a_record_compiles_the_latest_state_of_every_release_of_its_ocid(city):
    ocid = Release.objects.order_by("ocid").values_list("ocid", flat=True).first()
    assert ocid is not None
    bodies = _releases(ocid)
    record = records.record(ocid, versioned=True)
    assert record is not None
    assert record["ocid"] == ocid
    assert record["releases"] == bodies
    compiled = record["compiledRelease"]
    assert compiled["ocid"] == ocid
    assert compiled["tag"] == ["compiled"]
    assert compiled["date"] == bodies[-1]["date"]
    assert "versionedRelease" in record


def test_an_unpublished_ocid_has_no_record(city):
    assert records.record("ocds-none-1") is None


def test_every_ocid_is_compiled_once(city):
    compiled = list(records.compiled_releases())
    assert sorted(c["ocid"] for c in compiled) == sorted(set(Release.objects.values_list("ocid", flat=True)))
