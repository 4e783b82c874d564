"""The performance dashboard (KPIs as traffic lights, the availability heat map of assets x days, the deductions
by month, the milestones) and a statement's PDF and spreadsheet: who sees them, and their numbers."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from openpyxl import load_workbook

from civicpact.domain.performance.calendar import ALL_DAY
from civicpact.performance import dashboard, services
from civicpact.performance.ingest import open_source
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import REGIME, last_month, metered  # noqa: F401


def _changes(tmp_path, start, outages, name="changes.csv"):
    """A feed of status changes: every asset up at the month's start, then each outage as a change and back up.
    `outages`: (asset, day of the month, hour, quarter-hours, status)."""
    lines = ["asset,timestamp,status"]
    lines += [f"{asset},{start.isoformat()},up" for asset in ("SL-0001", "SL-0002", "SL-0003", "AQ-0001")]
    for asset, day, hour, quarters, status in outages:
        begin = start + timedelta(days=day - 1, hours=hour)
        lines.append(f"{asset},{begin.isoformat()},{status}")
        lines.append(f"{asset},{(begin + timedelta(minutes=15 * quarters)).isoformat()},up")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _ingest(actor, contract, path, until):
    batch = services.batch_create(actor=actor, contract_id=contract.pk, source="upload", filename=path.name)
    batch = services.batch_run(batch.pk, open_source(path), feed="changes", until=until)
    assert batch.status == "done", batch.error
    return batch


def _next_month(start):
    return (start + timedelta(days=32)).replace(day=1)


OUTAGES = [
    ("SL-0001", 4, 10, 6, "down"),  # 6 quarter-hours on day 4: 90 of 96 up
    ("SL-0002", 2, 22, 16, "down"),  # 22:00 to 02:00: 8 quarter-hours on day 2, 8 on day 3
    ("SL-0003", 10, 6, 12, "degraded"),  # unavailable but used: not up either
]


@pytest.fixture
def loaded(tmp_path, manager, metered):  # noqa: F811
    """The metered contract with last month's telemetry (known outages) and its statement."""
    month, start = last_month()
    _ingest(manager, metered, _changes(tmp_path, start, OUTAGES), _next_month(start))
    statement = services.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    return metered, month, statement


def test_the_dashboard_is_for_city_staff_and_the_partner(
    client_for, citizen, manager, supplier, second_supplier, loaded
):
    contract, month, _statement = loaded
    url = f"/contracts/{contract.pk}/performance/dashboard/"
    page = client_for(manager).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Contract availability" in html
    assert "On target" in html  # 34 of four assets x a month of quarter-hours failed: above 99.7%
    assert f"Availability by asset and day: {month}" in html
    assert client_for(supplier).get(url).status_code == 200  # Lumen Grid, the partner
    assert client_for(second_supplier).get(url).status_code == 404
    redirected = citizen.get(url)
    assert redirected.status_code == 302
    assert "/accounts/login/" in redirected["Location"]
    overview = client_for(manager).get(f"/contracts/{contract.pk}/performance/").content.decode()
    assert f'href="{url}"' in overview


def test_the_heat_map_gives_each_asset_the_share_of_each_day_that_was_up(client_for, manager, loaded):
    contract, month, _statement = loaded
    response = client_for(manager).get(f"/contracts/{contract.pk}/performance/dashboard/", {"month": month})
    assert response.status_code == 200
    heat = response.context["data"].heat
    rows = {row.asset: {c.day: c.percent for c in row.cells} for row in heat.rows}
    # the least available first: 16 quarter-hours down, then 12 degraded, then 6 down, then none
    assert [row.asset for row in heat.rows] == ["SL-0002", "SL-0003", "SL-0001", "AQ-0001"]
    assert rows["SL-0001"][4] == Decimal("93.7")  # 90 / 96 = 93.75%, rounded down
    assert rows["SL-0002"][2] == rows["SL-0002"][3] == Decimal("91.6")  # 88 / 96 = 91.66…%
    assert rows["SL-0003"][10] == Decimal("87.5")  # degraded is not up
    assert rows["SL-0001"][5] == rows["SL-0001"][1] == Decimal("100.0")
    assert set(rows["AQ-0001"].values()) == {Decimal("100.0")}
    assert len(rows["SL-0001"]) == len(heat.days)  # every day of the month
    slots = 96 * len(heat.days)
    assert heat.rows[2].month_percent == Decimal(100 * (slots - 6) / slots).quantize(
        Decimal("0.001"), rounding="ROUND_DOWN"
    )
    html = response.content.decode()
    assert '#day-4">93.7</a></td>' in html  # the data table (in percent), each figure a link to the drill-down
    assert "All 4 assets are shown." in html

    regime = services.latest_regime(contract)
    assert regime is not None
    two = dashboard.heat_map(contract, regime, month, rows=2)
    assert [row.asset for row in two.rows] == ["SL-0002", "SL-0003"]
    assert (two.hidden, two.hidden_min_day) == (2, Decimal("93.7"))
    assert two.hidden_min_month == heat.rows[2].month_percent  # SL-0001, the lower of the two not shown


def test_a_class_with_its_own_service_hours_has_its_own_days(tmp_path, manager, metered):  # noqa: F811
    """The sensors serve on weekdays from 08:00 to 18:00 only: 40 quarter-hours a weekday, none at the weekend."""
    streetlights, sensors = REGIME.split("  - key: sensor")
    sensors = sensors.replace("days: [mon, tue, wed, thu, fri, sat, sun]", "days: [mon, tue, wed, thu, fri]")
    sensors = sensors.replace('from: "00:00"\n        to: "24:00"', 'from: "08:00"\n        to: "18:00"')
    services.regime_save(
        actor=manager,
        contract_id=metered.pk,
        expected_number=1,
        rationale="Sensors on weekdays.",
        text=f"{streetlights}  - key: sensor{sensors}",
    )
    month, start = last_month()
    weekday = next(day for day in range(1, 8) if (start + timedelta(days=day - 1)).weekday() == 2)  # a Wednesday
    outages = [("AQ-0001", weekday, 9, 4, "down"), ("SL-0001", weekday, 9, 4, "down")]
    _ingest(manager, metered, _changes(tmp_path, start, outages), _next_month(start))
    regime = services.latest_regime(metered)
    assert regime is not None
    heat = dashboard.heat_map(metered, regime, month)
    rows = {row.asset: {c.day: (c.percent, c.slots) for c in row.cells} for row in heat.rows}
    assert rows["AQ-0001"][weekday] == (Decimal("90.0"), 40)  # 36 of the day's 40 service quarter-hours up
    assert rows["SL-0001"][weekday] == (Decimal("95.8"), 96)  # 92 of 96
    assert rows["AQ-0001"][weekday + 3] == (None, 0)  # the Saturday: no service interval, no figure
    assert rows["AQ-0001"][weekday + 1] == (Decimal("100.0"), 40)


def test_a_month_without_telemetry_and_a_bad_month(client_for, manager, loaded):
    contract, _month, _statement = loaded
    url = f"/contracts/{contract.pk}/performance/dashboard/"
    empty = client_for(manager).get(url, {"month": "2020-01"})
    assert empty.status_code == 200
    assert "No telemetry is stored for 2020-01." in empty.content.decode()
    for bad in ("2026-13", "March", "2026-3"):
        response = client_for(manager).get(url, {"month": bad})
        assert response.status_code == 400
        assert "is not a month: write it as YYYY-MM" in response.content.decode()


def test_a_contract_without_a_regime_or_a_statement_yet(client_for, manager, live):  # noqa: F811
    page = client_for(manager).get(f"/contracts/{live.pk}/performance/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "No statement yet: the key figures come from the month's statement." in html
    assert "No month to show yet" in html


def test_the_days_of_a_daylight_saving_month_have_their_own_number_of_slots():
    autumn = dashboard.slot_days(2025, 10, tz="Europe/Lisbon", interval_minutes=15, windows=ALL_DAY)
    spring = dashboard.slot_days(2025, 3, tz="Europe/Lisbon", interval_minutes=15, windows=ALL_DAY)
    assert (autumn.count(26), autumn.count(25), len(autumn)) == (100, 96, 31 * 96 + 4)
    assert (spring.count(30), spring.count(29), len(spring)) == (92, 96, 31 * 96 - 4)
    assert autumn == sorted(autumn)


def test_the_traffic_light_of_availability():
    target = Decimal("99.0")
    assert dashboard.availability_status(Decimal("99.000"), target) == ("ok", "On target")
    assert dashboard.availability_status(Decimal("98.000"), target) == ("warn", "Just below target")
    assert dashboard.availability_status(Decimal("97.999"), target) == ("bad", "Below target")
    assert dashboard.availability_status(None, target) == ("none", "No figure")


def test_the_deductions_by_month_chart_has_each_months_deduction_in_its_table(
    tmp_path, client_for, manager, supplier, loaded
):
    contract, month, statement = loaded
    _, start = last_month()
    before_start = (start - timedelta(days=1)).replace(day=1)
    before = before_start.strftime("%Y-%m")
    _ingest(manager, contract, _changes(tmp_path, before_start, [("SL-0001", 6, 0, 40, "down")], "b.csv"), start)
    earlier = services.statement_compute(actor=manager, contract_id=contract.pk, month=before)
    services.statement_issue(actor=manager, statement_id=earlier.pk)
    # late telemetry and a correction: the month's latest statement is the one shown
    _ingest(manager, contract, _changes(tmp_path, before_start, [("SL-0002", 8, 0, 20, "down")], "c.csv"), start)
    correction = services.statement_correct(actor=manager, statement_id=earlier.pk, reason="Late telemetry.")
    assert correction.deductions > earlier.deductions > 0
    assert statement.deductions > 0

    response = client_for(supplier).get(f"/contracts/{contract.pk}/performance/dashboard/")
    assert response.status_code == 200
    chart = response.context["data"].chart
    assert [(c.month, c.applied) for c in chart.columns] == [
        (before, correction.deductions),
        (month, statement.deductions),
    ]
    html = response.content.decode()
    table = html[html.index("<caption>Deductions by month") :]
    for shown in (correction, statement):
        row = table[table.index(f'<th scope="row" nowrap>{shown.month}</th>') :]
        row = row[: row.index("</tr>")]
        assert f"<td>{floatformat(shown.deductions, '2g')}</td>" in row
        assert f"#{shown.number}" in row
    assert floatformat(earlier.deductions, "2g") not in table


def test_the_statement_as_pdf_and_spreadsheet(client_for, manager, supplier, second_supplier, loaded):
    contract, month, statement = loaded
    base = f"/contracts/{contract.pk}/performance/statements/{statement.pk}/"
    page = client_for(supplier).get(base).content.decode()
    assert f'href="{base}statement.pdf"' in page
    assert f'href="{base}statement.xlsx"' in page

    pdf = client_for(supplier).get(f"{base}statement.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].endswith(f'{month}-draft.pdf"')

    sheet = client_for(manager).get(f"{base}statement.xlsx")
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.content))
    assert book.sheetnames[:2] == ["Summary", "Assets"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Month"] == month
    assert summary["Status"].startswith("DRAFT")
    assert Decimal(str(summary["Net payment"])) == statement.net
    assets = list(book["Assets"].iter_rows(values_only=True))
    header, lines = assets[0], assets[1:]
    assert {line[0] for line in lines} == {"AQ-0001", "SL-0001", "SL-0002", "SL-0003"}
    assert "tier 2 down" in header
    by_asset = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert by_asset["SL-0002"]["tier 1 down"] == 16
    assert by_asset["SL-0003"]["tier 1 degraded"] == 12
    assert by_asset["SL-0001"]["within rectification"] == 0  # 6 quarter-hours: beyond the hour allowed

    for suffix in ("statement.pdf", "statement.xlsx"):
        assert client_for(second_supplier).get(f"{base}{suffix}").status_code == 404
    services.statement_issue(actor=manager, statement_id=statement.pk)
    issued = client_for(manager).get(f"{base}statement.pdf")
    assert issued["Content-Disposition"].endswith(f'{month}.pdf"')
