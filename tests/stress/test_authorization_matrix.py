"""Every role against every page and endpoint (issue 8, proof under stress).

The routes come from Django's URL resolver, not a hand-kept list, so a new page or endpoint is in the matrix the day
it is added. Each path parameter is filled with the id of a real object of the demo city (the street-lighting
contract included), so the views reach their object checks. Every signed-in role and the anonymous public then GET
every route:

- nobody ever gets a server error;
- the public gets a 200 only from the routes listed in PUBLIC (a page that becomes public by mistake fails here
  until it is added there, deliberately).

Writes are covered by each app's own permission tests and by the schemathesis run (test_api_fuzz.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.signals import request_finished
from django.db import close_old_connections, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from civicpact.accounts.models import User
from civicpact.demo.performance import seed_streetlight_contract
from civicpact.ledger.models import Release

ROLES = ("admin", "lead", "officer", "analyst", "evaluator", "manager", "auditor", "supplier", "harbour")
SKIPPED = re.compile(r"^(django-admin/|static/|media/|accounts/reset/)")  # Django's own, files, one-time links
PUBLIC = re.compile(  # what anyone may read: the portal, open data, published tenders, the public audit trail
    r"^($|open/|api/v1/ocds/|api/v1/(openapi\.json|docs)|audit/($|export\.json|check/|events/)"
    r"|api/v1/audit/(events|export)$|accounts/(login|register|password/reset)|healthz|readyz"
    r"|tenders/($|<int:pk>/$)|api/v1/tendering/tenders(/<tender_id>(/clarifications|/documents)?)?$"
    r"|api/v1/accounts/organisations(/<organisation_id>)?$|guidance/|about/)"
)
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not SKIPPED.match(route) and "(?P<" not in route:
            yield route


def _model_for(stem: str) -> type[models.Model] | None:
    """The model a path parameter names: `tender_id` -> Tender, `body_pk` -> GovernanceBody."""
    candidates = [m for m in apps.get_models() if m._meta.app_label not in {"auth", "admin", "contenttypes"}]
    exact = [m for m in candidates if m._meta.model_name == stem]
    suffix = [m for m in candidates if m._meta.model_name and m._meta.model_name.endswith(stem)]
    found = exact or suffix
    return found[0] if found else None


def _value(converter: str | None, name: str, strings: dict[str, str]) -> str:
    if name in strings:
        return strings[name]
    stem = re.sub(r"_(id|pk)$", "", name)
    model = _model_for(stem) if stem not in {"id", "pk"} else None
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first() if model else None
    return str(first if first is not None else 1)


def _paths() -> list[tuple[str, str]]:
    release = Release.objects.order_by("pk").first()
    assert release is not None
    strings = {
        "ocid": release.ocid,
        "release_id": release.release_id,
        "party_id": "org-1",
        "month": "2026-09",
        "asset_id": "SL-00007",
        "number": "1",
        "index": "0",
        "step": "1",
        "action": "approve",
        "token": "not-a-token",
    }
    paths = []
    for route in sorted(set(_routes(get_resolver().url_patterns))):
        path = PARAM.sub(lambda m: _value(m.group(1), m.group(2), strings), route)
        paths.append((route, "/" + path))
    return paths


def _close(response: Any) -> None:
    """Close a response without ending the test's database connection: closing fires `request_finished`, whose
    `close_old_connections` would close it on PostgreSQL (Django's test client mutes it the same way)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_no_role_gets_a_server_error_and_the_public_sees_only_public_pages(city: Any) -> None:
    seed_streetlight_contract()
    paths = _paths()
    assert len(paths) > 200
    errors, leaks = [], []
    clients: dict[str, Client] = {"public": Client()}
    for username in ROLES:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
        clients[username] = client
    for who, client in clients.items():
        client.raise_request_exception = False
        for route, path in paths:
            response = client.get(path)
            status = response.status_code
            if response.streaming:  # a file download (bulk data, a PDF) holds its file open until closed
                _close(response)
            if status >= 500:
                errors.append(f"{who} GET {path} ({route}): {status}")
            if who == "public" and status == 200 and not PUBLIC.match(route):
                leaks.append(f"public GET {path} ({route}): 200")
    assert not errors, "\n".join(errors)
    assert not leaks, "\n".join(leaks)
