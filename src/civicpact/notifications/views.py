"""Pages: the person's notifications (mark read), their e-mail preferences and calendar address, the city's
holidays (administrators), a supplier's interest in a tender, and the calendar feed itself (by token)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.notifications import calendars, interests, selectors, services
from civicpact.notifications.exceptions import NotificationError
from civicpact.notifications.feed import calendar_for, feed_url, feed_user
from civicpact.notifications.forms import HolidayForm, PreferencesForm
from civicpact.notifications.models import CityHoliday
from civicpact.util import add_errors

PAGE_SIZE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    rows = selectors.notification_list(actor=request.user, unread_only=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "unread_only": unread_only, "unread": selectors.unread_count(actor=request.user)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = services.notification_read(actor=permissions.signed_in_user(request), notification_id=pk)
    messages.success(request, _("Marked as read: %(title)s") % {"title": notification.title})
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_read_all(actor=permissions.signed_in_user(request))
    messages.success(
        request,
        ngettext("%(count)s notification marked as read.", "%(count)s notifications marked as read.", count)
        % {"count": count},
    )
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = permissions.signed_in_user(request)
    choice = services.email_preferences(user)
    form = PreferencesForm(request.POST or None, initial={"email": [k for k, on in choice.items() if on]})
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_save(actor=user, email_kinds=form.cleaned_data["email"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your e-mail preferences are saved."))
            return redirect("notifications:settings")
    token = request.session.pop("new_calendar_token", "") if request.method == "GET" else ""
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "feed": selectors.calendar_feed(actor=user), "new_feed_url": feed_url(token) if token else ""},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def calendar_rotate(request: HttpRequest) -> HttpResponse:
    """A new secret calendar address, shown once on the settings page (kept in the session across the redirect)."""
    request.session["new_calendar_token"] = services.calendar_feed_rotate(actor=permissions.signed_in_user(request))
    return redirect("notifications:settings")


@login_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    if services.calendar_feed_revoke(actor=permissions.signed_in_user(request)):
        messages.success(request, _("Your calendar address is switched off; calendars using it get nothing more."))
    return redirect("notifications:settings")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The ICS feed: no sign-in (calendar clients cannot), the secret token is the key; unknown: 404."""
    response = HttpResponse(calendar_for(feed_user(token)), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="civicpact-deadlines.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 1900 <= year <= 2200 else timezone.localdate().year


def _weekend_phrase(names: list[str]) -> str:
    """ "the weekend (Saturday and Sunday)" in the reader's language; "the weekend" when the days are unknown."""
    if not names:
        return _("the weekend")
    days = (
        names[0]
        if len(names) == 1
        else _("%(days)s and %(last)s") % {"days": ", ".join(names[:-1]), "last": names[-1]}
    )
    return _("the weekend (%(days)s)") % {"days": days}


def _calendar_year(year: int) -> dict[str, Any]:
    """The year's holidays (the city's own with their row, to remove), the weekend, and any settings problem."""
    own = {h.day: h for h in CityHoliday.objects.filter(day__year=year)}
    try:
        days = calendars.holiday_list(year, year)
        weekend, problem = [str(WEEKDAYS[d]) for d in sorted(calendars.weekend())], ""
    except calendars.HolidaySettingsError as exc:  # shown on the page; `manage.py check` refuses it too
        days, weekend, problem = [(day, h.name, True) for day, h in own.items()], [], str(exc)
    return {
        "year": year,
        "days": [(day, name, own.get(day) if is_own else None) for day, name, is_own in days],
        "problem": problem,
        "weekend": _weekend_phrase(weekend),
        "country": settings.CIVICPACT_HOLIDAYS_COUNTRY,
        "subdivision": settings.CIVICPACT_HOLIDAYS_SUBDIVISION,
    }


@login_required
def holiday_list(request: HttpRequest) -> HttpResponse:
    user = permissions.signed_in_user(request)
    if not permissions.can_manage_holidays(user):
        raise PermissionDenied(_("Only an administrator keeps the city's holidays."))
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            holiday = services.city_holiday_add(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(day)s (%(name)s) is now a city holiday.") % {"day": l10n.when(holiday.day), "name": holiday.name},
            )
            return redirect(f"{request.path}?year={holiday.day.year}")
    context = {"form": form, **_calendar_year(_year(request))}
    return render(
        request,
        "notifications/holidays.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def holiday_remove(request: HttpRequest, pk: int) -> HttpResponse:
    services.city_holiday_remove(actor=permissions.signed_in_user(request), holiday_id=pk)
    messages.success(request, _("The day is no longer a city holiday."))
    return redirect("notifications:holidays")


@login_required
@require_POST
def interest(request: HttpRequest, tender_id: int) -> HttpResponse:
    """Register (or, with action=withdraw, withdraw) the visitor's supplier's interest in a tender."""
    user = permissions.signed_in_user(request)
    try:
        if request.POST.get("action") == "withdraw":
            interests.interest_withdraw(actor=user, tender_id=tender_id)
            messages.success(request, _("Interest withdrawn: no more deadline reminders for this tender."))
        else:
            interests.interest_register(actor=user, tender_id=tender_id)
            messages.success(
                request,
                _("Interest registered: your organisation's users will be reminded of this tender's deadlines."),
            )
    except NotificationError as exc:
        messages.error(request, str(exc))
    return redirect("tendering:tender-detail", pk=tender_id)
