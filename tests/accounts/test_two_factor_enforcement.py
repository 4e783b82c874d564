"""The second factor is enforced for every URL the project has: the URL resolver is walked (no hand-kept list), and
for every role that requires it each pattern sends an unverified person to enrol (pages) or refuses them (API)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from civicpact.accounts.middleware import EXEMPT_VIEWS
from civicpact.accounts.models import Role, User
from tests.conftest import ROLES_TO_USERNAMES

pytestmark = pytest.mark.django_db

SAMPLES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000001"}
GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


def _segment(pattern: object) -> str:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)
    if isinstance(pattern, RegexPattern):
        regex = str(pattern).lstrip("^").rstrip("$")

        def sample(match: re.Match[str]) -> str:
            body = match.group("body")
            return body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "x"

        return GROUP.sub(sample, regex).replace("\\", "")
    raise TypeError(pattern)


def every_url(patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "/") -> Iterator[str]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        segment = _segment(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from every_url(entry.url_patterns, prefix + segment)
        else:
            yield prefix + segment


def protected_urls() -> list[tuple[str, bool]]:
    """Every URL pattern but the sign-in pages themselves, as (path, is the API)."""
    urls = []
    for path in sorted(set(every_url())):
        match = resolve(path)
        if match.view_name not in EXEMPT_VIEWS:
            urls.append((path, "api" in match.namespaces))
    return urls


def test_the_walk_finds_every_part_of_the_site():
    paths = {path for path, _api in protected_urls()}
    assert len(paths) > 300
    for expected in ("/tenders/1/", "/pipeline/needs/", "/api/v1/accounts/me", "/django-admin/", "/open/", "/"):
        assert expected in paths
    assert "/accounts/login/" not in paths


@pytest.mark.parametrize("role", ["administrator", "procurement_officer", "evaluator", "supplier_user"])
def test_every_protected_url_sends_an_unverified_person_in_a_role_requiring_it_to_enrol(city, settings, role):
    settings.CIVICPACT_REQUIRE_2FA = True
    client = Client()
    client.force_login(User.objects.get(username=ROLES_TO_USERNAMES[role]))
    let_through = []
    for path, api in protected_urls():
        response = client.get(path)
        if api:
            ok = response.status_code == 403 and "Two-factor verification is required" in response.json()["detail"]
        else:
            ok = response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/setup/?next=")
        if not ok:
            let_through.append((path, response.status_code))
    assert let_through == []


def test_every_method_is_enforced_not_only_get(city, settings, officer):
    settings.CIVICPACT_REQUIRE_2FA = True
    client = Client()
    client.force_login(officer)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/accounts/me/tokens/1/revoke/")
        assert response.status_code == 302, method
        assert response["Location"].startswith("/accounts/two-factor/setup/")


@pytest.mark.parametrize("role", ["department_lead", "finance_analyst", "contract_manager", "auditor"])
def test_roles_that_do_not_require_it_are_let_through(city, settings, role):
    settings.CIVICPACT_REQUIRE_2FA = True
    client = Client()
    client.force_login(User.objects.get(username=ROLES_TO_USERNAMES[role]))
    assert client.get("/accounts/me/").status_code == 200
    assert client.get("/api/v1/accounts/me").status_code == 200


@pytest.mark.parametrize("role", sorted(ROLES_TO_USERNAMES))
def test_with_the_requirement_off_no_role_is_stopped(city, settings, role):
    settings.CIVICPACT_REQUIRE_2FA = False
    client = Client()
    client.force_login(User.objects.get(username=ROLES_TO_USERNAMES[role]))
    assert client.get("/accounts/me/").status_code == 200


def test_the_list_of_roles_is_configurable(city, settings, auditor):
    settings.CIVICPACT_REQUIRE_2FA = True
    settings.CIVICPACT_2FA_ROLES = [Role.AUDITOR]
    client = Client()
    client.force_login(auditor)
    assert client.get("/audit/")["Location"].startswith("/accounts/two-factor/setup/")


def test_the_pages_of_signing_in_stay_open_to_an_unverified_person(city, settings, officer):
    settings.CIVICPACT_REQUIRE_2FA = True
    client = Client()
    client.force_login(officer)
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    assert client.get("/accounts/two-factor/verify/")["Location"].startswith("/accounts/two-factor/setup/")
    assert client.get("/healthz").status_code == 200
    page = client.get("/accounts/two-factor/setup/").content.decode()
    assert "Needs</a>" not in page  # the menu offers nothing that would only bounce
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_the_public_is_not_affected(city, settings):
    settings.CIVICPACT_REQUIRE_2FA = True
    assert Client().get("/open/").status_code == 200
    assert Client().get("/tenders/").status_code == 200
