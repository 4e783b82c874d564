"""The portal's read side on hand-made releases: words, months, payments and the chart (no database)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from civicpact.transparency import portal


def _month(month: str, actual: float, target: float = 99.0) -> list[dict[str, Any]]:
    period = {"startDate": f"{month}-01T00:00:00.000Z", "endDate": f"{month}-28T23:59:59.999Z"}
    return [
        {"id": f"availability-{month}", "period": period, "measure": actual},
        {"id": f"availability-{month}-target", "period": period, "measure": target},
    ]


CONTRACT: dict[str, Any] = {
    "id": "contract-1",
    "title": "Lights",
    "value": {"amount": 1200.5, "currency": "EUR"},
    "period": {"startDate": "2024-04-01T00:00:00.000Z", "endDate": "2034-03-31T00:00:00.000Z"},
    "riskAllocation": [
        {"id": "risk-1", "category": "changeInLaw", "description": "Law", "allocation": "publicAuthority"},
        {
            "id": "risk-2",
            "category": "other",
            "description": "Lock-in",
            "allocation": "undefined",
            "notes": "open data",
        },
    ],
    "implementation": {
        "transactions": [
            {
                "id": "statement-2",
                "date": "2026-11-02T10:00:00.000Z",
                "value": {"amount": 160000.0, "currency": "EUR"},
            },
            {
                "id": "statement-1",
                "date": "2026-10-02T10:00:00.000Z",
                "value": {"amount": 201895.02, "currency": "EUR"},
            },
        ],
        "documents": [
            {"id": "statement-1", "title": "Payment statement 2026-09 #1", "description": "Relevé: 9,99 EUR retenus"},
            {"id": "statement-2", "title": "Payment statement 2026-10 #1", "description": "deductions 1.00 EUR"},
        ],
        "metrics": [{"id": "availability", "observations": _month("2026-09", 99.935) + _month("2026-10", 75.701)}],
        "performanceFailures": [
            {"id": "f", "period": {"startDate": "2026-10-01T00:00:00.000Z"}, "category": "Availability", "events": 7}
        ],
    },
}


# What the payment statements' figures say (portal.statement_deductions reads them from the database): the
# documents' wording above is never parsed for it.
DEDUCTIONS = {"statement-1": Decimal("104.98"), "statement-2": Decimal("40000.00")}


def test_months_pair_availability_with_its_target_deductions_payment_and_failures() -> None:
    months = portal.performance_months(CONTRACT, DEDUCTIONS)
    assert [m.month for m in months] == ["2026-09", "2026-10"]
    september, october = months
    assert september.availability == Decimal("99.935")
    assert september.met is True
    assert september.deductions == Decimal("104.98")
    assert october.met is False
    assert october.deductions == Decimal("40000.00")
    assert october.paid == Decimal("160000.0")
    assert october.failure_events == 7


def test_payments_are_in_month_order_with_their_statement() -> None:
    payments = portal.payments(CONTRACT, DEDUCTIONS)
    assert [p.month for p in payments] == ["2026-09", "2026-10"]
    assert payments[0].value == "€201,895.02"
    assert payments[0].document == "Payment statement 2026-09 #1"
    assert [p.deductions for p in payments] == [Decimal("104.98"), Decimal("40000.00")]


def test_a_payment_without_its_statements_figures_shows_no_deductions() -> None:
    assert [p.deductions for p in portal.payments(CONTRACT, {})] == [None, None]


def test_the_availability_chart_labels_its_months_and_its_top() -> None:
    chart = portal.availability_chart(portal.performance_months(CONTRACT, DEDUCTIONS))
    assert chart is not None
    assert [text for _, text in chart.x_labels] == ["2026-09", "2026-10"]
    assert [text for _, text in chart.y_labels] == ["0%", "25%", "50%", "75%", "99.9%"]
    assert chart.line is not None


def test_no_published_performance_draws_no_chart() -> None:
    assert portal.availability_chart([]) is None
    assert portal.deductions_chart([]) is None


def test_risks_are_told_in_words_and_data_terms_are_picked_out() -> None:
    risks = portal.risks(CONTRACT)
    assert risks[0].category == "Change in law"
    assert risks[0].allocation == "The city (public authority)"
    assert [r.description for r in portal.data_ip_terms(CONTRACT)] == ["Lock-in"]


def test_a_release_is_told_in_words() -> None:
    words = portal.release_words(
        {"tag": ["contract"], "contracts": [{**CONTRACT, "dateSigned": "2024-03-15T11:00:00Z"}]}
    )
    assert "Contract “Lights” for €1,200.50, signed 15 Mar 2024." in words
    assert "Risk allocation: 2 risks." in words
    assert "7 performance failures reported." in words
    assert "Availability 75.701% in 2026-10." in words


def test_milestones_are_told_as_how_much_of_the_schedule_is_met_and_the_latest_met() -> None:
    schedule = [
        {"id": "m1", "title": "Handed over", "status": "met", "dateMet": "2026-07-09T00:00:00Z"},
        {"id": "m2", "title": "System live", "status": "met", "dateMet": "2026-07-30T00:00:00Z"},
        {"id": "m3", "title": "Service commencement", "status": "scheduled"},
    ]
    words = portal.release_words(
        {"tag": ["implementation"], "contracts": [{"id": "c", "implementation": {"milestones": schedule}}]}
    )
    assert words == ["Milestones: 2 of 3 met. Latest: System live, met 30 Jul 2026."]
    none_met = [{**m, "status": "scheduled"} for m in schedule]
    words = portal.release_words(
        {"tag": ["implementation"], "contracts": [{"id": "c", "implementation": {"milestones": none_met}}]}
    )
    assert words == ["Milestones: 0 of 3 met."]


def test_an_award_whose_status_alone_changes_is_told_so() -> None:
    assert portal.release_words({"tag": ["awardUpdate"], "awards": [{"id": "award-1", "status": "active"}]}) == [
        "The award is now active."
    ]


def test_a_duration_is_given_in_years_and_months() -> None:
    assert portal.duration(CONTRACT["period"]) == "10 years"
    assert portal.duration({"startDate": "2024-01-01T00:00:00Z", "endDate": "2025-06-30T00:00:00Z"}) == (
        "1 year and 6 months"
    )
    assert portal.duration({"startDate": "2026-06-25T00:00:00Z", "endDate": "2036-06-24T00:00:00Z"}) == "10 years"
    assert portal.duration({"startDate": "2026-06-25T00:00:00Z", "endDate": "2026-07-10T00:00:00Z"}) == (
        "under a month"
    )
    assert portal.duration(None) == "—"


def test_every_word_must_match() -> None:
    assert portal.matches("harbour district street lighting", "Street  HARBOUR")
    assert not portal.matches("harbour district street lighting", "street parking")


def test_each_tender_of_a_process_keeps_its_latest_state() -> None:
    releases = (
        {"tender": {"id": "tender-1", "title": "Phase 1", "status": "active"}},
        {"tender": {"id": "tender-1", "status": "complete"}},
        {"tender": {"id": "tender-3", "title": "Phase 2", "status": "active"}},
    )
    process = portal.Process("ocds-x-1", releases, {"date": "2026-01-01T00:00:00Z"})
    assert [(t["id"], t["title"], t["status"]) for t in process.tenders] == [
        ("tender-1", "Phase 1", "complete"),
        ("tender-3", "Phase 2", "active"),
    ]
    assert process.stage == "Tender"
    assert process.title == "ocds-x-1"  # nothing else was published to name it
