"""Evaluation and award: the committee, conflict-of-interest declarations, independent scoring, moderation,
eligibility, the ranking from domain/evaluation.py, the award with its standstill, notices and debriefs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.accounts.models import Role, User
from civicpact.domain import ocds
from civicpact.domain.evaluation import BidInput, Ranking, rank, swiss_outcome
from civicpact.domain.tendering import DEFAULT_MINIMUMS, Procedure, Stage, ends_in_award
from civicpact.ledger.services import audit_append, release_append
from civicpact.notifications.models import Kind
from civicpact.notifications.services import notify, supplier_users
from civicpact.tendering import signals
from civicpact.tendering.exceptions import TenderingError
from civicpact.tendering.models import (
    CLOSED,
    Award,
    AwardAnnulment,
    Bid,
    BidStatus,
    Complaint,
    ComplaintStatus,
    ConflictDeclaration,
    ConsensusScore,
    EvaluatorAssignment,
    Score,
    SwissMatch,
    SwissRule,
    Tender,
    TenderStatus,
)
from civicpact.tendering.services import (
    _buyer,
    _tender_release,
    decrypt_current,
    planning_link,
    process_ocid,
    scheme_of,
)
from civicpact.tendering.wording import Phrase


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def current_bids(tender: Tender) -> list[Bid]:
    return list(Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).select_related("supplier"))


def _opened(tender: Tender) -> None:
    if tender.status != TenderStatus.OPENED:
        raise TenderingError(gettext_noop("Evaluation happens between the opening and the award."))


def committee_assign(*, actor: User, tender_id: int, evaluator_ids: Iterable[int]) -> list[EvaluatorAssignment]:
    _require(
        permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit appoints the evaluation committee.")
    )
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=tender_id)
        if tender.status in CLOSED:
            raise TenderingError(gettext_noop("The evaluation is over."))
        added = []
        for user in User.objects.filter(pk__in=list(evaluator_ids)):
            if not permissions.has_role(user, Role.EVALUATOR):
                raise ValidationError(
                    {
                        "evaluators": Phrase(
                            gettext_noop("%(user)s does not hold the evaluator role."), {"user": str(user)}
                        )
                    }
                )
            seat, created = EvaluatorAssignment.objects.get_or_create(
                tender=tender, evaluator=user, defaults={"assigned_by": actor}
            )
            if created:
                added.append(seat)
        audit_append(
            actor=actor, action="committee.assign", obj=tender, payload={"evaluators": [s.evaluator_id for s in added]}
        )
        return added


def seat_of(actor: Any, tender: Tender) -> EvaluatorAssignment | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return EvaluatorAssignment.objects.filter(tender=tender, evaluator=actor).first()


def _seat(actor: User, tender: Tender) -> EvaluatorAssignment:
    seat = seat_of(actor, tender)
    if seat is None:
        raise PermissionDenied(gettext_noop("You are not on this tender's evaluation committee."))
    return seat


def conflicts_declare(
    *, actor: User, tender_id: int, declarations: dict[int, tuple[bool, str]]
) -> EvaluatorAssignment:
    """Declare, for every bidder, whether there is a conflict of interest — before seeing any bid. A conflict
    recuses the evaluator from this tender's scoring."""
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=tender_id)
        _opened(tender)
        seat = _seat(actor, tender)
        if seat.declared_at is not None:
            raise TenderingError(gettext_noop("You have already declared; declarations cannot be changed."))
        bidders = {bid.supplier_id: bid.supplier for bid in current_bids(tender)}
        missing = [org.name for pk, org in bidders.items() if pk not in declarations]
        if missing:
            raise ValidationError(
                {
                    "declarations": Phrase(
                        gettext_noop("Declare for every bidder: %(missing)s."), {"missing": ", ".join(sorted(missing))}
                    )
                }
            )
        for supplier_id, (conflict, details) in declarations.items():
            if supplier_id not in bidders:
                raise ValidationError({"declarations": gettext_noop("Declare only for this tender's bidders.")})
            if conflict and not details.strip():
                raise ValidationError({f"details_{supplier_id}": "Say what the conflict is."})
            ConflictDeclaration(
                assignment=seat, supplier=bidders[supplier_id], has_conflict=conflict, details=details.strip()
            ).save(force_insert=True)
        seat.declared_at = timezone.now()
        seat.recused = any(conflict for conflict, _details in declarations.values())
        seat.save(update_fields=["declared_at", "recused"])
        audit_append(
            actor=actor,
            action="conflicts.declare",
            obj=tender,
            payload={"recused": seat.recused, "conflicts": sorted(k for k, v in declarations.items() if v[0])},
        )
        return seat


def _scored_leaves(tender: Tender) -> dict[str, Any]:
    return {c.key: c for c, _w in scheme_of(tender).leaves() if not c.is_price}


def score_save(*, actor: User, tender_id: int, bid_id: int, criterion: str, value: Any, justification: str) -> Score:
    with transaction.atomic():
        tender = Tender.objects.get(pk=tender_id)
        _opened(tender)
        seat = _seat(actor, tender)
        if seat.declared_at is None or seat.recused:
            raise PermissionDenied(gettext_noop("Declare your conflicts of interest first; a conflict recuses you."))
        if seat.submitted_at is not None:
            raise TenderingError(gettext_noop("Your scores are submitted and locked."))
        leaves = _scored_leaves(tender)
        if criterion not in leaves:
            raise ValidationError(
                {
                    "criterion": Phrase(
                        gettext_noop("“%(criterion)s” is not a scored criterion of this tender."),
                        {"criterion": criterion},
                    )
                }
            )
        bid = Bid.objects.filter(tender=tender, pk=bid_id, status=BidStatus.SUBMITTED).first()
        if bid is None:
            raise ValidationError({"bid": gettext_noop("No such bid on this tender.")})
        number = _decimal(value, "value")
        top = Decimal(str(leaves[criterion].max_score))
        if not 0 <= number <= top:
            raise ValidationError(
                {
                    "value": Phrase(
                        gettext_noop("The score must be from 0 to %(top)s, not %(number)s."),
                        {"top": f"{top:g}", "number": f"{number:g}"},
                    )
                }
            )
        if not justification.strip():
            raise ValidationError({"justification": gettext_noop("Justify the score in writing.")})
        score, _created = Score.objects.update_or_create(
            assignment=seat,
            bid=bid,
            criterion=criterion,
            defaults={"value": number, "justification": justification.strip()},
        )
        return score


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field: Phrase(gettext_noop("“%(value)s” is not a number."), {"value": value})}
        ) from None
    if not number.is_finite():
        raise ValidationError({field: Phrase(gettext_noop("“%(value)s” is not a number."), {"value": value})})
    return number


def scores_submit(*, actor: User, tender_id: int) -> EvaluatorAssignment:
    """Lock the evaluator's scores once every bid has a score on every criterion; others' scores then show."""
    with transaction.atomic():
        tender = Tender.objects.get(pk=tender_id)
        seat = _seat(actor, tender)
        if seat.recused or seat.declared_at is None:
            raise PermissionDenied(gettext_noop("Only evaluators who declared no conflict submit scores."))
        needed = {(bid.pk, key) for bid in current_bids(tender) for key in _scored_leaves(tender)}
        done = set(Score.objects.filter(assignment=seat).values_list("bid_id", "criterion"))
        if needed - done:
            raise ValidationError(
                {
                    "scores": Phrase(
                        gettext_noop("%(count)s score(s) are still missing."), {"count": len(needed - done)}
                    )
                }
            )
        seat.submitted_at = timezone.now()
        seat.save(update_fields=["submitted_at"])
        audit_append(actor=actor, action="scores.submit", obj=tender, payload={"scores": len(done)})
        return seat


def active_seats(tender: Tender) -> list[EvaluatorAssignment]:
    return list(tender.evaluators.filter(recused=False).select_related("evaluator"))


def all_submitted(tender: Tender) -> bool:
    seats = active_seats(tender)
    return bool(seats) and all(s.submitted_at is not None for s in seats)


def score_table(tender: Tender) -> dict[int, dict[str, list[Score]]]:
    """bid -> criterion -> the submitted scores (moderation)."""
    table: dict[int, dict[str, list[Score]]] = defaultdict(lambda: defaultdict(list))
    for score in Score.objects.filter(
        assignment__tender=tender, assignment__submitted_at__isnull=False
    ).select_related("assignment__evaluator"):
        table[score.bid_id][score.criterion].append(score)
    return table


def consensus(tender: Tender) -> dict[int, dict[str, Decimal]]:
    """The agreed score per bid and criterion: the moderation's, or else the mean of the submitted scores."""
    agreed: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for bid_id, cells in score_table(tender).items():
        for key, scores in cells.items():
            agreed[bid_id][key] = sum((s.value for s in scores), Decimal(0)) / len(scores)
    for row in ConsensusScore.objects.filter(bid__tender=tender):
        agreed[row.bid_id][row.criterion] = row.value
    return agreed


def moderation_rows(tender: Tender) -> list[dict[str, Any]]:
    """Per bid and criterion: each evaluator's score, the spread (as a share of the scale) and the consensus."""
    scheme = scheme_of(tender)
    table = score_table(tender)
    agreed = consensus(tender)
    rows = []
    for bid in current_bids(tender):
        cells = table.get(bid.pk, {})
        for criterion, _w in scheme.leaves():
            if criterion.is_price:
                continue
            scores = cells.get(criterion.key, [])
            values = [float(score.value) for score in scores]
            rows.append(
                {
                    "bid": bid,
                    "criterion": criterion,
                    "scores": scores,
                    "spread": (max(values) - min(values)) / criterion.max_score if values else 0.0,
                    "consensus": agreed.get(bid.pk, {}).get(criterion.key),
                }
            )
    return rows


def consensus_set(
    *, actor: User, tender_id: int, bid_id: int, criterion: str, value: Any, justification: str
) -> ConsensusScore:
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit records the moderated score."))
    with transaction.atomic():
        tender = Tender.objects.get(pk=tender_id)
        _opened(tender)
        if not all_submitted(tender):
            raise TenderingError(gettext_noop("Moderation starts when every evaluator has submitted."))
        leaves = _scored_leaves(tender)
        if criterion not in leaves:
            raise ValidationError(
                {
                    "criterion": Phrase(
                        gettext_noop("“%(criterion)s” is not a scored criterion."), {"criterion": criterion}
                    )
                }
            )
        number = _decimal(value, "value")
        if not 0 <= number <= Decimal(str(leaves[criterion].max_score)):
            raise ValidationError(
                {
                    "value": Phrase(
                        gettext_noop("The score must be from 0 to %(top)s."),
                        {"top": f"{leaves[criterion].max_score:g}"},
                    )
                }
            )
        if not justification.strip():
            raise ValidationError({"justification": gettext_noop("Record the moderation's reasoning.")})
        bid = Bid.objects.get(pk=bid_id, tender=tender)
        row, _created = ConsensusScore.objects.update_or_create(
            bid=bid, criterion=criterion, defaults={"value": number, "justification": justification, "set_by": actor}
        )
        audit_append(
            actor=actor,
            action="consensus.set",
            obj=tender,
            payload={"bid": bid.pk, "criterion": criterion, "value": str(number)},
        )
        return row


def eligibility_set(*, actor: User, tender_id: int, bid_id: int, eligible: bool, note: str) -> Bid:
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit checks eligibility."))
    with transaction.atomic():
        tender = Tender.objects.get(pk=tender_id)
        _opened(tender)
        bid = Bid.objects.select_for_update().get(pk=bid_id, tender=tender)
        if not eligible and not note.strip():
            raise ValidationError({"note": gettext_noop("Say which requirement the bid fails.")})
        bid.eligible, bid.eligibility_note = eligible, note.strip()
        bid.save(update_fields=["eligible", "eligibility_note"])
        audit_append(actor=actor, action="bid.eligibility", obj=tender, payload={"bid": bid.pk, "eligible": eligible})
        return bid


def price_explanation_set(*, actor: User, tender_id: int, bid_id: int, explanation: str) -> Bid:
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit records a price explanation."))
    if not explanation.strip():
        raise ValidationError({"explanation": gettext_noop("Record the bidder's explanation.")})
    with transaction.atomic():
        bid = Bid.objects.select_for_update().get(pk=bid_id, tender_id=tender_id)
        bid.price_explanation = explanation.strip()
        bid.save(update_fields=["price_explanation"])
        audit_append(actor=actor, action="bid.price_explanation", obj=bid.tender, payload={"bid": bid.pk})
        return bid


def ranking_for(tender: Tender) -> tuple[Ranking, dict[str, Bid]]:
    """The ranking from the consensus scores, the opened prices and the eligibility decisions."""
    scheme = scheme_of(tender)
    agreed = consensus(tender)
    bids = current_bids(tender)
    by_name = {bid.supplier.name: bid for bid in bids}
    inputs = []
    for order, bid in enumerate(sorted(bids, key=lambda b: (b.created_at, b.pk))):
        contents = decrypt_current(bid)
        price = contents.get("price")
        bonus = tender.swiss_rule == SwissRule.BONUS and bid.supplier_id == tender.proponent_id
        inputs.append(
            BidInput(
                bidder=bid.supplier.name,
                price=float(price) if price is not None else None,
                scores={k: float(v) for k, v in agreed.get(bid.pk, {}).items()},
                eligible=bid.eligible is not False,
                order=order,
                bonus=float(tender.swiss_bonus) if bonus else 0.0,
            )
        )
    return rank(scheme, inputs), by_name


def evaluation_blockers(tender: Tender) -> list[str]:
    """What stops the evaluation from being concluded (by an award or a stage's down-selection)."""
    reasons: list[str] = []
    if tender.status != TenderStatus.OPENED:
        return [Phrase(gettext_noop("the bids are not opened, or the tender is already decided"))]
    if not active_seats(tender):
        reasons.append(Phrase(gettext_noop("no evaluator without a conflict is on the committee")))
    elif not all_submitted(tender):
        reasons.append(Phrase(gettext_noop("not every evaluator has submitted")))
    undecided = [b.supplier.name for b in current_bids(tender) if b.eligible is None]
    if undecided:
        reasons.append(
            Phrase(gettext_noop("eligibility is not checked for %(bidders)s"), {"bidders": ", ".join(undecided)})
        )
    return reasons


def award_blockers(tender: Tender) -> list[str]:
    if not ends_in_award(Stage(tender.stage)):
        return [
            Phrase(
                gettext_noop(
                    "this stage ends in a down-selection of the suppliers kept for the next stage, not in an award"
                )
            )
        ]
    reasons = evaluation_blockers(tender)
    if reasons:
        return reasons
    ranking, by_name = ranking_for(tender)
    if ranking.winner is None:
        return [Phrase(gettext_noop("no bid qualifies"))]
    winner_name = swiss_winner(tender, ranking, by_name, blockers=reasons)
    if reasons or winner_name is None:
        return reasons
    winner = next(r for r in ranking.results if r.bidder == winner_name)
    if winner.abnormally_low and not by_name[winner_name].price_explanation:
        reasons.append(
            Phrase(
                gettext_noop("the winning bid is abnormally low (%(why)s): record its explanation"),
                {"why": winner.abnormally_low[0]},
            )
        )
    return reasons


def swiss_winner(tender: Tender, ranking: Ranking, by_name: dict[str, Bid], blockers: list[str]) -> str | None:
    """Who wins: the ranking's winner, except under a Swiss challenge's right to match, where a proponent
    ranked but not first wins if it matched the best competing offer. Appends to `blockers` while the right
    is not yet offered or its window is still open."""
    if tender.swiss_rule != SwissRule.MATCH or tender.proponent is None:
        return ranking.winner
    outcome = swiss_outcome(ranking, tender.proponent.name)
    if not outcome.may_match:
        return ranking.winner
    match = SwissMatch.objects.filter(tender=tender).first()
    if match is None:
        blockers.append(
            Phrase(
                gettext_noop(
                    "the proponent %(proponent)s is ranked below %(competitor)s: offer it its right to match first"
                ),
                {"proponent": tender.proponent.name, "competitor": outcome.best_competitor},
            )
        )
        return None
    if not match.decided(timezone.now()):
        blockers.append(
            Phrase(
                gettext_noop("the proponent may match the best competing offer until %(deadline)s"),
                {"deadline": match.deadline},
            )
        )
        return None
    return tender.proponent.name if match.matched() else ranking.winner


def award_decide(*, actor: User, tender_id: int, reasons: str) -> Award:
    """Award to the top-ranked bid; notify every bidder; the standstill runs before any contract."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit decides the award."))
    if not reasons.strip():
        raise ValidationError({"reasons": gettext_noop("Give the reasons for the award.")})
    with transaction.atomic():
        tender = Tender.objects.select_for_update().select_related("project__lead_department").get(pk=tender_id)
        blockers = award_blockers(tender)
        if blockers:
            raise TenderingError(
                gettext_noop("The award cannot be decided yet: %(blockers)s."), {"blockers": blockers}
            )
        ranking, by_name = ranking_for(tender)
        winner = by_name[str(swiss_winner(tender, ranking, by_name, blockers=[]))]
        now = timezone.now()
        standstill = timedelta(days=DEFAULT_MINIMUMS[Procedure(tender.procedure)].standstill_days)
        award = Award(
            tender=tender,
            bid=winner,
            reasons=reasons.strip(),
            ranking=ranking.as_dict(),
            decided_by=actor,
            decided_at=now,
            standstill_end=max(tender.standstill_end, now + standstill),
        )
        award.full_clean()
        award.save(force_insert=True)
        tender.status, tender.version = TenderStatus.AWARDED, tender.version + 1
        tender.save(update_fields=["status", "version"])
        price = _award_release(actor, tender, award, ranking, by_name)
        signals.award_decided.send(sender=Award, award=award, price=price, actor=actor)
        audit_append(
            actor=actor,
            action="tender.award",
            obj=tender,
            payload={
                "winner": winner.supplier.name,
                "reasons": award.reasons,
                "standstill_end": str(award.standstill_end),
            },
            public=True,
        )
        _notify(tender, award)
        return award


def _award_release(actor: User, tender: Tender, award: Award, ranking: Ranking, by_name: dict[str, Bid]) -> Decimal:
    """Publish the award (and the bids' details, unless withheld); returns the awarded price."""
    _tender_release(actor, tender, status="complete", tag="tenderUpdate", tenderers=len(by_name))
    currency = settings.CIVICPACT_CURRENCY
    winner = award.bid
    price = Decimal(str(decrypt_current(winner).get("price") or 0))
    match = SwissMatch.objects.filter(tender=tender).first()
    if match is not None and match.matched() and winner.pk == match.proponent_bid_id:
        price = match.best_price  # the proponent matched the best competing offer
    parties = [
        ocds.party(party_id=f"org-{b.supplier_id}", name=name, roles=["tenderer"]) for name, b in by_name.items()
    ]
    for entry in parties:
        if entry["id"] == f"org-{winner.supplier_id}":
            entry["roles"] = ["supplier", "tenderer"]
    buyer = _buyer(tender.project)
    parties.append(ocds.party(party_id=buyer.party_id, name=buyer.name, roles=["buyer", "procuringEntity"]))
    award_section: dict[str, Any] = {
        "id": f"award-{award.pk}",
        "title": f"Award of {tender.title}",
        "description": award.reasons,
        "status": "pending",
        "date": ocds.format_date(award.decided_at),
        "value": ocds.money(price, currency),
        "suppliers": [ocds.organisation_reference(f"org-{winner.supplier_id}", winner.supplier.name)],
    }
    indicators = _evaluation_indicators(tender)
    if indicators:
        award_section["evaluationIndicators"] = indicators
    sections: dict[str, Any] = {"parties": parties, "awards": [award_section]}
    if settings.CIVICPACT_PUBLISH_BID_DETAILS:
        disqualified = {r.bidder for r in ranking.results if r.rank is None}
        sections["bids"] = {
            "details": [
                {
                    "id": f"bid-{bid.pk}",
                    "date": ocds.format_date(bid.created_at),
                    "status": "disqualified" if name in disqualified else "valid",
                    "tenderers": [ocds.organisation_reference(f"org-{bid.supplier_id}", name)],
                    "value": ocds.money(Decimal(str(decrypt_current(bid).get("price") or 0)), currency),
                }
                for name, bid in sorted(by_name.items())
            ]
        }
    release_append(
        actor=actor, ocid=process_ocid(actor, tender), tags=["award"], sections=sections | planning_link(tender)
    )
    return price


def _evaluation_indicators(tender: Tender) -> dict[str, Any]:
    """The business case's discount rate, risk adjustment, net present value and value for money (its latest
    finished simulation), as the PPP profile's evaluation indicators."""
    from civicpact.appraisal.models import BusinessCase
    from civicpact.appraisal.selectors import business_case_analysis

    case = BusinessCase.objects.filter(project=tender.project).first()
    if case is None:
        return {}
    cba = business_case_analysis(inputs=case.inputs).cba
    run = tender.project.vfm_runs.filter(status="done", result__isnull=False).first()
    vfm = None
    if run is not None:
        r: dict[str, Any] = run.result or {}
        vfm = ocds.VfmFigures(
            case_version=run.case_version,
            iterations=run.iterations,
            psc_base=float(r["psc_base"]),
            psc_mean=float(r["psc"]["mean"]),
            ppp_base=float(r["ppp_base"]),
            ppp_mean=float(r["ppp"]["mean"]),
            vfm_mean=float(r["vfm"]["mean"]),
            vfm_percent_of_psc=float(r["vfm_percent_of_psc"]),
            probability_ppp_cheaper=float(r["probability_ppp_cheaper"]),
        )
    figures = ocds.AppraisalFigures(
        case_version=case.version,
        discount_rate=float(case.inputs["discount_rate"]),
        mid_year=bool(case.inputs.get("mid_year")),
        currency=settings.CIVICPACT_CURRENCY,
        npv=Decimal(str(round(cba.npv, 2))) if cba is not None else None,
        npv_summary=cba.summary() if cba is not None else "",
        vfm=vfm,
    )
    return ocds.evaluation_indicators(figures)


def _notify(tender: Tender, award: Award) -> None:
    """Tell every bidder's users the outcome (in-app, and by e-mail at commit): notifications.services.notify."""
    url = reverse("tendering:tender-detail", args=[tender.pk])

    def values() -> dict[str, str]:
        return {
            "title": tender.title,
            "winner": award.bid.supplier.name,
            "standstill": l10n.when(award.standstill_end, with_time=True),
        }

    def title(won: bool) -> str:
        return (gettext("Award: %(title)s") if won else gettext("Outcome: %(title)s")) % values()

    def body(won: bool) -> str:
        outcome = (
            gettext("Your bid is the winning bid.")
            if won
            else gettext("Your bid did not win; the award goes to %(winner)s.") % values()
        )
        standstill = gettext(
            "No contract will be signed before %(standstill)s; until then you may ask for your debrief on the tender "
            "page and lodge a complaint."
        )
        return " ".join(
            (gettext("The city has decided the award of “%(title)s”.") % values(), outcome, standstill % values())
        )

    for bid in current_bids(tender):
        won = bid.pk == award.bid_id
        notify(
            recipients=supplier_users([bid.supplier_id]),
            kind=Kind.AWARD_DECIDED,
            title=partial(title, won),
            body=partial(body, won),
            url=url,
        )


def debrief(*, actor: Any, tender: Tender) -> dict[str, Any] | None:
    """A bidder's own points per criterion against the winner's, after the award; None for anyone else."""
    award = tender.current_award if tender.status == TenderStatus.AWARDED else None
    organisations = permissions.supplier_organisations(actor)
    if award is None or not organisations:
        return None
    own = Bid.objects.filter(tender=tender, supplier__in=organisations).select_related("supplier").first()
    if own is None:
        return None
    results = {r["bidder"]: r for r in award.ranking["results"]}
    mine, winner = results.get(own.supplier.name), results.get(award.bid.supplier.name)
    if mine is None or winner is None:
        return None
    names: dict[str, str] = {}
    stack = list(scheme_of(tender).criteria)
    while stack:
        node = stack.pop()
        names[node.key] = node.name
        stack.extend(node.children)
    rows = [
        (names.get(key, key), points, winner["points_by_criterion"].get(key, 0.0))
        for key, points in mine["points_by_criterion"].items()
    ]
    return {"own": mine, "winner": winner, "won": own.pk == award.bid_id, "rows": rows}


# --- standstill and complaints ---------------------------------------------------------------------------------------


def complaint_lodge(*, actor: User, tender_id: int, grounds: str, evidence: str, remedy: str) -> Complaint:
    """A bidder's complaint during the standstill: it suspends the contract's signature until decided."""
    organisations = permissions.supplier_organisations(actor)
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=tender_id)
        bid = Bid.objects.filter(tender=tender, supplier__in=organisations).first()
        if bid is None:
            raise PermissionDenied(gettext_noop("Only a bidder on this tender may complain about its award."))
        award = tender.current_award
        if tender.status != TenderStatus.AWARDED or award is None:
            raise TenderingError(
                gettext_noop("A complaint can be lodged once the award is decided, during the standstill.")
            )
        if timezone.now() >= award.standstill_end:
            raise TenderingError(gettext_noop("The standstill is over: complaints are no longer accepted here."))
        errors = {}
        if not grounds.strip():
            errors["grounds"] = gettext_noop("Say what was wrong.")
        if not remedy.strip():
            errors["remedy"] = gettext_noop("Say what remedy you seek.")
        if errors:
            raise ValidationError(errors)
        complaint = Complaint(
            tender=tender,
            bid=bid,
            lodged_by=actor,
            grounds=grounds.strip(),
            evidence=evidence.strip(),
            remedy=remedy.strip(),
        )
        complaint.full_clean()
        complaint.save()
        audit_append(
            actor=actor,
            action="complaint.lodge",
            obj=tender,
            payload={"complaint": complaint.pk, "bidder": bid.supplier.name, "grounds": complaint.grounds},
            public=True,
        )
        return complaint


def complaint_decide(*, actor: User, complaint_id: int, upheld: bool, decision: str) -> Complaint:
    """Uphold (the award is set aside and the evaluation re-opens) or dismiss a complaint, with reasons."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit decides complaints."))
    if not decision.strip():
        raise ValidationError({"decision": gettext_noop("Give the decision's reasons.")})
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().select_related("tender").get(pk=complaint_id)
        if complaint.status != ComplaintStatus.PENDING:
            raise TenderingError(gettext_noop("This complaint is already decided."))
        tender = Tender.objects.select_for_update().get(pk=complaint.tender_id)
        complaint.status = ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED
        complaint.decision, complaint.decided_by, complaint.decided_at = decision.strip(), actor, timezone.now()
        complaint.save()
        if upheld and tender.current_award is not None:
            award = tender.current_award
            AwardAnnulment(award=award, reason=complaint.decision, annulled_by=actor).save(force_insert=True)
            signals.award_annulled.send(sender=Award, award=award, reason=complaint.decision, actor=actor)
            release_append(
                actor=actor,
                ocid=process_ocid(actor, tender),
                tags=["awardUpdate"],
                sections={
                    "awards": [
                        ocds.award_status(
                            award_id=f"award-{award.pk}",
                            status="cancelled",
                            description=f"Set aside by an upheld complaint: {complaint.decision}",
                        )
                    ]
                },
            )
            tender.status, tender.version = TenderStatus.OPENED, tender.version + 1
            tender.save(update_fields=["status", "version"])
            # the evaluation re-opens: the tender is active again (its award release said complete)
            _tender_release(actor, tender, status="active", tag="tenderUpdate", tenderers=len(current_bids(tender)))
        audit_append(
            actor=actor,
            action="complaint.decide",
            obj=tender,
            payload={"complaint": complaint.pk, "status": complaint.status, "decision": complaint.decision},
            public=True,
        )
        return complaint


def signature_blockers(tender: Tender, now: Any = None) -> list[str]:
    """Why the contract may not be signed yet (the contracts step asks this before signature)."""
    award = tender.current_award
    if tender.status != TenderStatus.AWARDED or award is None:
        return [Phrase(gettext_noop("the tender is not awarded"))]
    reasons: list[str] = []
    if (now or timezone.now()) < award.standstill_end:
        reasons.append(Phrase(gettext_noop("the standstill runs until %(end)s"), {"end": award.standstill_end}))
    pending = tender.complaints.filter(status=ComplaintStatus.PENDING).count()
    if pending:
        reasons.append(Phrase(gettext_noop("%(count)s complaint(s) are pending"), {"count": pending}))
    return reasons
