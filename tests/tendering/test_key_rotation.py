"""Rotating the bid master key (docs/keys.md): every tender's data key rewrapped under the new key, all or none,
the bids' ciphertexts untouched, the old key no longer needed."""

from __future__ import annotations

import base64
import json
import os
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from civicpact.cli import main
from civicpact.ledger.models import AuditEvent
from civicpact.tendering import sealing, services
from civicpact.tendering.models import Bid, BidVersion, Tender
from tests.tendering.fixtures import SECRET_ANSWER, bid_payload, tender_fields


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def ciphertexts() -> dict[int, bytes]:
    return {pk: bytes(blob) for pk, blob in BidVersion.objects.values_list("pk", "sealed")}


def wrapped_keys() -> dict[int, tuple[str, bytes]]:
    return {pk: (kid, bytes(key)) for pk, kid, key in Tender.objects.values_list("pk", "master_key_id", "wrapped_key")}


def opened_answer(tender: Any, officer: Any) -> str:
    bid = Bid.objects.select_related("tender").get(tender=tender)
    answer: str = services.bid_contents(actor=officer, bid=bid)["answers"]["quality.approach"]
    return answer


@pytest.fixture
def sealed_bid(tender: Any, supplier: Any, officer: Any) -> Any:
    """A bid sealed under the current key, its tender opened."""
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        services.tender_open(actor=officer, tender_id=tender.pk)
    return tender


def test_rotation_rewraps_every_tender_and_leaves_the_bids_ciphertexts_as_they_were(
    settings, sealed_bid, officer, capsys
):
    old, new = settings.CIVICPACT_BID_MASTER_KEY, new_key()
    before, tenders = ciphertexts(), Tender.objects.exclude(master_key_id="").count()
    settings.CIVICPACT_BID_MASTER_KEY, settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = new, [old]

    assert main(["keys", "rotate-bid-master"]) == 0
    assert f"{tenders} tender key(s) rewrapped" in capsys.readouterr().out

    new_id = sealing.key_id(base64.b64decode(new))
    assert {kid for kid, _ in wrapped_keys().values() if kid} == {new_id}
    assert ciphertexts() == before
    assert AuditEvent.objects.filter(action="tender.rewrap_key").count() == tenders
    settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = []  # the old key is no longer needed
    assert opened_answer(sealed_bid, officer) == SECRET_ANSWER


def test_rotating_again_changes_nothing(settings, sealed_bid, capsys):
    settings.CIVICPACT_BID_MASTER_KEY, settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = (
        new_key(),
        [settings.CIVICPACT_BID_MASTER_KEY],
    )
    assert main(["keys", "rotate-bid-master"]) == 0
    after_first, events = wrapped_keys(), AuditEvent.objects.count()
    capsys.readouterr()
    assert main(["keys", "rotate-bid-master"]) == 0
    assert "0 tender key(s) rewrapped" in capsys.readouterr().out
    assert wrapped_keys() == after_first
    assert AuditEvent.objects.count() == events


def test_a_tender_whose_key_is_missing_stops_the_rotation_and_every_tender_stays_readable(
    settings, officer, procurement_project, sealed_bid, capsys
):
    """The first tender would be rewrapped, the second cannot be: all or nothing."""
    first_key, second_key = settings.CIVICPACT_BID_MASTER_KEY, new_key()
    settings.CIVICPACT_BID_MASTER_KEY = second_key
    second = services.tender_create(actor=officer, project_id=procurement_project.pk, **tender_fields())
    assert sealed_bid.pk < second.pk
    before = wrapped_keys()

    settings.CIVICPACT_BID_MASTER_KEY, settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = new_key(), [first_key]
    capsys.readouterr()
    assert main(["keys", "rotate-bid-master"]) == 2
    error = capsys.readouterr().err
    assert f"tender {second.pk} is sealed under the master key {sealing.key_id(base64.b64decode(second_key))}" in error
    assert "nothing was rewrapped" in error
    assert wrapped_keys() == before
    assert not AuditEvent.objects.filter(action="tender.rewrap_key").exists()

    settings.CIVICPACT_BID_MASTER_KEY, settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = first_key, []
    assert opened_answer(sealed_bid, officer) == SECRET_ANSWER


def test_a_damaged_wrapped_key_stops_the_rotation_as_a_data_failure(settings, sealed_bid, capsys):
    kid, wrapped = wrapped_keys()[sealed_bid.pk]
    damaged = wrapped[:-1] + bytes([wrapped[-1] ^ 1])
    Tender.objects.filter(pk=sealed_bid.pk).update(wrapped_key=damaged)
    settings.CIVICPACT_BID_MASTER_KEY, settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = (
        new_key(),
        [settings.CIVICPACT_BID_MASTER_KEY],
    )
    assert main(["keys", "rotate-bid-master"]) == 1
    assert f"tender {sealed_bid.pk}'s data key does not decrypt" in capsys.readouterr().err
    assert wrapped_keys()[sealed_bid.pk] == (kid, damaged)


def test_key_status_says_which_keys_are_needed_and_which_can_go(settings, sealed_bid, capsys):
    old = settings.CIVICPACT_BID_MASTER_KEY
    old_id = sealing.key_id(base64.b64decode(old))
    settings.CIVICPACT_BID_MASTER_KEY, settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = new_key(), [old]
    capsys.readouterr()
    assert main(["keys", "status"]) == 0
    assert f"retired  {old_id}" in capsys.readouterr().out
    assert main(["keys", "rotate-bid-master"]) == 0
    capsys.readouterr()
    assert main(["keys", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert {"key_id": old_id, "role": "retired", "tenders": 0} in status["keys"]
    settings.CIVICPACT_BID_MASTER_KEY, settings.CIVICPACT_BID_MASTER_KEYS_RETIRED = new_key(), []
    assert main(["keys", "status"]) == 1
    assert "MISSING" in capsys.readouterr().out
