from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from civicpact.accounts import permissions
from civicpact.accounts import services as accounts_services
from civicpact.web import health, selectors, services
from civicpact.web.models import JobProgress


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "web/home_public.html", {"summary": selectors.public_summary()})
    return render(request, "web/home.html", {"dash": selectors.dashboard_for(user=request.user)})


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The switcher (Django's `set_language`: the cookie, back to the same page); a signed-in person's choice is
    also kept on their account, so that their notifications and e-mails are written in it."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        accounts_services.reader_language_set(actor=request.user, language=language)
    return response


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, no disk: a failing dependency must not get it restarted."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: every check of web/health.py, 200 when all pass, 503 naming the ones that failed."""
    checks = health.readiness()
    ready = all(check.ok for check in checks)
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    response = JsonResponse(body, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


def _require_jobs(request: HttpRequest) -> None:
    if not permissions.can_run_jobs(request.user):
        raise PermissionDenied(_("Only an administrator may run or watch background jobs."))


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    _require_jobs(request)
    return render(request, "web/job_list.html", {"jobs": selectors.job_list()})


@login_required
@require_POST
def job_demo_seed(request: HttpRequest) -> HttpResponse:
    _require_jobs(request)
    job = services.demo_seed_enqueue(actor=request.user)
    messages.success(request, _("The demo city is being loaded in the background."))
    return redirect("web:job-detail", pk=job.pk)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_jobs(request)
    try:
        info = selectors.job_get(pk=pk)
    except JobProgress.DoesNotExist:
        raise Http404(_("No such job.")) from None
    partial = request.headers.get("HX-Request") == "true"
    template = "web/job_detail.html#progress" if partial else "web/job_detail.html"
    return render(request, template, {"info": info})


def guidance(request: HttpRequest) -> HttpResponse:
    from civicpact.web.guidance import CASES

    return render(request, "web/guidance.html", {"cases": CASES})
