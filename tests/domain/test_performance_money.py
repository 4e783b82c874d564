"""The money rules: counts -> deductions, cap, bonus and net payment (docs/performance-regime.md, "Money").

Most cases use the doc's example regime without indexation: annual 1,200,000.00 -> U = 100,000.00 a month;
street lights 80%, sensors 20%; 15-minute intervals, rectification 240 minutes = R 16 slots; ubu 0.5; ratchet
1.0 / 1.5 / 2.0; fix_time 250.00 per failure; bonus 1% at 99.8% availability; cap 20% = 20,000.00.
A 30-day month of 24-hour service has S = 30 x 96 = 2,880 slots per asset.
The register: L1, L2 street lights (share 100,000 x 80% / 2 = 40,000.00 each) and S1, a sensor (20,000.00).
"""

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.money import to_cents
from civicpact.domain.performance.counts import AssetCounts
from civicpact.domain.performance.money import StatementInputError, monthly_charge, statement
from civicpact.domain.performance.regime import Regime, regime_from_mapping

from .test_regime import EXAMPLE, changed, regime_mappings

MONTH = 2880
REGISTER = {"L1": "streetlight", "L2": "streetlight", "S1": "sensor"}


def make_regime(*edits: tuple[tuple[str | int, ...], Any]) -> Regime:
    return regime_from_mapping(changed((("unitary_charge", "indexation"), None), *edits))


REGIME = make_regime()


def counts(
    asset: str,
    *,
    slots: int = MONTH,
    down: int = 0,
    degraded: int = 0,
    missing: int = 0,
    events: int = 0,
    rectified: int = 0,
    deductible_down: tuple[int, ...] = (),
    deductible_degraded: tuple[int, ...] = (),
    deductible_missing: tuple[int, ...] = (),
) -> AssetCounts:
    """An asset's month by hand: up is what is left of the service slots."""
    observed = slots - missing
    return AssetCounts(
        asset=asset,
        service_slots=slots,
        observed_slots=observed,
        up_slots=observed - down - degraded,
        down_slots=down,
        degraded_slots=degraded,
        missing_slots=missing,
        events=events,
        rectified_events=rectified,
        deductible_down=deductible_down,
        deductible_degraded=deductible_degraded,
        deductible_missing=deductible_missing,
    )


def month(*changed_assets: AssetCounts) -> list[AssetCounts]:
    """The register's three assets, clean unless given."""
    given_ = {c.asset: c for c in changed_assets}
    return [given_.get(asset, counts(asset)) for asset in REGISTER]


def line(result: Any, asset: str) -> Any:
    return next(item for item in result.assets if item.asset == asset)


# The monthly unitary charge and the shares


def test_the_monthly_charge_is_a_twelfth_of_the_annual():
    assert monthly_charge(REGIME) == Decimal("100000.00")
    result = statement(REGIME, month(), REGISTER)
    assert result.monthly_charge == Decimal("100000.00")
    # 100,000 x 80% / 2 street lights; 100,000 x 20% / 1 sensor
    assert line(result, "L1").share == Decimal("40000.00")
    assert line(result, "S1").share == Decimal("20000.00")


def test_a_clean_month_pays_the_charge_and_the_bonus():
    result = statement(REGIME, month(), REGISTER)
    assert result.gross_deductions == Decimal("0.00")
    assert result.contract_availability_percent == Decimal("100.000")
    assert result.bonus == Decimal("1000.00")
    assert result.net_payment == Decimal("101000.00")


def test_a_charge_that_does_not_divide_by_12_is_rounded_to_the_cent_half_up():
    # 1,000,000 / 12 = 83,333.333...; 1,000,000.06 / 12 = 83,333.338333... -> .34; 0.30 / 12 = 0.025 -> 0.03
    assert monthly_charge(make_regime((("unitary_charge", "annual"), "1000000"))) == Decimal("83333.33")
    assert monthly_charge(make_regime((("unitary_charge", "annual"), "1000000.06"))) == Decimal("83333.34")
    assert monthly_charge(make_regime((("unitary_charge", "annual"), "0.30"))) == Decimal("0.03")


# (a) an outage fixed within the rectification period costs nothing


def test_a_an_outage_fixed_within_the_rectification_period_costs_nothing():
    # L1 down 4 hours = 16 slots = R: rectified, no deductible slot
    result = statement(REGIME, month(counts("L1", down=16, events=1, rectified=1)), REGISTER)
    l1 = line(result, "L1")
    assert (l1.events, l1.rectified_events) == (1, 1)
    assert l1.weighted_slots == Decimal(0)
    assert l1.deduction == Decimal("0.00")
    assert result.gross_deductions == Decimal("0.00")
    # it still counts against availability: 2,864 / 2,880 = 99.4444% for L1
    assert l1.availability_percent == Decimal("99.444")
    # and the contract's: 8,624 / 8,640 = 99.8148% >= 99.8: the bonus is earned all the same
    assert result.contract_availability_percent == Decimal("99.814")
    assert result.net_payment == Decimal("101000.00")


# (b) an outage beyond the rectification period counts from its start


def test_b_an_outage_beyond_the_rectification_period_counts_from_its_start():
    # L1 down 4h15 = 17 slots > R = 16: all 17 slots count, not just the one past R
    # 40,000.00 x 1.0 x 17 / 2,880 = 236.1111 -> 236.11
    result = statement(REGIME, month(counts("L1", down=17, events=1, deductible_down=(17,))), REGISTER)
    l1 = line(result, "L1")
    assert l1.weighted_slots == Decimal(17)
    assert l1.deduction == Decimal("236.11")
    assert [(t.tier, t.multiplier, t.down) for t in l1.tiers] == [
        (0, Decimal("1.0"), 17),
        (1, Decimal("1.5"), 0),
        (2, Decimal("2.0"), 0),
    ]
    assert result.availability_deductions == Decimal("236.11")


# (c) "unavailable but used" at half rate


def test_c_unavailable_but_used_costs_the_ubu_factor():
    # S1 degraded 6 hours = 24 slots in one event: 0.5 x 24 = 12 weighted slots
    # 20,000.00 x 12 / 2,880 = 83.3333 -> 83.33 (down, the same outage would cost 166.67)
    degraded = counts("S1", degraded=24, events=1, deductible_degraded=(24,))
    result = statement(REGIME, month(degraded), REGISTER)
    assert line(result, "S1").weighted_slots == Decimal("12.0")
    assert line(result, "S1").deduction == Decimal("83.33")
    down = counts("S1", down=24, events=1, deductible_down=(24,))
    assert line(statement(REGIME, month(down), REGISTER), "S1").deduction == Decimal("166.67")


def test_an_event_partly_down_and_partly_degraded_prices_each_slot_by_its_kind():
    # one event of 30 slots: 20 down, 10 degraded: 20 + 0.5 x 10 = 25; 20,000 x 25 / 2,880 = 173.6111 -> 173.61
    mixed = counts("S1", down=20, degraded=10, events=1, deductible_down=(20,), deductible_degraded=(10,))
    assert line(statement(REGIME, month(mixed), REGISTER), "S1").deduction == Decimal("173.61")


# (d) a repeat failure hitting the second ratchet tier


def test_d_a_repeat_failure_hits_the_second_ratchet_tier():
    # L2: a 20-slot outage (1st deductible event, tier 0, x1.0), a 10-slot one (rectified: it does not move the
    # ratchet), then an 18-slot one (2nd deductible event, tier 1, x1.5)
    # 1.0 x 20 + 1.5 x 18 = 20 + 27 = 47; 40,000.00 x 47 / 2,880 = 652.7777 -> 652.78
    repeat = counts("L2", down=48, events=3, rectified=1, deductible_down=(20, 18))
    l2 = line(statement(REGIME, month(repeat), REGISTER), "L2")
    assert l2.weighted_slots == Decimal("47.0")
    assert l2.deduction == Decimal("652.78")
    # without the ratchet: 38 x 40,000 / 2,880 = 527.78
    flat = make_regime((("availability", "ratchet"), []))
    assert line(statement(flat, month(replace(repeat, deductible_down=(38,))), REGISTER), "L2").deduction == Decimal(
        "527.78"
    )


def test_the_last_ratchet_tier_holds_every_later_event():
    # L2: events of 20, 18, 30 and 17 slots: tiers 0, 1, 2, 2 -> 1.0 x 20 + 1.5 x 18 + 2.0 x (30 + 17)
    # = 20 + 27 + 94 = 141; 40,000 x 141 / 2,880 = 1,958.3333 -> 1,958.33
    four = counts("L2", down=85, events=4, deductible_down=(20, 18, 47))
    assert line(statement(REGIME, month(four), REGISTER), "L2").deduction == Decimal("1958.33")


def test_a_deduction_may_exceed_the_asset_share_through_the_ratchet():
    # S1: 1,000 slots in its 1st deductible event, 1,880 in its 2nd: 1,000 + 1.5 x 1,880 = 3,820 > 2,880
    # 20,000 x 3,820 / 2,880 = 26,527.78: more than S1's share; only the contract's cap limits it
    worst = counts("S1", down=MONTH, events=2, deductible_down=(1000, 1880))
    result = statement(REGIME, month(worst), REGISTER)
    assert line(result, "S1").deduction == Decimal("26527.78")
    assert result.capped
    assert result.deductions_applied == Decimal("20000.00")


# (e) a month that hits the cap


def test_e_a_month_that_hits_the_cap():
    # L1 down 15 days in one event: 40,000 x 1,440 / 2,880 = 20,000.00
    # S1 degraded the whole month: 20,000 x 0.5 x 2,880 / 2,880 = 10,000.00
    # fix_time: 4 failures x 250.00 = 1,000.00
    # gross 31,000.00 > cap 20% x 100,000 = 20,000.00: 20,000.00 applied; net 80,000.00
    # availability: (1,440 + 2,880 + 0) / 8,640 = 50%: no bonus
    result = statement(
        REGIME,
        month(
            counts("L1", down=1440, events=1, deductible_down=(1440,)),
            counts("S1", degraded=MONTH, events=1, deductible_degraded=(MONTH,)),
        ),
        REGISTER,
        {"fix_time": 4},
    )
    assert line(result, "L1").deduction == Decimal("20000.00")
    assert line(result, "S1").deduction == Decimal("10000.00")
    assert result.kpis[0].deduction == Decimal("1000.00")
    assert result.availability_deductions == Decimal("30000.00")
    assert result.kpi_deductions == Decimal("1000.00")
    assert result.gross_deductions == Decimal("31000.00")
    assert result.cap_amount == Decimal("20000.00")
    assert result.capped is True
    assert result.deductions_applied == Decimal("20000.00")
    assert result.contract_availability_percent == Decimal("50.000")
    assert result.bonus == Decimal("0.00")
    assert result.net_payment == Decimal("80000.00")


def test_deductions_exactly_at_the_cap_are_not_capped():
    # L1 down 15 days: 20,000.00 = the cap
    result = statement(REGIME, month(counts("L1", down=1440, events=1, deductible_down=(1440,))), REGISTER)
    assert result.gross_deductions == result.cap_amount == Decimal("20000.00")
    assert result.capped is False
    assert result.net_payment == Decimal("80000.00")


def test_a_zero_cap_waives_every_deduction():
    no_cap = make_regime((("cap_percent",), "0"))
    result = statement(
        no_cap, month(counts("L1", down=17, events=1, deductible_down=(17,))), REGISTER, {"fix_time": 1}
    )
    assert result.gross_deductions == Decimal("486.11")  # 236.11 + 250.00
    assert result.deductions_applied == Decimal("0.00")
    assert result.capped


# (f) a bonus month


def test_f_a_bonus_month():
    # L1 down 17 slots (deducted 236.11 as in (b)); up slots 8,640 - 17 = 8,623
    # 8,623 / 8,640 = 99.8032% >= 99.8%: bonus 1% x 100,000 = 1,000.00
    # net = 100,000.00 - 236.11 + 1,000.00 = 100,763.89
    result = statement(REGIME, month(counts("L1", down=17, events=1, deductible_down=(17,))), REGISTER)
    assert result.contract_availability_percent == Decimal("99.803")
    assert result.bonus_earned is True
    assert result.bonus == Decimal("1000.00")
    assert result.net_payment == Decimal("100763.89")


def test_one_more_slot_down_loses_the_bonus():
    # 18 slots: 8,622 / 8,640 = 99.7916% < 99.8%; deduction 40,000 x 18 / 2,880 = 250.00; net 99,750.00
    result = statement(REGIME, month(counts("L1", down=18, events=1, deductible_down=(18,))), REGISTER)
    assert result.contract_availability_percent == Decimal("99.791")
    assert result.bonus_earned is False
    assert result.bonus == Decimal("0.00")
    assert result.net_payment == Decimal("99750.00")


def test_availability_exactly_at_the_threshold_earns_the_bonus():
    # two street lights of 2,500 slots; L1 down 10 slots (rectified): 4,990 / 5,000 = 99.8% exactly
    register = {"L1": "streetlight", "L2": "streetlight"}
    exact = [counts("L1", slots=2500, down=10, events=1, rectified=1), counts("L2", slots=2500)]
    result = statement(REGIME, exact, register)
    assert result.contract_availability_percent == Decimal("99.800")
    assert result.bonus_earned is True
    # one slot more: 4,989 / 5,000 = 99.78%
    short = [counts("L1", slots=2500, down=11, events=1, rectified=1), counts("L2", slots=2500)]
    assert statement(REGIME, short, register).bonus_earned is False


def test_the_availability_shown_is_rounded_down_so_it_never_shows_a_threshold_not_met():
    # 99,799 / 100,000 up = 99.799%; 9,979,999 / 10,000,000 = 99.79999%: shown 99.799, not 99.800
    nearly = [counts("L1", slots=10_000_000, down=20_001, events=1, rectified=1)]
    result = statement(REGIME, nearly, {"L1": "streetlight"})
    assert result.contract_availability_percent == Decimal("99.799")
    assert result.bonus_earned is False


def test_a_regime_without_a_bonus_pays_none():
    no_bonus = make_regime((("bonus",), None))
    result = statement(no_bonus, month(), REGISTER)
    assert result.bonus_earned is False
    assert result.net_payment == Decimal("100000.00")


# (g) rate mode


def test_g_rate_mode_deducts_a_rate_per_weighted_slot():
    # rate 2.50 per slot; S1: a 30-slot event (20 down, 10 degraded, tier 0) and an 18-slot one (down, tier 1)
    # 1.0 x (20 + 0.5 x 10) + 1.5 x 18 = 25 + 27 = 52 weighted slots; 52 x 2.50 = 130.00 (S and share unused)
    by_rate = make_regime((("availability", "mode"), "rate"), (("availability", "rate"), "2.50"))
    s1 = counts("S1", down=38, degraded=10, events=2, deductible_down=(20, 18), deductible_degraded=(10,))
    result = statement(by_rate, month(s1), REGISTER)
    assert line(result, "S1").weighted_slots == Decimal("52.0")
    assert line(result, "S1").deduction == Decimal("130.00")
    assert line(result, "S1").share == Decimal("20000.00")  # shown, not used


def test_rate_mode_rounds_each_asset_half_up():
    # 17 slots x 0.125 = 2.125 -> 2.13 (half up; half-even would give 2.12)
    by_rate = make_regime((("availability", "mode"), "rate"), (("availability", "rate"), "0.125"))
    result = statement(by_rate, month(counts("L1", down=17, events=1, deductible_down=(17,))), REGISTER)
    assert line(result, "L1").deduction == Decimal("2.13")


# (h) indexation


def test_h_indexation_multiplies_the_charge_by_index_over_base():
    # 1,200,000 / 12 x 103.7 / 100.0 = 103,700.00
    indexed = regime_from_mapping(EXAMPLE)
    assert monthly_charge(indexed, Decimal("103.7")) == Decimal("103700.00")
    assert monthly_charge(indexed, "103.7") == Decimal("103700.00")
    # share 103,700 x 80% / 2 = 41,480.00; L1 down 17 slots: 41,480 x 17 / 2,880 = 244.8472 -> 244.85
    # cap 20% = 20,740.00; 8,623 / 8,640 >= 99.8%: bonus 1,037.00; net 103,700 - 244.85 + 1,037 = 104,492.15
    result = statement(
        indexed, month(counts("L1", down=17, events=1, deductible_down=(17,))), REGISTER, index_value="103.7"
    )
    assert result.index_value == Decimal("103.7")
    assert line(result, "L1").share == Decimal("41480.00")
    assert line(result, "L1").deduction == Decimal("244.85")
    assert result.cap_amount == Decimal("20740.00")
    assert result.bonus == Decimal("1037.00")
    assert result.net_payment == Decimal("104492.15")


def test_an_index_that_does_not_divide_evenly_is_rounded_once():
    # 1,000,000 / 12 x 101.3 / 100 = 84,416.6666... -> 84,416.67 (not 83,333.33 x 1.013 = 84,416.66)
    indexed = regime_from_mapping(changed((("unitary_charge", "annual"), "1000000")))
    assert monthly_charge(indexed, 101) == Decimal("84166.67")
    assert monthly_charge(indexed, "101.3") == Decimal("84416.67")


@pytest.mark.parametrize(
    ("regime", "index", "words"),
    [
        (regime_from_mapping(EXAMPLE), None, "index_value is missing: the unitary charge is indexed to CPI"),
        (REGIME, "103.7", "the regime's unitary charge is not indexed"),
        (regime_from_mapping(EXAMPLE), "0", "above 0"),
        (regime_from_mapping(EXAMPLE), "-3", "above 0"),
        (regime_from_mapping(EXAMPLE), "a lot", "above 0"),
        (regime_from_mapping(EXAMPLE), Decimal("NaN"), "above 0"),
    ],
)
def test_the_index_value_is_required_exactly_when_the_regime_is_indexed(regime, index, words):
    for call in (
        lambda: monthly_charge(regime, index),
        lambda: statement(regime, month(), REGISTER, index_value=index),
    ):
        with pytest.raises(StatementInputError) as caught:
            call()
        assert caught.value.field == "index_value"
        assert words in str(caught.value)


# Missing data


def test_missing_slots_count_as_down_when_missing_data_is_unavailable():
    # S1: 20 slots without data in one event: 20,000 x 20 / 2,880 = 138.8888 -> 138.89
    s1 = counts("S1", missing=20, events=1, deductible_missing=(20,))
    assert line(statement(REGIME, month(s1), REGISTER), "S1").deduction == Decimal("138.89")


def test_missing_slots_cost_nothing_when_missing_data_is_available_but_are_not_up():
    available = make_regime((("measurement", "missing_data"), "available"))
    s1 = counts("S1", missing=20, deductible_missing=(20,))  # priced only under `unavailable`
    result = statement(available, month(s1), REGISTER)
    assert line(result, "S1").deduction == Decimal("0.00")
    assert line(result, "S1").tiers[0].missing == 20  # shown as counted
    # 8,620 / 8,640 = 99.7685%: missing slots are not up, so no bonus
    assert result.contract_availability_percent == Decimal("99.768")
    assert result.bonus_earned is False


def test_excluded_missing_slots_shrink_the_asset_service_slots():
    # the engine removed S1's 20 missing slots: S = 2,860; a 20-slot outage: 20,000 x 20 / 2,860 = 139.8601 -> 139.86
    excluded = make_regime((("measurement", "missing_data"), "excluded"))
    s1 = counts("S1", slots=2860, down=20, events=1, deductible_down=(20,))
    assert line(statement(excluded, month(s1), REGISTER), "S1").deduction == Decimal("139.86")


# The register, KPIs and edge cases


def test_shares_count_the_assets_of_the_register_not_the_counts():
    # four street lights in the register, counts for one: share 100,000 x 80% / 4 = 20,000.00
    register = {"L1": "streetlight", "L2": "streetlight", "L3": "streetlight", "L4": "streetlight"}
    result = statement(REGIME, [counts("L1", down=17, events=1, deductible_down=(17,))], register)
    assert line(result, "L1").share == Decimal("20000.00")
    assert line(result, "L1").deduction == Decimal("118.06")  # 20,000 x 17 / 2,880 = 118.0555


def test_a_class_with_no_assets_deducts_nothing():
    # no sensor in the register: its 20% of U cannot be deducted; the street lights keep 80% / 2
    register = {"L1": "streetlight", "L2": "streetlight"}
    result = statement(REGIME, [counts("L1"), counts("L2")], register)
    assert line(result, "L1").share == Decimal("40000.00")
    assert result.net_payment == Decimal("101000.00")


def test_an_asset_without_service_slots_has_no_availability_and_no_deduction():
    night_only = counts("L1", slots=0)
    result = statement(REGIME, [night_only, counts("L2")], {"L1": "streetlight", "L2": "streetlight"})
    assert line(result, "L1").availability_percent is None
    assert line(result, "L1").deduction == Decimal("0.00")
    assert result.contract_availability_percent == Decimal("100.000")  # from L2 alone


def test_an_empty_month_pays_the_charge_without_a_bonus():
    result = statement(REGIME, [], {})
    assert result.assets == ()
    assert result.contract_availability_percent is None
    assert result.bonus_earned is False
    assert result.gross_deductions == Decimal("0.00")
    assert result.net_payment == Decimal("100000.00")
    # all assets without service slots: the same
    assert statement(REGIME, [counts("L1", slots=0)], {"L1": "streetlight"}).net_payment == Decimal("100000.00")


def test_kpi_failures_deduct_a_fixed_amount_each_and_a_kpi_not_given_had_none():
    two_kpis = make_regime(
        (
            ("kpis",),
            [
                EXAMPLE["kpis"][0],
                {"key": "satisfaction", "kind": "periodic", "target": "7.5", "deduction_per_failure": "1000.005"},
            ],
        )
    )
    result = statement(two_kpis, month(), REGISTER, {"satisfaction": 1})
    assert [(k.kpi, k.failures, k.deduction) for k in result.kpis] == [
        ("fix_time", 0, Decimal("0.00")),
        ("satisfaction", 1, Decimal("1000.01")),  # 1,000.005 half up
    ]
    assert result.net_payment == Decimal("99999.99")  # 100,000 - 1,000.01 + bonus 1,000.00


def test_as_dict_is_plain_json_with_amounts_as_strings():
    result = statement(
        REGIME, month(counts("L1", down=17, events=1, deductible_down=(17,))), REGISTER, {"fix_time": 2}
    )
    data = json.loads(json.dumps(result.as_dict()))
    assert data["monthly_charge"] == "100000.00"
    assert data["index_value"] is None
    assert data["gross_deductions"] == "736.11"  # 236.11 + 2 x 250.00
    assert data["net_payment"] == "100263.89"  # 100,000 - 736.11 + 1,000
    assert data["capped"] is False
    assert data["contract_availability_percent"] == "99.803"
    first = data["assets"][0]
    assert first["asset"] == "L1"
    assert first["class"] == "streetlight"
    assert first["deduction"] == "236.11"
    assert first["tiers"][0] == {"tier": 0, "multiplier": "1.0", "down": 17, "degraded": 0, "missing": 0}
    assert data["kpis"] == [
        {
            "kpi": "fix_time",
            "name": "Fault fixed within 24 hours",
            "failures": 2,
            "deduction_per_failure": "250.00",
            "deduction": "500.00",
        }
    ]


@pytest.mark.parametrize(
    ("call", "field", "words"),
    [
        (lambda: statement(REGIME, [counts("X9")], REGISTER), "counts[0].asset", "'X9' is not in the register"),
        (
            lambda: statement(REGIME, [counts("L1"), counts("L1")], REGISTER),
            "counts[1].asset",
            "is also counts[0]",
        ),
        (
            lambda: statement(REGIME, [], {"L1": "lamp"}),
            "classes['L1']",
            "'lamp', not a class of the regime: give one of streetlight, sensor",
        ),
        (
            lambda: statement(REGIME, [], REGISTER, {"uptime": 1}),
            "kpi_failures['uptime']",
            "the regime has no such KPI",
        ),
        (lambda: statement(REGIME, [], REGISTER, {"fix_time": -1}), "kpi_failures['fix_time']", "0 or more"),
        (
            lambda: statement(REGIME, [counts("L1", deductible_down=(1, 2, 3, 4))], REGISTER),
            "counts[0].deductible_down",
            "has 4 tiers but the regime's ratchet has 3",
        ),
        (
            lambda: statement(REGIME, [counts("L1", deductible_degraded=(-1,))], REGISTER),
            "counts[0].deductible_degraded[0]",
            "0 or more",
        ),
        (
            lambda: statement(REGIME, [replace(counts("L1"), up_slots=MONTH + 1)], REGISTER),
            "counts[0].up_slots",
            "more than the asset's 2880 service slots",
        ),
        (lambda: statement(REGIME, [counts("L1", down=-1)], REGISTER), "counts[0].down_slots", "0 or more"),
        (
            lambda: statement(REGIME, [counts("L1", events=1, rectified=2)], REGISTER),
            "counts[0].rectified_events",
            "more than its 1 events",
        ),
        (
            lambda: statement(REGIME, [counts("L1", slots=0, deductible_down=(17,))], REGISTER),
            "counts[0].service_slots",
            "a deductible slot is a service slot",
        ),
    ],
)
def test_bad_statement_input_is_refused_naming_the_field(call, field, words):
    with pytest.raises(StatementInputError) as caught:
        call()
    assert caught.value.field == field
    assert words in str(caught.value)


# Properties


@st.composite
def months(draw: st.DrawFn) -> tuple[Regime, list[AssetCounts], dict[str, str], dict[str, int]]:
    """A valid regime, a register, the engine's counts for part or all of it and KPI failures."""
    regime = regime_from_mapping(draw(regime_mappings()))
    keys = [c.key for c in regime.asset_classes]
    register = {f"A{i}": draw(st.sampled_from(keys)) for i in range(draw(st.integers(1, 6)))}
    tiers = regime.availability.tiers
    items = []
    for index, asset in enumerate(register):
        if index and not draw(st.booleans()):
            continue  # an asset of the register without counts
        slots = draw(st.integers(0, 3000))
        tier_counts = st.lists(st.integers(0, slots), max_size=tiers).map(tuple)
        down, degraded, missing = draw(tier_counts), draw(tier_counts), draw(tier_counts)
        up = draw(st.integers(0, slots))
        events = draw(st.integers(0, 50))
        items.append(
            AssetCounts(
                asset, slots, up, up, 0, 0, slots - up, events, draw(st.integers(0, events)), down, degraded, missing
            )
        )
    failures = {kpi.key: draw(st.integers(0, 20)) for kpi in regime.kpis if draw(st.booleans())}
    return regime, items, register, failures


def _index(regime: Regime) -> Decimal | None:
    return None if regime.unitary_charge.indexation is None else Decimal("104.3")


@given(months())
def test_deductions_are_never_negative_and_the_applied_total_never_above_the_cap(case):
    regime, items, register, failures = case
    result = statement(regime, items, register, failures, _index(regime))
    assert all(item.deduction >= 0 for item in result.assets)
    assert all(item.deduction >= 0 for item in result.kpis)
    assert result.gross_deductions >= 0
    assert result.deductions_applied == min(result.gross_deductions, result.cap_amount)
    assert result.deductions_applied <= result.cap_amount
    assert result.capped == (result.gross_deductions > result.cap_amount)


@given(months())
def test_net_is_the_charge_less_the_applied_deductions_plus_the_bonus_exactly_in_cents(case):
    regime, items, register, failures = case
    result = statement(regime, items, register, failures, _index(regime))
    assert result.net_payment == result.monthly_charge - result.deductions_applied + result.bonus
    lines = [item.deduction for item in result.assets] + [item.deduction for item in result.kpis]
    assert result.gross_deductions == sum(lines, Decimal(0))
    money = [
        result.monthly_charge,
        result.gross_deductions,
        result.cap_amount,
        result.bonus,
        result.net_payment,
        *lines,
    ]
    assert all(amount == to_cents(amount) and amount.as_tuple().exponent == -2 for amount in money)
    json.dumps(result.as_dict())


@given(months(), st.data())
def test_adding_a_deductible_slot_never_lowers_an_asset_deduction(case, data):
    regime, items, register, failures = case
    position = data.draw(st.integers(0, len(items) - 1))
    item = items[position]
    if item.service_slots == 0 and regime.availability.mode == "share":
        return  # no slot can be deductible
    kind = data.draw(st.sampled_from(["deductible_down", "deductible_degraded", "deductible_missing"]))
    tier = data.draw(st.integers(0, regime.availability.tiers - 1))
    values = list(getattr(item, kind)) + [0] * (regime.availability.tiers - len(getattr(item, kind)))
    values[tier] += 1
    more = [*items[:position], replace(item, **{kind: tuple(values)}), *items[position + 1 :]]
    before = statement(regime, items, register, failures, _index(regime))
    after = statement(regime, more, register, failures, _index(regime))
    assert after.assets[position].deduction >= before.assets[position].deduction
    assert after.gross_deductions >= before.gross_deductions
    assert after.net_payment <= before.net_payment


@given(st.decimals(0, 10**6, places=3), st.integers(1, 200))
def test_kpi_deductions_round_like_the_house_rule(amount, failures):
    regime = make_regime((("kpis", 0, "deduction_per_failure"), f"{amount:f}"))
    result = statement(regime, [], {}, {"fix_time": failures})
    assert result.kpis[0].deduction == to_cents(amount * failures)
