import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from civicpact.domain.finance import FinanceInputError
from civicpact.domain.vfm import (
    CHUNK,
    VfmCase,
    base_costs,
    binomial_cdf_table,
    binomial_from_uniform,
    expected_risk_pv,
    expected_vfm,
    sample_loop,
    simulate,
)

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


def test_the_spreadsheet_loop_agrees_with_the_analytic_mean_for_every_kind_of_risk():
    # once-off over several years (triangular) and recurring (PERT), with partial transfer
    c = case(
        risks=[
            {
                "name": "overrun",
                "probability": 0.5,
                "min": 100,
                "most_likely": 200,
                "max": 600,
                "first_year": 0,
                "last_year": 2,
                "share_transferred": 0.7,
            },
            {
                "name": "outage",
                "probability": 0.3,
                "min": 10,
                "most_likely": 40,
                "max": 90,
                "first_year": 1,
                "last_year": 5,
                "once": False,
                "share_transferred": 0.5,
                "distribution": "pert",
            },
        ]
    )
    values = sample_loop(c, iterations=20_000, seed=4)
    error = values.std() / np.sqrt(values.size)
    assert values.mean() == pytest.approx(expected_vfm(c), abs=4 * error)
    fast = simulate(c, iterations=200_000, seed=4)
    assert fast.vfm.mean == pytest.approx(expected_vfm(c), abs=4 * error)


def test_the_result_does_not_depend_on_the_number_of_threads():
    for correlation in (0.0, 0.6):
        c = case(correlation=correlation)
        iterations = 2 * CHUNK + 12_345  # two full chunks and a part
        one = simulate(c, iterations=iterations, seed=9, workers=1)
        two = simulate(c, iterations=iterations, seed=9, workers=2)
        four = simulate(c, iterations=iterations, seed=9, workers=4)
        assert one.as_dict() == two.as_dict() == four.as_dict()


def test_progress_rises_to_the_total_from_the_calling_thread():
    import threading

    calls = []

    def progress(done, total):
        calls.append((done, total, threading.current_thread() is threading.main_thread()))

    iterations = 3 * CHUNK + 1
    simulate(case(), iterations=iterations, seed=1, progress=progress, workers=2)
    counts = [done for done, _, _ in calls]
    assert len(counts) == 4
    assert counts == sorted(counts)
    assert len(set(counts)) == len(counts)
    assert counts[-1] == iterations
    assert all(total == iterations and main for _, total, main in calls)


BINOMIALS = [(1, 0.3), (3, 0.5), (22, 0.05), (22, 0.14), (25, 0.0), (25, 1.0), (40, 0.9), (100, 0.5), (100, 0.97)]


def assert_inverts_the_cdf(u, n, p):
    """The count is the smallest k with cdf(k) >= u, and equals binom.ppf except within a hair of a CDF value.

    SciPy's ppf (Boost's quantile search) can be one off for a u within an ulp or two of cdf(k), where it is
    not consistent with SciPy's own cdf (e.g. ppf(0.7 + 1 ulp; n=1, p=0.3) is 0 although cdf(0) = 0.7): there
    the table inverse follows the definition exactly and the comparison with ppf is skipped.
    """
    table = binomial_cdf_table(n, p)
    counts = binomial_from_uniform(u, table)
    assert counts.dtype == np.intp
    assert ((counts >= 0) & (counts <= n)).all()
    cdf = binom.cdf(np.arange(n + 1), n, p)
    assert (cdf[counts] >= u).all()
    assert ((counts == 0) | (cdf[np.maximum(counts - 1, 0)] < u)).all()
    nearest = np.minimum(np.searchsorted(cdf, u), n)
    hair = 1e-12 * u
    near = (np.abs(cdf[nearest] - u) <= hair) | (np.abs(cdf[np.maximum(nearest - 1, 0)] - u) <= hair)
    # ppf(1) is n by convention, even when p = 0; below the smallest normal double (u = 5e-324 was found) SciPy's
    # cdf underflows to 0 where its ppf still sees a mass, so there only the definition above is checked
    compare = ~near & (u < 1) & (u >= np.finfo(float).tiny)
    assert np.array_equal(counts[compare], binom.ppf(u[compare], n, p).astype(np.intp))


@pytest.mark.parametrize(("n", "p"), BINOMIALS)
def test_the_table_inverse_equals_binom_ppf_on_a_dense_grid(n, p):
    table = binomial_cdf_table(n, p)
    grid = np.linspace(0.0, 1.0, 200_001)[1:]
    edges = table[(table > 0) & (table <= 1)]  # the CDF values themselves and their neighbours on either side
    around = np.concatenate([edges, np.nextafter(edges, 0.0), np.nextafter(edges, 2.0)])
    assert_inverts_the_cdf(np.concatenate([grid, around[(around > 0) & (around <= 1)]]), n, p)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 100),
    p=st.floats(0.0, 1.0),
    u=st.lists(st.floats(0.0, 1.0, exclude_min=True), min_size=1, max_size=300),
)
def test_the_table_inverse_equals_binom_ppf_on_any_uniforms(n, p, u):
    assert_inverts_the_cdf(np.array(u), n, p)


def test_the_table_inverse_equals_binom_ppf_on_a_million_random_uniforms():
    u = np.random.default_rng(0).random(1_000_000)
    u = u[u > 0]
    for n, p in BINOMIALS:
        counts = binomial_from_uniform(u, binomial_cdf_table(n, p))
        assert np.array_equal(counts, binom.ppf(u, n, p).astype(np.intp))


def test_the_ends_of_the_uniform_range_give_sensible_counts():
    assert binomial_from_uniform(np.array([0.0, 0.0]), binomial_cdf_table(10, 0.2)).tolist() == [0, 0]  # ppf: -1
    assert binomial_from_uniform(np.array([1.0]), binomial_cdf_table(10, 0.0)).tolist() == [0]  # ppf: 10
    assert binomial_from_uniform(np.array([1.0]), binomial_cdf_table(10, 1.0)).tolist() == [10]


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
