import csv
import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.structuring import (
    ModelConsiderations,
    PartnershipModel,
    Route,
    RouteFacts,
    SoleSourceJustification,
    StructuringInputError,
    rank_models,
    recommend_route,
    route_to_ocds,
    validate_route_choice,
)

BASE = ModelConsiderations(
    capabilities_needed=2,
    risk_transfer_wanted=2,
    public_funding_available=2,
    duration_years=7,
    governance_complexity_acceptable=2,
    control_vs_flexibility=2,
    risk_transfer_vs_cost=2,
    innovation_vs_predictability=2,
    speed_vs_thoroughness=2,
    data_centric=False,
)


def best(c):
    return rank_models(c)[0].model


def test_a_long_capital_heavy_risk_transfer_case_ranks_a_concession_first():
    c = replace(
        BASE,
        duration_years=20,
        public_funding_available=0,
        risk_transfer_wanted=4,
        risk_transfer_vs_cost=4,
        control_vs_flexibility=1,
    )
    assert best(c) == PartnershipModel.CONCESSION_BOT
    assert any("Long duration (20 years)" in r for r in rank_models(c)[0].reasons)


def test_a_control_first_performance_case_ranks_managed_services_first():
    c = replace(
        BASE,
        control_vs_flexibility=0,
        capabilities_needed=4,
        public_funding_available=4,
        innovation_vs_predictability=1,
    )
    assert best(c) == PartnershipModel.MANAGED_SERVICES


def test_a_data_centric_case_ranks_a_data_partnership_first():
    assert best(replace(BASE, data_centric=True)) == PartnershipModel.DATA_PARTNERSHIP


def test_a_short_innovative_flexible_case_ranks_an_alliance_first():
    c = replace(
        BASE,
        duration_years=3,
        innovation_vs_predictability=4,
        control_vs_flexibility=4,
        speed_vs_thoroughness=4,
        risk_transfer_wanted=1,
    )
    assert best(c) == PartnershipModel.ALLIANCE


def test_heavy_governance_tolerance_and_shared_risk_put_a_joint_venture_in_the_top_two():
    c = replace(
        BASE, governance_complexity_acceptable=4, risk_transfer_wanted=2, duration_years=12, capabilities_needed=4
    )
    assert PartnershipModel.JOINT_VENTURE in [f.model for f in rank_models(c)[:2]]


considerations = st.builds(
    ModelConsiderations,
    capabilities_needed=st.integers(0, 4),
    risk_transfer_wanted=st.integers(0, 4),
    public_funding_available=st.integers(0, 4),
    duration_years=st.integers(1, 40),
    governance_complexity_acceptable=st.integers(0, 4),
    control_vs_flexibility=st.integers(0, 4),
    risk_transfer_vs_cost=st.integers(0, 4),
    innovation_vs_predictability=st.integers(0, 4),
    speed_vs_thoroughness=st.integers(0, 4),
    data_centric=st.booleans(),
)


@given(considerations)
def test_the_ranking_always_has_five_distinct_models_scored_0_to_100(c):
    ranking = rank_models(c)
    assert len({f.model for f in ranking}) == 5
    assert all(0 <= f.score <= 100 for f in ranking)
    assert [f.score for f in ranking] == sorted((f.score for f in ranking), reverse=True)
    assert ranking == rank_models(c)
    assert all(f.reasons for f in ranking)


FACTS = RouteFacts(
    solution_on_market=4,
    need_can_be_specified=4,
    outcome_defined_not_spec=False,
    needs_real_world_testing=False,
    dialogue_needed=False,
    many_capable_suppliers=4,
    unsolicited_proposal_received=False,
    grant_funded=False,
    sole_source_justification=None,
    estimated_value=Decimal("800000"),
)


@pytest.mark.parametrize(
    ("change", "route", "words"),
    [
        ({}, Route.OPEN_TENDER, "open tender"),
        ({"estimated_value": Decimal("9000000")}, Route.RESTRICTED_TENDER, "pre-qualification"),
        ({"unsolicited_proposal_received": True}, Route.UNSOLICITED_PROPOSAL, "Swiss challenge"),
        ({"solution_on_market": 0}, Route.PRE_COMMERCIAL, "Solution not on the market yet → pre-commercial"),
        ({"solution_on_market": 1, "grant_funded": True}, Route.GRANT_PROGRAMME, "grant programme"),
        ({"needs_real_world_testing": True}, Route.LIVING_LAB, "living lab"),
        ({"outcome_defined_not_spec": True}, Route.CHALLENGE_BASED, "challenge-based"),
        ({"solution_on_market": 2}, Route.INNOVATION_PROCUREMENT, "procurement of innovation"),
        ({"dialogue_needed": True}, Route.COMPETITIVE_DIALOGUE, "competitive dialogue"),
        ({"many_capable_suppliers": 2}, Route.MULTI_STAGE, "shortlist"),
        (
            {"sole_source_justification": SoleSourceJustification.EXTREME_URGENCY, "many_capable_suppliers": 1},
            Route.SOLE_SOURCE,
            "Sole source justified",
        ),
    ],
)
def test_each_rule_recommends_its_route(change, route, words):
    recommendation = recommend_route(replace(FACTS, **change))
    assert recommendation.route == route
    assert words in recommendation.rule


def test_a_justification_does_not_buy_sole_source_when_many_suppliers_exist():
    recommendation = recommend_route(replace(FACTS, sole_source_justification=SoleSourceJustification.EXTREME_URGENCY))
    assert recommendation.route == Route.OPEN_TENDER
    assert "several capable suppliers exist" in recommendation.rule


def test_sole_source_without_a_justification_is_refused():
    with pytest.raises(StructuringInputError) as caught:
        validate_route_choice(Route.SOLE_SOURCE, None)
    assert caught.value.field == "sole_source_justification"
    validate_route_choice(Route.SOLE_SOURCE, SoleSourceJustification.NO_SUITABLE_TENDERS)


facts = st.builds(
    RouteFacts,
    solution_on_market=st.integers(0, 4),
    need_can_be_specified=st.integers(0, 4),
    outcome_defined_not_spec=st.booleans(),
    needs_real_world_testing=st.booleans(),
    dialogue_needed=st.booleans(),
    many_capable_suppliers=st.integers(0, 4),
    unsolicited_proposal_received=st.booleans(),
    grant_funded=st.booleans(),
    sole_source_justification=st.none() | st.sampled_from(list(SoleSourceJustification)),
    estimated_value=st.decimals(min_value=0, max_value=10**9, places=2),
)


@given(facts)
def test_a_route_is_always_recommended_with_its_rule(f):
    recommendation = recommend_route(f)
    assert recommendation.rule
    assert recommendation.route not in recommendation.alternatives
    if recommendation.route == Route.SOLE_SOURCE:
        assert f.sole_source_justification is not None


def ocds_methods() -> set[str]:
    root = Path(os.environ.get("CIVICPACT_OCDS_DIR", Path(__file__).resolve().parents[3] / "shared" / "ocds"))
    with (root / "standard-1__1__5" / "schema" / "codelists" / "method.csv").open(encoding="utf-8") as handle:
        return {row["Code"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize("route", list(Route))
def test_every_route_maps_to_an_ocds_procurement_method(route):
    method, details = route_to_ocds(route)
    assert method in ocds_methods()
    assert details


def test_pre_commercial_procurement_is_published_with_its_own_name():
    assert route_to_ocds(Route.PRE_COMMERCIAL) == ("open", "Pre-commercial procurement (PCP)")
    assert route_to_ocds(Route.SOLE_SOURCE)[0] == "direct"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"solution_on_market": 7}, "solution_on_market"),
        ({"estimated_value": "-1"}, "estimated_value"),
        ({"estimated_value": "lots"}, "estimated_value"),
        ({"sole_source_justification": "friendship"}, "sole_source_justification"),
        ({"grant_funded": "yes"}, "grant_funded"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_route_facts_are_refused_naming_the_field(change, field):
    data = {
        "solution_on_market": 4,
        "need_can_be_specified": 4,
        "outcome_defined_not_spec": False,
        "needs_real_world_testing": False,
        "dialogue_needed": False,
        "many_capable_suppliers": 4,
        "unsolicited_proposal_received": False,
        "grant_funded": False,
        "sole_source_justification": None,
        "estimated_value": "800000",
    }
    with pytest.raises(StructuringInputError) as caught:
        RouteFacts.from_mapping({**data, **change})
    assert caught.value.field == field
