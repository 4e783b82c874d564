"""Multi-stage procedures on the one engine: closing a stage with its down-selection, opening the next stage for
the suppliers kept, and a Swiss challenge's right to match.

A stage is a tender like any other (sealed bids, opening, committee, scores, ranking); what differs is how it
ends. A stage that does not end in an award (pre-qualification, a dialogue round, a PCP phase) ends with
`stage_close`: the first `keep` qualified bids of its ranking are kept (each paid the phase payment in a PCP
phase), the others are told why not, and only the kept suppliers may ask questions and bid at the next stage,
which `stage_next` drafts from the completed one.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
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
from civicpact.accounts.models import Organisation, User
from civicpact.domain.evaluation import down_select, swiss_outcome
from civicpact.domain.tendering import PAID_STAGES, STAGE_NAMES, Procedure, Stage, ends_in_award, next_stages
from civicpact.ledger.services import audit_append
from civicpact.notifications.models import Kind
from civicpact.notifications.services import notify, supplier_users
from civicpact.tendering import sealing
from civicpact.tendering.evaluation import evaluation_blockers, ranking_for
from civicpact.tendering.exceptions import DeadlinePassed, TenderingError
from civicpact.tendering.models import (
    MatchResponse,
    StageResult,
    SwissMatch,
    SwissRule,
    Tender,
    TenderStatus,
)
from civicpact.tendering.services import (
    CREATE_ONLY,
    EDITABLE,
    _check,
    _supplier_of,
    _tender_release,
    decrypt_current,
)

CARRIED_OVER = ("title", "description", "requirements", "value_estimate", "criteria", "price_formula", "eligibility")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def stage_close(*, actor: User, tender_id: int, reasons: str) -> StageResult:
    """End a stage that does not end in an award: keep the first `keep` qualified bids of its ranking."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit closes a stage."))
    if not reasons.strip():
        raise ValidationError({"reasons": gettext_noop("Give the reasons for the down-selection.")})
    with transaction.atomic():
        tender = Tender.objects.select_for_update().select_related("project__lead_department").get(pk=tender_id)
        if ends_in_award(Stage(tender.stage)):
            raise TenderingError(gettext_noop("This stage ends in an award: decide the award instead."))
        blockers = evaluation_blockers(tender)
        if blockers:
            raise TenderingError(gettext_noop("The stage cannot be closed yet: %(blockers)s."), {"blockers": blockers})
        ranking, by_name = ranking_for(tender)
        kept_names = down_select(ranking, int(tender.keep or 0))
        if not kept_names:
            raise TenderingError(gettext_noop("No bid qualifies, so nobody can be kept: cancel the stage instead."))
        payment = str(tender.phase_payment) if tender.phase_payment is not None else None
        kept, not_kept = [], []
        for result in ranking.results:
            bid = by_name[result.bidder]
            entry: dict[str, Any] = {
                "bid": bid.pk,
                "supplier": bid.supplier_id,
                "name": result.bidder,
                "rank": result.rank,
                "total": round(result.total, 4),
            }
            if result.bidder in kept_names:
                kept.append({**entry, "payment": payment})
            elif result.rank is None:
                not_kept.append({**entry, "reason": "disqualified: " + "; ".join(result.disqualified)})
            else:
                not_kept.append({**entry, "reason": f"ranked {result.rank}, below the {len(kept_names)} kept"})
        now = timezone.now()
        stage_result = StageResult(
            tender=tender,
            kept=kept,
            not_kept=not_kept,
            ranking=ranking.as_dict(),
            reasons=reasons.strip(),
            decided_by=actor,
            decided_at=now,
        )
        stage_result.full_clean()
        stage_result.save(force_insert=True)
        tender.status, tender.version = TenderStatus.COMPLETED, tender.version + 1
        tender.save(update_fields=["status", "version"])
        _tender_release(actor, tender, status="complete", tag="tenderUpdate", tenderers=len(by_name))
        audit_append(
            actor=actor,
            action="tender.stage_close",
            obj=tender,
            payload={
                "stage": tender.stage,
                "kept": [e["name"] for e in kept],
                "phase_payment": payment,
                "reasons": stage_result.reasons,
            },
            public=True,
        )
        _notify_stage(tender, stage_result)
        return stage_result


def stage_next(*, actor: User, tender_id: int, **fields: Any) -> Tender:
    """Draft the next stage of a completed one: same project and procedure, its conditions carried over unless
    given, open only to the suppliers the completed stage kept."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit prepares the next stage."))
    with transaction.atomic():
        previous = Tender.objects.select_for_update().select_related("project").get(pk=tender_id)
        if previous.status != TenderStatus.COMPLETED:
            raise TenderingError(gettext_noop("A next stage follows a stage whose down-selection is recorded."))
        if previous.next_stages.exclude(status=TenderStatus.CANCELLED).exists():
            raise TenderingError(
                gettext_noop("This stage already has its next stage: open it from the list of tenders.")
            )
        unknown = set(fields) - set(EDITABLE) - set(CREATE_ONLY)
        if unknown:
            raise ValidationError({sorted(unknown)[0]: gettext_noop("is not a tender field")})
        following = next_stages(Procedure(previous.procedure), Stage(previous.stage))
        if not following:
            raise TenderingError(gettext_noop("This was the procedure's last stage: nothing follows it."))
        values = {name: getattr(previous, name) for name in CARRIED_OVER} | fields
        values.setdefault("stage", following[0])
        if not ends_in_award(Stage(values["stage"])):
            values.setdefault("keep", previous.keep)
        if Stage(values["stage"]) in PAID_STAGES:
            values.setdefault("phase_payment", previous.phase_payment)
        tender = Tender(
            project=previous.project,
            procedure=previous.procedure,
            previous_stage=previous,
            created_by=actor,
            master_key_id="",
            wrapped_key=b"",
            **values,
        )
        _check(tender)
        tender.save()
        tender.master_key_id, tender.wrapped_key = sealing.new_data_key(tender.pk)
        tender.save(update_fields=["master_key_id", "wrapped_key"])
        audit_append(
            actor=actor,
            action="tender.stage_next",
            obj=tender,
            payload={"previous": previous.pk, "stage": tender.stage},
        )
        return tender


def stage_chain(tender: Tender) -> list[Tender]:
    """The procedure's stages from the first to the latest (following a single line of next stages)."""
    first = tender
    while first.previous_stage is not None:
        first = first.previous_stage
    chain = [first]
    while True:
        following = chain[-1].next_stages.exclude(status=TenderStatus.CANCELLED).first()
        if following is None:
            return chain
        chain.append(following)


def _notify_stage(tender: Tender, result: StageResult) -> None:
    """Tell each bidder's users whether it is kept for the next stage (notifications.services.notify)."""
    kept = {int(e["supplier"]) for e in result.kept}
    url = reverse("tendering:tender-detail", args=[tender.pk])

    def title() -> str:
        return gettext("Stage result: %(title)s") % {"title": tender.title}

    def body(entry: dict[str, Any]) -> str:
        stage = gettext(STAGE_NAMES[Stage(tender.stage)])
        values = {"stage": stage, "title": tender.title, "rank": entry["rank"], "reason": entry.get("reason")}
        if int(entry["supplier"]) not in kept:
            return gettext("Your bid at %(stage)s of “%(title)s” is not kept: %(reason)s.") % values
        text = gettext("Your bid at %(stage)s of “%(title)s” is kept for the next stage (ranked %(rank)s).") % values
        if entry.get("payment"):
            payment = l10n.money(entry["payment"], settings.CIVICPACT_CURRENCY)
            text += " " + gettext("A phase payment of %(payment)s is due.") % {"payment": payment}
        return text + " " + gettext("The next stage's conditions will be published on the tender page.")

    for entry in [*result.kept, *result.not_kept]:
        notify(
            recipients=supplier_users([int(entry["supplier"])]),
            kind=Kind.STAGE_RESULT,
            title=title,
            body=partial(body, entry),
            url=url,
        )


def swiss_match_offer(*, actor: User, tender_id: int) -> SwissMatch:
    """Open the proponent's window to match the best competing offer (it is ranked, but not first)."""
    _require(permissions.can_manage_tenders(actor), gettext_noop("Only the PPP unit offers the right to match."))
    with transaction.atomic():
        tender = Tender.objects.select_for_update(of=("self",)).select_related("proponent").get(pk=tender_id)
        if tender.swiss_rule != SwissRule.MATCH or tender.proponent is None:
            raise TenderingError(gettext_noop("Only a Swiss challenge with a right to match has one to offer."))
        blockers = evaluation_blockers(tender)
        if blockers:
            raise TenderingError(
                gettext_noop("The right to match follows the evaluation: %(blockers)s."), {"blockers": blockers}
            )
        if SwissMatch.objects.filter(tender=tender).exists():
            raise TenderingError(gettext_noop("The right to match has already been offered."))
        ranking, by_name = ranking_for(tender)
        outcome = swiss_outcome(ranking, tender.proponent.name)
        if not outcome.may_match or outcome.best_competitor is None:
            raise TenderingError(
                gettext_noop("The proponent has no right to match: it is ranked first, or its bid is not ranked.")
            )
        best = by_name[outcome.best_competitor]
        now = timezone.now()
        match = SwissMatch(
            tender=tender,
            proponent_bid=by_name[tender.proponent.name],
            best_bid=best,
            best_price=Decimal(str(decrypt_current(best).get("price") or 0)),
            offered_by=actor,
            offered_at=now,
            deadline=now + timedelta(days=tender.match_days),
        )
        match.full_clean()
        match.save()
        audit_append(
            actor=actor,
            action="tender.swiss_match_offer",
            obj=tender,
            payload={"proponent": tender.proponent.name, "deadline": str(match.deadline)},
            public=True,
        )
        _notify_match(tender, match)
        return match


def _notify_match(tender: Tender, match: SwissMatch) -> None:
    notify(
        recipients=supplier_users([int(tender.proponent_id or 0)]),
        kind=Kind.RIGHT_TO_MATCH,
        title=lambda: gettext("Right to match: %(title)s") % {"title": tender.title},
        body=lambda: (
            gettext(
                "Your proposal “%(title)s” was challenged and a competing offer ranks above yours, at a price of "
                "%(price)s. You may match it until %(deadline)s: answer on the tender page."
            )
            % {
                "title": tender.title,
                "price": l10n.money(match.best_price, settings.CIVICPACT_CURRENCY),
                "deadline": l10n.when(match.deadline, with_time=True),
            }
        ),
        url=reverse("tendering:tender-detail", args=[tender.pk]),
    )


def swiss_match_respond(*, actor: User, tender_id: int, match: bool) -> SwissMatch:
    """The proponent matches the best competing offer (and wins on its price) or declines, before the window
    closes; silence until then counts as declining."""
    supplier: Organisation = _supplier_of(actor)
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=tender_id)
        _require(supplier.pk == tender.proponent_id, gettext_noop("Only the proponent may answer its right to match."))
        offer = SwissMatch.objects.select_for_update().filter(tender=tender).first()
        if offer is None:
            raise TenderingError(gettext_noop("No right to match has been offered on this tender."))
        if offer.response:
            raise TenderingError(
                gettext_noop("You have already answered: %(response)s."),
                {"response": MatchResponse(offer.response).label},
            )
        now = timezone.now()
        if now >= offer.deadline:
            raise DeadlinePassed(
                gettext_noop("The window to match closed at %(deadline)s; the best competing offer wins."),
                {"deadline": offer.deadline},
            )
        offer.response = MatchResponse.MATCHED if match else MatchResponse.DECLINED
        offer.responded_by, offer.responded_at = actor, now
        offer.save(update_fields=["response", "responded_by", "responded_at"])
        audit_append(
            actor=actor,
            action="tender.swiss_match_respond",
            obj=tender,
            payload={"response": offer.response},
            public=True,
        )
        return offer
