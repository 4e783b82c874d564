"""The drill-down behind a statement line: the asset's outage events (local times, rectification, ratchet tier,
unavailable-but-used and missing intervals) add up exactly to the line's counts and deduction; the statement's
asset table sorts and filters; the heat map links to it; the API gives the same; and only the statement's readers
see it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from civicpact.accounts import services as accounts
from civicpact.performance import services
from civicpact.performance.drilldown import asset_month
from civicpact.performance.ingest import open_source
from civicpact.performance.models import Statement
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import last_month, metered  # noqa: F401

# SL-0001's month (15-minute intervals, R = 4 intervals, ratchet x1.0 then x1.5, ubu 0.5, missing data available):
# day 2: 3 down (fixed within rectification); day 5: 6 down (tier 1); day 9: 8 degraded (tier 2, ubu);
# day 12: 5 down then 2 degraded, one event of 7 (tier 2 again: the last tier holds every later event)
OUTAGES = [(2, 10, 3, "down"), (5, 4, 6, "down"), (9, 20, 8, "degraded"), (12, 6, 5, "down"), (12, 7, 2, "degraded")]


def month_csv(path, start):
    lines = ["asset,timestamp,status"]
    for day, hour, quarters, status in OUTAGES:
        for q in range(quarters):
            moment = start + timedelta(days=day - 1, hours=hour, minutes=15 * q)
            if (day, hour) == (12, 7):
                moment += timedelta(minutes=15)  # right after the 5 down intervals of 06:00-07:15
            lines.append(f"SL-0001,{moment.isoformat()},{status}")
    lines.append(f"SL-0002,{(start + timedelta(days=3)).isoformat()},up")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def stated(tmp_path, manager, supplier, metered):  # noqa: F811
    month, start = last_month()
    batch = services.batch_create(actor=supplier, contract_id=metered.pk, source="upload", filename="t.csv")
    batch = services.batch_run(batch.pk, open_source(month_csv(tmp_path / "t.csv", start)))
    assert batch.status == "done", batch.error
    return services.statement_compute(actor=manager, contract_id=metered.pk, month=month)


def line_of(statement: Statement, asset: str) -> dict[str, Any]:
    return next(a for a in statement.figures["assets"] if a["asset"] == asset)


def test_the_events_add_up_exactly_to_the_statement_line(stated):
    drilled = asset_month(
        contract=stated.contract, asset_id="SL-0001", month=stated.month, regime=stated.regime, statement=stated
    )
    events = [(e.event.slot_count, e.event.down, e.event.degraded, e.event.tier) for e in drilled.events]
    assert events == [(3, 3, 0, None), (6, 6, 0, 0), (8, 0, 8, 1), (7, 5, 2, 1)]
    line = line_of(stated, "SL-0001")
    assert (line["events"], line["rectified_events"]) == (len(drilled.events), drilled.rectified)
    for tier in line["tiers"]:
        mine = [e.event for e in drilled.events if e.event.tier == tier["tier"]]
        assert (tier["down"], tier["degraded"], tier["missing"]) == (
            sum(e.down for e in mine),
            sum(e.degraded for e in mine),
            sum(e.missing for e in mine),
        )
    assert drilled.line == line
    assert drilled.matches
    # the deduction, by hand: share x (1.0 x 6 + 1.5 x (5 + 0.5 x 10)) / S
    share = Decimal(100_000) * Decimal(80) / 100 / 3
    expected = (share * (6 + Decimal("1.5") * (5 + Decimal("0.5") * 10)) / line["service_slots"]).quantize(
        Decimal("0.01")
    )
    assert Decimal(line["deduction"]) == expected
    first = drilled.events[0]
    assert (first.start.day, first.start.hour, first.start.minute, first.end.hour, first.end.minute) == (
        2,
        10,
        0,
        10,
        45,
    )


def test_the_page_lists_the_events_with_local_times_tiers_and_the_day_strip(client_for, manager, stated):
    url = f"/contracts/{stated.contract_id}/performance/statements/{stated.pk}/assets/SL-0001/"
    response = client_for(manager).get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "These events add up exactly to the statement" in page
    assert "Yes: no deduction" in page
    assert "tier 2 (\u00d71.5)" in page
    assert 'id="day-9"' in page
    assert "<svg" in page
    assert ' style="' not in page
    assert "<script>" not in page
    assert client_for(manager).get(url.replace("SL-0001", "SL-9999")).status_code == 404


def test_late_telemetry_after_the_statement_is_flagged_not_hidden(tmp_path, client_for, manager, supplier, stated):
    _month, start = last_month()
    path = tmp_path / "late.csv"
    path.write_text(f"asset,timestamp,status\nSL-0001,{(start + timedelta(days=20)).isoformat()},down\n")
    services.batch_run(
        services.batch_create(actor=supplier, contract_id=stated.contract_id, source="upload").pk, open_source(path)
    )
    url = f"/contracts/{stated.contract_id}/performance/statements/{stated.pk}/assets/SL-0001/"
    assert "is not what the statement was computed from" in client_for(manager).get(url).content.decode()


def test_the_api_gives_the_same_events_and_counts(client_for, supplier, stated):
    url = f"/api/v1/performance/contracts/{stated.contract_id}/statements/{stated.pk}/assets/SL-0001"
    body = client_for(supplier).get(url).json()
    line = line_of(stated, "SL-0001")
    assert body["matches_statement"] is True
    assert body["statement_line"] == line
    assert [e["slots"] for e in body["events"]] == [3, 6, 8, 7]
    assert [t["degraded"] for t in body["tiers"]] == [t["degraded"] for t in line["tiers"]]
    assert body["events"][0]["start"].endswith(("+00:00", "Z"))
    assert (body["rectified_events"], body["deductible_events"]) == (1, 3)


def test_the_statement_table_sorts_by_deduction_and_filters(client_for, manager, stated):
    url = f"/contracts/{stated.contract_id}/performance/statements/{stated.pk}/"
    page = client_for(manager).get(url, {"sort": "deduction"}).content.decode()
    assert 'href="?sort=deduction#asset-lines"' in page
    table = page.split('id="asset-lines"')[1]
    assert table.index("SL-0001") < table.index("SL-0002")
    filtered = (
        client_for(manager).get(url, {"q": "aq-", "sort": "asset"}).content.decode().split('id="asset-lines"')[1]
    )
    assert "AQ-0001" in filtered
    assert "SL-0001</a>" not in filtered


def test_the_heat_map_cells_open_the_drill_down_at_their_day(client_for, manager, stated):
    page = client_for(manager).get(f"/contracts/{stated.contract_id}/performance/dashboard/").content.decode()
    link = f"/contracts/{stated.contract_id}/performance/months/{stated.month}/assets/SL-0001/"
    assert f'href="{link}#day-9"' in page
    redirect = client_for(manager).get(link)
    assert redirect.status_code == 302
    assert redirect["Location"].endswith(f"/statements/{stated.pk}/assets/SL-0001/")


def test_a_month_without_a_statement_drills_down_under_the_latest_regime(client_for, manager, metered):  # noqa: F811
    month, _start = last_month()
    response = client_for(manager).get(f"/contracts/{metered.pk}/performance/months/{month}/assets/SL-0002/")
    assert response.status_code == 200
    assert "No statement of" in response.content.decode()
    assert (
        client_for(manager).get(f"/contracts/{metered.pk}/performance/months/2026-13/assets/SL-0002/").status_code
        == 404
    )


@pytest.mark.parametrize("who", ["manager", "auditor", "evaluator", "supplier"])
def test_city_staff_and_the_partner_see_the_drill_down(request, client_for, who, stated):
    user = request.getfixturevalue(who)
    base = f"/contracts/{stated.contract_id}/performance/statements/{stated.pk}/assets/SL-0001"
    assert client_for(user).get(base + "/").status_code == 200
    api = f"/api/v1/performance/contracts/{stated.contract_id}/statements/{stated.pk}/assets/SL-0001"
    assert client_for(user).get(api).status_code == 200


def test_other_suppliers_and_the_public_get_nothing(client_for, second_supplier, other_supplier, citizen, stated):
    page = f"/contracts/{stated.contract_id}/performance/statements/{stated.pk}/assets/SL-0001/"
    api = f"/api/v1/performance/contracts/{stated.contract_id}/statements/{stated.pk}/assets/SL-0001"
    month = f"/contracts/{stated.contract_id}/performance/months/{stated.month}/assets/SL-0001/"
    member = accounts.user_create(
        actor=None, username="resident", password="a-long-enough-password-2026", validate=False
    )
    for user in (second_supplier, other_supplier, member):
        assert client_for(user).get(page).status_code == 404
        assert client_for(user).get(api).status_code == 404
        assert client_for(user).get(month).status_code == 404
    assert citizen.get(page).status_code == 302  # to the sign-in page
    assert citizen.get(api).status_code == 401


def test_a_statement_of_another_contract_is_not_found_through_this_one(client_for, manager, stated):
    url = f"/contracts/{stated.contract_id}/performance/statements/{stated.pk + 1000}/assets/SL-0001/"
    assert client_for(manager).get(url).status_code == 404


def test_every_line_with_an_event_in_the_demos_generated_month_drills_down_to_it(city):
    """The demo's generated month (2,000 lights, 122 with outages): each line with an event, and a sample of the
    others, is exactly the line recomputed from its drill-down's events."""
    from civicpact.contracts.models import Contract
    from civicpact.demo.performance import CONTRACT_TITLE, seed_streetlight_contract

    seed_streetlight_contract()
    contract = Contract.objects.get(versions__title=CONTRACT_TITLE)
    first = Statement.objects.filter(contract=contract).order_by("month").first()
    assert first is not None
    lines = first.figures["assets"]
    chosen = [a for a in lines if a["events"]] + lines[::250]
    assert len(chosen) > 100
    for line in chosen:
        drilled = asset_month(
            contract=contract, asset_id=line["asset"], month=first.month, regime=first.regime, statement=first
        )
        assert drilled.line == line, line["asset"]
        assert len(drilled.events) == line["events"]
        assert sum(t["down"] + t["degraded"] + t["missing"] for t in drilled.tiers) == sum(
            t["down"] + t["degraded"] + t["missing"] for t in line["tiers"]
        )


@pytest.mark.parametrize(("month", "day", "intervals"), [(3, 29, 92), (10, 25, 100), (10, 24, 96)])
def test_the_strip_gives_a_daylight_saving_day_its_own_number_of_intervals(month, day, intervals):
    from civicpact.domain.performance.calendar import MonthCalendar
    from civicpact.performance.drilldown import strip

    month_calendar = MonthCalendar.build(2026, month, tz="Europe/Lisbon", interval_minutes=15)
    states = dict.fromkeys(range(month_calendar.slots), 0)
    drawn = strip(month_calendar, states, ())
    row = next(d for d in drawn.days if d.day == day)
    assert (row.service, row.up) == (intervals, intervals)
    assert sum(d.service for d in drawn.days) == month_calendar.slots
    assert max(r.x + r.width for r in drawn.runs) >= drawn.label_width + intervals * drawn.cell_width
