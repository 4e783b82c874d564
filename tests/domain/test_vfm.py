import json
from pathlib import Path

import numpy as np
import pytest

from civicpact.domain.finance import FinanceInputError
from civicpact.domain.vfm import VfmCase, base_costs, expected_risk_pv, sample_loop, simulate

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "vfm.json"


def case(**change):
    data = {
        "horizon": 6,
        "discount_rate": 0.05,
        "psc_capex": [1000, 0, 0, 0, 0, 0],
        "psc_opex": [0, 100, 100, 100, 100, 100],
        "ppp_payments": [0, 330, 330, 330, 330, 330],
        "contract_management": [0, 10, 10, 10, 10, 10],
        "risks": [
            {
                "name": "overrun",
                "probability": 0.5,
                "min": 100,
                "most_likely": 200,
                "max": 600,
                "first_year": 0,
                "share_transferred": 1.0,
            },
            {
                "name": "outage",
                "probability": 0.2,
                "min": 10,
                "most_likely": 20,
                "max": 30,
                "first_year": 1,
                "last_year": 5,
                "once": False,
                "share_transferred": 0.5,
                "distribution": "pert",
            },
        ],
    }
    data.update(change)
    return VfmCase.from_mapping(data)


def test_expected_risk_is_the_hand_worked_sum():
    c = case()
    factors = 1.05 ** -np.arange(6)
    overrun = 0.5 * 300 * 1.0
    outage = 0.2 * 20 * factors[1:].sum()
    total, retained = expected_risk_pv(c)
    assert total == pytest.approx(overrun + outage)
    assert retained == pytest.approx(outage * 0.5)


def test_simulated_means_match_the_analytic_means_within_sampling_error():
    c = case()
    result = simulate(c, iterations=200_000, seed=11)
    psc_base, ppp_base = base_costs(c)
    total, retained = expected_risk_pv(c)
    assert result.psc.mean == pytest.approx(psc_base + total, abs=2.0)
    assert result.ppp.mean == pytest.approx(ppp_base + retained, abs=0.5)


def test_the_same_seed_gives_the_same_result_and_records_it():
    a = simulate(case(), iterations=20_000, seed=5)
    b = simulate(case(), iterations=20_000, seed=5)
    assert a.vfm == b.vfm
    assert a.seed == 5
    assert a.numpy_version == np.__version__


def test_percentiles_are_of_the_difference_not_differences_of_percentiles():
    result = simulate(case(), iterations=50_000, seed=3)
    # The PPP carries none of the overrun, so PSC and PPP are correlated through common draws; the P90 of the
    # difference differs from P90(PSC) - P90(PPP).
    assert result.vfm.p90 != pytest.approx(result.psc.p90 - result.ppp.p90, abs=1e-6)
    assert 0 <= result.probability_ppp_cheaper <= 1


def test_the_loop_baseline_agrees_with_the_vectorised_mean():
    c = case(
        risks=[
            {
                "name": "overrun",
                "probability": 0.5,
                "min": 100,
                "most_likely": 200,
                "max": 600,
                "first_year": 0,
                "share_transferred": 1.0,
            }
        ]
    )
    loop = sample_loop(c, iterations=20_000, seed=1).mean()
    fast = simulate(c, iterations=200_000, seed=1).vfm.mean
    assert loop == pytest.approx(fast, abs=5.0)


def test_correlated_risks_widen_the_spread_but_keep_the_mean():
    risks = [
        {"name": f"r{i}", "probability": 0.3, "min": 10, "most_likely": 20, "max": 30, "first_year": 1}
        for i in range(10)
    ]
    independent = simulate(case(risks=risks), iterations=100_000, seed=2)
    correlated = simulate(case(risks=risks, correlation=0.8), iterations=100_000, seed=2)
    assert correlated.psc.mean == pytest.approx(independent.psc.mean, rel=0.02)
    assert correlated.psc.p90 - correlated.psc.p10 > 1.5 * (independent.psc.p90 - independent.psc.p10)


def test_the_tornado_ranks_drivers_by_swing():
    swings = [abs(high - low) for _, low, high in simulate(case(), iterations=1000, seed=1).tornado]
    assert swings == sorted(swings, reverse=True)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"discount_rate": 0.9}, "discount_rate"),
        ({"discount_rate": -1.2}, "discount_rate"),
        ({"horizon": 101}, "horizon"),
        ({"ppp_payments": []}, "ppp_payments"),
        ({"psc_capex": [], "psc_opex": []}, "psc_capex"),
        ({"risks": [{"probability": 1.5, "min": 1, "most_likely": 2, "max": 3}]}, "risks[0].probability"),
        ({"risks": [{"probability": 0.5, "min": 5, "most_likely": 2, "max": 3}]}, "risks[0].min"),
        ({"risks": [{"probability": 0.5, "min": 1, "most_likely": 4, "max": 3}]}, "risks[0].max"),
        ({"risks": [{"probability": 0.5, "min": 1, "max": 3}]}, "risks[0].most_likely"),
    ],
)
def test_bad_cases_name_the_field(change, field):
    with pytest.raises(FinanceInputError) as caught:
        case(**change)
    assert caught.value.field == field


def test_too_many_iterations_are_refused():
    with pytest.raises(FinanceInputError) as caught:
        simulate(case(), iterations=10**8, seed=1)
    assert caught.value.field == "iterations"


def test_the_documented_example_runs():
    result = simulate(VfmCase.from_mapping(json.loads(EXAMPLE.read_text())), iterations=5_000, seed=1)
    assert result.psc.mean > 0
