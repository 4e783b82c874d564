import csv
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.risks import (
    MODEL_KEYS,
    RISK_LIBRARY,
    Distribution,
    Recurrence,
    RiskCategory,
    RiskEstimate,
    RiskInputErrors,
    allocation_label,
    expected_cost,
    expected_value_of_discrete,
    heat_map,
    impact_band,
    likelihood_band,
    mean_impact,
    most_likely_of_discrete,
    ocds_allocation,
    ocds_category,
    rating,
    retained_expected_cost,
    transferred_expected_cost,
)

D = Decimal


def codelist(name: str) -> set[str]:
    root = Path(os.environ.get("CIVICPACT_OCDS_DIR", Path(__file__).resolve().parents[3] / "shared" / "ocds"))
    path = root / "ppp-profile" / "schema" / "patched" / "codelists" / name
    with path.open(encoding="utf-8") as handle:
        return {row["Code"] for row in csv.DictReader(handle)}


def test_the_expected_overrun_of_the_published_case_is_129_5k():
    outcomes = [
        (D("0.05"), D(60000)),
        (D("0.20"), D(80000)),
        (D("0.40"), D(120000)),
        (D("0.20"), D(170000)),
        (D("0.15"), D(190000)),
    ]
    assert [p * c for p, c in outcomes] == [D(3000), D(16000), D(48000), D(34000), D(28500)]
    assert expected_value_of_discrete(outcomes) == D(129500)
    assert most_likely_of_discrete(outcomes) == D(120000)


def test_discrete_probabilities_must_add_up_to_one():
    with pytest.raises(ValueError, match=r"add up to 0\.9"):
        expected_value_of_discrete([(D("0.9"), D(1))])


def estimate(**change):
    data = {
        "probability": 0.5,
        "cost_min": "100",
        "cost_most_likely": "200",
        "cost_max": "600",
        "distribution": "triangular",
        "share_transferred": 0.7,
        "once": True,
        "timing_year": 2,
    }
    data.update(change)
    return RiskEstimate.from_mapping(data)


def test_triangular_and_pert_means():
    assert mean_impact(estimate()) == D(300)
    assert mean_impact(estimate(distribution="pert")) == D(250)


def test_a_yearly_risk_counts_each_year_it_may_occur():
    yearly = estimate(once=False, first_year=1, last_year=4)
    assert yearly.recurrence == Recurrence(False, 1, 4)
    assert expected_cost(yearly) == D("600.00")


def test_the_expected_cost_splits_between_partner_and_city():
    est = estimate()
    assert expected_cost(est) == D("150.00")
    assert transferred_expected_cost(est) == D("105.00")
    assert retained_expected_cost(est) == D("45.00")


def test_every_impossible_value_is_reported_at_once_naming_its_field():
    with pytest.raises(RiskInputErrors) as caught:
        estimate(
            probability=1.5,
            cost_min="500",
            cost_max="-3",
            distribution="normal",
            share_transferred="x",
            once=False,
            first_year=5,
            last_year=2,
        )
    fields = {field for field, _ in caught.value.errors}
    assert fields >= {"probability", "cost_min", "cost_max", "distribution", "share_transferred", "last_year"}
    assert "probability must be between 0 and 1" in str(caught.value)


def test_min_above_most_likely_is_refused():
    with pytest.raises(RiskInputErrors, match="cost_min must not exceed cost_most_likely"):
        estimate(cost_min="300")


@pytest.mark.parametrize(
    ("share", "code", "note"),
    [
        (0.0, "publicAuthority", "Wholly retained by the public authority."),
        (1.0, "privateParty", "Wholly transferred to the private party."),
        (0.7, "privateParty", "Shared: 70% private party, 30% public authority."),
        (0.3, "publicAuthority", "Shared: 30% private party, 70% public authority."),
        (0.5, "undefined", "Shared: 50% private party, 50% public authority."),
    ],
)
def test_ocds_has_no_shared_code_so_the_larger_share_is_published(share, code, note):
    assert ocds_allocation(share) == (code, note)


def test_allocation_labels():
    assert allocation_label(0) == "public authority"
    assert allocation_label(0.7) == "shared (70/30)"


def test_every_category_maps_to_an_ocds_code_and_every_library_risk_has_defaults():
    codes = codelist("riskCategory.csv")
    assert all(ocds_category(c) in codes for c in RiskCategory)
    assert {r.category for r in RISK_LIBRARY} == set(RiskCategory)
    for risk in RISK_LIBRARY:
        assert set(risk.default_share_transferred) == set(MODEL_KEYS)
        assert all(0 <= v <= 1 for v in risk.default_share_transferred.values())


def test_the_heat_map_places_risks_by_likelihood_and_impact():
    thresholds = [D(10_000), D(50_000), D(250_000), D(1_000_000)]
    risks = [
        ("a", estimate(probability=0.9, cost_most_likely="300000", cost_max="400000")),
        ("b", estimate(probability=0.01, cost_most_likely="200", cost_max="600")),
    ]
    cells = heat_map(risks, thresholds)
    assert cells == {(5, 4): ["a"], (1, 1): ["b"]}
    assert rating(5, 4) == "extreme"
    assert rating(1, 1) == "low"
    assert likelihood_band(0.05) == 2
    assert impact_band(D(1_000_000), thresholds) == 5


costs = st.decimals(min_value=0, max_value=10**9, places=2)


@given(
    st.floats(0, 1),
    costs,
    costs,
    costs,
    st.sampled_from(list(Distribution)),
    st.floats(0, 1),
    st.integers(1, 10),
    st.integers(0, 10),
)
def test_register_arithmetic_holds_for_any_valid_estimate(p, a, b, c, dist, share, first, extra):
    low, likely, high = sorted([a, b, c])
    est = RiskEstimate(p, low, likely, high, dist, Recurrence(False, first, first + extra), share)
    assert low <= mean_impact(est) <= high
    assert expected_cost(est) >= 0
    assert retained_expected_cost(est) + transferred_expected_cost(est) == expected_cost(est)
    code, _ = ocds_allocation(share)
    assert code in {"publicAuthority", "privateParty", "undefined"}
    assert (code == "undefined") == (round(share * 100) == 50)
