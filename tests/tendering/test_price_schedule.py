"""A bid's price schedule: items whose amounts add up to the price exactly, sealed with the bid."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicpact.tendering import services
from civicpact.tendering.models import BidVersion
from tests.tendering.fixtures import bid_payload

SCHEDULE = [
    {"item": "Luminaires and installation", "amount": "9000000"},
    {"item": "Ten years of operation", "amount": "5500000"},
]


@pytest.mark.parametrize(
    ("schedule", "field", "words"),
    [
        ([{**SCHEDULE[0], "amount": "8000000"}, SCHEDULE[1]], "price_schedule", "adds up to 13500000, not the price"),
        ([{"item": "", "amount": "1"}], "price_schedule[0]", "an item and an amount above zero"),
        ([{"item": "Works", "amount": "-5"}], "price_schedule[0]", "an item and an amount above zero"),
    ],
)
def test_a_schedule_that_does_not_add_up_is_refused_and_nothing_is_sealed(supplier, tender, schedule, field, words):
    with pytest.raises(ValidationError) as caught:
        services.bid_submit(
            actor=supplier, tender_id=tender.pk, payload=bid_payload(price="14500000", price_schedule=schedule)
        )
    assert words in " ".join(caught.value.message_dict[field])
    assert not BidVersion.objects.filter(bid__tender=tender).exists()


def test_the_schedule_is_sealed_and_shown_to_the_ppp_unit_after_the_opening(client_for, supplier, officer, tender):
    services.bid_submit(
        actor=supplier, tender_id=tender.pk, payload=bid_payload(price="14500000", price_schedule=SCHEDULE)
    )
    assert b"Ten years of operation" not in bytes(BidVersion.objects.get(bid__tender=tender).sealed)
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        services.tender_open(actor=officer, tender_id=tender.pk)
    opened = client_for(officer).get(f"/api/v1/tendering/tenders/{tender.pk}/bids").json()
    assert opened[0]["price_schedule"][1] == {"item": "Ten years of operation", "amount": "5500000"}
    assert "Ten years of operation: 5,500,000.00" in client_for(officer).get(f"/tenders/{tender.pk}/").content.decode()


def test_the_bid_form_takes_the_schedule_as_lines(client_for, supplier, tender):
    response = client_for(supplier).post(
        f"/tenders/{tender.pk}/bid/",
        {
            "answer_quality.approach": "Our approach.",
            "answer_quality.delivery": "Our plan.",
            "price": "14500000",
            "schedule_text": "Luminaires | 9000000\nOperation | 5000000",
        },
    )
    assert response.status_code == 400
    assert "adds up to 14000000, not the price 14500000" in response.content.decode()
