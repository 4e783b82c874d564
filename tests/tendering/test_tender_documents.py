"""Tender documents: attached to a draft, added to a published tender only by amendment, public with the
tender (never before), published in OCDS with their link and format."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from civicpact.ledger.models import Release
from civicpact.ledger.selectors import release_package_build
from civicpact.ledger.validation import release_package_errors
from civicpact.tendering import services
from civicpact.tendering.exceptions import TenderingError
from civicpact.tendering.models import BidStatus, TenderDocument
from tests.tendering.fixtures import bid_payload

SPEC = b"%PDF-1.4 technical specification of the luminaires"


def upload(content: bytes = SPEC, name: str = "specification.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_a_drafts_documents_are_for_city_staff_until_publication(client_for, citizen, officer, supplier, draft):
    document = services.tender_document_attach(
        actor=officer,
        tender_id=draft.pk,
        upload=upload(),
        title="Specification",
        document_type="technicalSpecifications",
    )
    assert document.sha256 == hashlib.sha256(SPEC).hexdigest()
    url = f"/tenders/{draft.pk}/documents/{document.pk}/"
    assert citizen.get(url).status_code == 404
    assert client_for(supplier).get(url).status_code == 404
    assert b"".join(client_for(officer).get(url).streaming_content) == SPEC
    published = services.tender_publish(actor=officer, tender_id=draft.pk, expected_version=draft.version)
    response = citizen.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SPEC
    assert "attachment" in response["Content-Disposition"]
    release = Release.objects.filter(ocid=published.project.ocid).latest("date")
    [entry] = release.body["tender"]["documents"]
    assert entry["documentType"] == "technicalSpecifications"
    assert entry["url"].endswith(url)
    assert entry["format"] == "application/pdf"
    package = release_package_build(releases=[release], uri="https://example.org/p.json")
    assert release_package_errors(package) == []
    listed = citizen.get(f"/api/v1/tendering/tenders/{draft.pk}/documents").json()
    assert listed[0]["sha256"] == document.sha256


def test_adding_a_document_to_a_published_tender_is_an_amendment_that_bids_must_reconfirm(
    officer, supplier, tender, mailoutbox, django_capture_on_commit_callbacks
):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    with pytest.raises(ValidationError, match="Say why the document is added"):
        services.tender_document_attach(
            actor=officer, tender_id=tender.pk, upload=upload(), title="Plans", document_type="illustration"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.tender_document_attach(
            actor=officer,
            tender_id=tender.pk,
            upload=upload(),
            title="Pole map",
            document_type="illustration",
            rationale="The pole map was missing.",
        )
    amendment = tender.amendments.get()
    assert (amendment.changes, amendment.bids_invalidated) == ({"documents": [None, "Pole map"]}, 1)
    assert tender.bids.get().status == BidStatus.NEEDS_RECONFIRMATION
    assert any("Pole map" in m.body or "conditions" in m.body for m in mailoutbox)
    with pytest.raises(TenderingError, match="stay published"):
        services.tender_document_remove(actor=officer, document_id=TenderDocument.objects.get().pk)


@pytest.mark.parametrize(
    ("content", "words"), [(b"", "The file is empty"), (b"x" * 10_240, "The file is 10 KB, over the 2 KB limit")]
)
def test_an_empty_or_oversized_document_is_refused_and_nothing_is_kept(settings, officer, draft, content, words):
    settings.CIVICPACT_TENDER_DOCUMENT_MAX_BYTES = 2048
    with pytest.raises(ValidationError, match=words):
        services.tender_document_attach(
            actor=officer, tender_id=draft.pk, upload=upload(content), title="Big", document_type="contractDraft"
        )
    assert not TenderDocument.objects.exists()


def test_only_the_ppp_unit_attaches_through_the_page_and_the_api(client_for, officer, supplier, evaluator, draft):
    for someone in (supplier, evaluator):
        with pytest.raises(PermissionDenied):
            services.tender_document_attach(
                actor=someone, tender_id=draft.pk, upload=upload(), title="x", document_type="contractDraft"
            )
    api = f"/api/v1/tendering/tenders/{draft.pk}/documents"
    fields = {"title": "Draft contract", "document_type": "contractDraft"}
    assert client_for(supplier).post(api, {**fields, "file": upload()}).status_code == 404  # a draft is not theirs
    bad = client_for(officer).post(api, {**fields, "document_type": "recipe", "file": upload()})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "document_type"
    created = client_for(officer).post(api, {**fields, "file": upload()})
    assert created.status_code == 201
    page = client_for(officer).post(
        f"/tenders/{draft.pk}/documents/",
        {"title": "Specification", "document_type": "technicalSpecifications", "file": upload()},
        follow=True,
    )
    assert "The document is attached to the draft." in page.content.decode()
    assert TenderDocument.objects.filter(tender=draft).count() == 2
    removed = client_for(officer).post(f"/tenders/{draft.pk}/documents/{created.json()['id']}/remove/", follow=True)
    assert "removed from the draft" in removed.content.decode()
    assert TenderDocument.objects.filter(tender=draft).count() == 1


def test_a_claimed_document_is_published_without_its_link_and_its_file_is_withheld(
    client_for, citizen, officer, supplier, draft
):
    from datetime import timedelta

    from django.utils import timezone

    from civicpact.ledger import claims

    secret = "ZX-SECRET-7731 weak points of the network"
    document = services.tender_document_attach(
        actor=officer, tender_id=draft.pk, upload=upload(), title=secret, document_type="technicalSpecifications"
    )
    staff_page = client_for(officer).get(f"/tenders/{draft.pk}/").content.decode()
    assert f"target=tender-document-{document.pk}" in staff_page  # the claim link, under the project's ocid
    claims.claim_create(
        actor=officer,
        ocid=draft.project.ocid,
        kind="document",
        target=f"tender-document-{document.pk}",
        reason="security",
        ends_on=timezone.localdate() + timedelta(days=30),
        withhold_title=True,
    )
    published = services.tender_publish(actor=officer, tender_id=draft.pk, expected_version=draft.version)
    release = Release.objects.filter(ocid=published.project.ocid).latest("date")
    [entry] = release.body["tender"]["documents"]
    assert "url" not in entry
    assert entry["title"] == "Withheld document"
    assert entry["accessDetails"].startswith("Withheld: security, until ")
    url = f"/tenders/{draft.pk}/documents/{document.pk}/"
    assert citizen.get(url).status_code == 403
    assert client_for(supplier).get(url).status_code == 403
    assert b"".join(client_for(officer).get(url).streaming_content) == SPEC  # city staff still read it
    page = citizen.get(f"/tenders/{draft.pk}/").content.decode()
    assert secret not in page
    assert "Withheld: security" in page
    assert secret not in citizen.get(f"/open/projects/{published.project.ocid}/").content.decode()
