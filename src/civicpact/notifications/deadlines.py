"""The deadlines that concern people, and who each concerns: the reminder job and the calendar feeds read them here.

- the clarification and submission deadlines of a published tender: the users of each supplier that registered
  interest, submitted a bid (not withdrawn) or asked a question; and the PPP unit;
- the end of evaluation of a published or opened tender: the evaluators on its committee who are not recused and
  have not submitted their scores;
- the end of the standstill of an awarded tender: the PPP unit, and the users of each bidder;
- the last day of an open contract dispute's current rung: the contract managers, and the users of the partner.

This module reads the lifecycle apps (it is not part of this app's core, which they may import).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpact.accounts.models import Membership, Role
from civicpact.contracts.models import ContractParty, Dispute
from civicpact.domain.contracts import PartyRole
from civicpact.domain.governance import DisputeStatus
from civicpact.notifications.models import Kind, TenderInterest
from civicpact.tendering.models import Bid, BidStatus, Clarification, EvaluatorAssignment, Tender, TenderStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Deadline:
    """One deadline: `uid` names it for good (calendar UIDs, reminder keys); `at` is its moment; an all-day
    deadline (a last day) has `day` and its moment is the end of that day. `what` and `subject` are words for
    people, lazy: they are written in the language active when they are read (each reminder's reader's)."""

    kind: Kind
    uid: str
    what: StrOrPromise
    subject: StrOrPromise
    at: datetime
    url: str
    recipients: frozenset[int]
    day: date | None = None

    @property
    def title(self) -> str:
        return _("%(what)s: %(subject)s") % {"what": self.what, "subject": self.subject}


def end_of_day(day: date) -> datetime:
    """The moment a last day ends, in the city's time zone."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())


def _in(at: datetime, start: datetime, end: datetime | None) -> bool:
    return at >= start and (end is None or at <= end)


def _users_by_organisation(organisation_ids: Iterable[int]) -> dict[int, set[int]]:
    rows = Membership.objects.filter(
        organisation_id__in=set(organisation_ids), role=Role.SUPPLIER_USER, user__is_active=True
    ).values_list("organisation_id", "user_id")
    users: dict[int, set[int]] = defaultdict(set)
    for organisation_id, user_id in rows:
        users[organisation_id].add(user_id)
    return users


def _role_user_ids(*roles: str) -> set[int]:
    return set(
        Membership.objects.filter(role__in=roles, user__is_active=True).values_list("user_id", flat=True).distinct()
    )


def _tender_suppliers(tenders: list[Tender]) -> dict[int, set[int]]:
    """The supplier organisations concerned by each open tender: interest, a bid, or a question."""
    ids = [t.pk for t in tenders]
    concerned: dict[int, set[int]] = defaultdict(set)
    for tender_id, org in TenderInterest.objects.filter(tender_id__in=ids).values_list("tender_id", "organisation_id"):
        concerned[tender_id].add(org)
    bids = Bid.objects.filter(tender_id__in=ids).exclude(status=BidStatus.WITHDRAWN)
    for tender_id, org in bids.values_list("tender_id", "supplier_id"):
        concerned[tender_id].add(org)
    askers = Clarification.objects.filter(tender_id__in=ids).values_list("tender_id", "asked_by_id")
    asked: dict[int, set[int]] = defaultdict(set)
    for tender_id, user_id in askers:
        asked[user_id].add(tender_id)
    for user_id, org in Membership.objects.filter(user_id__in=asked, role=Role.SUPPLIER_USER).values_list(
        "user_id", "organisation_id"
    ):
        for tender_id in asked[user_id]:
            concerned[tender_id].add(org)
    return concerned


def _tender_deadlines(start: datetime, end: datetime | None, unit: set[int]) -> list[Deadline]:
    window = Q(clarification_deadline__gte=start) | Q(submission_deadline__gte=start)
    published = list(Tender.objects.filter(window, status=TenderStatus.PUBLISHED).order_by("pk"))
    suppliers = _tender_suppliers(published)
    users = _users_by_organisation(org for orgs in suppliers.values() for org in orgs)
    found = []
    for tender in published:
        people = frozenset(unit | {u for org in suppliers.get(tender.pk, set()) for u in users.get(org, set())})
        url = reverse("tendering:tender-detail", args=[tender.pk])
        for kind, what, at, part in (
            (
                Kind.CLARIFICATION_DEADLINE,
                gettext_lazy("Questions due"),
                tender.clarification_deadline,
                "clarification",
            ),
            (Kind.SUBMISSION_DEADLINE, gettext_lazy("Bids due"), tender.submission_deadline, "submission"),
        ):
            if _in(at, start, end):
                found.append(Deadline(kind, f"tender-{tender.pk}-{part}", what, tender.title, at, url, people))
    return found


def _evaluation_deadlines(start: datetime, end: datetime | None) -> list[Deadline]:
    seats = EvaluatorAssignment.objects.filter(
        tender__status__in=(TenderStatus.PUBLISHED, TenderStatus.OPENED),
        tender__evaluation_end__gte=start,
        recused=False,
        submitted_at__isnull=True,
        evaluator__is_active=True,
    ).select_related("tender")
    evaluators: dict[int, set[int]] = defaultdict(set)
    tenders: dict[int, Tender] = {}
    for seat in seats:
        evaluators[seat.tender_id].add(seat.evaluator_id)
        tenders[seat.tender_id] = seat.tender
    return [
        Deadline(
            Kind.EVALUATION_DUE,
            f"tender-{pk}-evaluation",
            gettext_lazy("Evaluation due"),
            tender.title,
            tender.evaluation_end,
            reverse("tendering:evaluate", args=[pk]),
            frozenset(evaluators[pk]),
        )
        for pk, tender in sorted(tenders.items())
        if _in(tender.evaluation_end, start, end)
    ]


def _standstill_deadlines(start: datetime, end: datetime | None, unit: set[int]) -> list[Deadline]:
    found = []
    awarded = Tender.objects.filter(status=TenderStatus.AWARDED, awards__standstill_end__gte=start).distinct()
    tenders = list(awarded.prefetch_related("bids", "awards__annulment"))
    users = _users_by_organisation(b.supplier_id for t in tenders for b in t.bids.all())
    for tender in tenders:
        award = next((a for a in tender.awards.all() if not hasattr(a, "annulment")), None)
        if award is None or not _in(award.standstill_end, start, end):
            continue
        bidders = {
            u for b in tender.bids.all() if b.status != BidStatus.WITHDRAWN for u in users.get(b.supplier_id, ())
        }
        found.append(
            Deadline(
                Kind.STANDSTILL_END,
                f"award-{award.pk}-standstill",
                gettext_lazy("Standstill ends"),
                tender.title,
                award.standstill_end,
                reverse("tendering:tender-detail", args=[tender.pk]),
                frozenset(unit | bidders),
            )
        )
    return found


def _dispute_what(dispute: Dispute) -> str:
    return _("Last day of %(rung)s") % {"rung": dispute.get_level_display().split(" (")[0].lower()}


def _dispute_subject(dispute: Dispute) -> str:
    return _("dispute %(number)s, %(subject)s") % {"number": dispute.number, "subject": dispute.subject}


def _dispute_deadlines(start: datetime, end: datetime | None) -> list[Deadline]:
    disputes = list(Dispute.objects.filter(status=DisputeStatus.OPEN, deadline__gte=timezone.localtime(start).date()))
    partners: dict[int, set[int]] = defaultdict(set)
    for contract_id, org in ContractParty.objects.filter(
        contract_id__in={d.contract_id for d in disputes}, role=PartyRole.PARTNER
    ).values_list("contract_id", "organisation_id"):
        partners[contract_id].add(org)
    users = _users_by_organisation(org for orgs in partners.values() for org in orgs)
    managers = _role_user_ids(Role.CONTRACT_MANAGER)
    found = []
    for dispute in disputes:
        at = end_of_day(dispute.deadline)
        if not _in(at, start, end):
            continue
        partner_users = {u for org in partners[dispute.contract_id] for u in users.get(org, ())}
        found.append(
            Deadline(
                Kind.DISPUTE_DEADLINE,
                f"dispute-{dispute.pk}-{dispute.level}",
                lazy(_dispute_what, str)(dispute),
                lazy(_dispute_subject, str)(dispute),
                at,
                reverse("contracts:dispute-detail", args=[dispute.contract_id, dispute.number]),
                frozenset(managers | partner_users),
                day=dispute.deadline,
            )
        )
    return found


def deadlines(*, start: datetime, end: datetime | None = None) -> list[Deadline]:
    """Every deadline from `start` up to `end` (no end: all ahead), with who it concerns, in time order."""
    unit = _role_user_ids(Role.PROCUREMENT_OFFICER)
    found = [
        *_tender_deadlines(start, end, unit),
        *_evaluation_deadlines(start, end),
        *_standstill_deadlines(start, end, unit),
        *_dispute_deadlines(start, end),
    ]
    return sorted((d for d in found if d.recipients), key=lambda d: (d.at, d.uid))


def deadlines_for(user: Any, *, start: datetime, end: datetime | None = None) -> list[Deadline]:
    """The deadlines that concern this person."""
    return [d for d in deadlines(start=start, end=end) if user.pk in d.recipients]
