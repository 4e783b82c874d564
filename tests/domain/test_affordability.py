import math
from decimal import Decimal
from typing import Any

import numpy as np
import numpy_financial as npf  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.affordability import (
    FUNDING_KINDS,
    AffordabilityCase,
    CommitmentLine,
    FundingSource,
    Guarantee,
    affordability,
    commitment_register,
    debt_schedule,
)
from civicpact.domain.finance import FinanceInputError

LOAN_SERVICE = 129_504.57  # 1,000,000 at 5% over 10 years: 1e6 x 0.05 / (1 - 1.05 ** -10)


def case(**change: Any) -> AffordabilityCase:
    data: dict[str, Any] = {
        "horizon": 5,
        "discount_rate": 0.035,
        "payments": [100, 100, 100, 140, 100],
        "other_costs": [5, 5, 5, 10, 5],
        "envelopes": {"Parks": [80, 80, 80, 80, 80], "Transport": [30, 30, 30, 30, 30]},
    }
    data.update(change)
    return AffordabilityCase.from_mapping(data)


def loan(amount: float = 1_000_000, *, rate: float = 0.05, tenor: int = 10, grace: int = 0, first_year: int = 0):
    return FundingSource("loan", "city loan", amount, first_year=first_year, rate=rate, tenor=tenor, grace=grace)


# --- hand-worked cases ---------------------------------------------------------------------------------------


def test_a_loan_of_a_million_at_five_percent_over_ten_years_costs_129504_57_a_year():
    result = affordability(AffordabilityCase(horizon=11, discount_rate=0.035, payments=(0.0,), funding=(loan(),)))
    service = [row.debt_service for row in result.rows]
    assert service[0] == 0
    assert service[1:] == pytest.approx([LOAN_SERVICE] * 10, abs=0.01)
    assert service[1] == pytest.approx(-npf.pmt(0.05, 10, 1_000_000))
    assert result.rows[0].debt_in == 1_000_000
    # after the first payment: 1,000,000 x 1.05 - 129,504.57 = 920,495.43
    assert result.rows[1].debt_outstanding == pytest.approx(920_495.43, abs=0.01)
    assert result.rows[10].debt_outstanding == 0


def test_a_grace_year_pays_interest_only_and_delays_the_annuity_by_a_year():
    schedule = debt_schedule(loan(grace=1), 12)
    assert schedule.received[0] == 1_000_000
    assert schedule.service[1] == pytest.approx(50_000)  # 5% interest only
    assert schedule.principal[1] == 0
    assert schedule.outstanding[1] == 1_000_000
    assert schedule.service[2:] == pytest.approx([LOAN_SERVICE] * 10, abs=0.01)
    assert schedule.interest[2] == pytest.approx(50_000)
    assert schedule.outstanding[-1] == 0


def test_a_tenor_beyond_the_horizon_leaves_the_rest_of_the_principal_outstanding():
    # four level payments made by year 4: 1e6 x 1.05^4 - 129,504.57 x (1.05^4 - 1) / 0.05 = 657,325.34
    result = affordability(AffordabilityCase(horizon=5, discount_rate=0.035, payments=(1.0,), funding=(loan(),)))
    assert result.rows[-1].debt_outstanding == pytest.approx(657_325.34, abs=0.01)
    assert result.rows[-1].debt_outstanding == pytest.approx(-npf.fv(0.05, 4, -LOAN_SERVICE, 1_000_000), abs=0.05)
    assert "657,325 is still owed at the end of the horizon" in result.summary()


def test_an_interest_free_citizen_investment_is_repaid_in_equal_parts():
    source = FundingSource("crowdfunding", "solar bond", 90_000, first_year=1, tenor=3)
    schedule = debt_schedule(source, 6)
    assert schedule.service == pytest.approx((0, 0, 30_000, 30_000, 30_000, 0))
    assert schedule.outstanding == pytest.approx((0, 90_000, 60_000, 30_000, 0, 0))


def test_an_envelope_shortfall_in_year_3_is_found_with_its_amount():
    result = affordability(case())
    # payments + other costs 105, 105, 105, 150, 105 against envelopes of 80 + 30 = 110
    assert [row.payments for row in result.rows] == [105, 105, 105, 150, 105]
    assert [row.envelope for row in result.rows] == [110] * 5
    assert [row.gap for row in result.rows] == [5, 5, 5, -40, 5]
    assert not result.affordable
    assert result.first_shortfall_year == 3
    assert result.largest_shortfall == pytest.approx(40)
    assert "first in year 3; the largest shortfall is 40, in year 3" in result.summary()


def test_payments_within_the_envelopes_are_affordable_and_a_half_cent_short_is_tolerated():
    result = affordability(case(payments=[100, 100, 100, 104.999, 100], other_costs=[5, 5, 5, 5.005, 5]))
    assert result.affordable
    assert result.first_shortfall_year is None
    assert result.largest_shortfall == 0
    assert "cover the net cost in every year" in result.summary()


def test_without_any_envelope_every_paying_year_is_a_shortfall_and_the_summary_says_why():
    result = affordability(case(envelopes={}))
    assert result.first_shortfall_year == 0
    assert result.largest_shortfall == 150
    assert "No budget envelope" in result.summary()


def test_the_funding_mix_is_each_kinds_share_of_the_total_largest_first():
    funding = [
        {"kind": "grant", "name": "EU cohesion", "amount": 200_000},
        {"kind": "loan", "name": "EIB", "amount": 500_000, "rate": 0.03, "tenor": 20},
        {"kind": "user_revenue", "name": "fares", "amount": 200_000},
        {"kind": "grant", "name": "national", "amount": 100_000},
    ]
    result = affordability(case(funding=funding))
    assert result.funding_mix == (("loan", 0.5), ("grant", 0.3), ("user_revenue", 0.2))
    assert sum(share for _, share in result.funding_mix) == pytest.approx(1)
    assert "The funding is 50% loan, 30% grant and 20% user revenue." in result.summary()


def test_the_net_fiscal_cost_of_a_hand_worked_case():
    # payments 0, 100, 100; a grant of 50 and private capital of 200 (10% return) in year 0:
    # net = [-50 - 200, 100 + 20, 100 + 20] = [-250, 120, 120]; PV at 10% = -250 + 109.09 + 99.17 = -41.74
    funded = AffordabilityCase(
        horizon=3,
        discount_rate=0.10,
        payments=(0.0, 100.0, 100.0),
        funding=(
            FundingSource("grant", "state", 50),
            FundingSource("private_capital", "fund", 200, rate=0.10),
            FundingSource("department_budget", "roads", 25),
        ),
    )
    result = affordability(funded)
    assert [row.net_fiscal_cost for row in result.rows] == pytest.approx([-250, 120, 120])
    assert [row.private_return for row in result.rows] == pytest.approx([0, 20, 20])
    assert result.rows[0].department_budget == 25
    assert result.pv_net_fiscal_cost == pytest.approx(-41.7355, abs=1e-4)
    assert result.pv_payments == pytest.approx(100 / 1.1 + 100 / 1.21)


def test_the_commitment_remaining_is_the_sum_of_the_payments_still_to_come():
    result = affordability(case())
    assert result.rows[0].commitment_remaining == 105 + 105 + 150 + 105
    assert result.rows[3].commitment_remaining == 105
    assert result.rows[-1].commitment_remaining == 0
    assert result.total_commitment == 570


def test_guarantees_count_in_the_years_they_are_live():
    guarantees = [
        {"name": "demand floor", "maximum": 1000, "probability": 0.1, "first_year": 1, "last_year": 3},
        {"name": "debt", "maximum": 500, "probability": 0.5, "first_year": 2},  # live to the end of the horizon
    ]
    result = affordability(case(guarantees=guarantees))
    assert [row.contingent_maximum for row in result.rows] == [0, 1000, 1500, 1500, 500]
    assert [row.contingent_expected for row in result.rows] == pytest.approx([0, 100, 350, 350, 250])
    assert result.contingent_maximum_peak == 1500
    assert "could call up to 1,500 in a single year" in result.summary()


def test_a_case_without_guarantees_says_it_adds_no_contingent_liability():
    assert "no contingent liability" in affordability(case()).summary()


def test_from_mapping_accepts_decimals_and_blank_optional_values():
    result = AffordabilityCase.from_mapping(
        {
            "horizon": 3,
            "discount_rate": Decimal("0.035"),
            "payments": [Decimal("10.50"), 10, 10],
            "other_costs": None,
            "funding": [{"kind": "grant", "amount": Decimal("7"), "rate": None, "tenor": None}],
        }
    )
    assert result.payments == (10.5, 10.0, 10.0)
    assert result.funding == (FundingSource("grant", "grant 1", 7.0),)


def test_a_register_of_two_projects_aligns_them_by_calendar_year():
    tram = CommitmentLine("tram", 2026, (10.0, 20.0, 30.0), (100.0, 100.0), (5.0, 5.0))
    lights = CommitmentLine("street lights", 2028, (5.0, 5.0), (0.0, 40.0), (0.0, 4.0))
    register = commitment_register([tram, lights])
    assert register.years == (2026, 2027, 2028, 2029)
    assert register.by_project == (("tram", (10, 20, 30, 0)), ("street lights", (0, 0, 5, 5)))
    assert register.total_payments == (10, 20, 35, 5)
    assert register.total_contingent_maximum == (100, 100, 0, 40)
    assert register.total_contingent_expected == (5, 5, 0, 4)
    assert register.grand_total == 70


def test_a_register_from_a_year_drops_the_earlier_years():
    tram = CommitmentLine("tram", 2026, (10.0, 20.0, 30.0), (), ())
    lights = CommitmentLine("street lights", 2028, (5.0, 5.0), (), ())
    register = commitment_register([tram, lights], from_year=2028)
    assert register.years == (2028, 2029)
    assert register.by_project == (("tram", (30, 0)), ("street lights", (5, 5)))
    assert register.total_payments == (35, 5)
    assert register.total_contingent_maximum == (0, 0)
    assert register.grand_total == 40


def test_an_empty_register_has_no_years_and_a_grand_total_of_zero():
    register = commitment_register([])
    assert register.years == ()
    assert register.by_project == ()
    assert register.grand_total == 0


def test_a_register_line_can_be_made_from_a_case():
    line = CommitmentLine.from_case(
        "tram", 2030, case(guarantees=[{"maximum": 10, "probability": 0.5, "first_year": 4, "last_year": 4}])
    )
    assert line.payments == (105, 105, 105, 150, 105)
    assert line.contingent_maximum == (0, 0, 0, 0, 10)
    assert line.contingent_expected == (0, 0, 0, 0, 5)
    assert commitment_register([line]).years == (2030, 2031, 2032, 2033, 2034)


# --- properties ----------------------------------------------------------------------------------------------


@st.composite
def debts(draw: st.DrawFn, *, fit: bool) -> tuple[FundingSource, int]:
    horizon = draw(st.integers(1, 60))
    first_year = draw(st.integers(0, horizon - 1))
    if fit:
        room = horizon - 1 - first_year
        if room < 1:
            horizon += 1 - room
        room = horizon - 1 - first_year
        tenor = draw(st.integers(1, room))
        grace = draw(st.integers(0, room - tenor))
    else:
        tenor = draw(st.integers(1, 40))
        grace = draw(st.integers(0, 5))
    source = FundingSource(
        draw(st.sampled_from(("loan", "bond", "crowdfunding"))),
        "debt",
        draw(st.floats(0, 1e8)),
        first_year=first_year,
        rate=draw(st.floats(0, 0.15)),
        tenor=tenor,
        grace=grace,
    )
    return source, horizon


@given(debts(fit=True))
def test_a_debt_that_fits_the_horizon_repays_exactly_its_principal(drawn):
    source, horizon = drawn
    schedule = debt_schedule(source, horizon)
    assert math.fsum(schedule.principal) == pytest.approx(source.amount, abs=1e-6)
    assert schedule.outstanding[-1] == 0
    # the service, discounted at the debt's own rate to the year it was received, is worth the principal
    years = np.arange(horizon) - source.first_year
    value = float(np.dot(schedule.service, (1 + source.rate) ** -years.astype(float)))
    assert value == pytest.approx(source.amount, rel=1e-9, abs=1e-6)


@given(debts(fit=False))
def test_principal_repaid_plus_principal_outstanding_is_the_amount_borrowed(drawn):
    source, horizon = drawn
    schedule = debt_schedule(source, horizon)
    assert math.fsum(schedule.principal) + schedule.outstanding[-1] == pytest.approx(source.amount, abs=1e-6)
    assert min(schedule.outstanding) >= -1e-6
    assert all(i >= 0 for i in schedule.interest)


amounts = st.floats(0, 1e7)


@st.composite
def cases(draw: st.DrawFn) -> AffordabilityCase:
    horizon = draw(st.integers(1, 40))
    flow = st.lists(amounts, max_size=horizon)
    year = st.integers(0, horizon - 1)

    def source(kind: str) -> FundingSource:
        debt = kind in ("loan", "bond", "crowdfunding")
        return FundingSource(
            kind,
            kind,
            draw(amounts),
            first_year=draw(year),
            rate=draw(st.floats(0, 0.2)) if debt or kind == "private_capital" else 0.0,
            tenor=draw(st.integers(1, 30)) if debt else 0,
            grace=draw(st.integers(0, 3)) if debt else 0,
        )

    first, last = sorted((draw(year), draw(year)))
    return AffordabilityCase(
        horizon=horizon,
        discount_rate=draw(st.floats(-0.02, 0.1)),
        payments=tuple(draw(st.lists(amounts, min_size=1, max_size=horizon))),
        other_costs=tuple(draw(flow)),
        envelopes={name: tuple(draw(flow)) for name in draw(st.sets(st.sampled_from(("parks", "roads")), max_size=2))},
        funding=tuple(source(kind) for kind in draw(st.lists(st.sampled_from(FUNDING_KINDS), max_size=6))),
        guarantees=tuple(
            Guarantee("g", draw(amounts), draw(st.floats(0, 1)), first, last) for _ in range(draw(st.integers(0, 2)))
        ),
    )


@given(cases())
def test_the_net_fiscal_cost_identity_holds_every_year(c):
    result = affordability(c)
    for row in result.rows:
        expected = (
            row.payments
            - row.grants
            - row.user_revenue
            + row.debt_service
            + row.private_return
            - row.debt_in
            - row.private_capital_in
        )
        assert row.net_fiscal_cost == pytest.approx(expected, rel=1e-12, abs=1e-6)
        assert row.gap == pytest.approx(row.envelope - row.net_fiscal_cost, rel=1e-12, abs=1e-6)
    payments = [row.payments for row in result.rows]
    for t, row in enumerate(result.rows):
        assert row.commitment_remaining == pytest.approx(math.fsum(payments[t + 1 :]), rel=1e-9, abs=1e-6)
    assert result.total_commitment == pytest.approx(math.fsum(payments), rel=1e-9)
    assert result.affordable == (result.first_shortfall_year is None)


@given(cases())
def test_funding_mix_shares_sum_to_one_and_come_largest_first(c):
    mix = affordability(c).funding_mix
    if any(s.amount for s in c.funding):
        assert math.fsum(share for _, share in mix) == pytest.approx(1)
    else:
        assert mix == ()
    shares = [share for _, share in mix]
    assert shares == sorted(shares, reverse=True)


projects = st.lists(
    st.builds(
        CommitmentLine,
        project=st.text(min_size=1, max_size=5),
        first_calendar_year=st.integers(2000, 2060),
        payments=st.lists(amounts, max_size=30).map(tuple),
        contingent_maximum=st.lists(amounts, max_size=30).map(tuple),
        contingent_expected=st.lists(amounts, max_size=30).map(tuple),
    ),
    max_size=6,
)


@given(projects)
def test_register_totals_are_the_sums_of_the_projects_payments(lines):
    register = commitment_register(lines)
    assert register.grand_total == pytest.approx(math.fsum(p for line in lines for p in line.payments), rel=1e-9)
    assert list(register.years) == sorted(register.years)
    for index, year in enumerate(register.years):
        due = [line.payments[year - line.first_calendar_year] for line in lines if _live(line.payments, line, year)]
        assert register.total_payments[index] == pytest.approx(math.fsum(due), rel=1e-9)
        hit = [
            line.contingent_maximum[year - line.first_calendar_year]
            for line in lines
            if _live(line.contingent_maximum, line, year)
        ]
        assert register.total_contingent_maximum[index] == pytest.approx(math.fsum(hit), rel=1e-9)
    for (project, row), line in zip(register.by_project, lines, strict=True):
        assert project == line.project
        assert math.fsum(row) == pytest.approx(math.fsum(line.payments), rel=1e-9)


def _live(values: tuple[float, ...], line: CommitmentLine, year: int) -> bool:
    return 0 <= year - line.first_calendar_year < len(values)


# --- bad input -----------------------------------------------------------------------------------------------


LOAN = {"kind": "loan", "name": "EIB", "amount": 1000, "rate": 0.04, "tenor": 5}
GUARANTEE = {"name": "demand", "maximum": 100, "probability": 0.1, "first_year": 1, "last_year": 3}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"horizon": 0}, "horizon"),
        ({"horizon": 101}, "horizon"),
        ({"horizon": 2.5}, "horizon"),
        ({"horizon": "five"}, "horizon"),
        ({"horizon": True}, "horizon"),
        ({"horizon": None}, "horizon"),
        ({"discount_rate": 0.8}, "discount_rate"),
        ({"discount_rate": -1.0}, "discount_rate"),
        ({"discount_rate": float("nan")}, "discount_rate"),
        ({"discount_rate": None}, "discount_rate"),
        ({"payments": []}, "payments"),
        ({"payments": [1, 2, 3, 4, 5, 6]}, "payments"),
        ({"payments": [1, -2]}, "payments"),
        ({"payments": [1, float("inf")]}, "payments"),
        ({"payments": "100"}, "payments"),
        ({"payments": [1, "2"]}, "payments"),
        ({"other_costs": [1, 2, 3, 4, 5, 6]}, "other_costs"),
        ({"other_costs": [-1]}, "other_costs"),
        ({"envelopes": [1, 2]}, "envelopes"),
        ({"envelopes": {"Parks": [1, 2, 3, 4, 5, 6]}}, "envelopes.Parks"),
        ({"envelopes": {"Parks": [-80]}}, "envelopes.Parks"),
        ({"envelopes": {"": [80]}}, "envelopes"),
        ({"funding": {"kind": "grant"}}, "funding"),
        ({"funding": [LOAN, "grant"]}, "funding[1]"),
        ({"funding": [LOAN, {**LOAN, "kind": "gift"}]}, "funding[1].kind"),
        ({"funding": [{**LOAN, "kind": None}]}, "funding[0].kind"),
        ({"funding": [{**LOAN, "name": 5}]}, "funding[0].name"),
        ({"funding": [{"kind": "grant"}]}, "funding[0].amount"),
        ({"funding": [{**LOAN, "amount": -1}]}, "funding[0].amount"),
        ({"funding": [{**LOAN, "amount": "lots"}]}, "funding[0].amount"),
        ({"funding": [LOAN, {**LOAN, "rate": 0.9}]}, "funding[1].rate"),
        ({"funding": [{**LOAN, "rate": -1.5}]}, "funding[0].rate"),
        ({"funding": [{"kind": "grant", "amount": 5, "rate": 0.02}]}, "funding[0].rate"),
        ({"funding": [{**LOAN, "tenor": 0}]}, "funding[0].tenor"),
        ({"funding": [{**LOAN, "kind": "bond", "tenor": 101}]}, "funding[0].tenor"),
        ({"funding": [{**LOAN, "tenor": 2.5}]}, "funding[0].tenor"),
        ({"funding": [{"kind": "grant", "amount": 5, "tenor": 3}]}, "funding[0].tenor"),
        ({"funding": [{**LOAN, "grace": -1}]}, "funding[0].grace"),
        ({"funding": [{"kind": "private_capital", "amount": 5, "rate": 0.08, "grace": 1}]}, "funding[0].grace"),
        ({"funding": [{**LOAN, "first_year": 5}]}, "funding[0].first_year"),
        ({"funding": [{**LOAN, "first_year": -1}]}, "funding[0].first_year"),
        ({"guarantees": "none"}, "guarantees"),
        ({"guarantees": [7]}, "guarantees[0]"),
        ({"guarantees": [GUARANTEE, {**GUARANTEE, "probability": 1.5}]}, "guarantees[1].probability"),
        ({"guarantees": [{**GUARANTEE, "probability": -0.1}]}, "guarantees[0].probability"),
        ({"guarantees": [{**GUARANTEE, "probability": None}]}, "guarantees[0].probability"),
        ({"guarantees": [{**GUARANTEE, "maximum": -100}]}, "guarantees[0].maximum"),
        ({"guarantees": [{**GUARANTEE, "first_year": 3, "last_year": 1}]}, "guarantees[0].last_year"),
        ({"guarantees": [{**GUARANTEE, "last_year": 5}]}, "guarantees[0].last_year"),
        ({"guarantees": [{**GUARANTEE, "first_year": -1}]}, "guarantees[0].first_year"),
        ({"guarantees": [{**GUARANTEE, "name": ["x"]}]}, "guarantees[0].name"),
    ],
)
def test_bad_affordability_input_names_the_field(change, field):
    with pytest.raises(FinanceInputError) as caught:
        case(**change)
    assert caught.value.field == field
    assert field.split(".")[-1].split("[")[0] in str(caught.value)


def test_empty_payments_say_so():
    with pytest.raises(FinanceInputError, match="payments is empty"):
        case(payments=[])


def test_a_case_built_directly_is_validated_too():
    with pytest.raises(FinanceInputError) as caught:
        AffordabilityCase(horizon=5, discount_rate=0.03, payments=(1.0,), funding=(loan(tenor=0),))
    assert caught.value.field == "funding[0].tenor"


def test_a_debt_schedule_is_only_for_debt():
    with pytest.raises(FinanceInputError) as caught:
        debt_schedule(FundingSource("grant", "state", 10), 5)
    assert caught.value.field == "kind"


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (CommitmentLine("tram", 2026, (1.0, -5.0), (), ()), "lines[0].payments"),
        (CommitmentLine("tram", 2026, (1.0,), (float("nan"),), ()), "lines[0].contingent_maximum"),
        (CommitmentLine("tram", 2026, (1.0,), (), (-1.0,)), "lines[0].contingent_expected"),
        (CommitmentLine("tram", 26, (1.0,), (), ()), "lines[0].first_calendar_year"),
    ],
)
def test_bad_register_lines_name_the_field(line, field):
    with pytest.raises(FinanceInputError) as caught:
        commitment_register([line])
    assert caught.value.field == field


def test_a_recurring_source_comes_every_year_and_lets_the_envelope_cover_the_net_cost():
    # payments 105/yr (140+10 in year 3) against envelopes of 110: year 3 is 40 short, until a yearly
    # pole-rental revenue of 40 from year 1 to 4 comes in and the envelopes pay only what is left
    revenue = {"kind": "user_revenue", "name": "pole rental", "amount": 40, "first_year": 1, "last_year": 4}
    result = affordability(case(funding=[revenue]))
    assert [row.user_revenue for row in result.rows] == [0, 40, 40, 40, 40]
    assert [row.gap for row in result.rows] == [5, 45, 45, 0, 45]
    assert result.affordable
    assert result.funding_mix == (("user_revenue", 1.0),)


def test_the_funding_mix_weighs_a_recurring_source_by_all_it_brings():
    funding = [
        {"kind": "grant", "name": "once", "amount": 300},
        {"kind": "department_budget", "name": "yearly", "amount": 100, "first_year": 0, "last_year": 2},
    ]
    assert dict(affordability(case(funding=funding)).funding_mix) == {"grant": 0.5, "department_budget": 0.5}


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ({"kind": "loan", "amount": 1, "rate": 0.05, "tenor": 2, "last_year": 3}, "comes once"),
        ({"kind": "grant", "amount": 1, "first_year": 3, "last_year": 1}, "before first_year"),
        ({"kind": "grant", "amount": 1, "last_year": 9}, "within the horizon"),
    ],
)
def test_a_bad_last_year_on_a_source_names_the_field(source, words):
    with pytest.raises(FinanceInputError) as caught:
        case(funding=[source])
    assert caught.value.field == "funding[0].last_year"
    assert words in str(caught.value)


def test_the_summary_speaks_in_calendar_years_when_given_year_zero():
    result = affordability(case())
    assert "first in 2030" in result.summary(2027)
    assert "first in year 3" in result.summary()
