"""Red flags over what is published: a contract amended through the real services raises PPP01 and PPP04; auditors see
the evidence, everyone the summary (pages and API), and the other roles are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from civicpact.contracts import services
from civicpact.contracts.models import Contract
from civicpact.domain.redflags import Finding, Report
from civicpact.transparency import compiled, redflags
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401  (fixtures)
from tests.contracts.test_milestones import live  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SUMMARY = "/open/red-flags/"
EVIDENCE = "/open/red-flags/evidence/"


def amend(contract: Contract, manager, value: str) -> None:
    """A price change, signed by both parties: in force and published as a contractAmendment."""
    contract.refresh_from_db()
    version = services.contract_amend(
        actor=manager,
        contract_id=contract.pk,
        expected_version=contract.version,
        rationale="price_change",
        details="More sensors.",
        value=Decimal(value),
    )
    for party in version.parties:
        services.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=version.number,
            organisation_id=int(party["organisation"]),
            signatory_name="S",
        )


@pytest.fixture
def amended(live, manager):  # noqa: F811
    """The live contract (1,000,000) amended three times, up to 1,150,000: three amendments, 15% growth."""
    for value in ("1050000", "1100000", "1150000"):
        amend(live, manager, value)
    return live


def test_a_contract_amended_three_times_and_grown_15_percent_raises_ppp01_and_ppp04(amended):
    report = redflags.red_flag_report()
    flagged = {(f.code, f.evidence.get("contract")) for f in report.findings}
    contract_id = f"contract-{amended.pk}"
    assert {("PPP01", contract_id), ("PPP04", contract_id)} <= flagged
    growth = next(f for f in report.findings if f.code == "PPP04")
    assert growth.evidence["first_value"] == "1,000,000.00 EUR"
    assert growth.evidence["current_value"] == "1,150,000.00 EUR"


def test_two_amendments_within_the_thresholds_raise_neither(live, manager, settings):  # noqa: F811
    settings.CIVICPACT_RED_FLAGS = settings.CIVICPACT_RED_FLAGS | {"amendments_months": 0}
    amend(live, manager, "1050000")
    amend(live, manager, "1090000")
    assert not {f.code for f in redflags.red_flag_report().findings} & {"PPP01", "PPP04"}


def test_the_thresholds_come_from_the_settings(settings):
    settings.CIVICPACT_RED_FLAGS = settings.CIVICPACT_RED_FLAGS | {"r003_days": "21", "value_growth": "0.25"}
    limits = redflags.thresholds()
    assert (limits.r003_days, limits.value_growth, limits.r024_threshold) == (21, 0.25, None)


def test_the_demo_city_without_history_raises_no_flag(city):
    summary = redflags.red_flag_summary()
    assert summary["processes_checked"] >= 1
    assert summary["flagged_processes"] == []


def test_the_auditor_sees_each_finding_with_its_values_and_links(amended, auditor, client_for):
    page = client_for(auditor).get(EVIDENCE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "PPP04 Contract value growth" in text
    assert "1,150,000.00 EUR" in text
    assert f"/api/v1/ocds/records/{amended.project.ocid}" in text
    assert f"/contracts/{amended.pk}/" in text


def test_an_administrator_sees_the_evidence_too(city, admin_user, client_for):
    assert client_for(admin_user).get(EVIDENCE).status_code == 200


@pytest.mark.parametrize("username", ["officer", "evaluator", "manager", "analyst", "lead", "supplier"])
def test_other_roles_are_refused_the_evidence(city, client_for, username):
    from civicpact.accounts.models import User

    assert client_for(User.objects.get(username=username)).get(EVIDENCE).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in_for_the_evidence(city, citizen):
    response = citizen.get(EVIDENCE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_citizen_sees_the_summary_with_the_explanation_and_no_evidence_link(amended, citizen):
    page = citizen.get(SUMMARY)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Frequent contract amendments" in text
    assert "was amended 3 times" in text
    assert EVIDENCE not in text


def test_the_summary_page_reads_the_releases_in_a_few_queries(amended, citizen, django_assert_max_num_queries):
    compiled.records_refresh()  # what the first read after publication does
    with django_assert_max_num_queries(8):  # with the cache's freshness, compiled records and releases apart
        citizen.get(SUMMARY)


def test_the_api_serves_the_public_summary(amended, citizen):
    body = citizen.get("/api/v1/ocds/red-flags").json()
    assert set(body) == {"as_of", "processes_checked", "indicators", "flagged_processes", "organisation_findings"}
    codes = {flag["code"] for process in body["flagged_processes"] for flag in process["flags"]}
    assert {"PPP01", "PPP04"} <= codes
    assert {i["code"] for i in body["indicators"]} >= {"R003", "R018", "R024", "R035", "R036", "R038", "PPP02"}
    assert body["flagged_processes"][0]["record"].startswith("/api/v1/ocds/records/")


def test_the_api_refuses_a_bad_token(city, citizen):
    assert citizen.get("/api/v1/ocds/red-flags", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_the_summary_counts_findings_about_tenderers_without_naming_them():
    tenderer = Finding("R038", "tenderer", "org-9", "Shady Bids Ltd", ("ocds-x-1",), "9 of 10 disqualified.", {}, 0.9)
    summary = redflags.red_flag_summary(Report(findings=[tenderer], processes=1))
    assert summary["organisation_findings"] == 1
    assert summary["flagged_processes"] == []
    assert "Shady" not in repr(summary)


def test_the_evidence_page_reads_the_links_in_one_query_whatever_the_findings(
    amended, auditor, client_for, django_assert_max_num_queries
):
    client = client_for(auditor)
    compiled.records_refresh()
    with django_assert_max_num_queries(11):
        client.get(EVIDENCE)


def test_the_fences_are_told_in_words():
    report = Report(
        fences={
            "R024": {"fence": 0.02, "fixed": 1.0},
            "R058": {"q1": 0.1, "q3": 0.2, "fence": 0.35, "values": 9.0},
            "R038.buyer": {"values": 2.0, "minimum_sample": 8.0},
        }
    )
    assert redflags.fence_rows(report) == [
        ("R024", "fixed at 0.0200"),
        ("R038.buyer", "not computed: 2 value(s), at least 8 needed"),
        ("R058", "0.3500, from Q1 0.1000 and Q3 0.2000 over 9 values"),
    ]
