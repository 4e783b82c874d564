from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.terms import PaymentMechanism, TermSheet, TermsInputError, check_terms, findings_as_dicts

COMPLETE = TermSheet(
    payment_mechanisms=(PaymentMechanism.AVAILABILITY,),
    indexation="CPI annually",
    incentives="Energy savings share",
    penalties="Availability deductions",
    deduction_cap_percent=Decimal(20),
    kpis=("lighting availability",),
    governance_bodies=("Steering board", "Operations board"),
    reporting_cadence="monthly",
    escalation_ladder=("operations board", "steering board", "mediation"),
    change_threshold_amount=Decimal(50000),
    dispute_resolution="Expert determination, then arbitration",
    data_ownership="city",
    data_licence="Perpetual licence to the city",
    privacy_impact_assessment=True,
    open_data_duties="Monthly open data",
    ip_new_developments="licence_to_city",
    interoperability_open_standards=True,
    audit_rights=True,
    term_years=10,
    technology_refresh_clause=True,
    extension_options="Two years",
    exit_plan=True,
    hand_back_conditions="Working order, data exported in open formats",
    personal_data_processed=False,
)


def codes(sheet):
    return [f.code for f in check_terms(sheet)]


def test_a_well_drafted_sheet_has_no_findings():
    assert check_terms(COMPLETE) == ()


@pytest.mark.parametrize(
    ("change", "code", "severity"),
    [
        ({"data_ownership": None}, "data_ownership_undefined", "gap"),
        ({"term_years": 15, "technology_refresh_clause": False}, "long_tech_term_without_refresh", "risk"),
        ({"kpis": ()}, "performance_payment_without_kpi", "gap"),
        ({"exit_plan": False}, "no_exit_plan", "gap"),
        ({"audit_rights": False}, "no_audit_rights", "gap"),
        ({"deduction_cap_percent": None}, "no_deduction_cap", "risk"),
        ({"deduction_cap_percent": Decimal(45)}, "deduction_cap_too_high", "risk"),
        ({"dispute_resolution": None}, "no_dispute_resolution", "gap"),
        ({"escalation_ladder": ()}, "no_escalation_ladder", "gap"),
        ({"personal_data_processed": True, "privacy_impact_assessment": False}, "personal_data_without_pia", "gap"),
        ({"ip_new_developments": "partner", "data_licence": None}, "ip_with_partner_without_licence", "risk"),
        ({"interoperability_open_standards": False}, "no_interoperability", "risk"),
        ({"indexation": None}, "no_indexation_long_term", "advice"),
        ({"change_threshold_amount": None}, "no_change_threshold", "gap"),
        ({"hand_back_conditions": None}, "no_hand_back", "advice"),
        ({"payment_mechanisms": ()}, "no_payment_mechanism", "gap"),
        ({"governance_bodies": (), "escalation_ladder": ("a",)}, "no_governance", "gap"),
        ({"reporting_cadence": None}, "no_reporting_cadence", "gap"),
    ],
)
def test_each_rule_fires_on_its_gap(change, code, severity):
    findings = check_terms(replace(COMPLETE, **change))
    assert code in [f.code for f in findings]
    assert next(f for f in findings if f.code == code).severity == severity


def test_a_deduction_cap_too_high_names_the_number():
    finding = check_terms(replace(COMPLETE, deduction_cap_percent=Decimal(45)))[0]
    assert "45%" in finding.message


def test_an_escalation_ladder_without_governance_is_only_advice():
    findings = check_terms(replace(COMPLETE, governance_bodies=(), escalation_ladder=()))
    assert next(f for f in findings if f.code == "no_escalation_ladder").severity == "advice"


def test_gaps_come_first_then_risks_then_advice():
    findings = check_terms(TermSheet(term_years=12))
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=["gap", "risk", "advice"].index)


def test_the_empty_sheet_lists_every_gap_once():
    result = codes(TermSheet())
    assert len(result) == len(set(result))
    assert "data_ownership_undefined" in result


def test_from_mapping_reads_a_json_sheet():
    sheet = TermSheet.from_mapping(
        {"payment_mechanisms": ["availability"], "term_years": 12, "deduction_cap_percent": "20", "audit_rights": True}
    )
    assert sheet.payment_mechanisms == (PaymentMechanism.AVAILABILITY,)
    assert sheet.deduction_cap_percent == Decimal(20)
    assert findings_as_dicts(check_terms(sheet))[0]["severity"] == "gap"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"term_years": 0}, "term_years"),
        ({"term_years": "ten"}, "term_years"),
        ({"deduction_cap_percent": 120}, "deduction_cap_percent"),
        ({"change_threshold_amount": -5}, "change_threshold_amount"),
        ({"payment_mechanisms": ["barter"]}, "payment_mechanisms"),
        ({"data_ownership": "nobody"}, "data_ownership"),
        ({"audit_rights": "yes"}, "audit_rights"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_term_sheets_are_refused_naming_the_field(data, field):
    with pytest.raises(TermsInputError) as caught:
        TermSheet.from_mapping(data)
    assert caught.value.field == field


sheets = st.builds(
    TermSheet,
    payment_mechanisms=st.lists(st.sampled_from(list(PaymentMechanism)), max_size=3).map(tuple),
    deduction_cap_percent=st.none() | st.decimals(min_value=0, max_value=100, places=1),
    kpis=st.lists(st.text(min_size=1, max_size=5), max_size=2).map(tuple),
    term_years=st.none() | st.integers(1, 50),
    data_ownership=st.sampled_from([None, "city", "partner", "joint"]),
    ip_new_developments=st.sampled_from([None, "city", "partner", "joint", "licence_to_city"]),
    exit_plan=st.booleans(),
    audit_rights=st.booleans(),
    technology_refresh_clause=st.booleans(),
    personal_data_processed=st.booleans(),
    privacy_impact_assessment=st.booleans(),
)


@given(sheets)
def test_checking_never_fails_and_codes_are_unique(sheet):
    result = codes(sheet)
    assert len(result) == len(set(result))
