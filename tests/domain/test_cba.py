from typing import Any

import pytest

from civicpact.domain.cba import carbon_value, cost_benefit
from civicpact.domain.finance import FinanceInputError


def test_a_hand_worked_cost_benefit_case():
    # capex 1000 now; savings 300 a year for 4 years at 5%: NPV 63.79, BCR 1063.79/1000, simple payback 3.33 years
    result = cost_benefit(
        horizon=5, discount_rate=0.05, costs={"capex": [1000]}, benefits={"cash_savings": [0, 300, 300, 300, 300]}
    )
    assert result.npv == pytest.approx(63.785, abs=0.001)
    assert result.bcr == pytest.approx(1.063785, abs=1e-6)
    assert result.payback == pytest.approx(3 + 100 / 300)
    assert result.irr.kind == "one"
    assert result.irr.value == pytest.approx(0.07714, abs=1e-5)
    assert "benefit-cost ratio of 1.06" in result.summary()
    assert "largest benefit is cash savings" in result.summary()


def test_a_project_that_never_pays_back_says_so():
    result = cost_benefit(horizon=3, discount_rate=0.03, costs={"capex": [1000]}, benefits={"social": [0, 10, 10]})
    assert result.npv < 0
    assert "does not pay back within the horizon" in result.summary()
    assert "no IRR" not in result.summary() or result.irr.kind == "none"


def test_carbon_is_monetised_at_a_price_per_tonne():
    assert carbon_value([0, 2000, 2000], 80) == [0, 160000, 160000]
    with pytest.raises(FinanceInputError):
        carbon_value([1], -5)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"costs": {}}, "costs"),
        ({"costs": {"capex": [1, 2, 3, 4]}}, "costs.capex"),
        ({"costs": {"bribes": [1]}}, "costs.bribes"),
        ({"benefits": {"revenue": [-5]}}, "benefits.revenue"),
        ({"discount_rate": 0.8}, "discount_rate"),
    ],
)
def test_bad_cost_benefit_input_names_the_field(kwargs, field):
    args: dict[str, Any] = {"horizon": 3, "discount_rate": 0.03, "costs": {"capex": [1]}, "benefits": {}}
    args.update(kwargs)
    with pytest.raises(FinanceInputError) as caught:
        cost_benefit(**args)
    assert caught.value.field == field


def test_a_case_files_cost_benefit_block_monetises_carbon_into_the_environmental_line():
    from civicpact.domain.cba import cost_benefit_from_mapping

    block = {
        "costs": {"capex": [1000]},
        "benefits": {"environmental": [0, 10, 10]},
        "carbon": {"tonnes": [0, 2, 2], "price": 50},
    }
    result = cost_benefit_from_mapping(block, horizon=3, discount_rate=0.0)
    assert result.yearly_benefits == (0.0, 110.0, 110.0)
    assert result.pv_benefits == pytest.approx(220)
    assert result.as_dict()["summary"] == result.summary()
    assert result.as_dict()["irr"]["kind"] == "one"  # a negative IRR: it loses money at any positive rate
    assert result.irr.value is not None
    assert result.irr.value < 0


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"costs": {"capex": "lots"}}, "costs.capex"),
        ({"costs": [1, 2]}, "costs"),
        ({"costs": {"capex": [1]}, "carbon": {"tonnes": [1], "price": -1}}, "carbon.price"),
        ({"costs": {"capex": [1]}, "carbon": {"tonnes": [-1], "price": 1}}, "carbon.tonnes"),
        ({"costs": {"capex": [1]}, "carbon": {"tonnes": [1, 1, 1, 1], "price": 1}}, "carbon.tonnes"),
        ({"costs": {"capex": [1]}, "carbon": {"tonnes": [1], "price": True}}, "carbon.price"),
    ],
)
def test_a_bad_cost_benefit_block_names_the_field(block, field):
    from civicpact.domain.cba import cost_benefit_from_mapping

    with pytest.raises(FinanceInputError) as caught:
        cost_benefit_from_mapping(block, horizon=3, discount_rate=0.03)
    assert caught.value.field == field
