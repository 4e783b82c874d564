"""The red-flag rules on hand-made compiled releases: each indicator where it must fire and where it must not, at its
threshold's boundary."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain import ocds
from civicpact.domain.redflags import INDICATORS, Process, Thresholds, evaluate, quantile

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return ocds.format_date(moment)


def process(ocid: str = "ocds-test-1", releases: tuple[dict[str, Any], ...] = (), **sections: Any) -> Process:
    compiled: dict[str, Any] = {"ocid": ocid, "id": f"{ocid}-compiled", "date": iso(T0), "tag": ["compiled"]}
    compiled |= {"initiationType": "tender", "buyer": {"id": "org-1", "name": "Energy"}, **sections}
    return Process(compiled, releases)


def tender(
    *, method: str = "open", days: float = 30, tenderers: int | None = None, details: str = "Open tender"
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "tender-1",
        "title": "Street lights",
        "procurementMethod": method,
        "procurementMethodDetails": details,
        "procuringEntity": {"id": "org-1", "name": "Energy"},
        "tenderPeriod": {"startDate": iso(T0), "endDate": iso(T0 + timedelta(days=days))},
    }
    if tenderers is not None:
        out["numberOfTenderers"] = tenderers
    return out


def bid(who: str, amount: float, status: str = "valid", *, at: datetime | None = None) -> dict[str, Any]:
    return {
        "id": f"bid-{who}-{amount}",
        "date": iso(at or T0 + timedelta(days=1)),
        "status": status,
        "tenderers": [{"id": who, "name": who.title()}],
        "value": {"amount": amount, "currency": "EUR"},
    }


def award(who: str, status: str = "active", award_id: str = "award-1") -> dict[str, Any]:
    return {"id": award_id, "status": status, "suppliers": [{"id": who, "name": who.title()}]}


def competed(*bids_: dict[str, Any], winner: str = "a", status: str = "active", ocid: str = "ocds-test-1") -> Process:
    return process(
        ocid, tender=tender(tenderers=len(bids_)), bids={"details": list(bids_)}, awards=[award(winner, status)]
    )


def codes(*processes: Process, **thresholds: Any) -> list[str]:
    return [f.code for f in evaluate(processes, Thresholds(**thresholds)).findings]


def findings(code: str, *processes: Process, **thresholds: Any) -> list[Any]:
    return [f for f in evaluate(processes, Thresholds(**thresholds)).findings if f.code == code]


def test_every_indicator_has_a_title_a_source_and_a_reason():
    for code, indicator in INDICATORS.items():
        assert indicator.code == code
        assert indicator.source in ("Cardinal", "CivicPact")
        assert indicator.title
        assert indicator.why.endswith(".")


# --- R003 short submission period ------------------------------------------------------------------------------------


def test_r003_flags_fourteen_days_to_bid_and_explains_it():
    (finding,) = findings("R003", process(tender=tender(days=14)))
    assert finding.subject_id == "ocds-test-1"
    assert finding.evidence["days"] == 14
    assert "14 day(s)" in finding.explanation


def test_r003_does_not_flag_fifteen_days_the_threshold():
    assert findings("R003", process(tender=tender(days=15))) == []


def test_r003_counts_whole_days_so_fourteen_days_and_23_hours_is_short():
    assert len(findings("R003", process(tender=tender(days=14 + 23 / 24)))) == 1


def test_r003_leaves_out_direct_awards():
    assert findings("R003", process(tender=tender(days=2, method="direct"))) == []


@given(days=st.floats(min_value=0, max_value=90), threshold=st.integers(min_value=1, max_value=60))
def test_r003_fires_exactly_when_the_whole_days_are_under_the_threshold(days, threshold):
    flagged = bool(findings("R003", process(tender=tender(days=days)), r003_days=threshold))
    assert flagged == (timedelta(days=days).days < threshold)


# --- R018 single bid -------------------------------------------------------------------------------------------------


def test_r018_flags_a_single_bid_in_an_open_procedure():
    assert codes(process(tender=tender(tenderers=1))) == ["R018"]


@pytest.mark.parametrize(("method", "tenderers"), [("open", 2), ("open", 0), ("limited", 1), ("direct", 1)])
def test_r018_does_not_flag_competition_or_non_competitive_methods(method, tenderers):
    assert findings("R018", process(tender=tender(method=method, tenderers=tenderers))) == []


# --- R024 / R058: the second-lowest valid bid against the winner -----------------------------------------------------


def test_r024_flags_a_second_bid_at_the_fixed_fence_and_not_above_it():
    at = competed(bid("a", 100), bid("b", 105), ocid="ocds-test-at")
    above = competed(bid("a", 100), bid("b", 105.01), ocid="ocds-test-above")
    flagged = findings("R024", at, above, r024_threshold=0.05)
    assert [f.subject_id for f in flagged] == ["ocds-test-at"]
    assert flagged[0].evidence["second_lowest_valid_bid"] == "105.00 EUR"
    assert flagged[0].value == pytest.approx(0.05)


def test_r024_waits_for_a_final_award():
    assert findings("R024", competed(bid("a", 100), bid("b", 101), status="pending"), r024_threshold=0.05) == []


def test_r024_counts_a_pending_award_whose_contract_is_in_force_as_active():
    pending = competed(bid("a", 100), bid("b", 101), status="pending")
    compiled = dict(pending.compiled) | {"contracts": [{"id": "c-1", "awardID": "award-1", "status": "active"}]}
    assert len(findings("R024", Process(compiled), r024_threshold=0.05)) == 1


def test_r024_assumes_price_only_and_leaves_out_a_dearer_winner():
    assert findings("R024", competed(bid("a", 100), bid("b", 99)), r024_threshold=0.05) == []


def test_r024_computes_its_fence_from_the_quartiles_once_there_are_enough_processes():
    spread = [competed(bid("a", 100), bid("b", 100 + g), ocid=f"ocds-test-{g}") for g in (10, 11, 12, 13, 14, 15, 16)]
    close = competed(bid("a", 100), bid("b", 100.5), ocid="ocds-test-close")
    report = evaluate([*spread, close])
    assert [f.subject_id for f in report.findings if f.code == "R024"] == ["ocds-test-close"]
    assert report.fences["R024"]["values"] == 8


def test_r024_computes_no_fence_over_too_few_processes():
    report = evaluate([competed(bid("a", 100), bid("b", 100.5))])
    assert [f.code for f in report.findings] == []
    assert report.fences["R024"] == {"values": 1.0, "minimum_sample": 8.0}


def test_r058_flags_a_winner_far_below_the_others_at_the_fixed_fence():
    assert len(findings("R058", competed(bid("a", 100), bid("b", 150)), r058_threshold=0.5)) == 1
    assert findings("R058", competed(bid("a", 100), bid("b", 149.99)), r058_threshold=0.5) == []


def test_quartiles_follow_the_r8_estimator():
    assert quantile([1, 2, 3, 4], 0.5) == pytest.approx(2.5)
    assert quantile([2, 2, 4], 0.75) == pytest.approx(2 + (5 / 6) * 2)
    assert quantile([7], 0.25) == 7


# --- R028 identical bid prices ---------------------------------------------------------------------------------------


def test_r028_flags_two_tenderers_with_the_same_price():
    (finding,) = findings("R028", competed(bid("a", 100), bid("b", 100), bid("c", 120)))
    assert finding.evidence == {"100.00 EUR": ["A", "B"]}


def test_r028_does_not_flag_different_prices_or_one_tenderers_two_bids():
    assert findings("R028", competed(bid("a", 100), bid("b", 100.01))) == []
    assert findings("R028", competed(bid("a", 100), bid("a", 100))) == []


# --- R030 late bid won -----------------------------------------------------------------------------------------------


def test_r030_flags_a_winning_bid_received_after_the_deadline():
    late = bid("a", 100, at=T0 + timedelta(days=30, seconds=1))
    assert len(findings("R030", competed(late, bid("b", 120)))) == 1


def test_r030_does_not_flag_a_bid_at_the_deadline_nor_a_late_loser():
    on_time = bid("a", 100, at=T0 + timedelta(days=30))
    late_loser = bid("b", 120, at=T0 + timedelta(days=31))
    assert findings("R030", competed(on_time, late_loser)) == []


# --- R035 all except winner disqualified, R036 lowest bid disqualified -----------------------------------------------


def test_r035_flags_a_winner_whose_every_rival_was_disqualified():
    (finding,) = findings(
        "R035", competed(bid("a", 120), bid("b", 100, "disqualified"), bid("c", 110, "disqualified"))
    )
    assert finding.value == 2
    assert finding.evidence["disqualified_tenderers"] == ["B", "C"]


def test_r035_does_not_flag_below_its_threshold_or_with_another_valid_bid():
    one_out = competed(bid("a", 120), bid("b", 100, "disqualified"))
    assert findings("R035", one_out, r035_threshold=2) == []
    assert findings("R035", competed(bid("a", 120), bid("b", 100, "disqualified"), bid("c", 130))) == []


def test_r036_flags_the_lowest_bid_disqualified_once_awarded():
    (finding,) = findings("R036", competed(bid("a", 120), bid("b", 100, "disqualified")))
    assert finding.evidence["lowest_bid"] == "100.00 EUR"


def test_r036_does_not_flag_a_disqualified_dearer_bid_nor_before_the_award_is_final():
    assert findings("R036", competed(bid("a", 100), bid("b", 120, "disqualified"))) == []
    assert findings("R036", competed(bid("a", 120), bid("b", 100, "disqualified"), status="pending")) == []


# --- R025 and R038: organisations across processes -------------------------------------------------------------------


def test_r025_flags_a_frequent_bidder_that_rarely_wins():
    losing = [competed(bid(f"w{n}", 100), bid("x", 110), winner=f"w{n}", ocid=f"ocds-test-{n}") for n in range(4)]
    others = [competed(bid("y", 100), bid("z", 110), winner="y", ocid=f"ocds-test-y{n}") for n in range(2)]
    (finding,) = findings("R025", *losing, *others, r025_threshold=0.2)
    assert (finding.subject, finding.subject_id, finding.evidence["valid_bids"]) == ("tenderer", "x", 4)


def test_r025_does_not_flag_a_bidder_at_the_fence():
    games = [competed(bid(f"w{n}", 100), bid("x", 110), winner=f"w{n}", ocid=f"ocds-test-{n}") for n in range(3)]
    won = competed(bid("x", 100), bid("w9", 110), winner="x", ocid="ocds-test-won")
    others = [competed(bid("y", 100), bid("z", 110), winner="y", ocid=f"ocds-test-y{n}") for n in range(2)]
    assert findings("R025", *games, won, *others, r025_threshold=0.25) == []


def test_r038_flags_a_buyer_disqualifying_half_the_bids_it_receives():
    first = competed(bid("a", 100), bid("b", 110, "disqualified"), ocid="ocds-test-1")
    second = competed(bid("a", 100), bid("c", 110, "disqualified"), ocid="ocds-test-2")
    flagged = findings("R038", first, second, r038_threshold=0.5)
    assert {(f.subject, f.subject_id) for f in flagged} == {("buyer", "org-1"), ("procuringEntity", "org-1")}
    assert flagged[0].ocids == ("ocds-test-1", "ocds-test-2")


def test_r038_does_not_flag_below_the_fence_nor_a_buyer_with_one_process():
    first = competed(bid("a", 100), bid("b", 110, "disqualified"), bid("c", 120), ocid="ocds-test-1")
    second = competed(bid("a", 100), bid("c", 110), ocid="ocds-test-2")
    assert findings("R038", first, second, r038_threshold=0.5) == []
    lone = competed(bid("a", 100), bid("b", 110, "disqualified"))
    assert findings("R038", lone, r038_threshold=0.1) == []


# --- PPP01 frequent amendments ---------------------------------------------------------------------------------------


def contract(*amendment_days: int, status: str = "active", value: float = 1_000_000, **more: Any) -> dict[str, Any]:
    signed = T0
    return {
        "id": "contract-1",
        "awardID": "award-1",
        "status": status,
        "dateSigned": iso(signed),
        "value": {"amount": value, "currency": "EUR"},
        "amendments": [
            {"id": f"contract-1-v{n + 2}", "date": iso(signed + timedelta(days=d)), "rationale": "Price change"}
            for n, d in enumerate(amendment_days)
        ],
        **more,
    }


def test_ppp01_flags_three_amendments():
    (finding,) = findings("PPP01", process(contracts=[contract(400, 500, 600)]))
    assert "amended 3 times" in finding.explanation


def test_ppp01_does_not_flag_two_late_amendments():
    assert findings("PPP01", process(contracts=[contract(400, 500)])) == []


def test_ppp01_flags_an_amendment_within_six_months_of_signature_but_not_at_six_months():
    assert len(findings("PPP01", process(contracts=[contract(182)]))) == 1
    assert findings("PPP01", process(contracts=[contract(183)])) == []
    assert findings("PPP01", process(contracts=[contract(30)]), amendments_months=0) == []


# --- PPP02 deductions capped or waived month after month -------------------------------------------------------------


def statement_failures(month: str, *, capped: bool) -> list[dict[str, Any]]:
    """The performance failures our publisher writes for an issued statement of `month` (domain/ocds.py)."""
    from tests.domain.test_ocds import _capped_month, _issued

    figures = _capped_month()
    if not capped:
        figures = figures | {"capped": False}
    issued = dataclasses.replace(_issued(figures, statement_id=f"statement-{month}"), month=month)
    failures: list[dict[str, Any]] = ocds.statement_implementation(issued)["performanceFailures"]
    return failures


def with_months(*months: tuple[str, bool]) -> Process:
    failures = [f for month, capped in months for f in statement_failures(month, capped=capped)]
    return process(contracts=[contract(implementation={"performanceFailures": failures})])


def test_ppp02_flags_three_consecutive_months_at_the_cap_as_published():
    (finding,) = findings("PPP02", with_months(("2026-03", True), ("2026-04", True), ("2026-05", True)))
    assert finding.evidence["consecutive"] == ["2026-03", "2026-04", "2026-05"]


def test_ppp02_does_not_flag_two_capped_months_nor_a_broken_run():
    assert findings("PPP02", with_months(("2026-03", True), ("2026-04", True))) == []
    broken = with_months(("2026-03", True), ("2026-04", False), ("2026-05", True), ("2026-06", True))
    assert findings("PPP02", broken) == []


def test_ppp02_counts_failures_left_without_penalty_as_waived():
    waived = {"events": 4, "penaltyImposed": "None."}
    failures = [
        {"id": f"{m}-availability", "period": ocds.month_period(m, "Europe/Lisbon"), **waived}
        for m in ("2026-10", "2026-11", "2026-12")
    ]
    (finding,) = findings("PPP02", process(contracts=[contract(implementation={"performanceFailures": failures})]))
    assert set(finding.evidence["months"].values()) == {"waived"}


# --- PPP03 unsolicited proposal awarded without competition ----------------------------------------------------------

SWISS = "Unsolicited proposal (Swiss challenge) (Unsolicited proposal with a Swiss challenge)"


def test_ppp03_flags_an_unsolicited_proposal_awarded_on_its_own_offer():
    swiss = process(tender=tender(details=SWISS), bids={"details": [bid("a", 100)]}, awards=[award("a", "pending")])
    (finding,) = findings("PPP03", swiss)
    assert finding.evidence["offers"] == 1


def test_ppp03_does_not_flag_a_challenged_proposal_an_unawarded_one_or_an_open_tender():
    challenged = process(
        tender=tender(details=SWISS), bids={"details": [bid("a", 100), bid("b", 98)]}, awards=[award("a")]
    )
    unawarded = process(tender=tender(details=SWISS, tenderers=1))
    single_open = process(tender=tender(tenderers=1), bids={"details": [bid("a", 100)]}, awards=[award("a")])
    assert findings("PPP03", challenged, unawarded, single_open) == []


# --- PPP04 contract value growth -------------------------------------------------------------------------------------


def grown(first: float, now: float) -> Process:
    releases = (
        {
            "id": "r-1",
            "date": iso(T0),
            "contracts": [{"id": "contract-1", "value": {"amount": first, "currency": "EUR"}}],
        },
        {"id": "r-2", "date": iso(T0 + timedelta(days=400)), "contracts": [contract(400, value=now)]},
    )
    return process(releases=releases, contracts=[contract(400, value=now)])


def test_ppp04_flags_a_rise_of_ten_percent_over_the_first_published_value():
    (finding,) = findings("PPP04", grown(1_000_000, 1_100_000))
    assert finding.evidence["first_value"] == "1,000,000.00 EUR"
    assert finding.evidence["first_published_in"] == "r-1"


def test_ppp04_does_not_flag_just_under_ten_percent_nor_without_the_releases():
    assert findings("PPP04", grown(1_000_000, 1_099_999.99)) == []
    assert findings("PPP04", process(contracts=[contract(400, value=5_000_000)])) == []


@given(
    first=st.integers(min_value=1_000, max_value=10**9),
    growth_cents=st.integers(min_value=-5_000, max_value=20_000),
    threshold=st.sampled_from([0.05, 0.1, 0.25]),
)
def test_ppp04_fires_exactly_when_the_growth_reaches_the_threshold(first, growth_cents, threshold):
    now = first * (1 + growth_cents / 100_000)
    flagged = bool(findings("PPP04", grown(first, now), value_growth=threshold))
    assert flagged == ((now - first) / first >= threshold)


# --- all together ----------------------------------------------------------------------------------------------------


def test_a_contract_entered_directly_with_no_tender_raises_no_flag():
    direct = process(
        awards=[{"id": "award-direct-1", "status": "active", "suppliers": [{"id": "org-11", "name": "Lumen Grid"}]}],
        contracts=[contract()],
    )
    report = evaluate([direct])
    assert report.findings == []
    assert report.applicable["PPP01"] == 1


def test_a_process_without_a_string_ocid_is_left_out():
    assert evaluate([Process({"ocid": 7, "tender": tender(days=1)})]).processes == 0
