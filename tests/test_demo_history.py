"""The demo city's history (issue 5): an open tender under evaluation, a PCP past its first down-selection, a Swiss
challenge open for competing offers, all seeded through the services with the clock moved back, forward in time."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from civicpact.accounts.models import Membership, Organisation, User
from civicpact.appraisal.models import RouteChoice
from civicpact.demo import history
from civicpact.demo.seed import DEMO_PASSWORD, seed_demo_city
from civicpact.demo.tendering import FLOOD_TENDER
from civicpact.ledger.models import AuditEvent, Release
from civicpact.ledger.selectors import audit_chain_verify, release_package_build
from civicpact.ledger.validation import release_package_errors
from civicpact.pipeline.models import Need, Project
from civicpact.tendering import services
from civicpact.tendering.models import (
    Bid,
    BidVersion,
    Clarification,
    EvaluatorAssignment,
    Opening,
    Score,
    StageResult,
    Tender,
    TenderStatus,
)

MODELS = (
    User,
    Organisation,
    Membership,
    Need,
    Project,
    RouteChoice,
    Tender,
    Bid,
    BidVersion,
    Opening,
    Clarification,
    EvaluatorAssignment,
    Score,
    StageResult,
    AuditEvent,
    Release,
)


def _the_whole_story_is_published(contract: Any) -> None:
    """The street lighting was procured in CivicPact: its one contracting process publishes every stage, in order,
    and its record holds the planning, the tender, the award with the business case's indicators, the signed
    contract with its risks and measures, and the implementation (milestones met, payments, availability)."""
    from civicpact.transparency.compiled import record_get

    ocid = contract.project.ocid
    tags = [tag for release in Release.objects.filter(ocid=ocid).order_by("date") for tag in release.tags]
    firsts = [tags.index(tag) for tag in ("planning", "tender", "award", "contract", "implementation")]
    assert firsts == sorted(firsts)
    dates = list(Release.objects.filter(ocid=ocid).order_by("id").values_list("date", flat=True))
    assert dates == sorted(dates)
    assert len(set(dates)) == len(dates)
    record = record_get(ocid=ocid)
    assert record is not None
    compiled = record["compiledRelease"]
    assert compiled["planning"]["budget"]["amount"]["amount"] == 24_000_000
    documents = {d["documentType"] for d in compiled["planning"]["documents"]}
    assert {"valueForMoneyAnalysis", "pppModeRationale"} <= documents
    assert compiled["tender"]["numberOfTenderers"] == 3
    [award] = compiled["awards"]
    assert award["status"] == "active"
    assert award["suppliers"][0]["name"] == "Lumen Grid"
    assert award["evaluationIndicators"]
    [published] = compiled["contracts"]
    assert published["status"] == "active"
    assert len(published["signatories"]) == 2
    assert len(published["riskAllocation"]) == 4
    assert published["agreedMetrics"]
    implementation = published["implementation"]
    assert [m["status"] for m in implementation["milestones"]] == ["met", "met", "met"]
    assert len(implementation["transactions"]) == 2  # the two issued statements' payments
    assert any(m["id"] == "availability" for m in implementation["metrics"])


@pytest.fixture
def demo(db: None) -> dict[str, int]:
    """The whole demo city, as `civicpact demo` seeds it (with its history)."""
    return seed_demo_city(performance=False)


def test_the_street_lighting_contract_has_three_months_of_statements_one_capped_and_a_dispute(db):
    from civicpact.demo.performance import CONTRACT_TITLE
    from civicpact.performance.models import IngestBatch, Statement

    seed_demo_city()
    statements = list(Statement.objects.filter(contract__versions__title=CONTRACT_TITLE).order_by("month"))
    assert [s.status for s in statements] == ["issued", "issued", "draft"]
    assert [s.figures["capped"] for s in statements] == [False, True, False]
    assert statements[1].deductions == statements[1].monthly_charge * Decimal("0.20")
    ratchet = next(a for a in statements[0].figures["assets"] if a["asset"] == "SL-00007")
    assert [t["multiplier"] for t in ratchet["tiers"] if t["down"]] == ["1.0", "1.5", "2.0"]
    assert statements[0].disputes.get().line == "SL-00007"
    assert IngestBatch.objects.get().rows_rejected == 0
    _the_whole_story_is_published(statements[0].contract)
    before = Statement.objects.count()
    seed_demo_city()
    assert Statement.objects.count() == before


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def seat(tender: Tender, username: str) -> EvaluatorAssignment:
    return EvaluatorAssignment.objects.get(tender=tender, evaluator__username=username)


def test_the_open_tender_is_under_evaluation_with_three_bids_and_a_partly_scored_committee(demo):
    tender = Tender.objects.get(title=history.OPEN_TITLE)
    now = timezone.now()
    assert (tender.procedure, tender.stage, tender.status) == ("open", "single", TenderStatus.OPENED)
    assert tender.publication_date < tender.submission_deadline < now < tender.evaluation_end
    bids = {bid.supplier.name for bid in Bid.objects.filter(tender=tender, status="submitted")}
    assert bids == {"Lumen Grid", "BrightPole Infrastructure", "Harbour Networks"}
    assert len(tender.opening.bids) == 3
    first, second = seat(tender, "evaluator"), seat(tender, "evaluator2")
    assert first.declared_at is not None
    assert second.declared_at is not None
    assert not first.recused
    assert not second.recused
    assert first.submitted_at is not None
    assert Score.objects.filter(assignment=first).count() == 9  # 3 bids x 3 scored criteria
    assert second.submitted_at is None
    assert 0 < Score.objects.filter(assignment=second).count() < 9


def test_the_pcp_kept_two_paid_suppliers_and_invites_only_them_to_its_published_prototype_phase(demo, supplier):
    design = Tender.objects.get(title=history.PCP_TITLE, previous_stage__isnull=True)
    assert (design.procedure, design.stage, design.status) == ("pre_commercial", "solution_design", "completed")
    assert Bid.objects.filter(tender=design).count() == 3
    result = design.stage_result
    assert [entry["name"] for entry in result.kept] == ["CivicSense Analytics", "BrightPole Infrastructure"]
    assert [entry["payment"] for entry in result.kept] == ["40000.00", "40000.00"]
    assert [entry["name"] for entry in result.not_kept] == ["Lumen Grid"]

    prototype = design.next_stages.get()
    now = timezone.now()
    assert (prototype.stage, prototype.status, prototype.keep) == ("prototype", TenderStatus.PUBLISHED, 1)
    assert prototype.publication_date < now < prototype.clarification_deadline < prototype.submission_deadline
    kept = set(Organisation.objects.filter(name__in=["CivicSense Analytics", "BrightPole Infrastructure"]))
    assert services.invited_supplier_ids(prototype) == {org.pk for org in kept}
    with pytest.raises(PermissionDenied, match="Lumen Grid was not kept"):
        services.bid_submit(actor=supplier, tender_id=prototype.pk, payload={"answers": {}})
    version = services.bid_submit(
        actor=User.objects.get(username="civicsense"),
        tender_id=prototype.pk,
        payload={"answers": dict.fromkeys(history.PCP_BIDS["civicsense"], "Our prototype plan.")},
    )
    assert version.number == 1


def test_the_swiss_challenge_is_open_for_competing_offers_with_its_proponent_and_rule(demo):
    tender = Tender.objects.get(title=history.SWISS_TITLE)
    now = timezone.now()
    assert (tender.procedure, tender.stage, tender.status) == ("swiss_challenge", "competing_offers", "published")
    assert tender.proponent.name == "Harbour Networks"
    assert (tender.swiss_rule, tender.match_days) == ("match", 10)
    assert "Harbour Networks lays 85 km of fibre" in tender.proposal_summary
    assert tender.publication_date < now < tender.submission_deadline
    assert {bid.supplier.name for bid in tender.bids.all()} == {"Harbour Networks", "BrightPole Infrastructure"}
    assert not Opening.objects.filter(tender=tender).exists()


def test_the_present_day_demo_is_unchanged(demo):
    flood = Tender.objects.get(title=FLOOD_TENDER)
    assert flood.status == TenderStatus.PUBLISHED
    assert [bid.supplier.name for bid in flood.bids.all()] == ["Lumen Grid"]
    assert flood.clarifications.exclude(answer="").count() == 1
    assert timezone.now() - flood.publication_date < timedelta(minutes=5)
    assert Project.objects.get(title="Smart street lighting and sensor network").stage == "structuring"
    assert Project.objects.get(title="Harbour parking guidance").stage == "idea"
    assert Need.objects.get(title="Public Wi-Fi and fibre backhaul for the harbour").status == "open"
    for username in ("evaluator2", "civicsense", "harbour", "brightpole"):
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)


def test_seeding_again_changes_nothing(demo):
    before = counts()
    seed_demo_city(performance=False)
    assert counts() == before


def test_the_audit_chain_verifies_and_its_times_never_go_backwards(demo):
    verdict = audit_chain_verify()
    assert verdict.ok, verdict.reason
    assert verdict.events_checked == AuditEvent.objects.count()
    times = list(AuditEvent.objects.order_by("seq").values_list("time", flat=True))
    assert all(earlier <= later for earlier, later in itertools.pairwise(times))
    assert timezone.now() - times[0] > timedelta(days=140)  # the history starts months ago
    assert times[-1] <= timezone.now()


def test_every_release_package_is_valid_and_no_sealed_bid_is_published(demo):
    for ocid in set(Release.objects.values_list("ocid", flat=True)):
        releases = list(Release.objects.filter(ocid=ocid).order_by("date"))
        package = release_package_build(releases=releases, uri=f"https://example.org/{ocid}.json")
        assert release_package_errors(package) == [], ocid
    sealed = Bid.objects.filter(tender__status=TenderStatus.PUBLISHED)
    assert {bid.tender.title for bid in sealed} == {FLOOD_TENDER, history.SWISS_TITLE}
    secrets: list[str] = []
    for bid in sealed:
        contents: dict[str, Any] = services.decrypt_current(bid)
        secrets.append(contents["price"])
        secrets.extend(contents["answers"].values())
    published = [json.dumps(release.body) for release in Release.objects.all()]
    published += [json.dumps(event.payload) for event in AuditEvent.objects.filter(public=True)]
    leaks = [secret for secret in secrets for text in published if secret in text]
    assert leaks == []


def test_a_database_with_later_events_gets_no_history_written_before_them(db):
    seed_demo_city(history=False)
    last = AuditEvent.objects.order_by("-seq").first()
    seed_demo_city()  # the history would come before the events just written: it is left out
    assert not Tender.objects.filter(title__in=[history.PCP_TITLE, history.OPEN_TITLE, history.SWISS_TITLE]).exists()
    new = AuditEvent.objects.filter(seq__gt=last.seq).order_by("seq")
    assert all(event.time >= last.time for event in new)
    assert audit_chain_verify().ok
