"""Publication of the performance regime: an issued statement appends an implementation release (its transaction,
the month's availability against the target, the performance failures with their penalties), a correction adds
its own transaction, a regime version saved for a contract in force publishes the agreedMetrics, and the release
package for the contracting process passes the PPP profile's schema. Drafts publish nothing."""

from __future__ import annotations

from decimal import Decimal

from civicpact.accounts.models import Organisation
from civicpact.contracts import services as contract_services
from civicpact.domain.ocds import format_date
from civicpact.ledger.models import Release
from civicpact.performance import publication, services
from civicpact.performance.ingest import open_source
from tests.contracts.test_contracts import legacy_terms, package_errors, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401  (a fixture: a contract in force, Lumen Grid)
from tests.performance.test_statements import (
    REGIME,
    last_month,
    metered,  # noqa: F401  (a fixture: the contract with a regime and four assets)
    telemetry_csv,
)

KPI_REGIME = (
    REGIME.replace('target_percent: "99.0"', 'target_percent: "99.5"')
    + """kpis:
  - key: fix_time
    name: Fault fixed within 24 hours
    kind: fix_time
    target: 24
    deduction_per_failure: "250.00"
"""
)


def ingest(manager, contract, path):
    batch = services.batch_create(actor=manager, contract_id=contract.pk, source="upload")
    return services.batch_run(batch.pk, open_source(path))


def latest(ocid):
    return Release.objects.filter(ocid=ocid).latest("date")


def implementation(release):
    (contract,) = release.body["contracts"]
    return contract, contract["implementation"]


def test_an_issued_statement_publishes_the_payment_the_availability_and_the_failure_with_its_penalty(
    tmp_path,
    manager,
    metered,  # noqa: F811
):
    month, start = last_month()
    ingest(manager, metered, telemetry_csv(tmp_path / "t.csv", start, down_quarters=5))  # beyond the 4 slots
    statement = services.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    deduction = Decimal(statement.figures["availability_deductions"])
    assert deduction > 0
    statement = services.statement_issue(actor=manager, statement_id=statement.pk)
    assert statement.issued_at is not None
    ocid = metered.project.ocid
    release = latest(ocid)
    assert release.tags == ["implementation"]
    contract, body = implementation(release)
    assert (contract["id"], contract["awardID"]) == (f"contract-{metered.pk}", f"award-direct-{metered.pk}")
    city = Organisation.objects.get(name="Transport and Mobility")
    partner = Organisation.objects.get(name="Lumen Grid")
    assert body["transactions"] == [
        {
            "id": f"statement-{statement.pk}",
            "date": format_date(statement.issued_at),
            "value": {"amount": float(statement.net), "currency": "EUR"},
            "payer": {"id": f"org-{city.pk}", "name": "Transport and Mobility"},
            "payee": {"id": f"org-{partner.pk}", "name": "Lumen Grid"},
        }
    ]
    assert statement.net == Decimal("100000.00") - deduction
    (report,) = body["documents"]
    assert report["documentType"] == "financialProgressReport"
    assert f"for {month}, under performance regime version 1" in report["description"]
    (metric,) = body["metrics"]
    actual, target = metric["observations"]
    assert metric["id"] == "availability"
    assert actual["id"] == f"availability-{month}"
    assert actual["measure"] == float(statement.figures["contract_availability_percent"])
    assert actual["unit"] == {"name": "percent", "scheme": "UNCEFACT", "id": "P1"}
    # the test's telemetry has only the outage's rows: the rest of the month is missing, so not up
    assert actual["notes"] == "Target 99.0% (regime version 1): not met."
    assert (target["id"], target["measure"]) == (f"availability-{month}-target", 99)
    assert actual["period"]["startDate"] == format_date(start)
    (failure,) = body["performanceFailures"]
    assert failure["id"] == f"{month}-availability"
    assert (failure["category"], failure["events"], failure["penaltyPaid"]) == ("Availability", 1, True)
    assert failure["penaltyImposed"].startswith(f"{deduction:f} EUR deducted from statement #1 for {month}")
    assert "60 minutes costs nothing" in failure["penaltyContracted"]
    assert package_errors(ocid) == []


def test_a_correction_publishes_its_own_transaction_for_the_difference_and_revises_the_failures(
    tmp_path,
    manager,
    metered,  # noqa: F811
):
    month, start = last_month()
    first = services.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    first = services.statement_issue(actor=manager, statement_id=first.pk)
    _, before = implementation(latest(metered.project.ocid))
    assert before["performanceFailures"][0]["penaltyImposed"] == "None."
    assert "penaltyPaid" not in before["performanceFailures"][0]
    ingest(manager, metered, telemetry_csv(tmp_path / "late.csv", start, down_quarters=6))  # late telemetry
    correction = services.statement_correct(actor=manager, statement_id=first.pk, reason="Late telemetry.")
    correction = services.statement_issue(actor=manager, statement_id=correction.pk)
    _, after = implementation(latest(metered.project.ocid))
    (transaction,) = after["transactions"]
    assert transaction["id"] == f"statement-{correction.pk}" != before["transactions"][0]["id"]
    assert transaction["value"]["amount"] == float(correction.net - first.net) < 0
    assert f"It corrects statement #1 (statement-{first.pk})" in after["documents"][0]["description"]
    # the month's metric observation and failure keep their ids: the correction revises them
    assert after["performanceFailures"][0]["id"] == before["performanceFailures"][0]["id"]
    assert after["performanceFailures"][0]["events"] == 1
    assert after["metrics"][0]["observations"][0]["id"] == before["metrics"][0]["observations"][0]["id"]
    assert package_errors(metered.project.ocid) == []


def test_a_regime_version_for_a_contract_in_force_publishes_the_agreed_metrics(manager, metered):  # noqa: F811
    ocid = metered.project.ocid
    first = latest(ocid)  # the metered fixture saved version 1 of the regime on the contract in force
    assert first.tags == ["contractUpdate"]
    assert [m["observations"][0]["measure"] for m in first.body["contracts"][0]["agreedMetrics"]] == [99]
    services.regime_save(
        actor=manager, contract_id=metered.pk, expected_number=1, rationale="Fix-time KPI added.", text=KPI_REGIME
    )
    release = latest(ocid)
    assert release.tags == ["contractUpdate"]
    (contract,) = release.body["contracts"]
    assert set(contract) == {"id", "awardID", "agreedMetrics"}
    availability, kpi = contract["agreedMetrics"]
    assert (availability["id"], availability["observations"][0]["measure"]) == ("availability", 99.5)
    assert availability["observations"][0]["id"] == "availability-target"
    assert "Performance regime version 2" in availability["description"]
    assert (kpi["id"], kpi["title"]) == ("kpi-fix_time", "Fault fixed within 24 hours")
    assert kpi["observations"][0] | {"notes": ""} == {
        "id": "kpi-fix_time-target",
        "measure": 24,
        "unit": {"name": "hours", "scheme": "UNCEFACT", "id": "HUR"},
        "notes": "",
    }
    assert package_errors(ocid) == []


def test_a_kpi_of_the_regime_is_disclosed_every_month_even_without_failures(manager, metered):  # noqa: F811
    services.regime_save(
        actor=manager, contract_id=metered.pk, expected_number=1, rationale="Fix-time KPI added.", text=KPI_REGIME
    )
    month, _ = last_month()
    statement = services.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    services.statement_issue(actor=manager, statement_id=statement.pk)
    _, body = implementation(latest(metered.project.ocid))
    kpi = body["performanceFailures"][1]
    assert (kpi["id"], kpi["category"], kpi["events"], kpi["penaltyImposed"]) == (
        f"{month}-kpi-fix_time",
        "Fault fixed within 24 hours",
        0,
        "None.",
    )
    assert kpi["penaltyContracted"] == "250.00 EUR for each failure to meet the target (a fix within 24 hours)."
    availability, observed = body["metrics"]
    assert availability["id"] == "availability"
    assert observed["id"] == "kpi-fix_time"
    assert observed["observations"] == [
        {
            "id": f"kpi-fix_time-{month}",
            "period": availability["observations"][0]["period"],
            "measure": 0,
            "unit": {"name": "failures"},
            "notes": "Target met every time.",
        }
    ]
    assert "regime version 2" in body["documents"][0]["description"]
    assert package_errors(metered.project.ocid) == []


def test_a_draft_statement_publishes_nothing(manager, metered):  # noqa: F811
    month, _ = last_month()
    releases = Release.objects.count()
    draft = services.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    assert publication.statement_release(manager, draft) is None
    assert Release.objects.count() == releases
    assert not Release.objects.filter(tags=["implementation"]).exists()


def test_a_regime_for_a_draft_contract_publishes_nothing(manager, parking_project):  # noqa: F811
    contract = contract_services.contract_create(actor=manager, project_id=parking_project.pk, **legacy_terms())
    releases = Release.objects.count()
    services.regime_save(actor=manager, contract_id=contract.pk, expected_number=0, rationale="Initial.", text=REGIME)
    assert Release.objects.count() == releases


# --- the regime comes into force with the contract -----------------------------------------------------------------


def sign_all(manager, contract, number=1):
    for party in contract.versions.get(number=number).parties:
        contract_services.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=number,
            organisation_id=int(party["organisation"]),
            signatory_name="S",
        )


def test_signing_a_draft_contract_with_a_regime_publishes_its_agreed_metrics(manager, parking_project):  # noqa: F811
    contract = contract_services.contract_create(actor=manager, project_id=parking_project.pk, **legacy_terms())
    services.regime_save(
        actor=manager, contract_id=contract.pk, expected_number=0, rationale="Initial.", text=KPI_REGIME
    )
    sign_all(manager, contract)
    contract.refresh_from_db()
    ocid = contract.project.ocid
    tags = [r.tags for r in Release.objects.filter(ocid=ocid).order_by("date")]
    assert tags[-2:] == [["contract"], ["contractUpdate"]]
    (published,) = latest(ocid).body["contracts"]
    assert published["id"] == f"contract-{contract.pk}"
    assert [m["id"] for m in published["agreedMetrics"]] == ["availability", "kpi-fix_time"]
    assert published["agreedMetrics"][0]["observations"][0]["measure"] == 99.5
    assert "Performance regime version 1" in published["agreedMetrics"][0]["description"]
    assert package_errors(ocid) == []


def test_an_amendment_coming_into_force_does_not_publish_the_same_agreed_metrics_again(
    manager,
    metered,  # noqa: F811
):
    ocid = metered.project.ocid
    assert sum(r.tags == ["contractUpdate"] for r in Release.objects.filter(ocid=ocid)) == 1
    contract_services.contract_amend(
        actor=manager,
        contract_id=metered.pk,
        expected_version=1,
        rationale="correction",
        details="Value corrected.",
        value=Decimal("1100000"),
    )
    sign_all(manager, metered, number=2)
    assert latest(ocid).tags == ["contractAmendment"]
    assert sum(r.tags == ["contractUpdate"] for r in Release.objects.filter(ocid=ocid)) == 1
    assert package_errors(ocid) == []


def test_a_draft_contract_without_a_regime_publishes_only_the_contract(manager, parking_project):  # noqa: F811
    contract = contract_services.contract_create(actor=manager, project_id=parking_project.pk, **legacy_terms())
    sign_all(manager, contract)
    contract.refresh_from_db()
    assert latest(contract.project.ocid).tags == ["contract"]
