"""Evaluation pages: the evaluator's declarations and scoresheet, the PPP unit's committee, eligibility,
moderation, ranking and award, and the bidders' debrief."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.accounts.models import Role, User
from civicpact.domain.evaluation import swiss_outcome
from civicpact.domain.tendering import Stage, ends_in_award
from civicpact.performance import selectors as performance_records
from civicpact.tendering import evaluation, services
from civicpact.tendering.exceptions import TenderingError
from civicpact.tendering.models import OPENED_ONWARDS, Score, SwissRule, TenderStatus
from civicpact.tendering.views import _tender
from civicpact.tendering.wording import refusals_in_reader_language, shown, shown_all


def _messages_of(exc: Exception) -> str:
    """A service's refusal, in the reader's language."""
    return shown(exc)


def _back(pk: int) -> HttpResponse:
    return redirect("tendering:tender-detail", pk=pk)


def _act(request: HttpRequest, tender_pk: int, call: Any, done: str) -> HttpResponse:
    """Run a service for a button on the tender page: its refusal or `done` as a message, then back to the page."""
    try:
        call()
    except (TenderingError, ValidationError) as exc:
        messages.error(request, _messages_of(exc))
    except PermissionDenied as exc:
        raise PermissionDenied(shown(exc)) from exc
    else:
        messages.success(request, done)
    return _back(tender_pk)


def evaluation_context(request: HttpRequest, tender: Any) -> dict[str, Any]:
    """What the tender page shows of the evaluation, by role (empty for anyone not involved)."""
    user = request.user
    context: dict[str, Any] = {"seat": evaluation.seat_of(user, tender)}
    if tender.status in OPENED_ONWARDS and permissions.can_manage_tenders(user):
        seats = list(tender.evaluators.select_related("evaluator"))
        context["seats"] = seats
        context["candidates"] = (
            User.objects.filter(memberships__role=Role.EVALUATOR)
            .exclude(pk__in=[s.evaluator_id for s in seats])
            .distinct()
        )
        context["bids"] = evaluation.current_bids(tender)
        if evaluation.all_submitted(tender) and tender.status == TenderStatus.OPENED:
            ranking, by_name = evaluation.ranking_for(tender)
            context["ranking"] = ranking
            context["flagged"] = [(r, by_name[r.bidder]) for r in ranking.results if r.abnormally_low]
            context["award_to"] = evaluation.swiss_winner(tender, ranking, by_name, blockers=[])
        context["blockers"] = (
            shown_all(evaluation.award_blockers(tender)) if tender.status == TenderStatus.OPENED else []
        )
        context["ends_in_award"] = ends_in_award(Stage(tender.stage))
        if tender.status == TenderStatus.OPENED and not context["ends_in_award"]:
            context["stage_blockers"] = shown_all(evaluation.evaluation_blockers(tender))
        if "ranking" in context and tender.swiss_rule == SwissRule.MATCH and tender.proponent is not None:
            context["swiss"] = swiss_outcome(context["ranking"], tender.proponent.name)
    if tender.status == TenderStatus.AWARDED:
        award = tender.current_award
        context["award"] = award
        context["debrief"] = evaluation.debrief(actor=user, tender=tender)
        manager = permissions.can_manage_tenders(user)
        complaints = tender.complaints.select_related("bid__supplier")
        mine = permissions.supplier_organisations(user)
        context["complaints"] = complaints if manager else complaints.filter(bid__supplier__in=mine)
        context["signature_blockers"] = shown_all(evaluation.signature_blockers(tender)) if manager else []
        context["complaint_form"] = (
            ComplaintForm() if context["debrief"] is not None and timezone.now() < award.standstill_end else None
        )
    return context


@login_required
@require_POST
def committee_add(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    return _act(
        request,
        tender.pk,
        lambda: evaluation.committee_assign(
            actor=permissions.signed_in_user(request),
            tender_id=tender.pk,
            evaluator_ids=[int(v) for v in request.POST.getlist("evaluators") if v.isdigit()],
        ),
        _("The committee is updated."),
    )


@login_required
@require_POST
def eligibility(request: HttpRequest, pk: int, bid_pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    return _act(
        request,
        tender.pk,
        lambda: evaluation.eligibility_set(
            actor=permissions.signed_in_user(request),
            tender_id=tender.pk,
            bid_id=bid_pk,
            eligible=request.POST.get("eligible") == "yes",
            note=request.POST.get("note", ""),
        ),
        _("Eligibility recorded."),
    )


@login_required
@require_POST
def price_explanation(request: HttpRequest, pk: int, bid_pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    return _act(
        request,
        tender.pk,
        lambda: evaluation.price_explanation_set(
            actor=permissions.signed_in_user(request),
            tender_id=tender.pk,
            bid_id=bid_pk,
            explanation=request.POST.get("explanation", ""),
        ),
        _("The bidder's explanation is recorded."),
    )


@login_required
@require_POST
@refusals_in_reader_language
def award(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    try:
        decided = evaluation.award_decide(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, reasons=request.POST.get("reasons", "")
        )
    except (TenderingError, ValidationError) as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(
            request,
            _("Awarded to %(name)s. Every bidder is notified; the standstill has begun.")
            % {"name": decided.bid.supplier.name},
        )
    return _back(tender.pk)


class DeclarationForm(forms.Form):
    def __init__(self, *args: Any, bidders: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bidders = bidders
        for org in bidders:
            self.fields[f"conflict_{org.pk}"] = forms.TypedChoiceField(
                label=_("A conflict of interest with %(name)s?") % {"name": org.name},
                choices=[("no", _("No")), ("yes", _("Yes"))],
                widget=forms.RadioSelect,
                coerce=lambda v: v == "yes",
            )
            self.fields[f"details_{org.pk}"] = forms.CharField(
                required=False,
                label=_("Details for %(name)s") % {"name": org.name},
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Required when there is a conflict."),
            )

    def declarations(self) -> dict[int, tuple[bool, str]]:
        data = self.cleaned_data
        return {org.pk: (bool(data[f"conflict_{org.pk}"]), data[f"details_{org.pk}"]) for org in self.bidders}


class ScoresheetForm(forms.Form):
    def __init__(self, *args: Any, bids: list[Any], leaves: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cells = []
        for bid in bids:
            for criterion in leaves:
                score, why = f"score_{bid.pk}_{criterion.key}", f"why_{bid.pk}_{criterion.key}"
                self.fields[score] = forms.DecimalField(
                    required=False,
                    min_value=0,
                    max_value=criterion.max_score,
                    decimal_places=2,
                    label=_("%(bidder)s: %(criterion)s (0 to %(top)s)")
                    % {"bidder": bid.supplier.name, "criterion": criterion.name, "top": f"{criterion.max_score:g}"},
                )
                self.fields[why] = forms.CharField(
                    required=False,
                    label=_("%(bidder)s: why this score for %(criterion)s")
                    % {"bidder": bid.supplier.name, "criterion": criterion.name},
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                self.cells.append((bid, criterion, score, why))


def _scoresheet(tender: Any, seat: Any) -> tuple[list[Any], list[Any]]:
    leaves = [c for c, _w in services.scheme_of(tender).leaves() if not c.is_price]
    return evaluation.current_bids(tender), leaves


@login_required
@refusals_in_reader_language
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluator's page: declarations first, then the bids and the scoresheet, then others' scores."""
    tender = _tender(request, pk)
    seat = evaluation.seat_of(request.user, tender)
    if seat is None:
        raise PermissionDenied(_("You are not on this tender's evaluation committee."))
    if tender.status != TenderStatus.OPENED:
        messages.info(request, _("There is nothing to evaluate: the bids are not opened or the tender is decided."))
        return _back(tender.pk)
    if seat.declared_at is None:
        return _declare(request, tender, seat)
    if seat.recused:
        return render(request, "tendering/evaluate.html", {"tender": tender, "seat": seat})
    return _score(request, tender, seat)


def _declare(request: HttpRequest, tender: Any, seat: Any) -> HttpResponse:
    form = DeclarationForm(request.POST or None, bidders=[b.supplier for b in evaluation.current_bids(tender)])
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                evaluation.conflicts_declare(
                    actor=permissions.signed_in_user(request), tender_id=tender.pk, declarations=form.declarations()
                )
            except (TenderingError, ValidationError) as exc:
                form.add_error(None, _messages_of(exc))
            else:
                messages.success(request, _("Your declarations are recorded."))
                return redirect("tendering:evaluate", pk=tender.pk)
    context = {"tender": tender, "seat": seat, "declaration_form": form}
    return render(request, "tendering/evaluate.html", context, status=status)


def _score(request: HttpRequest, tender: Any, seat: Any) -> HttpResponse:
    bids, leaves = _scoresheet(tender, seat)
    initial: dict[str, Any] = {}
    for score in Score.objects.filter(assignment=seat):
        initial[f"score_{score.bid_id}_{score.criterion}"] = score.value
        initial[f"why_{score.bid_id}_{score.criterion}"] = score.justification
    form = ScoresheetForm(request.POST or None, initial=initial, bids=bids, leaves=leaves)
    status = 200
    if request.method == "POST" and seat.submitted_at is None:
        status = 400
        if form.is_valid() and _save_scores(request, tender, form):
            if request.POST.get("submit") == "yes":
                try:
                    evaluation.scores_submit(actor=permissions.signed_in_user(request), tender_id=tender.pk)
                except (TenderingError, ValidationError) as exc:
                    messages.error(request, _messages_of(exc))
                else:
                    messages.success(request, _("Your scores are submitted and locked."))
            else:
                messages.success(request, _("Your scores are saved. Submit them when every cell is filled."))
            return redirect("tendering:evaluate", pk=tender.pk)
    actor = permissions.signed_in_user(request)
    context = {
        "tender": tender,
        "seat": seat,
        "form": form,
        "bids": [(bid, services.bid_contents(actor=actor, bid=bid)) for bid in bids],
        "leaves": leaves,
        "moderation": evaluation.moderation_rows(tender) if seat.submitted_at else None,
        # after the opening, to an evaluator without a conflict (a conflict recuses: no scoresheet at all): each
        # bidder's performance record on earlier contracts (ARCHITECTURE.md's named exception to the import rule)
        "records": performance_records.supplier_summaries(
            actor=actor, organisation_ids=[bid.supplier_id for bid in bids]
        ),
    }
    return render(request, "tendering/evaluate.html", context, status=status)


def _save_scores(request: HttpRequest, tender: Any, form: ScoresheetForm) -> bool:
    """Save every filled cell in one go; a problem puts an error on its field and saves nothing."""
    actor = permissions.signed_in_user(request)
    try:
        with transaction.atomic():
            for bid, criterion, score, why in form.cells:
                value, text = form.cleaned_data.get(score), form.cleaned_data.get(why, "")
                if value is None and not text:
                    continue
                try:
                    evaluation.score_save(
                        actor=actor,
                        tender_id=tender.pk,
                        bid_id=bid.pk,
                        criterion=criterion.key,
                        value="" if value is None else value,
                        justification=text,
                    )
                except ValidationError as exc:
                    target = why if "justification" in exc.message_dict else score
                    form.add_error(target, _messages_of(exc))
            if form.errors:
                raise ValidationError("rolled back")
    except ValidationError:
        return False
    except TenderingError as exc:
        form.add_error(None, shown(exc))
        return False
    return True


@login_required
@refusals_in_reader_language
def moderation(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    seat = evaluation.seat_of(request.user, tender)
    manager = permissions.can_manage_tenders(request.user)
    if not manager and (seat is None or seat.submitted_at is None):
        raise PermissionDenied(_("The scores are shown to evaluators once they have submitted their own."))
    if request.method == "POST":
        if not manager:
            raise PermissionDenied(_("Only the PPP unit records the moderated score."))
        try:
            evaluation.consensus_set(
                actor=permissions.signed_in_user(request),
                tender_id=tender.pk,
                bid_id=int(request.POST.get("bid", "0") or 0),
                criterion=request.POST.get("criterion", ""),
                value=request.POST.get("value", ""),
                justification=request.POST.get("justification", ""),
            )
        except (TenderingError, ValidationError) as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, _("The moderated score is recorded."))
        return redirect("tendering:moderation", pk=tender.pk)
    context = {
        "tender": tender,
        "rows": evaluation.moderation_rows(tender),
        "can_moderate": manager and evaluation.all_submitted(tender) and tender.status == TenderStatus.OPENED,
        "seats": list(tender.evaluators.select_related("evaluator")),
    }
    return render(request, "tendering/moderation.html", context)


class ComplaintForm(forms.Form):
    grounds = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Grounds: what was wrong"))
    evidence = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Evidence"),
        help_text=gettext_lazy("Or where to find it."),
    )
    remedy = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("Remedy sought"))


@login_required
@require_POST
def complaint_lodge(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    form = ComplaintForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the grounds and the remedy you seek."))
        return _back(tender.pk)
    return _act(
        request,
        tender.pk,
        lambda: evaluation.complaint_lodge(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, **form.cleaned_data
        ),
        _("Your complaint is lodged. No contract will be signed until it is decided."),
    )


@login_required
@require_POST
def complaint_decide(request: HttpRequest, pk: int, complaint_pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    complaint = tender.complaints.filter(pk=complaint_pk).first()
    if complaint is None:
        raise Http404("No such complaint.")
    upheld = request.POST.get("upheld") == "yes"
    return _act(
        request,
        tender.pk,
        lambda: evaluation.complaint_decide(
            actor=permissions.signed_in_user(request),
            complaint_id=complaint.pk,
            upheld=upheld,
            decision=request.POST.get("decision", ""),
        ),
        _("The complaint is upheld: the award is set aside and the evaluation is open again.")
        if upheld
        else _("The complaint is dismissed."),
    )


def _report_data(request: HttpRequest, tender: Any) -> dict[str, Any]:
    awarded = tender.status in (TenderStatus.AWARDED, TenderStatus.COMPLETED)  # decided: by award or down-selection
    if tender.status not in OPENED_ONWARDS or not permissions.can_read_evaluation_report(request.user, awarded):
        raise PermissionDenied(_("The evaluation report is for the PPP unit, and for auditors after the award."))
    award = tender.current_award
    result = getattr(tender, "stage_result", None)
    ranking: dict[str, Any] | None = award.ranking if award else (result.ranking if result else None)
    if ranking is None and evaluation.all_submitted(tender):
        ranking = evaluation.ranking_for(tender)[0].as_dict()
    seats = list(tender.evaluators.select_related("evaluator").prefetch_related("declarations__supplier"))
    return {
        "tender": tender,
        "leaves": services.scheme_of(tender).leaves(),
        "seats": seats,
        "rows": evaluation.moderation_rows(tender),
        "ranking": ranking,
        "award": award,
        "stage_result": result,
        "bids": evaluation.current_bids(tender),
    }


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluation report: criteria and weights, declarations, scores, moderation, ranking and decision."""
    from django.template.loader import render_to_string

    tender = _tender(request, pk)
    html = render_to_string("tendering/report_pdf.html", _report_data(request, tender), request=request)
    try:
        from weasyprint import HTML
    except OSError:
        return HttpResponse(
            _("PDF export needs the Pango library on the server."), status=503, content_type="text/plain"
        )
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="evaluation-report-tender-{tender.pk}.pdf"'
    return response


@login_required
def scores_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The score matrix: every evaluator's submitted score and justification, the consensus and the ranking."""
    import io

    from openpyxl import Workbook

    tender = _tender(request, pk)
    data = _report_data(request, tender)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has a sheet
    sheet.title = "Scores"
    sheet.append(["bidder", "criterion", "evaluator", "score", "justification"])
    for row in data["rows"]:
        for score in row["scores"]:
            sheet.append(
                [
                    row["bid"].supplier.name,
                    row["criterion"].key,
                    str(score.assignment.evaluator),
                    float(score.value),
                    score.justification,
                ]
            )
    agreed = book.create_sheet("Consensus")
    agreed.append(["bidder", "criterion", "consensus", "spread"])
    for row in data["rows"]:
        consensus = row["consensus"]
        agreed.append(
            [
                row["bid"].supplier.name,
                row["criterion"].key,
                float(consensus) if consensus is not None else None,
                row["spread"],
            ]
        )
    if data["ranking"]:
        ranked = book.create_sheet("Ranking")
        ranked.append(["rank", "bidder", "quality_points", "price_points", "total", "disqualified", "abnormally_low"])
        for result in data["ranking"]["results"]:
            ranked.append(
                [
                    result["rank"],
                    result["bidder"],
                    result["quality_points"],
                    result["price_points"],
                    result["total"],
                    "; ".join(result["disqualified"]),
                    "; ".join(result["abnormally_low"]),
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="score-matrix-tender-{tender.pk}.xlsx"'
    return response
