"""A supplier's performance record (every contract where it is the partner, month by issued month): seen by city
staff and by the supplier itself; other suppliers and the public get a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from civicpact.accounts.models import Organisation
from civicpact.performance.selectors import supplier_record


@login_required
def record(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    try:
        data = supplier_record(actor=request.user, organisation_id=organisation_pk)
    except Organisation.DoesNotExist:
        raise Http404("No such supplier.") from None
    return render(request, "performance/supplier_record.html", {"record": data})
