"""The standstill: complaints suspend signature; an upheld one sets the award aside and re-opens evaluation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from civicpact.ledger.models import Release
from civicpact.ledger.selectors import release_package_build
from civicpact.ledger.validation import release_package_errors
from civicpact.tendering import evaluation
from civicpact.tendering.exceptions import TenderingError
from civicpact.transparency.compiled import record_get
from tests.tendering.test_evaluation_flow import bids, score_all


def compiled(ocid: str) -> dict[str, Any]:
    """The process's compiled release, as the portal and the API serve it."""
    found = record_get(ocid=ocid)
    assert found is not None
    result: dict[str, Any] = found["compiledRelease"]
    return result


@pytest.fixture
def awarded(opened, committee, officer):
    score_all(committee, opened)
    for bid in bids(opened).values():
        evaluation.eligibility_set(actor=officer, tender_id=opened.pk, bid_id=bid.pk, eligible=True, note="")
    evaluation.award_decide(actor=officer, tender_id=opened.pk, reasons="Best quality for the price.")
    opened.refresh_from_db()
    return opened


def lodge(user, tender, **change):
    fields = {"grounds": "Our delivery plan was misread.", "evidence": "Section 4.2.", "remedy": "Re-score it."}
    fields.update(change)
    return evaluation.complaint_lodge(actor=user, tender_id=tender.pk, **fields)


def test_a_pending_complaint_suspends_signature_and_a_dismissal_lifts_it(awarded, second_supplier, officer):
    complaint = lodge(second_supplier, awarded)
    after = awarded.current_award.standstill_end + timedelta(minutes=1)
    assert "1 complaint(s) are pending" in evaluation.signature_blockers(awarded, now=after)
    evaluation.complaint_decide(actor=officer, complaint_id=complaint.pk, upheld=False, decision="Scored as written.")
    assert evaluation.signature_blockers(awarded, now=after) == []
    assert "standstill runs until" in evaluation.signature_blockers(awarded)[0]


def test_an_upheld_complaint_sets_the_award_aside_and_reopens_the_evaluation(awarded, second_supplier, officer):
    old = awarded.current_award
    complaint = lodge(second_supplier, awarded)
    evaluation.complaint_decide(actor=officer, complaint_id=complaint.pk, upheld=True, decision="Misread; re-score.")
    awarded.refresh_from_db()
    assert awarded.status == "opened"
    assert awarded.current_award is None
    release = Release.objects.filter(ocid=awarded.project.ocid, body__tag=["awardUpdate"]).get()
    assert release.body["awards"][0] == {
        "id": f"award-{old.pk}",
        "status": "cancelled",
        "description": "Set aside by an upheld complaint: Misread; re-score.",
    }
    package = release_package_build(releases=[release], uri="https://example.org/p.json")
    assert release_package_errors(package) == []
    state = compiled(awarded.project.ocid)
    assert (state["tender"]["status"], state["awards"][0]["status"]) == ("active", "cancelled")
    again = evaluation.award_decide(actor=officer, tender_id=awarded.pk, reasons="Re-decided.")
    assert again.pk != old.pk
    state = compiled(awarded.project.ocid)
    assert {a["id"]: a["status"] for a in state["awards"]} == {
        f"award-{old.pk}": "cancelled",
        f"award-{again.pk}": "pending",
    }
    assert state["tender"]["status"] == "complete"


def test_complaints_come_from_bidders_during_the_standstill_only(awarded, supplier, other_supplier, officer):
    with pytest.raises(PermissionDenied):
        lodge(other_supplier, awarded)
    with pytest.raises(ValidationError) as caught:
        lodge(supplier, awarded, grounds=" ", remedy="")
    assert set(caught.value.message_dict) == {"grounds", "remedy"}
    with (
        time_machine.travel(awarded.current_award.standstill_end + timedelta(seconds=1)),
        pytest.raises(TenderingError, match="standstill is over"),
    ):
        lodge(supplier, awarded)


def test_only_the_ppp_unit_decides_complaints_and_only_once(awarded, second_supplier, officer):
    complaint = lodge(second_supplier, awarded)
    with pytest.raises(PermissionDenied):
        evaluation.complaint_decide(actor=second_supplier, complaint_id=complaint.pk, upheld=True, decision="Mine")
    evaluation.complaint_decide(actor=officer, complaint_id=complaint.pk, upheld=False, decision="No.")
    with pytest.raises(TenderingError, match="already decided"):
        evaluation.complaint_decide(actor=officer, complaint_id=complaint.pk, upheld=True, decision="Yes after all")


def test_a_bidder_complains_in_the_browser_form_and_the_officer_decides(client_for, awarded, second_supplier, officer):
    page = client_for(second_supplier).get(f"/tenders/{awarded.pk}/").content.decode()
    assert "Lodge a complaint" in page
    response = client_for(second_supplier).post(
        f"/tenders/{awarded.pk}/complaints/",
        {"grounds": "Misread.", "evidence": "", "remedy": "Re-score."},
        follow=True,
    )
    assert "Your complaint is lodged" in response.content.decode()
    complaint = awarded.complaints.get()
    officer_page = client_for(officer).get(f"/tenders/{awarded.pk}/").content.decode()
    assert "Misread." in officer_page
    decided = client_for(officer).post(
        f"/tenders/{awarded.pk}/complaints/{complaint.pk}/decide/",
        {"upheld": "no", "decision": "The plan was scored as written."},
        follow=True,
    )
    assert "The complaint is dismissed" in decided.content.decode()
    api = client_for(second_supplier).post(
        f"/api/v1/tendering/tenders/{awarded.pk}/complaints",
        {"grounds": "", "remedy": ""},
        content_type="application/json",
    )
    assert api.status_code == 422


def test_the_evaluation_report_and_score_matrix_are_for_the_ppp_unit_and_auditors_after_award(
    client_for, awarded, officer, auditor, supplier, evaluator
):
    import io

    from openpyxl import load_workbook

    pdf = client_for(officer).get(f"/tenders/{awarded.pk}/evaluation-report.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    xlsx = client_for(auditor).get(f"/tenders/{awarded.pk}/score-matrix.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Scores", "Consensus", "Ranking"]
    rows = list(book["Scores"].iter_rows(values_only=True))
    assert rows[0] == ("bidder", "criterion", "evaluator", "score", "justification")
    assert len(rows) == 1 + 2 * 2 * 3  # bids x criteria x evaluators
    for persona in (supplier, evaluator):
        assert client_for(persona).get(f"/tenders/{awarded.pk}/evaluation-report.pdf").status_code == 403
        assert client_for(persona).get(f"/tenders/{awarded.pk}/score-matrix.xlsx").status_code == 403


def test_auditors_do_not_read_the_report_before_the_award(client_for, opened, auditor):
    assert client_for(auditor).get(f"/tenders/{opened.pk}/evaluation-report.pdf").status_code == 403
