import itertools
from datetime import UTC, datetime

import pytest
from django.db import transaction

from civicpact.ledger.exceptions import ReleaseOrderError
from civicpact.ledger.models import AuditEvent, Release
from civicpact.ledger.selectors import release_list, release_package_build
from civicpact.ledger.services import ocid_mint, release_append
from civicpact.ledger.validation import SchemaMissing, release_package_errors

PLANNING = {
    "planning": {"rationale": "Cut street-lighting energy by 40% with connected LED lanterns."},
    "parties": [{"id": "PA-CITY", "name": "City of Port Aurelia", "roles": ["buyer", "procuringEntity"]}],
    "buyer": {"id": "PA-CITY", "name": "City of Port Aurelia"},
}


@pytest.fixture
def ocid(db) -> str:
    return ocid_mint(actor=None, obj="pipeline.project:1", local_id="project-1").ocid


def test_an_ocid_is_minted_once(ocid):
    assert ocid == "ocds-cvp0dm-project-1"
    with pytest.raises(Exception, match="already exists"), transaction.atomic():
        ocid_mint(actor=None, obj="pipeline.project:1", local_id="project-1")


def test_release_ids_are_never_reused_and_dates_strictly_increase(ocid):
    releases = [release_append(actor=None, ocid=ocid, tags=["planning"], sections=PLANNING) for _ in range(5)]
    assert len({r.release_id for r in releases}) == 5
    dates = [r.date for r in releases]
    assert all(a < b for a, b in itertools.pairwise(dates))
    assert AuditEvent.objects.filter(action="release.publish").count() == 5


def test_a_release_dated_before_the_last_one_is_refused(ocid):
    release_append(actor=None, ocid=ocid, tags=["planning"], sections=PLANNING)
    with pytest.raises(ReleaseOrderError, match="not after"):
        release_append(actor=None, ocid=ocid, tags=["planningUpdate"], date=datetime(2020, 1, 1, tzinfo=UTC))


def test_a_release_for_an_unknown_ocid_is_refused(db):
    with pytest.raises(ReleaseOrderError, match="unknown ocid"):
        release_append(actor=None, ocid="ocds-cvp0dm-nothing", tags=["planning"])


def test_a_stored_release_validates_against_the_ppp_profile(ocid):
    release_append(actor=None, ocid=ocid, tags=["planning"], sections=PLANNING)
    package = release_package_build(releases=list(release_list(ocid=ocid)), uri="https://x.example/p.json")
    assert release_package_errors(package) == []


def test_an_invalid_release_is_reported_with_its_path(ocid):
    release = release_append(actor=None, ocid=ocid, tags=["planning"], sections=PLANNING)
    body = dict(release.body, tag=["notATag"])
    package = release_package_build(releases=[Release(body=body)], uri="https://x.example/p.json")
    errors = release_package_errors(package)
    assert errors
    assert errors[0]["path"] == "releases/0/tag/0"


def test_a_missing_schema_folder_is_a_clear_error(settings, tmp_path, db):
    settings.CIVICPACT_OCDS_DIR = str(tmp_path)
    with pytest.raises(SchemaMissing, match="CIVICPACT_OCDS_DIR"):
        release_package_errors({"releases": []})
