from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.domain import redaction
from civicpact.domain.pipeline import Stage
from civicpact.domain.tendering import LOCKED_STAGES, Procedure, next_stages, procedure_for_route
from civicpact.domain.tendering import Stage as TenderStage
from civicpact.ledger import selectors as ledger_selectors
from civicpact.pipeline import selectors as pipeline
from civicpact.pipeline.models import Project
from civicpact.tendering import selectors, services
from civicpact.tendering.exceptions import TenderingError
from civicpact.tendering.forms import (
    PRICE_FORMULA_CHOICES,
    AmendForm,
    AnswerForm,
    BidForm,
    QuestionForm,
    TenderDocumentForm,
    TenderFilterForm,
    TenderForm,
)
from civicpact.tendering.models import (
    OPENED_ONWARDS,
    Bid,
    BidStatus,
    Clarification,
    Tender,
    TenderDocument,
    TenderStatus,
)
from civicpact.tendering.wording import refusals_in_reader_language, shown, translated
from civicpact.util import run_with_form


def _tender(request: HttpRequest, pk: int) -> Tender:
    try:
        return selectors.tender_get(actor=request.user, pk=pk)
    except Tender.DoesNotExist:
        raise Http404("No such tender.") from None


def _save(form: Any, save: Any) -> int:
    """Run a service, putting its errors on the form (in the reader's language): 0 when saved, else the status to
    answer with."""

    def call() -> None:
        try:
            save()
        except (ValidationError, TenderingError, PermissionDenied) as exc:
            raise translated(exc) from exc

    return run_with_form(form, call, (TenderingError,))


def tender_list(request: HttpRequest) -> HttpResponse:
    filters = TenderFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    tenders = selectors.tender_search(
        actor=request.user, text=data.get("q", ""), procedure=data.get("procedure", ""), status=data.get("status", "")
    )
    context = {
        "tenders": tenders,
        "filters": filters,
        "filtered": any(data.values()),
        "can_propose": any(org.can_bid for org in permissions.supplier_organisations(request.user)),
        "can_manage": permissions.can_manage_tenders(request.user),
        "now": timezone.now(),
    }
    return render(request, "tendering/tender_list.html", context, status=200 if not filters.errors else 400)


@login_required
def tender_create(request: HttpRequest, project_pk: int) -> HttpResponse:
    if not permissions.can_manage_tenders(request.user):
        raise PermissionDenied(_("Only the PPP unit prepares tenders."))
    try:
        project = pipeline.project_get(actor=request.user, pk=project_pk)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None
    if project.stage != Stage.PROCUREMENT:
        messages.error(request, _("Only a project that passed its structuring gate can be tendered."))
        return redirect("pipeline:project-detail", pk=project.pk)
    initial = {"title": project.title, "description": project.summary, "version": 0}
    route = project.route_choices.first()
    procedure = procedure_for_route(route.chosen_route) if route else None
    from civicpact.tendering.proposals import swiss_defaults

    initial |= {k: getattr(v, "pk", v) for k, v in swiss_defaults(project).items()}
    form = TenderForm(request.POST or None, initial=initial, procedure=procedure)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            created: list[Tender] = []
            status = _save(
                form,
                lambda: created.append(
                    services.tender_create(
                        actor=permissions.signed_in_user(request),
                        project_id=project.pk,
                        publication_date=timezone.now(),
                        **form.tender_fields(),
                    )
                ),
            )
            if not status:
                messages.success(request, _("The draft tender is saved. Nothing is public until you publish it."))
                return redirect("tendering:tender-detail", pk=created[0].pk)
    return render(request, "tendering/tender_form.html", {"form": form, "project": project}, status=status)


@login_required
def tender_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _tender_form(request, pk, amending=False)


@login_required
def tender_amend(request: HttpRequest, pk: int) -> HttpResponse:
    return _tender_form(request, pk, amending=True)


def _tender_form(request: HttpRequest, pk: int, *, amending: bool) -> HttpResponse:
    """Edit a draft, or amend a published tender (with a published rationale)."""
    tender = _tender(request, pk)
    if not permissions.can_manage_tenders(request.user):
        raise PermissionDenied(_("Only the PPP unit changes tenders."))
    form_class = AmendForm if amending else TenderForm
    form = form_class(
        request.POST or None,
        initial=TenderForm.initial_from(tender),
        procedure=tender.procedure,
        fixed_stage=tender.stage,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            actor, version = permissions.signed_in_user(request), form.cleaned_data["version"]
            if amending:
                status = _save(
                    form,
                    lambda: services.tender_amend(
                        actor=actor,
                        tender_id=tender.pk,
                        expected_version=version,
                        rationale=form.cleaned_data["rationale"],
                        **form.tender_fields(),
                    ),
                )
            else:
                status = _save(
                    form,
                    lambda: services.tender_update(
                        actor=actor, tender_id=tender.pk, expected_version=version, **form.tender_fields()
                    ),
                )
            if not status:
                messages.success(
                    request,
                    _("The amendment is published; bidders so far must re-confirm their bids.")
                    if amending
                    else _("The draft tender is saved."),
                )
                return redirect("tendering:tender-detail", pk=tender.pk)
    context = {"form": form, "project": tender.project, "tender": tender, "amending": amending}
    return render(request, "tendering/tender_form.html", context, status=status)


def tender_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from civicpact.tendering.evaluation_views import evaluation_context

    tender = _tender(request, pk)
    context = {**_detail_context(request, tender), **evaluation_context(request, tender)}
    return render(request, "tendering/tender_detail.html", context)


def _withheld(tender: Tender) -> dict[str, Any]:
    """The tender's documents under a confidentiality claim in force, by OCDS document id (docs/confidentiality.md)."""
    return ledger_selectors.documents_withheld(ocid=tender.ocid or tender.project.ocid)


def _documents(user: Any, tender: Tender) -> list[TenderDocument]:
    """The tender's documents; for anyone but city staff, each withheld one carries `withheld` (its public note)."""
    documents = list(tender.documents.all())
    withheld = {} if permissions.is_city_staff(user) else _withheld(tender)
    for d in documents:
        claim = withheld.get(f"tender-document-{d.pk}")
        d.withheld = redaction.note(claim.as_domain()) if claim else ""  # type: ignore[attr-defined]
        d.withheld_title = bool(claim and claim.withhold_title)  # type: ignore[attr-defined]
    return documents


def _detail_context(request: HttpRequest, tender: Tender, **forms: Any) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    scheme = services.scheme_of(tender)
    own = selectors.own_bid(actor=user, tender=tender)
    invited = services.invited_supplier_ids(tender)
    bidders = [org for org in permissions.supplier_organisations(user) if org.can_bid]
    uninvited = invited is not None and bool(bidders) and not any(org.pk in invited for org in bidders)
    locked = tender.stage in LOCKED_STAGES and own is not None and own.status == BidStatus.SUBMITTED
    can_bid = (
        tender.status == TenderStatus.PUBLISHED
        and not tender.deadline_passed(now)
        and bool(bidders)
        and not uninvited
        and not locked
    )
    leaves = [criterion for criterion, _weight in scheme.leaves()]
    return {
        "tender": tender,
        "now": now,
        "leaves": scheme.leaves(),
        "has_price": scheme.price_criterion is not None,
        "can_manage": permissions.can_manage_tenders(user),
        "sees_pipeline": permissions.can_view_pipeline(user),
        "method_rationale": services.method_rationale(tender),
        "bid_count": selectors.bid_count(actor=user, tender=tender),
        "own_bid": own,
        "receipts": selectors.receipts(bid=own) if own else [],
        "can_bid": can_bid,
        "can_ask": can_bid and now < tender.clarification_deadline,
        "bid_form": forms.get("bid_form") or (BidForm(leaves=leaves) if can_bid else None),
        "question_form": forms.get("question_form") or QuestionForm(),
        "documents": _documents(user, tender),
        "document_form": forms.get("document_form")
        or (
            TenderDocumentForm(amending=tender.status == TenderStatus.PUBLISHED)
            if permissions.can_manage_tenders(user)
            and (
                tender.status == TenderStatus.DRAFT
                or (tender.status == TenderStatus.PUBLISHED and not tender.deadline_passed(now))
            )
            else None
        ),
        "clarifications": [
            (c, AnswerForm(prefix=f"c{c.pk}") if not c.answer else None)
            for c in selectors.clarifications(actor=user, tender=tender)
        ],
        "price_formula": dict(PRICE_FORMULA_CHOICES).get(tender.price_formula, tender.price_formula),
        "opened": selectors.opened_bids(actor=user, tender=tender) if permissions.can_manage_tenders(user) else [],
        "opening": getattr(tender, "opening", None) if tender.status in OPENED_ONWARDS else None,
        **stage_context(request, tender, uninvited=uninvited, locked=locked),
    }


def stage_context(request: HttpRequest, tender: Tender, *, uninvited: bool, locked: bool) -> dict[str, Any]:
    """The procedure's stages as the visitor may see them, the stage's down-selection, and a Swiss challenge's
    right to match (its window and, for the proponent, the price to match)."""
    from civicpact.tendering.stages import stage_chain

    user = request.user
    staff = permissions.can_view_tender_drafts(user)
    alone = tender.stage in (TenderStage.SINGLE, TenderStage.COMPETING_OFFERS)  # one-stage procedures
    chain = [t for t in ([] if alone else stage_chain(tender)) if staff or t.status != TenderStatus.DRAFT]
    previous = tender.previous_stage
    result = getattr(tender, "stage_result", None) if tender.status == TenderStatus.COMPLETED else None
    match = getattr(tender, "swiss_match", None)
    proponent_user = bool(tender.proponent_id) and any(
        org.pk == tender.proponent_id for org in permissions.supplier_organisations(user)
    )
    following = next_stages(Procedure(tender.procedure), TenderStage(tender.stage))
    return {
        "chain": chain,
        "invited_names": [e["name"] for e in previous.stage_result.kept]
        if previous is not None and hasattr(previous, "stage_result")
        else [],
        "uninvited": uninvited,
        "locked": locked,
        "locked_stage": tender.stage in LOCKED_STAGES,
        "stage_result": result,
        "can_draft_next": result is not None
        and bool(following)
        and permissions.can_manage_tenders(user)
        and not tender.next_stages.exclude(status=TenderStatus.CANCELLED).exists(),
        "match": match,
        "match_open": match is not None and not match.decided(timezone.now()),
        "proponent_user": proponent_user,
    }


@login_required
@require_POST
@refusals_in_reader_language
def tender_publish(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    try:
        services.tender_publish(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, expected_version=tender.version
        )
    except ValidationError as exc:
        for message in translated(exc).messages:
            messages.error(request, message)
        return redirect("tendering:tender-edit", pk=tender.pk)
    except TenderingError as exc:
        messages.error(request, shown(exc))
    else:
        messages.success(request, _("The tender is published and open for bids until its submission deadline."))
    return redirect("tendering:tender-detail", pk=tender.pk)


@login_required
@require_POST
@refusals_in_reader_language
def tender_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    try:
        services.tender_cancel(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, reasons=request.POST.get("reasons", "")
        )
    except (TenderingError, ValidationError) as exc:
        messages.error(request, shown(exc))
    else:
        messages.success(request, _("The tender is cancelled; the reasons are published."))
    return redirect("tendering:tender-detail", pk=tender.pk)


@login_required
@require_POST
def bid_submit(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    leaves = [criterion for criterion, _weight in services.scheme_of(tender).leaves()]
    form = BidForm(request.POST, request.FILES, leaves=leaves)
    if form.is_valid():
        versions: list[Any] = []
        status = _save(
            form,
            lambda: versions.append(
                services.bid_submit(
                    actor=permissions.signed_in_user(request), tender_id=tender.pk, payload=form.payload()
                )
            ),
        )
        if not status:
            receipt = versions[0]
            # the time to the second, as the page's receipts show it
            to_the_second = pgettext("date format: a receipt's day, month, year and time to the second", "j M Y H:i:s")
            messages.success(
                request,
                _("Your bid (version %(number)s) is sealed. Receipt: %(receipt)s at %(time)s.")
                % {
                    "number": receipt.number,
                    "receipt": receipt.receipt,
                    "time": formats.date_format(timezone.localtime(receipt.submitted_at), to_the_second),
                },
            )
            return redirect("tendering:tender-detail", pk=tender.pk)
    else:
        status = 400
    context = _detail_context(request, tender, bid_form=form)
    return render(request, "tendering/tender_detail.html", context, status=status)


@login_required
@refusals_in_reader_language
def bid_document(request: HttpRequest, pk: int, bid_pk: int, index: int) -> HttpResponse:
    """A document of an opened bid, decrypted for the PPP unit and cleared evaluators only."""
    tender = _tender(request, pk)
    bid = Bid.objects.filter(tender=tender, pk=bid_pk).select_related("tender").first()
    if bid is None:
        raise Http404("No such bid.")
    try:
        contents = services.bid_contents(actor=permissions.signed_in_user(request), bid=bid)
    except TenderingError as exc:
        raise PermissionDenied(shown(exc)) from None
    documents = contents.get("documents", [])
    if not 0 <= index < len(documents):
        raise Http404("No such document.")
    document = documents[index]
    response = HttpResponse(base64.b64decode(document["data"]), content_type=document["content_type"])
    response["Content-Disposition"] = f'attachment; filename="{document["name"].replace(chr(34), "")}"'
    return response


@login_required
@require_POST
@refusals_in_reader_language
def bid_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    try:
        services.bid_withdraw(actor=permissions.signed_in_user(request), tender_id=tender.pk)
    except TenderingError as exc:
        messages.error(request, shown(exc))
    else:
        messages.success(request, _("Your bid is withdrawn. You may submit a new one until the deadline."))
    return redirect("tendering:tender-detail", pk=tender.pk)


@login_required
@require_POST
@refusals_in_reader_language
def tender_open(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    try:
        opening = services.tender_open(actor=permissions.signed_in_user(request), tender_id=tender.pk)
    except TenderingError as exc:
        messages.error(request, shown(exc))
    else:
        messages.success(
            request,
            _("The opening is recorded: %(count)s bid(s), with their receipts.") % {"count": len(opening.bids)},
        )
    return redirect("tendering:tender-detail", pk=tender.pk)


@login_required
@require_POST
def clarification_ask(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    form = QuestionForm(request.POST)
    status = 400
    if form.is_valid():
        status = _save(
            form,
            lambda: services.clarification_ask(
                actor=permissions.signed_in_user(request), tender_id=tender.pk, question=form.cleaned_data["question"]
            ),
        )
        if not status:
            messages.success(request, _("Your question is sent. The answer will be published to every bidder."))
            return redirect("tendering:tender-detail", pk=tender.pk)
    context = _detail_context(request, tender, question_form=form)
    return render(request, "tendering/tender_detail.html", context, status=status)


@login_required
@require_POST
@refusals_in_reader_language
def clarification_answer(request: HttpRequest, pk: int, clarification_pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    form = AnswerForm(request.POST, prefix=f"c{clarification_pk}")
    if not form.is_valid():
        messages.error(request, _("Write the answer."))
        return redirect("tendering:tender-detail", pk=tender.pk)
    try:
        services.clarification_answer(
            actor=permissions.signed_in_user(request),
            clarification_id=Clarification.objects.get(pk=clarification_pk, tender=tender).pk,
            answer=form.cleaned_data["answer"],
        )
    except Clarification.DoesNotExist:
        raise Http404("No such question.") from None
    except (TenderingError, ValidationError) as exc:
        messages.error(request, shown(exc))
    else:
        messages.success(request, _("The answer is published to every bidder."))
    return redirect("tendering:tender-detail", pk=tender.pk)


@login_required
@require_POST
def document_attach(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    form = TenderDocumentForm(request.POST, request.FILES, amending=tender.status == TenderStatus.PUBLISHED)
    status = 400
    if form.is_valid():
        status = _save(
            form,
            lambda: services.tender_document_attach(
                actor=permissions.signed_in_user(request),
                tender_id=tender.pk,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                document_type=form.cleaned_data["document_type"],
                rationale=form.cleaned_data.get("rationale", ""),
            ),
        )
        if not status:
            messages.success(
                request,
                _("The document is published with the tender; bidders so far must re-confirm their bids.")
                if tender.status == TenderStatus.PUBLISHED
                else _("The document is attached to the draft."),
            )
            return redirect("tendering:tender-detail", pk=tender.pk)
    context = _detail_context(request, tender, document_form=form)
    return render(request, "tendering/tender_detail.html", context, status=status)


@login_required
@require_POST
@refusals_in_reader_language
def document_remove(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    document = TenderDocument.objects.filter(tender=tender, pk=document_pk).first()
    if document is None:
        raise Http404("No such document.")
    try:
        services.tender_document_remove(actor=permissions.signed_in_user(request), document_id=document.pk)
    except TenderingError as exc:
        messages.error(request, shown(exc))
    else:
        messages.success(request, _("The document is removed from the draft."))
    return redirect("tendering:tender-detail", pk=tender.pk)


def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """A tender's document: public once the tender is published (a draft's only for city staff)."""
    tender = _tender(request, pk)
    document = TenderDocument.objects.filter(tender=tender, pk=document_pk).first()
    if document is None:
        raise Http404("No such document.")
    if not permissions.is_city_staff(request.user) and f"tender-document-{document.pk}" in _withheld(tender):
        raise PermissionDenied(_("This document is withheld under a confidentiality claim."))
    name = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=name, content_type=document.content_type
    )
