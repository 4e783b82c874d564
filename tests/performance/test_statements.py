"""A contract's regime, asset register, telemetry ingest and monthly statement, through the services and the
command line: an outage beyond the rectification period deducts, an issued statement is frozen, the partner
disputes a line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicpact.cli import main
from civicpact.performance import services
from civicpact.performance.models import Regime
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401  (a fixture: a contract in force, Lumen Grid)

REGIME = """
format: 1
currency: EUR
unitary_charge:
  annual: "1200000.00"
measurement:
  interval_minutes: 15
  timezone: UTC
  missing_data: available
availability:
  target_percent: "99.0"
  rectification_minutes: 60
  ubu_factor: "0.5"
  ratchet: ["1.0", "1.5"]
  mode: share
asset_classes:
  - key: streetlight
    name: Street light
    weighting: "80"
    service_hours:
      - days: [mon, tue, wed, thu, fri, sat, sun]
        from: "00:00"
        to: "24:00"
  - key: sensor
    name: Sensor
    weighting: "20"
    service_hours:
      - days: [mon, tue, wed, thu, fri, sat, sun]
        from: "00:00"
        to: "24:00"
cap_percent: "20"
"""


def last_month() -> tuple[str, datetime]:
    first = timezone.now().astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (first - timedelta(days=1)).replace(day=1)
    return start.strftime("%Y-%m"), start


@pytest.fixture
def metered(settings, tmp_path, manager, live):  # noqa: F811
    settings.CIVICPACT_TELEMETRY_DIR = tmp_path
    services.regime_save(
        actor=manager, contract_id=live.pk, expected_number=0, rationale="Initial regime.", text=REGIME
    )
    rows = [{"asset_id": f"SL-000{i}", "asset_class": "streetlight"} for i in (1, 2, 3)]
    services.assets_import(
        actor=manager, contract_id=live.pk, rows=[*rows, {"asset_id": "AQ-0001", "asset_class": "sensor"}]
    )
    return live


def telemetry_csv(path, start, *, down_quarters: int, at_hour: int = 10, asset: str = "SL-0001"):
    lines = ["asset,timestamp,status"]
    for q in range(down_quarters):
        moment = start + timedelta(days=3, hours=at_hour, minutes=15 * q)
        lines.append(f"{asset},{moment.isoformat()},down")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_bad_regime_is_refused_naming_the_field_and_versions_count_up(manager, live):  # noqa: F811
    with pytest.raises(ValidationError) as caught:
        services.regime_save(
            actor=manager,
            contract_id=live.pk,
            expected_number=0,
            rationale="x",
            text=REGIME.replace('"20"', '"30"', 1),
        )
    assert "add up to 110, not 100" in " ".join(caught.value.message_dict["asset_classes"])
    assert not Regime.objects.filter(contract=live).exists()
    services.regime_save(actor=manager, contract_id=live.pk, expected_number=0, rationale="Initial.", text=REGIME)
    with pytest.raises(services.PerformanceError, match="changed by someone else"):
        services.regime_save(actor=manager, contract_id=live.pk, expected_number=0, rationale="Again.", text=REGIME)


def test_the_register_needs_known_classes_and_refuses_all_rows_on_one_error(manager, supplier, metered):
    with pytest.raises(PermissionDenied):
        services.assets_import(actor=supplier, contract_id=metered.pk, rows=[])
    with pytest.raises(ValidationError, match="is not one of sensor, streetlight"):
        services.assets_import(
            actor=manager,
            contract_id=metered.pk,
            rows=[{"asset_id": "SL-0009", "asset_class": "streetlight"}, {"asset_id": "X", "asset_class": "bench"}],
        )
    assert not metered.assets.filter(asset_id="SL-0009").exists()
    assert sorted(metered.assets.values_list("number", flat=True)) == [0, 1, 2, 3]


def test_an_outage_beyond_the_rectification_period_deducts_and_the_issued_statement_is_frozen(
    tmp_path, manager, supplier, metered
):
    month, start = last_month()
    # SL-0001 down for 5 quarter-hours: beyond the 60-minute (4-slot) rectification period, so all 5 count
    path = telemetry_csv(tmp_path / "t.csv", start, down_quarters=5)
    batch = services.batch_create(actor=supplier, contract_id=metered.pk, source="upload", filename="t.csv")
    from civicpact.performance.ingest import open_source

    batch = services.batch_run(batch.pk, open_source(path))
    assert (batch.status, batch.rows_accepted, batch.rows_rejected) == ("done", 5, 0)
    statement = services.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    slots = statement.figures["assets"][0]["service_slots"]
    # U = 1,200,000 / 12 = 100,000; a street light's share = 100,000 x 80% / 3; deduction = share x 5 / S
    expected = (Decimal(100_000) * Decimal(80) / 100 / 3 * 5 / slots).quantize(Decimal("0.01"))
    line = next(a for a in statement.figures["assets"] if a["asset"] == "SL-0001")
    assert Decimal(line["deduction"]) == expected
    assert statement.net == Decimal("100000.00") - expected
    services.statement_issue(actor=manager, statement_id=statement.pk)
    with pytest.raises(services.PerformanceError, match="issued and frozen"):
        services.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    with pytest.raises(ValidationError, match="not a line"):
        services.dispute_raise(actor=supplier, statement_id=statement.pk, line="SL-9999", reason="x")
    with pytest.raises(PermissionDenied):
        services.dispute_raise(actor=manager, statement_id=statement.pk, line="SL-0001", reason="x")
    dispute = services.dispute_raise(
        actor=supplier, statement_id=statement.pk, line="SL-0001", reason="The lamp was replaced within the hour."
    )
    services.dispute_answer(actor=manager, dispute_id=dispute.pk, upheld=False, answer="The log shows 75 minutes.")


def test_an_outage_within_the_rectification_period_costs_nothing(tmp_path, manager, supplier, metered):
    month, start = last_month()
    from civicpact.performance.ingest import open_source

    path = telemetry_csv(tmp_path / "t.csv", start, down_quarters=4)
    batch = services.batch_run(
        services.batch_create(actor=manager, contract_id=metered.pk, source="upload").pk, open_source(path)
    )
    again = services.batch_run(
        services.batch_create(actor=manager, contract_id=metered.pk, source="upload").pk, open_source(path)
    )
    assert (batch.status, again.status) == ("done", "duplicate")
    statement = services.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    line = next(a for a in statement.figures["assets"] if a["asset"] == "SL-0001")
    assert (line["events"], line["rectified_events"], line["deduction"]) == (1, 1, "0.00")


def test_the_command_line_ingests_reports_rejections_and_prints_the_statement(tmp_path, capsys, metered):
    month, start = last_month()
    path = telemetry_csv(tmp_path / "t.csv", start, down_quarters=6)
    with path.open("a") as handle:
        handle.write(f"SL-0042,{start.isoformat()},down\n")  # not in the register
    assert main(["ingest", str(path), "--contract", str(metered.pk)]) == 1
    out = capsys.readouterr().out
    assert "6 accepted, 1 rejected" in out
    assert "row 8" in out
    assert main(["ingest", str(tmp_path / "nope.csv"), "--contract", str(metered.pk)]) == 2
    assert main(["sla", "statement", "--contract", str(metered.pk), "--month", month]) == 0
    assert "net payment" in capsys.readouterr().out
    assert main(["sla", "statement", "--contract", str(metered.pk), "--month", "2026-13"]) == 2
    assert "is not a month" in capsys.readouterr().err


def test_an_issued_statement_is_corrected_by_a_new_one_that_references_it(
    client_for, tmp_path, manager, supplier, metered
):
    from civicpact.performance.ingest import open_source

    month, start = last_month()
    statement = services.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    with pytest.raises(services.PerformanceError, match="Only an issued statement"):
        services.statement_correct(actor=manager, statement_id=statement.pk, reason="A draft is recomputed.")
    services.statement_issue(actor=manager, statement_id=statement.pk)
    path = telemetry_csv(tmp_path / "late.csv", start, down_quarters=6)  # late telemetry arrives
    late = services.batch_create(actor=manager, contract_id=metered.pk, source="upload")
    services.batch_run(late.pk, open_source(path))
    with pytest.raises(ValidationError, match="Say why"):
        services.statement_correct(actor=manager, statement_id=statement.pk, reason=" ")
    with pytest.raises(PermissionDenied):
        services.statement_correct(actor=supplier, statement_id=statement.pk, reason="Mine.")
    correction = services.statement_correct(actor=manager, statement_id=statement.pk, reason="Late telemetry.")
    assert (correction.number, correction.corrects_id, correction.status) == (2, statement.pk, "draft")
    assert correction.net < statement.net
    statement.refresh_from_db()
    assert statement.status == "issued"
    with pytest.raises(services.PerformanceError, match="already follows"):
        services.statement_correct(actor=manager, statement_id=statement.pk, reason="Again.")
    page = client_for(supplier).get(f"/contracts/{metered.pk}/performance/statements/{statement.pk}/").content.decode()
    assert "Corrected by" in page
