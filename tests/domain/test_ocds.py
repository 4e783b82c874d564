from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain import ocds


def test_an_ocid_is_the_prefix_and_the_local_id():
    assert ocds.make_ocid("ocds-cvp0dm", "project-12") == "ocds-cvp0dm-project-12"


@pytest.mark.parametrize("prefix", ["ocds-ABCDEF", "ocds-abc", "ocid-abcdef", ""])
def test_a_malformed_prefix_is_refused(prefix):
    with pytest.raises(ValueError, match="six lower-case"):
        ocds.make_ocid(prefix, "x")


def test_a_local_id_with_a_slash_is_refused():
    with pytest.raises(ValueError, match="letters, digits"):
        ocds.make_ocid("ocds-cvp0dm", "a/b")


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.integers(-12, 12),
)
def test_dates_are_written_in_utc_with_a_z(moment, offset_hours):
    local = moment.astimezone(timezone(timedelta(hours=offset_hours)))
    text = ocds.format_date(local)
    assert text.endswith("Z")
    assert datetime.fromisoformat(text.replace("Z", "+00:00")) == moment.replace(
        microsecond=moment.microsecond // 1000 * 1000
    )


def test_a_release_has_the_required_fields_first():
    release = ocds.build_release(
        ocid="ocds-cvp0dm-1",
        release_id="ocds-cvp0dm-1-00001",
        date=datetime(2026, 3, 1, tzinfo=UTC),
        tags=["planning"],
        sections={"planning": {"rationale": "x"}},
    )
    assert list(release)[:5] == ["ocid", "id", "date", "tag", "initiationType"]
    assert release["planning"] == {"rationale": "x"}


def test_a_section_cannot_overwrite_a_required_field():
    with pytest.raises(ValueError, match="overwrite"):
        ocds.build_release(
            ocid="o",
            release_id="r",
            date=datetime(2026, 3, 1, tzinfo=UTC),
            tags=["planning"],
            sections={"ocid": "other"},
        )


def test_a_release_needs_a_tag():
    with pytest.raises(ValueError, match="tag"):
        ocds.build_release(ocid="o", release_id="r", date=datetime(2026, 3, 1, tzinfo=UTC), tags=[])


def test_the_package_declares_the_fourteen_ppp_extensions():
    package = ocds.release_package(
        [], uri="https://x.example/p.json", published_date=datetime(2026, 3, 1, tzinfo=UTC), publisher_name="City"
    )
    assert len(package["extensions"]) == 14
    assert "ocds_ppp_extension/1.1/extension.json" in " ".join(package["extensions"])


def test_a_pooled_budget_is_published_as_one_total_with_each_funder():
    from decimal import Decimal

    plan = ocds.ProjectPlan(
        project_id="project-1",
        title="Lights",
        description="LED",
        rationale="Save energy",
        currency="EUR",
        buyer=ocds.PartyShare("org-1", "Energy", Decimal(0)),
        shares=(
            ocds.PartyShare("org-1", "Energy", Decimal("900.005")),
            ocds.PartyShare("org-2", "Transport", Decimal(100)),
        ),
    )
    sections = ocds.project_planning_sections(plan)
    assert sections["planning"]["budget"]["amount"] == {"amount": 1000.01, "currency": "EUR"}
    assert {p["id"]: p["roles"] for p in sections["parties"]} == {"org-1": ["buyer", "funder"], "org-2": ["funder"]}
    assert "milestones" not in sections["planning"]


def test_money_rounds_halves_up_to_the_cent():
    from decimal import Decimal

    from civicpact.domain.money import to_cents

    assert to_cents(Decimal("0.005")) == Decimal("0.01")
    assert to_cents(Decimal("-0.005")) == Decimal("-0.01")
    assert to_cents(Decimal("2.344")) == Decimal("2.34")


# --- the performance regime: agreed metrics and an issued statement's implementation ---------------------------------


def _issued(figures, *, statement_id="statement-7", number=1, corrects=None):
    from tests.domain.test_performance_money import REGIME

    return ocds.IssuedStatement(
        statement_id=statement_id,
        number=number,
        month="2026-03",
        issued=datetime(2026, 4, 2, 9, 30, tzinfo=UTC),
        regime_version=3,
        regime=REGIME,
        figures=figures,
        payer=ocds.ContractParty("org-1", "Energy and Street Lighting", ("buyer", "payer")),
        payee=ocds.ContractParty("org-2", "Lumen Grid", ("payee", "privateParty", "supplier")),
        corrects=corrects,
    )


def _capped_month():
    """tests/domain/test_performance_money.py's month that hits the cap: gross 31,000.00, 20,000.00 applied."""
    from civicpact.domain.performance.money import statement
    from tests.domain.test_performance_money import MONTH, REGIME, REGISTER, counts, month

    return statement(
        REGIME,
        month(
            counts("L1", down=1440, events=1, deductible_down=(1440,)),
            counts("S1", degraded=MONTH, events=2, rectified=1, deductible_degraded=(MONTH,)),
        ),
        REGISTER,
        {"fix_time": 4},
    ).as_dict()


def test_an_issued_statement_publishes_its_net_payment_from_the_city_to_the_partner():
    body = ocds.statement_implementation(_issued(_capped_month()))
    assert body["transactions"] == [
        {
            "id": "statement-7",
            "date": "2026-04-02T09:30:00.000Z",
            "value": {"amount": 80000.0, "currency": "EUR"},
            "payer": {"id": "org-1", "name": "Energy and Street Lighting"},
            "payee": {"id": "org-2", "name": "Lumen Grid"},
        }
    ]
    (report,) = body["documents"]
    assert (report["id"], report["documentType"]) == ("statement-7", "financialProgressReport")
    assert report["description"].startswith(
        "Payment statement #1 for 2026-03, under performance regime version 3: unitary charge 100000.00 EUR, "
        "deductions 20000.00 EUR (capped), bonus 0.00 EUR, net payment 80000.00 EUR."
    )


def test_the_failures_carry_their_events_and_penalties_and_the_cap_is_said():
    body = ocds.statement_implementation(_issued(_capped_month()))
    availability, kpi = body["performanceFailures"]
    cap = " The month's deductions of 31000.00 EUR were capped at 20000.00 EUR: that much was deducted in all."
    period = {"startDate": "2026-03-01T00:00:00.000Z", "endDate": "2026-03-31T22:59:59.999Z"}  # Lisbon, summer time
    assert availability == {
        "id": "2026-03-availability",
        "period": period,
        "category": "Availability",
        "events": 2,  # L1's outage and S1's second one; S1's first was fixed within the rectification period
        "penaltyContracted": availability["penaltyContracted"],
        "penaltyImposed": "30000.00 EUR deducted from statement #1 for 2026-03 (regime version 3)." + cap,
        "penaltyPaid": True,
    }
    assert "An outage fixed within 240 minutes costs nothing" in availability["penaltyContracted"]
    assert "count 1.0, 1.5, 2.0 times" in availability["penaltyContracted"]
    assert "capped at 20% of the unitary charge" in availability["penaltyContracted"]
    assert kpi == {
        "id": "2026-03-kpi-fix_time",
        "period": period,
        "category": "Fault fixed within 24 hours",
        "events": 4,
        "penaltyContracted": "250.00 EUR for each failure to meet the target (a fix within 24 hours).",
        "penaltyImposed": "1000.00 EUR deducted from statement #1 for 2026-03 (regime version 3)." + cap,
        "penaltyPaid": True,
    }


def test_the_months_availability_is_observed_against_the_target():
    metric, *_kpis = ocds.statement_implementation(_issued(_capped_month()))["metrics"]
    actual, target = metric["observations"]
    assert metric["id"] == "availability"
    assert (actual["id"], actual["measure"], actual["notes"]) == (
        "availability-2026-03",
        50,
        "Target 99.0% (regime version 3): not met.",
    )
    assert actual["unit"] == target["unit"] == {"name": "percent", "scheme": "UNCEFACT", "id": "P1"}
    assert (target["id"], target["measure"], target["notes"]) == (
        "availability-2026-03-target",
        99,
        "The target in force (regime version 3), not an observation.",
    )


def test_observations_carry_no_dimensions_since_validators_report_them_as_additional_fields():
    metrics = ocds.statement_implementation(_issued(_capped_month()))["metrics"]
    assert not [o for m in metrics for o in m["observations"] if "dimensions" in o]


def test_a_month_without_service_intervals_has_no_availability_figure():
    figures = _capped_month() | {"contract_availability_percent": None}
    metric, *_kpis = ocds.statement_implementation(_issued(figures))["metrics"]
    assert "measure" not in metric["observations"][0]
    assert metric["observations"][0]["notes"].startswith("No service interval")


def test_a_clean_month_discloses_each_category_with_no_penalty():
    from civicpact.domain.performance.money import statement
    from tests.domain.test_performance_money import REGIME, REGISTER, month

    figures = statement(REGIME, month(), REGISTER).as_dict()
    failures = ocds.statement_implementation(_issued(figures))["performanceFailures"]
    assert [(f["id"], f["events"], f["penaltyImposed"]) for f in failures] == [
        ("2026-03-availability", 0, "None."),
        ("2026-03-kpi-fix_time", 0, "None."),
    ]
    assert not any("penaltyPaid" in f for f in failures)


def test_the_same_statement_gives_the_same_ids_and_a_correction_its_own_transaction():
    from decimal import Decimal

    figures = _capped_month()
    assert ocds.statement_implementation(_issued(figures)) == ocds.statement_implementation(_issued(figures))
    corrected = ocds.CorrectedStatement("statement-7", 1, Decimal("81000.00"))
    body = ocds.statement_implementation(_issued(figures, statement_id="statement-9", number=2, corrects=corrected))
    (transaction,) = body["transactions"]
    assert (transaction["id"], transaction["value"]["amount"]) == ("statement-9", -1000.0)
    assert (
        "It corrects statement #1 (statement-7), whose net payment was 81000.00 EUR"
        in (body["documents"][0]["description"])
    )
    first = ocds.statement_implementation(_issued(figures))
    # the month's observation and failures are revised by the correction, under the same ids
    assert [f["id"] for f in body["performanceFailures"]] == [f["id"] for f in first["performanceFailures"]]
    assert body["metrics"][0]["observations"][0]["id"] == first["metrics"][0]["observations"][0]["id"]


@pytest.mark.parametrize(
    ("month", "tz", "period"),
    [
        ("2026-03", "Europe/Lisbon", ("2026-03-01T00:00:00.000Z", "2026-03-31T22:59:59.999Z")),
        ("2026-12", "UTC", ("2026-12-01T00:00:00.000Z", "2026-12-31T23:59:59.999Z")),
        ("2026-01", "America/New_York", ("2026-01-01T05:00:00.000Z", "2026-02-01T04:59:59.999Z")),
    ],
)
def test_a_months_period_is_in_the_regimes_local_time(month, tz, period):
    assert ocds.month_period(month, tz) == {"startDate": period[0], "endDate": period[1]}


def test_agreed_metrics_give_the_availability_and_kpi_targets_under_ids_that_a_new_version_revises():
    from tests.domain.test_performance_money import REGIME

    availability, kpi = ocds.agreed_metrics(REGIME, version=2)
    assert availability["observations"][0] | {"notes": ""} == {
        "id": "availability-target",
        "measure": 99,
        "unit": {"name": "percent", "scheme": "UNCEFACT", "id": "P1"},
        "notes": "",
    }
    assert "Performance regime version 2" in availability["description"]
    assert kpi["observations"][0] == {
        "id": "kpi-fix_time-target",
        "measure": 24,
        "unit": {"name": "hours", "scheme": "UNCEFACT", "id": "HUR"},
        "notes": "250.00 EUR deducted for each failure to meet the target.",
    }
    later = ocds.agreed_metrics(REGIME, version=3)
    assert [m["id"] for m in later] == ["availability", "kpi-fix_time"]
    sections = ocds.agreed_metrics_sections(REGIME, version=2, contract_id="contract-1", award_id="award-1")
    assert sections["contracts"][0]["agreedMetrics"][0]["id"] == "availability"


def test_the_statement_and_agreed_metrics_releases_pass_the_ppp_profile_schema():
    from civicpact.ledger.validation import release_package_errors
    from tests.domain.test_performance_money import REGIME

    moment = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
    releases = [
        ocds.build_release(
            ocid="ocds-cvp0dm-1",
            release_id="ocds-cvp0dm-1-00001",
            date=moment,
            tags=["contractUpdate"],
            sections=ocds.agreed_metrics_sections(REGIME, version=3, contract_id="contract-1", award_id="award-1"),
        ),
        ocds.build_release(
            ocid="ocds-cvp0dm-1",
            release_id="ocds-cvp0dm-1-00002",
            date=moment + timedelta(seconds=1),
            tags=["implementation"],
            sections=ocds.statement_sections(_issued(_capped_month()), contract_id="contract-1", award_id="award-1"),
        ),
    ]
    package = ocds.release_package(
        releases, uri="https://x.example/p.json", published_date=moment, publisher_name="City"
    )
    assert release_package_errors(package) == []


def test_evaluation_indicators_carry_the_npv_the_risk_adjustment_and_the_value_for_money():
    vfm = ocds.VfmFigures(
        case_version=3,
        iterations=100_000,
        psc_base=15_000_000.0,
        psc_mean=15_500_000.0,
        ppp_base=14_500_000.0,
        ppp_mean=14_600_000.0,
        vfm_mean=900_000.0,
        vfm_percent_of_psc=5.8,
        probability_ppp_cheaper=0.97,
    )
    figures = ocds.AppraisalFigures(
        case_version=3,
        discount_rate=0.035,
        mid_year=True,
        currency="EUR",
        npv=Decimal("1234567.891"),
        npv_summary="It pays back.",
        vfm=vfm,
    )
    indicators = ocds.evaluation_indicators(figures)
    assert indicators["discountRate"] == 0.035
    assert "mid-year" in indicators["discountRateDetails"]
    assert indicators["riskPremium"] == 0.0
    assert "add 500,000 EUR to the public sector comparator" in indicators["riskPremiumDetails"]
    assert "retains 100,000" in indicators["riskPremiumDetails"]
    assert indicators["netPresentValue"] == {"amount": 1234567.89, "currency": "EUR"}
    assert indicators["netPresentValueDetails"].startswith("It pays back. Value for money: the PPP's present cost is")
    assert "97% of the simulated futures" in indicators["netPresentValueDetails"]


def test_evaluation_indicators_without_a_cost_benefit_analysis_or_simulation_have_no_npv():
    figures = ocds.AppraisalFigures(case_version=1, discount_rate=0.03, mid_year=False, currency="EUR")
    indicators = ocds.evaluation_indicators(figures)
    assert set(indicators) == {"discountRate", "discountRateDetails", "riskPremium", "riskPremiumDetails"}


def test_an_award_update_carries_only_the_id_the_status_and_a_reason_when_given():
    assert ocds.award_status(award_id="award-1", status="active") == {"id": "award-1", "status": "active"}
    cancelled = ocds.award_status(award_id="award-1", status="cancelled", description="Set aside.")
    assert cancelled["description"] == "Set aside."
    with pytest.raises(ValueError, match="pending"):
        ocds.award_status(award_id="award-1", status="pending")


def test_a_party_keeps_the_roles_of_the_newest_earlier_release_naming_it():
    earlier = [
        {"parties": [{"id": "org-2", "name": "Lumen", "roles": ["supplier", "tenderer"]}]},
        {"parties": [{"id": "org-1", "name": "City", "roles": ["buyer", "funder"]}, {"id": "org-2", "roles": ["x"]}]},
    ]
    parties = [
        {"id": "org-1", "name": "City", "roles": ["buyer", "payer"]},
        {"id": "org-2", "name": "Lumen", "roles": ["payee", "supplier"]},
        {"id": "org-3", "name": "Guarantor", "roles": ["interestedParty"]},
    ]
    assert {p["id"]: p["roles"] for p in ocds.with_earlier_roles(parties, earlier)} == {
        "org-1": ["buyer", "funder", "payer"],
        "org-2": ["payee", "supplier", "tenderer"],  # the newest release naming it already holds all its roles
        "org-3": ["interestedParty"],
    }
