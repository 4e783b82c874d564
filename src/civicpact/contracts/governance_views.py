"""Pages for a contract's governance: disputes on the escalation ladder, bodies with their meetings and decisions,
and the end of the term (extension or exit plan). Thin: parse a form, call `contracts.governance`, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.contracts import governance
from civicpact.contracts.changes import AboveAuthority, _party_of, delegation
from civicpact.contracts.governance_forms import (
    BodyForm,
    DecisionForm,
    DecisionStatusForm,
    DiscussForm,
    DisputeRaiseForm,
    EscalateForm,
    ExitItemForm,
    ExitItemUpdateForm,
    ExitStartForm,
    ExtensionForm,
    FailureForm,
    MeetingForm,
    MeetingRecordForm,
    ResolveForm,
    WithdrawForm,
)
from civicpact.contracts.labels import EXIT_CATEGORY_LABELS, LEVEL_LABELS
from civicpact.contracts.models import Contract, Dispute, ExitItem, Meeting
from civicpact.contracts.selectors import is_partner
from civicpact.contracts.services import ContractError
from civicpact.contracts.views import _contract
from civicpact.domain import governance as rules
from civicpact.domain.contracts import ContractStatus, PartyRole
from civicpact.domain.governance import LADDER, DisputeStatus, Level
from civicpact.util import run_with_form


def _readable(request: HttpRequest, pk: int) -> Contract:
    """The contract (404 when not visible), if the visitor reads its governance (403 otherwise)."""
    contract = _contract(request, pk)
    if not governance.can_read(request.user, contract):
        raise PermissionDenied(_("Governance is for the contract's managers, its partner and auditors."))
    return contract


def _run(form: Any, call: Callable[[], object]) -> int:
    return run_with_form(form, call, (ContractError,))


def _run_within_authority(form: Any, call: Callable[[], object]) -> int:
    """As `_run`; a lower rung of the delegation ladder is told on the form who must decide (403)."""
    try:
        return _run(form, call)
    except AboveAuthority as exc:
        form.add_error(None, str(exc))
        return 403


def _roles(request: HttpRequest, contract: Contract) -> dict[str, bool]:
    manager = permissions.can_manage_contracts(request.user)
    partner = is_partner(request.user, contract)
    return {
        "can_manage": manager,
        "is_partner": partner,
        "can_act": (manager or partner) and contract.status == ContractStatus.ACTIVE,
    }


# --- the governance page ---------------------------------------------------------------------------------------------


def _page(request: HttpRequest, contract: Contract, status: int = 200, **forms: Any) -> HttpResponse:
    roles = _roles(request, contract)
    data = governance.governance_get(actor=request.user, contract=contract)
    manager = roles["can_manage"]
    context = {
        "contract": contract,
        "latest": contract.latest,
        **roles,
        **data,
        "days_ago": -data["days_left"],
        "delegation": delegation(),
        "raise_form": forms.get("raise_form") or (DisputeRaiseForm() if roles["can_act"] else None),
        "body_form": forms.get("body_form") or (BodyForm() if manager else None),
        "body_rows": [
            (
                row,
                (forms.get("meeting_form") if forms.get("meeting_body") == row.body.pk else None)
                or (MeetingForm(prefix=f"b{row.body.pk}") if manager else None),
            )
            for row in data["bodies"]
        ],
        "extension_form": forms.get("extension_form")
        or (
            ExtensionForm(initial={"version": contract.version})
            if manager and contract.status == ContractStatus.ACTIVE
            else None
        ),
        "exit_form": forms.get("exit_form") or (ExitStartForm() if manager and data["exit_plan"] is None else None),
    }
    return render(request, "contracts/governance.html", context, status=status)


@login_required
def governance_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _readable(request, pk))


@login_required
@require_POST
def dispute_raise(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    form = DisputeRaiseForm(request.POST)
    created: list[Dispute] = []
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = _run(
            form,
            lambda: created.append(
                governance.dispute_raise(
                    actor=permissions.signed_in_user(request),
                    contract_id=contract.pk,
                    subject=data["subject"],
                    description=data["description"],
                    amount=data["amount"],
                    clause=data["clause"],
                )
            ),
        )
        if not status:
            dispute = created[0]
            messages.success(
                request,
                _("Dispute %(number)s is raised at the operational level; it has until %(deadline)s to settle it.")
                % {"number": dispute.number, "deadline": l10n.when(dispute.deadline)},
            )
            return redirect("contracts:dispute-detail", pk=contract.pk, number=dispute.number)
    return _page(request, contract, status, raise_form=form)


@login_required
@require_POST
def body_create(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    form = BodyForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = _run(
            form,
            lambda: governance.body_create(
                actor=permissions.signed_in_user(request),
                contract_id=contract.pk,
                kind=data["kind"],
                name=data["name"],
                cadence=data["cadence"],
                members=data["members"],
                established=data["established"],
            ),
        )
        if not status:
            messages.success(request, _("“%(name)s” is set up.") % {"name": data["name"]})
            return redirect("contracts:governance", pk=contract.pk)
    return _page(request, contract, status, body_form=form)


@login_required
@require_POST
def meeting_create(request: HttpRequest, pk: int, body_pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    body = contract.bodies.filter(pk=body_pk).first()
    if body is None:
        raise Http404("No such governance body.")
    form = MeetingForm(request.POST, request.FILES, prefix=f"b{body.pk}")
    created: list[Meeting] = []
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = _run(
            form,
            lambda: created.append(
                governance.meeting_create(
                    actor=permissions.signed_in_user(request),
                    body_id=body.pk,
                    date=data["date"],
                    held=data["held"],
                    agenda=data["agenda"],
                    minutes=data["minutes"],
                    attendees=data["attendees"],
                    document=data["document"],
                )
            ),
        )
        if not status:
            meeting = created[0]
            messages.success(
                request, _("The meeting is recorded.") if meeting.held else _("The meeting is scheduled.")
            )
            return redirect("contracts:meeting-detail", pk=contract.pk, meeting_pk=meeting.pk)
    return _page(request, contract, status, meeting_form=form, meeting_body=body.pk)


# --- a dispute -------------------------------------------------------------------------------------------------------


def _dispute(contract: Contract, number: int) -> Dispute:
    dispute = next((d for d in governance.dispute_list(contract) if d.number == number), None)
    if dispute is None:
        raise Http404("No such dispute.")
    return dispute


def _meeting_choices(contract: Contract, *, held_only: bool = False) -> list[tuple[int, str]]:
    meetings = Meeting.objects.filter(body__contract=contract).select_related("body").order_by("-date")
    if held_only:
        meetings = meetings.filter(held=True)
    return [(m.pk, f"{m.body.name}, {l10n.when(m.date)}") for m in meetings]


def ladder(dispute: Dispute, today: Any) -> list[dict[str, Any]]:
    """The ladder as steps: each rung passed (with when it was left), the current one (with its deadline and
    whether it is overdue), or ahead."""
    current = LADDER.index(Level(dispute.level))
    left = {s.level: s.at for s in dispute.steps.all() if s.kind == "escalated"}
    rungs = []
    for index, level in enumerate(LADDER):
        rung: dict[str, Any] = {"label": LEVEL_LABELS[level], "state": "ahead"}
        if index < current:
            nxt = LADDER[index + 1]
            rung |= {"state": "passed", "left": left.get(nxt.value)}
        elif index == current:
            is_open = dispute.status == DisputeStatus.OPEN
            rung |= {
                "state": "current" if is_open else dispute.status,
                "deadline": dispute.deadline,
                "overdue": rules.is_overdue(dispute.deadline, today, open_=is_open),
                "failed": dispute.failed_to_agree,
            }
        rungs.append(rung)
    return rungs


def _dispute_page(
    request: HttpRequest, contract: Contract, number: int, status: int = 200, **forms: Any
) -> HttpResponse:
    dispute = _dispute(contract, number)
    roles = _roles(request, contract)
    is_open = dispute.status == DisputeStatus.OPEN
    acting = roles["can_act"] and is_open
    meetings = _meeting_choices(contract)
    held = _meeting_choices(contract, held_only=True)
    initial = {"version": dispute.version}
    above = rules.next_level(Level(dispute.level))
    withdraw = acting and _party_of(permissions.signed_in_user(request), contract) == dispute.raised_for_id
    today = timezone.localdate()
    context = {
        "contract": contract,
        "dispute": dispute,
        **roles,
        "ladder": ladder(dispute, today),
        "overdue": rules.is_overdue(dispute.deadline, today, open_=is_open),
        "steps": list(dispute.steps.all()),
        "decisions": list(dispute.decisions.select_related("meeting__body")),
        "failure_form": forms.get("failure_form")
        or (
            FailureForm(initial=initial, meetings=meetings, prefix="failure")
            if acting and not dispute.failed_to_agree
            else None
        ),
        "discuss_form": forms.get("discuss_form")
        or (
            DiscussForm(initial=initial, meetings=held, prefix="discuss")
            if acting and roles["can_manage"] and held
            else None
        ),
        "escalate_form": forms.get("escalate_form")
        or (EscalateForm(initial=initial | {"level": above.value}, prefix="escalate") if acting and above else None),
        "resolve_form": forms.get("resolve_form")
        or (
            ResolveForm(initial=initial, meetings=meetings, prefix="resolve")
            if acting and roles["can_manage"]
            else None
        ),
        "withdraw_form": forms.get("withdraw_form")
        or (WithdrawForm(initial=initial, prefix="withdraw") if withdraw else None),
    }
    return render(request, "contracts/dispute_detail.html", context, status=status)


@login_required
def dispute_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    return _dispute_page(request, _readable(request, pk), number)


@login_required
@require_POST
def dispute_act(request: HttpRequest, pk: int, number: int, action: str) -> HttpResponse:
    """One of the steps: record a failure to agree, escalate, resolve, withdraw."""
    contract = _readable(request, pk)
    dispute = _dispute(contract, number)
    actor = permissions.signed_in_user(request)
    meetings = _meeting_choices(contract)
    calls: dict[str, tuple[Any, Callable[[dict[str, Any]], object], str]] = {
        "failure": (
            FailureForm(request.POST, meetings=meetings, prefix="failure"),
            lambda d: governance.dispute_record_failure(
                actor=actor,
                dispute_id=dispute.pk,
                expected_version=d["version"],
                note=d["note"],
                meeting_id=d["meeting"],
            ),
            _("The failure to agree is recorded: either party may now escalate the dispute."),
        ),
        "discuss": (
            DiscussForm(request.POST, meetings=meetings, prefix="discuss"),
            lambda d: governance.dispute_discuss(
                actor=actor,
                dispute_id=dispute.pk,
                expected_version=d["version"],
                meeting_id=d["meeting"],
                note=d["note"],
            ),
            _("The dispute is linked to the meeting that discussed it."),
        ),
        "escalate": (
            EscalateForm(request.POST, prefix="escalate"),
            lambda d: governance.dispute_escalate(
                actor=actor, dispute_id=dispute.pk, expected_version=d["version"], level=d["level"], reason=d["reason"]
            ),
            _("The dispute is escalated."),
        ),
        "resolve": (
            ResolveForm(request.POST, meetings=meetings, prefix="resolve"),
            lambda d: governance.dispute_resolve(
                actor=actor,
                dispute_id=dispute.pk,
                expected_version=d["version"],
                outcome=d["outcome"],
                agreed_by=d["agreed_by"],
                meeting_id=d["meeting"],
            ),
            _("The dispute is resolved."),
        ),
        "withdraw": (
            WithdrawForm(request.POST, prefix="withdraw"),
            lambda d: governance.dispute_withdraw(
                actor=actor, dispute_id=dispute.pk, expected_version=d["version"], reason=d["reason"]
            ),
            _("The dispute is withdrawn."),
        ),
    }
    if action not in calls:
        raise Http404("No such step.")
    form, call, done = calls[action]
    status = 400
    if form.is_valid():
        status = _run(form, lambda: call(form.cleaned_data))
        if not status:
            messages.success(request, done)
            return redirect("contracts:dispute-detail", pk=contract.pk, number=number)
    return _dispute_page(request, contract, number, status, **{f"{action}_form": form})


# --- a meeting -------------------------------------------------------------------------------------------------------


def _meeting(contract: Contract, meeting_pk: int) -> Meeting:
    meeting = (
        Meeting.objects.filter(pk=meeting_pk, body__contract=contract)
        .select_related("body", "updated_by")
        .prefetch_related("decisions__dispute")
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def _meeting_page(
    request: HttpRequest, contract: Contract, meeting_pk: int, status: int = 200, **forms: Any
) -> HttpResponse:
    meeting = _meeting(contract, meeting_pk)
    manager = permissions.can_manage_contracts(request.user)
    open_disputes = [
        (d.pk, f"{d.number}. {d.subject} ({LEVEL_LABELS[Level(d.level)].lower()})")
        for d in contract.disputes.filter(status=DisputeStatus.OPEN)
    ]
    context = {
        "contract": contract,
        "meeting": meeting,
        "decisions": list(meeting.decisions.all()),
        "can_manage": manager,
        "record_form": forms.get("record_form")
        or (MeetingRecordForm(initial={"version": meeting.version}) if manager and not meeting.held else None),
        "decision_form": forms.get("decision_form")
        or (DecisionForm(disputes=open_disputes) if manager and meeting.held else None),
        "status_forms": [
            (d, DecisionStatusForm(initial={"version": d.version, "status": d.status}, prefix=f"d{d.pk}"))
            for d in meeting.decisions.all()
        ]
        if manager
        else [],
    }
    if "decision_form" in forms:
        forms["decision_form"].fields["dispute"].choices = [("", "—"), *open_disputes]
    return render(request, "contracts/meeting_detail.html", context, status=status)


@login_required
def meeting_detail(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    return _meeting_page(request, _readable(request, pk), meeting_pk)


@login_required
@require_POST
def meeting_record(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    meeting = _meeting(contract, meeting_pk)
    form = MeetingRecordForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = _run(
            form,
            lambda: governance.meeting_record(
                actor=permissions.signed_in_user(request),
                meeting_id=meeting.pk,
                expected_version=data["version"],
                minutes=data["minutes"],
                attendees=data["attendees"],
                document=data["document"],
            ),
        )
        if not status:
            messages.success(request, _("The meeting is recorded as held."))
            return redirect("contracts:meeting-detail", pk=contract.pk, meeting_pk=meeting.pk)
    return _meeting_page(request, contract, meeting_pk, status, record_form=form)


@login_required
@require_POST
def decision_add(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    meeting = _meeting(contract, meeting_pk)
    disputes = [(d.pk, str(d.number)) for d in contract.disputes.all()]
    form = DecisionForm(request.POST, disputes=disputes)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = _run(
            form,
            lambda: governance.decision_add(
                actor=permissions.signed_in_user(request),
                meeting_id=meeting.pk,
                text=data["text"],
                owner=data["owner"],
                due_date=data["due_date"],
                dispute_id=data["dispute"],
            ),
        )
        if not status:
            messages.success(
                request,
                _("The decision is recorded and the dispute is resolved.")
                if data["dispute"]
                else _("The decision is recorded."),
            )
            return redirect("contracts:meeting-detail", pk=contract.pk, meeting_pk=meeting.pk)
    return _meeting_page(request, contract, meeting_pk, status, decision_form=form)


@login_required
@require_POST
def decision_update(request: HttpRequest, pk: int, meeting_pk: int, decision_pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    meeting = _meeting(contract, meeting_pk)
    decision = meeting.decisions.filter(pk=decision_pk).first()
    if decision is None:
        raise Http404("No such decision.")
    form = DecisionStatusForm(request.POST, prefix=f"d{decision.pk}")
    if form.is_valid():
        try:
            governance.decision_update(
                actor=permissions.signed_in_user(request),
                decision_id=decision.pk,
                expected_version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
            )
        except ContractError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The decision's status is updated."))
    else:
        messages.error(request, _("Choose the decision's status."))
    return redirect("contracts:meeting-detail", pk=contract.pk, meeting_pk=meeting.pk)


# --- the end of the term ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    form = ExtensionForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = _run_within_authority(
            form,
            lambda: governance.extension_decide(
                actor=permissions.signed_in_user(request),
                contract_id=contract.pk,
                expected_version=data["version"],
                new_end_date=data["new_end_date"],
                reasons=data["reasons"],
                value=data["value"],
            ),
        )
        if not status:
            messages.success(
                request, _("The extension is a new contract version: it is in force once the parties sign.")
            )
            return redirect("contracts:contract-detail", pk=contract.pk)
    return _page(request, contract, status, extension_form=form)


@login_required
@require_POST
def exit_plan_start(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    form = ExitStartForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = _run(
            form,
            lambda: governance.exit_plan_start(
                actor=permissions.signed_in_user(request),
                contract_id=contract.pk,
                summary=data["summary"],
                due_date=data["due_date"],
            ),
        )
        if not status:
            messages.success(request, _("The exit plan is started with an item in each standard category."))
            return redirect("contracts:exit-plan", pk=contract.pk)
    return _page(request, contract, status, exit_form=form)


def _exit_page(request: HttpRequest, contract: Contract, status: int = 200, **forms: Any) -> HttpResponse:
    data = governance.governance_get(actor=request.user, contract=contract)
    plan = data["exit_plan"]
    if plan is None:
        raise Http404("This contract has no exit plan yet.")
    manager = permissions.can_manage_contracts(request.user)
    partner = is_partner(request.user, contract)
    items = list(plan.items.all())
    context = {
        "contract": contract,
        "plan": plan,
        "progress": data["exit_progress"],
        "missing": [EXIT_CATEGORY_LABELS[c] for c in data["exit_progress"].missing_categories],
        "today": data["today"],
        "rows": [(item, manager or (partner and item.owner_party == PartyRole.PARTNER)) for item in items],
        "can_manage": manager,
        "item_form": forms.get("item_form") or (ExitItemForm() if manager else None),
    }
    return render(request, "contracts/exit_plan.html", context, status=status)


@login_required
def exit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _exit_page(request, _readable(request, pk))


@login_required
@require_POST
def exit_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    form = ExitItemForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = _run(
            form,
            lambda: governance.exit_item_add(
                actor=permissions.signed_in_user(request),
                contract_id=contract.pk,
                category=data["category"],
                title=data["title"],
                owner_party=data["owner_party"],
                due_date=data["due_date"],
            ),
        )
        if not status:
            messages.success(request, _("The item is added to the exit plan."))
            return redirect("contracts:exit-plan", pk=contract.pk)
    return _exit_page(request, contract, status, item_form=form)


@login_required
def exit_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    contract = _readable(request, pk)
    item = ExitItem.objects.filter(pk=item_pk, plan__contract=contract).select_related("updated_by").first()
    if item is None:
        raise Http404("No such exit plan item.")
    manager = permissions.can_manage_contracts(request.user)
    may_update = manager or (is_partner(request.user, contract) and item.owner_party == PartyRole.PARTNER)
    form = None
    status = 200
    if may_update:
        initial = {"version": item.version, "status": item.status}
        form = ExitItemUpdateForm(request.POST or None, request.FILES or None, manager=manager, initial=initial)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("The partner updates only the exit items it owns."))
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            status = _run(
                form,
                lambda: governance.exit_item_update(
                    actor=permissions.signed_in_user(request),
                    item_id=item.pk,
                    expected_version=data["version"],
                    status=data["status"],
                    evidence=data["evidence"],
                    document=data["document"],
                    city_note=data.get("city_note", ""),
                ),
            )
            if not status:
                messages.success(request, _("“%(title)s” is updated.") % {"title": item.title})
                return redirect("contracts:exit-plan", pk=contract.pk)
    context = {"contract": contract, "item": item, "form": form}
    return render(request, "contracts/exit_item.html", context, status=status)


def _file_response(field: Any) -> FileResponse:
    if not field:
        raise Http404("No document is attached.")
    return FileResponse(field.open("rb"), as_attachment=True, filename=field.name.rsplit("/", 1)[-1])


@login_required
def meeting_document(request: HttpRequest, pk: int, meeting_pk: int) -> FileResponse:
    return _file_response(_meeting(_readable(request, pk), meeting_pk).minutes_document)


@login_required
def exit_item_document(request: HttpRequest, pk: int, item_pk: int) -> FileResponse:
    contract = _readable(request, pk)
    item = ExitItem.objects.filter(pk=item_pk, plan__contract=contract).first()
    if item is None:
        raise Http404("No such exit plan item.")
    return _file_response(item.evidence_document)
