"""A redacted release and its disclosure pass libcoveocds with every PPP extension: no additional field, no error
(the withholding notes use only `accessDetails` and `description`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from civicpact.ledger import claims
from civicpact.ledger.services import ocid_mint, release_append
from civicpact.transparency import bulk, validate
from tests.ledger.test_confidentiality import _claim, _doc, contract_sections, tender_sections
from tests.transparency.test_ocds_validation import assert_clean


@pytest.mark.django_db
def test_redacted_and_disclosed_releases_validate_with_libcoveocds(city):
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        ocid = ocid_mint(actor=None, obj="pipeline.project:99", local_id="confidential-1").ocid
        _claim(ocid, kind="field", target="contracts/*/value")
        _claim(ocid, withhold_title=True)
        release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", "Design")))
        sections = contract_sections()
        sections["contracts"][0]["documents"] = [_doc("doc-1", "Design")]
        release_append(actor=None, ocid=ocid, tags=["contract"], sections=sections)
    with time_machine.travel(datetime(2026, 7, 1, 9, tzinfo=UTC), tick=False):
        assert len(claims.claims_disclose_expired()) == 2
    package = bulk.export_package()
    disclosures = [r for r in package["releases"] if r["ocid"] == ocid and "contractUpdate" in r["tag"]]
    document_disclosure = next(r for r in disclosures if "tender" in r)  # restored where each copy was withheld
    assert document_disclosure["tender"]["documents"][0]["title"] == "Design"
    assert document_disclosure["contracts"][0]["documents"][0]["url"] == "https://example.org/doc-1.pdf"
    report = validate.validate_package(package)
    assert_clean(report)
