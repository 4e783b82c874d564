import numpy as np
import numpy_financial as npf  # type: ignore[import-untyped]
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from civicpact.domain.finance import (
    FinanceInputError,
    annuity_payment,
    benefit_cost_ratio,
    discount_factors,
    irr,
    npv,
    payback_years,
    to_nominal,
    to_real,
)


def test_npv_of_a_hand_worked_case():
    # -1000 today, 300 at the end of each of years 1..4, at 5%: 300 * 3.5460 - 1000 = 63.79
    assert npv([-1000, 300, 300, 300, 300], 0.05) == pytest.approx(63.785, abs=0.001)


def test_mid_year_discounting_pulls_flows_half_a_year_earlier():
    factors = discount_factors(3, 0.10, mid_year=True)
    assert factors[0] == 1.0
    assert factors[1] == pytest.approx(1.1**-0.5)
    assert factors[2] == pytest.approx(1.1**-1.5)


def test_irr_of_a_hand_worked_case():
    # -100, then 60 and 60: 60/(1+r) + 60/(1+r)^2 = 100 -> r = 13.07%
    result = irr([-100, 60, 60])
    assert result.kind == "one"
    assert result.value == pytest.approx(0.130662, abs=1e-6)


def test_flows_that_never_change_sign_have_no_irr():
    assert irr([100, 50, 20]).kind == "none"
    assert "no IRR" in irr([-100, -50]).describe()


def test_two_sign_changes_can_give_several_irrs_and_say_so():
    # -100, +230, -132 has roots at 10% and 20%
    result = irr([-100, 230, -132])
    assert result.kind == "several"
    assert result.roots == pytest.approx((0.1, 0.2))
    assert result.value is None


def test_benefit_cost_ratio_and_payback():
    assert benefit_cost_ratio([0, 60, 60], [100, 0, 0], 0.0) == pytest.approx(1.2)
    assert payback_years([-100, 60, 60]) == pytest.approx(1 + 40 / 60)
    assert payback_years([-100, 10]) is None
    assert payback_years([-100, 60, 60], 0.1) == pytest.approx(1 + (100 - 60 / 1.1) / (60 / 1.21))


def test_an_annuity_sized_to_a_present_value_repays_it():
    payment = annuity_payment(1_000_000, 0.04, 20)
    assert npv([0, *[payment] * 20], 0.04) == pytest.approx(1_000_000)
    assert payment == pytest.approx(-npf.pmt(0.04, 20, 1_000_000))


def test_inflation_index_round_trips():
    real = [100.0, 100.0, 100.0]
    assert to_real(to_nominal(real, 0.02), 0.02) == pytest.approx(real)


@pytest.mark.parametrize("rate", [-1.0, -1.5, 0.51, float("nan")])
def test_absurd_discount_rates_are_refused_naming_the_field(rate):
    with pytest.raises(FinanceInputError) as caught:
        npv([1, 2], rate)
    assert caught.value.field == "discount_rate"


def test_an_empty_cash_flow_is_refused():
    with pytest.raises(FinanceInputError, match="empty"):
        npv([], 0.05)


flows = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30)


@given(flows, st.floats(-0.5, 0.5))
def test_npv_matches_numpy_financial(values, rate):
    assert npv(values, rate) == pytest.approx(npf.npv(rate, values), rel=1e-9, abs=1e-6)


@given(st.floats(1, 1e6), st.lists(st.floats(1, 1e6), min_size=1, max_size=25))
def test_conventional_flows_have_one_irr_matching_numpy_financial(outlay, inflows):
    values = [-outlay, *inflows]
    expected = npf.irr(values)
    assume(np.isfinite(expected) and -0.9 < expected < 10)
    result = irr(values)
    assert result.kind == "one"
    assert result.value == pytest.approx(expected, rel=1e-6, abs=1e-9)
    rate = result.value or 0.0
    assert rate > 0.5 or npv(values, rate) == pytest.approx(0, abs=1e-3 * outlay)
