from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.contracts import (
    ContractStatus,
    MilestoneKind,
    Party,
    PartyRole,
    PlannedMilestone,
    Terms,
    changed_fields,
    milestone_ocds,
    milestone_payment,
    ocds_roles,
    ocds_status,
    schedule_errors,
    terms_errors,
    unsigned_parties,
)

CITY = Party(1, "Energy and Street Lighting", PartyRole.CITY)
PARTNER = Party(2, "Lumen Grid", PartyRole.PARTNER)
START, END = date(2027, 1, 1), date(2036, 12, 31)


def terms(**change: Any) -> Terms:
    base: dict[str, Any] = {
        "title": "Street lighting",
        "description": "",
        "value": Decimal("14500000"),
        "start": START,
        "end": END,
        "partnership_model": "managed_services",
        "payment_mechanisms": ("availability",),
        "parties": (CITY, PARTNER),
    }
    base.update(change)
    return Terms(**base)


def test_sound_terms_have_no_errors_and_bad_ones_name_the_field():
    assert terms_errors(terms()) == {}
    assert "end" in terms_errors(terms(end=START))
    assert "value" in terms_errors(terms(value=Decimal(-1)))
    assert terms_errors(terms(parties=(PARTNER,)))["parties"].startswith("A contract has exactly one city")
    assert terms_errors(terms(parties=(CITY,)))["parties"] == "A contract needs at least one partner"
    twice = Party(2, "Lumen Grid", PartyRole.GUARANTOR)
    assert terms_errors(terms(parties=(CITY, PARTNER, twice)))["parties"] == "Each organisation is a party once"


def test_changed_fields_compare_parties_as_sets():
    guarantor = Party(3, "Aurelia Bank", PartyRole.GUARANTOR)
    assert changed_fields(terms(), terms(parties=(PARTNER, CITY))) == ()
    assert changed_fields(terms(), terms(value=Decimal(1), parties=(CITY, PARTNER, guarantor))) == ("value", "parties")


def test_unsigned_parties_and_the_ocds_vocabulary():
    assert unsigned_parties((CITY, PARTNER), {2: object()}) == (CITY,)
    assert ocds_roles(PartyRole.GUARANTOR) == ("interestedParty",)
    assert ocds_status(ContractStatus.VOID) == "cancelled"
    assert milestone_ocds(MilestoneKind.GO_LIVE) == ("delivery", "commissioning")
    assert milestone_ocds(MilestoneKind.KNOWLEDGE_TRANSFER) == ("delivery", None)


def plan(*shares: str | None) -> list[PlannedMilestone]:
    return [
        PlannedMilestone(
            MilestoneKind.DELIVERY, f"m{i}", START + timedelta(days=30 * i), None if s is None else Decimal(s)
        )
        for i, s in enumerate(shares)
    ]


def test_a_payment_schedule_must_add_up_to_100_and_stay_in_the_term():
    assert schedule_errors(plan("20", "30", "50"), START, END) == {}
    assert schedule_errors(plan(None, None), START, END) == {}  # no payments: not a schedule
    assert schedule_errors(plan("20", "30", "40"), START, END)["milestones"].startswith(
        "The milestone payments add up to 90%, not 100%"
    )
    late = [PlannedMilestone(MilestoneKind.GO_LIVE, "Go-live", END + timedelta(days=1), Decimal(100))]
    assert "within the contract's term" in schedule_errors(late, START, END)["milestones[0]"]
    assert "above 0%" in schedule_errors(plan("0", "100"), START, END)["milestones[0]"]


def test_milestone_payments_round_to_the_cent_half_up():
    assert milestone_payment(Decimal("1000.01"), Decimal("50")) == Decimal("500.01")  # 500.005 -> .01
    assert milestone_payment(Decimal("14500000"), Decimal("12.5")) == Decimal("1812500.00")
    assert milestone_payment(Decimal("100"), None) == Decimal(0)


@given(st.lists(st.integers(1, 50), min_size=1, max_size=8), st.decimals("0.01", "99999999", places=2))
def test_a_schedule_scaled_to_100_passes_and_its_payments_add_up_to_the_value_within_cents(parts, value):
    total = sum(parts)
    shares = [Decimal(p * 100) / total for p in parts]
    shares = [s.quantize(Decimal("0.0001")) for s in shares]
    shares[-1] = Decimal(100) - sum(shares[:-1])
    items = [PlannedMilestone(MilestoneKind.DELIVERY, f"m{i}", START, s) for i, s in enumerate(shares) if s > 0]
    if len(items) != len(shares):
        return
    assert schedule_errors(items, START, END) == {}
    paid = sum(milestone_payment(value, s) for s in shares)
    assert abs(paid - value) <= Decimal("0.01") * len(shares)
    last = shares[-1] + 1
    broken = [*items[:-1], PlannedMilestone(MilestoneKind.DELIVERY, "last", START, last)]
    if last <= 100:
        assert "milestones" in schedule_errors(broken, START, END)


@pytest.mark.parametrize("kind", list(MilestoneKind))
def test_every_kind_has_an_ocds_type(kind):
    assert milestone_ocds(kind)[0] == "delivery"


@given(
    st.decimals(-(10**9), 10**9, places=2),
    st.integers(-5000, 5000),
    st.decimals(0, 10**7, places=2),
    st.integers(0, 3650),
)
def test_a_larger_change_never_needs_a_lower_rung(cost, days, more, extra):
    from civicpact.domain.contracts import AUTHORITY_ORDER, required_authority

    bigger_cost = cost + more if cost >= 0 else cost - more
    bigger_days = days + extra if days >= 0 else days - extra
    small, large = required_authority(cost, days), required_authority(bigger_cost, bigger_days)
    assert AUTHORITY_ORDER.index(large) >= AUTHORITY_ORDER.index(small)


def test_the_delegation_ladder_by_hand():
    from civicpact.domain.contracts import Authority, required_authority

    assert required_authority(Decimal(50_000), 30) == Authority.CONTRACT_MANAGER
    assert required_authority(Decimal(-50_001), 0) == Authority.PPP_UNIT
    assert required_authority(Decimal(0), 181) == Authority.COUNCIL
