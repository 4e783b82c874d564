"""Personal data minimised in everything public (docs/confidentiality.md, "Personal data"): no person's e-mail
address, name or account appears in any release of the full demo city or on any public portal page.

Only organisations are parties; signatories are organisations (the signatories extension asks for the signing
parties, our contracts record which organisation signed); people act through the audit chain, whose public export
hashes who did what (docs/audit-export.md)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from civicpact.accounts.models import Organisation, User
from civicpact.demo.seed import seed_demo_city
from civicpact.ledger.models import Release
from tests.transparency.test_portal import _every_page


def _personal_strings(users: Any = None) -> list[str]:
    """What identifies a person: e-mail addresses, full names, actor labels, and supplier contacts."""
    found: list[str] = []
    for user in users if users is not None else User.objects.all():
        found += [user.email, f"user:{user.pk}:{user.username}"]
        found += [name for name in (getattr(user, "full_name", ""), user.get_full_name()) if name]
    for organisation in Organisation.objects.all():
        found += [v for v in (organisation.contact_email, organisation.contact_name) if v]
    return [s for s in found if s]


# Demo usernames that are also OCDS codes (a party's role "supplier"): a JSON value or a cell may be the code.
OCDS_CODES = frozenset({"supplier"})


def _username_patterns(users: Any = None) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A username where it would name the account: in JSON as a whole value; in HTML as an element's whole text,
    after 'by' or after '@'."""
    usernames = (users if users is not None else User.objects).values_list("username", flat=True)
    names = "|".join(re.escape(u) for u in usernames if u not in OCDS_CODES)
    return re.compile(rf'"(?:{names})"'), re.compile(rf">\s*(?:{names})\s*<|\bby (?:{names})\b|@(?:{names})\b")


@pytest.mark.django_db
def test_no_person_appears_in_any_release_or_portal_page():
    seed_demo_city()
    personal = _personal_strings()
    assert any("@portaurelia.example" in s for s in personal)
    usernames, on_page = _username_patterns()
    releases = list(Release.objects.values_list("release_id", "body"))
    assert len(releases) > 20
    for release_id, body in releases:
        text = json.dumps(body, ensure_ascii=False)
        for value in personal:
            assert value not in text, f"{value!r} in release {release_id}"
        assert not usernames.search(text), f"{usernames.search(text)} in release {release_id}"
        assert "@" not in text.replace("@context", ""), f"an e-mail address in release {release_id}"
    citizen = Client()
    for path in _every_page():
        html = citizen.get(path).content.decode()
        for value in personal:
            assert value not in html, f"{value!r} on {path}"
        assert not on_page.search(html), f"{on_page.search(html)} on {path}"


def _audit_trail_pages(client: Client) -> list[tuple[str, str]]:
    """Every page of the public audit trail and of its API, the home page, and the export, as text."""
    export: Any = client.get("/audit/export.json")
    outputs = [("/audit/export.json", b"".join(export.streaming_content).decode())]
    for path in ("/audit/?page={}", "/api/v1/audit/events?page={}"):
        number = 1
        while True:
            response = client.get(path.format(number))
            if response.status_code == 404 or (path.startswith("/api") and not response.json()["items"]):
                break
            assert response.status_code == 200
            outputs.append((path.format(number), response.content.decode()))
            if path.startswith("/audit/") and f"?page={number + 1}" not in outputs[-1][1]:
                break
            number += 1
    outputs.append(("/", client.get("/").content.decode()))
    return outputs


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", [None, "supplier"])
def test_the_public_audit_trail_names_roles_and_organisations_never_people(client_for, viewer):
    """/audit/, /api/v1/audit/events, the home page's recent events and /audit/export.json, seen by the public, a
    supplier: the public events name who acted by role and organisation."""
    seed_demo_city()
    others = User.objects.exclude(username=viewer or "")  # a signed-in viewer's own name is in the page header
    personal = _personal_strings(others)
    usernames, on_page = _username_patterns(others)
    client = Client() if viewer is None else client_for(User.objects.get(username=viewer))
    outputs = _audit_trail_pages(client)
    assert len(outputs) >= 4
    export = json.loads(outputs[0][1])
    shown = {e["actor"] for e in export["events"] if e["public"]}
    assert "Procurement officer, Procurement and PPP Unit" in shown
    for path, text in outputs:
        for value in personal:
            assert value not in text, f"{value!r} in {path}"
        pattern = usernames if path.endswith(".json") or path.startswith("/api") else on_page
        assert not pattern.search(text), f"{pattern.search(text)} in {path}"
