"""Reads of the tendering app, each applying who may see what. Nothing here decrypts a bid before its opening."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicpact.accounts import permissions
from civicpact.tendering import services
from civicpact.tendering.models import OPENED_ONWARDS, Bid, BidStatus, BidVersion, Clarification, Tender, TenderStatus


def tender_key_usage() -> dict[str, int]:
    """How many tenders each master key (by fingerprint) wraps: for key management, never shown to users."""
    rows = Tender.objects.exclude(master_key_id="").values("master_key_id").annotate(tenders=Count("pk"))
    return {row["master_key_id"]: row["tenders"] for row in rows.order_by("master_key_id")}


def tender_list(*, actor: Any) -> QuerySet[Tender]:
    """City staff see drafts too; suppliers and the public see published tenders only."""
    tenders = Tender.objects.select_related("project")
    return tenders if permissions.can_view_tender_drafts(actor) else tenders.published()


OPEN_FOR_BIDS = "open"  # a status filter: published and before the submission deadline


def tender_search(
    *, actor: Any, text: str = "", procedure: str = "", status: str = "", now: Any = None
) -> QuerySet[Tender]:
    """The tenders the actor may see, filtered: words in the title, description or requirements, the procedure,
    the status (or `open`: still taking bids), the soonest deadline first for open ones."""
    tenders = tender_list(actor=actor)
    for word in text.split():
        tenders = tenders.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(requirements__icontains=word)
        )
    if procedure:
        tenders = tenders.filter(procedure=procedure)
    if status == OPEN_FOR_BIDS:
        tenders = tenders.filter(status=TenderStatus.PUBLISHED, submission_deadline__gt=now or timezone.now())
        return tenders.order_by("submission_deadline", "pk")
    if status:
        tenders = tenders.filter(status=status)
    return tenders


def tender_get(*, actor: Any, pk: int) -> Tender:
    """Raises Tender.DoesNotExist for a draft the actor may not see (its existence does not leak)."""
    return tender_list(actor=actor).select_related("project__lead_department").get(pk=pk)


def bid_count(*, actor: Any, tender: Tender) -> int | None:
    """Before the opening only the PPP unit sees how many bids there are; nobody sees whose."""
    if not permissions.can_manage_tenders(actor):
        return None
    return Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).count()


def own_bid(*, actor: Any, tender: Tender) -> Bid | None:
    """The supplier's own bid on the tender (status and receipts, never other suppliers')."""
    organisations = permissions.supplier_organisations(actor)
    if not organisations:
        return None
    return Bid.objects.filter(tender=tender, supplier__in=organisations).prefetch_related("versions").first()


def receipts(*, bid: Bid) -> list[BidVersion]:
    return list(bid.versions.order_by("-number").defer("sealed"))


@dataclass(frozen=True)
class OpenedBid:
    bid: Bid
    contents: dict[str, Any]
    receipt: str


def opened_bids(*, actor: Any, tender: Tender) -> list[OpenedBid]:
    """The current versions of the bids, decrypted: only after the recorded opening (services.bid_contents
    refuses before it)."""
    if tender.status not in OPENED_ONWARDS:
        return []
    rows = []
    for bid in Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).select_related("supplier", "tender"):
        version = bid.versions.get(number=bid.current_number)
        rows.append(OpenedBid(bid, services.bid_contents(actor=actor, bid=bid), version.receipt))
    return rows


def clarifications(*, actor: Any, tender: Tender) -> QuerySet[Clarification]:
    """Answered questions for everyone who sees the tender (askers never shown); the PPP unit also sees the
    unanswered ones; a supplier also its own unanswered questions."""
    items = Clarification.objects.filter(tender=tender)
    if permissions.can_manage_tenders(actor):
        return items
    if getattr(actor, "is_authenticated", False):
        return items.filter(~Q(answer="") | Q(asked_by=actor))
    return items.exclude(answer="")
