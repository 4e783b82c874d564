"""A project tendered in lots: one tender per lot, each its own contracting process. The project's first procedure
continues the project's planning process; a further lot gets a new ocid whose releases point back to it."""

from __future__ import annotations

from civicpact.ledger.models import Release
from civicpact.ledger.selectors import release_package_build
from civicpact.ledger.validation import release_package_errors
from civicpact.tendering import services
from civicpact.tendering.models import Tender
from tests.tendering.fixtures import tender_fields


def test_each_lot_is_a_contracting_process_pointing_back_to_the_projects_planning(
    client_for, officer, procurement_project
):
    one = services.tender_create(
        actor=officer, project_id=procurement_project.pk, **tender_fields(lot="Lot 1: luminaires")
    )
    two = services.tender_create(
        actor=officer, project_id=procurement_project.pk, **tender_fields(lot="Lot 2: sensors")
    )
    services.tender_publish(actor=officer, tender_id=one.pk, expected_version=one.version)
    services.tender_publish(actor=officer, tender_id=two.pk, expected_version=two.version)
    one, two = Tender.objects.get(pk=one.pk), Tender.objects.get(pk=two.pk)
    procurement_project.refresh_from_db()
    assert one.ocid == procurement_project.ocid
    assert two.ocid not in ("", procurement_project.ocid)
    lot_two = Release.objects.get(ocid=two.ocid)
    assert lot_two.body["tender"]["title"].endswith("— Lot 2: sensors")
    assert lot_two.body["relatedProcesses"][0]["identifier"] == procurement_project.ocid
    for ocid in (one.ocid, two.ocid):
        releases = list(Release.objects.filter(ocid=ocid))
        assert release_package_errors(release_package_build(releases=releases, uri="https://example.org/p.json")) == []
    page = client_for(officer).get("/tenders/").content.decode()
    assert "— Lot 2: sensors" in page
