"""Sealed bids: nothing reveals a bid's contents before the deadline and the recorded opening, on any path,
to any role, administrators included; after the opening only the PPP unit reads them."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client

from civicpact.ledger.models import AuditEvent, Release
from civicpact.tendering import sealing, services
from civicpact.tendering.exceptions import DeadlinePassed, Sealed, TenderingError
from civicpact.tendering.models import Bid, BidVersion, Opening
from tests.tendering.fixtures import SECRET_ANSWER, SECRET_PRICE, bid_payload

PERSONAS = [
    "admin_user",
    "lead",
    "officer",
    "analyst",
    "evaluator",
    "manager",
    "auditor",
    "supplier",
    "second_supplier",
]


def all_clients(request, client_for) -> dict[str, Client]:
    clients = {name: client_for(request.getfixturevalue(name)) for name in PERSONAS}
    clients["citizen"] = Client()
    return clients


def tender_paths(tender) -> list[str]:
    return [
        f"/tenders/{tender.pk}/",
        "/tenders/",
        f"/api/v1/tendering/tenders/{tender.pk}",
        "/api/v1/tendering/tenders",
        f"/api/v1/tendering/tenders/{tender.pk}/bids",
        f"/api/v1/tendering/tenders/{tender.pk}/my-bid",
        f"/api/v1/tendering/tenders/{tender.pk}/bid-count",
        "/api/v1/audit/events",
        "/audit/",
        "/django-admin/",
        "/django-admin/tendering/",
    ]


def test_a_sealed_bid_is_stored_only_as_ciphertext_with_a_receipt_of_it(tender, supplier):
    version = services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    blob = bytes(BidVersion.objects.get(pk=version.pk).sealed)
    assert version.receipt == hashlib.sha256(blob).hexdigest()
    assert SECRET_ANSWER.encode() not in blob
    assert SECRET_PRICE.encode() not in blob
    assert b"dimming" not in bytes(tender.wrapped_key)


def test_no_database_dump_log_or_release_holds_a_bid_in_the_clear(tender, supplier):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert SECRET_ANSWER not in dump.getvalue()
    assert SECRET_PRICE not in dump.getvalue()
    with connection.cursor() as cursor:  # the raw tables too, column by column
        for table in ("tendering_bidversion", "tendering_bid", "tendering_tender", "ledger_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            raw = repr(cursor.fetchall())
            assert "XK-4471" not in raw
            assert SECRET_PRICE not in raw
    assert all("XK-4471" not in repr(r.body) for r in Release.objects.all())
    assert all("XK-4471" not in repr(e.payload) for e in AuditEvent.objects.all())


@pytest.mark.parametrize("persona", ["admin_user", "officer", "auditor", "supplier"])
def test_nobody_can_decrypt_before_the_opening_administrators_included(request, tender, supplier, persona):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    bid = Bid.objects.get(tender=tender)
    with pytest.raises(Sealed):
        services.bid_contents(actor=request.getfixturevalue(persona), bid=bid)


def test_no_page_or_endpoint_shows_a_bid_before_the_opening_to_any_role(request, client_for, tender, supplier):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    for name, client in all_clients(request, client_for).items():
        for path in tender_paths(tender):
            body = client.get(path).content.decode()
            assert "XK-4471" not in body, (name, path)
            assert SECRET_PRICE not in body, (name, path)
            assert "9,876,543" not in body, (name, path)


def test_only_the_ppp_unit_sees_how_many_bids_and_nobody_whose(client_for, tender, supplier, officer, auditor):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    assert client_for(officer).get(f"/api/v1/tendering/tenders/{tender.pk}/bid-count").json() == {"bids": 1}
    assert client_for(auditor).get(f"/api/v1/tendering/tenders/{tender.pk}/bid-count").status_code == 403
    assert client_for(supplier).get(f"/api/v1/tendering/tenders/{tender.pk}/bid-count").status_code == 403
    page = client_for(officer).get(f"/tenders/{tender.pk}/").content.decode()
    assert "Bids received: <strong>1</strong>" in page
    assert "Lumen Grid" not in page


def test_the_bid_models_are_not_in_the_admin(client_for, admin_user, tender, supplier):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)
    assert client.get("/django-admin/").status_code == 200
    for path in ("/django-admin/tendering/bid/", "/django-admin/tendering/bidversion/", "/django-admin/tendering/"):
        assert client.get(path).status_code == 404


def test_a_ciphertext_moved_to_another_bid_does_not_decrypt(tender, supplier, second_supplier):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    services.bid_submit(actor=second_supplier, tender_id=tender.pk, payload=bid_payload(answer="Another answer"))
    first, second = Bid.objects.filter(tender=tender).order_by("pk")
    key = sealing.unwrap(tender.pk, tender.master_key_id, bytes(tender.wrapped_key))
    blob = bytes(first.versions.get().sealed)
    assert sealing.unseal(key, blob, sealing.bid_aad(tender.pk, first.pk, 1))["answers"]["quality.approach"]
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        sealing.unseal(key, blob, sealing.bid_aad(tender.pk, second.pk, 1))


# --- the deadline and the opening, with a controlled clock ------------------------------------------------------


def test_a_bid_after_the_deadline_is_refused_with_a_clear_message(client_for, tender, supplier):
    with time_machine.travel(tender.submission_deadline + timedelta(seconds=1)):
        with pytest.raises(DeadlinePassed, match="bids are no longer accepted"):
            services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
        response = client_for(supplier).post(
            f"/api/v1/tendering/tenders/{tender.pk}/bids", bid_payload(), content_type="application/json"
        )
    assert response.status_code == 409
    assert "deadline passed" in response.json()["detail"]
    assert not Bid.objects.filter(tender=tender).exists()


def test_a_bid_at_the_last_second_before_the_deadline_is_accepted(tender, supplier):
    with time_machine.travel(tender.submission_deadline - timedelta(seconds=1)):
        version = services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    assert version.number == 1


def test_the_opening_waits_for_the_deadline_then_records_every_receipt(tender, supplier, second_supplier, officer):
    first = services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    second = services.bid_submit(actor=second_supplier, tender_id=tender.pk, payload=bid_payload(price="8000000"))
    with pytest.raises(Sealed, match="has not passed"):
        services.tender_open(actor=officer, tender_id=tender.pk)
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=5)):
        opening = services.tender_open(actor=officer, tender_id=tender.pk)
    assert sorted(b["receipt"] for b in opening.bids) == sorted([first.receipt, second.receipt])
    event = AuditEvent.objects.filter(action="tender.open").get()
    assert event.public
    assert sorted(b["receipt"] for b in event.payload["bids"]) == sorted([first.receipt, second.receipt])
    release = Release.objects.filter(ocid=tender.project.ocid).order_by("-date").first()
    assert release.body["tender"]["numberOfTenderers"] == 2
    assert "XK-4471" not in repr(release.body)


def test_after_the_opening_the_ppp_unit_reads_the_bids_and_suppliers_still_do_not(
    client_for, tender, supplier, second_supplier, officer, auditor
):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    services.bid_submit(actor=second_supplier, tender_id=tender.pk, payload=bid_payload(answer="Plain LED swap"))
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        services.tender_open(actor=officer, tender_id=tender.pk)
    bids = client_for(officer).get(f"/api/v1/tendering/tenders/{tender.pk}/bids").json()
    assert {b["supplier"] for b in bids} == {"Lumen Grid", "Brightway Services"}
    assert SECRET_ANSWER in {b["answers"]["quality.approach"] for b in bids}
    page = client_for(officer).get(f"/tenders/{tender.pk}/").content.decode()
    assert "Lumen Grid" in page
    for persona in (second_supplier, auditor):
        client = client_for(persona)
        assert client.get(f"/api/v1/tendering/tenders/{tender.pk}/bids").status_code == 403
        assert "XK-4471" not in client.get(f"/tenders/{tender.pk}/").content.decode()
    with pytest.raises(TenderingError):
        services.tender_open(actor=officer, tender_id=tender.pk)
    assert Opening.objects.count() == 1


def test_a_supplier_cannot_open_bids(tender, supplier):
    from django.core.exceptions import PermissionDenied

    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)), pytest.raises(PermissionDenied):
        services.tender_open(actor=supplier, tender_id=tender.pk)


# --- the master key -------------------------------------------------------------------------------------------------


def test_a_deployment_without_a_usable_master_key_fails_its_checks(settings):
    from civicpact.tendering.checks import bid_master_key_check

    assert bid_master_key_check(None) == []
    settings.CIVICPACT_BID_MASTER_KEY = ""
    assert "is not set" in bid_master_key_check(None)[0].msg
    settings.CIVICPACT_BID_MASTER_KEY = "not base64!"
    assert "must be base64" in bid_master_key_check(None)[0].msg
    settings.CIVICPACT_BID_MASTER_KEY = "c2hvcnQ="
    assert "32 bytes" in bid_master_key_check(None)[0].msg


def test_a_rotated_master_key_still_opens_tenders_sealed_under_the_old_one(settings, tender, supplier, officer):
    import base64
    import os

    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    old = settings.CIVICPACT_BID_MASTER_KEY
    settings.CIVICPACT_BID_MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
    settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = [old]
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        services.tender_open(actor=officer, tender_id=tender.pk)
    bid = Bid.objects.get(tender=tender)
    assert services.bid_contents(actor=officer, bid=bid)["answers"]["quality.approach"] == SECRET_ANSWER
    from civicpact.cli import main

    assert main(["keys", "rotate-bid-master"]) == 0
    settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = []
    tender.refresh_from_db()
    assert tender.master_key_id == sealing.current_master_key()[0]
    bid = Bid.objects.select_related("tender").get(tender=tender)
    assert services.bid_contents(actor=officer, bid=bid)["answers"]["quality.approach"] == SECRET_ANSWER


# --- documents ---------------------------------------------------------------------------------------------------

DOCUMENT = b"%PDF-1.4 technical annex: XK-4471 lantern drawings"


def test_a_bid_document_is_sealed_with_the_bid_and_read_only_after_the_opening(
    client_for, tender, supplier, officer, second_supplier
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(supplier)
    response = client.post(
        f"/tenders/{tender.pk}/bid/",
        {
            "answer_quality.approach": "See the annex.",
            "answer_quality.delivery": "18 months.",
            "price": "12000000",
            "consortium_text": "",
            "document_1": SimpleUploadedFile("annex.pdf", DOCUMENT, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    blob = bytes(BidVersion.objects.get(bid__tender=tender).sealed)
    assert b"XK-4471" not in blob
    assert b"lantern" not in blob
    bid = Bid.objects.get(tender=tender)
    path = f"/tenders/{tender.pk}/bids/{bid.pk}/documents/0/"
    assert client_for(officer).get(path).status_code == 403  # sealed
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        services.tender_open(actor=officer, tender_id=tender.pk)
    download = client_for(officer).get(path)
    assert download.content == DOCUMENT
    assert download["Content-Disposition"] == 'attachment; filename="annex.pdf"'
    assert client_for(second_supplier).get(path).status_code == 403
    assert client_for(officer).get(f"/tenders/{tender.pk}/bids/{bid.pk}/documents/5/").status_code == 404


def test_a_document_over_the_limit_is_refused_by_name_and_nothing_is_saved(settings, client_for, tender, supplier):
    import base64

    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.CIVICPACT_BID_DOCUMENT_MAX_BYTES = 10
    response = client_for(supplier).post(
        f"/tenders/{tender.pk}/bid/",
        {
            "answer_quality.approach": "x",
            "answer_quality.delivery": "y",
            "price": "1",
            "document_1": SimpleUploadedFile("big.pdf", DOCUMENT),
        },
    )
    assert response.status_code == 400
    assert "big.pdf is 50 bytes, over the 10 bytes limit" in response.content.decode()
    with pytest.raises(ValidationError) as caught:
        services.bid_submit(
            actor=supplier,
            tender_id=tender.pk,
            payload=bid_payload(documents=[{"name": "big.pdf", "data": base64.b64encode(DOCUMENT).decode()}]),
        )
    assert "documents[0]" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.bid_submit(
            actor=supplier, tender_id=tender.pk, payload=bid_payload(documents=[{"name": "x.pdf", "data": "%%%"}])
        )
    assert "not valid base64" in caught.value.message_dict["documents[0]"][0]
    assert not Bid.objects.filter(tender=tender).exists()
