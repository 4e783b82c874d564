"""Secrets planted in what is not published appear in no public export or API, and in no log line.

The secrets of tests/transparency/test_portal.py (a draft tender, a department's need, a draft contract amendment, a
dispute: `plant_secrets`) plus two sealed bids, submitted and opened through the API with tokens as machine clients
would. Then:

- every public route, with every id it can take (every tender, release, record and organisation): the OCDS API's
  release and record packages page by page, the bulk files (JSON, and the CSV zip and spreadsheet unpacked), the
  audit export and the audit API, the tendering and organisation APIs, the portal, and `civicpact ocds export`'s file,
  hold none of the secrets. The list is checked against Django's URL resolver: a public route that the test does not
  visit fails it (the public routes are those of tests/stress/test_authorization_matrix.py);
- the finance export is not public: the public and a supplier get no export list and no file;
- everything the logging writes (civicpact/logs.py's JSON formatter at DEBUG, the request log on: the most that a
  deployment can be set to write) from the planting to the end — the bids' submission and opening, the officer, an
  evaluator, the supplier and the public reading every page and endpoint with the planted objects' ids — holds none.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db.models import Model
from django.test import Client
from django.urls import get_resolver, resolve
from django.utils import timezone

from civicpact import logs
from civicpact.accounts.models import Organisation, User
from civicpact.accounts.services import api_token_create
from civicpact.cli import main
from civicpact.contracts.models import Contract
from civicpact.demo.performance import CONTRACT_TITLE, seed_streetlight_contract
from civicpact.ledger.models import Release
from civicpact.tendering.models import Tender
from tests.stress.test_authorization_matrix import PARAM, PUBLIC, _close, _model_for, _routes
from tests.tendering.fixtures import SECRET_ANSWER, SECRET_PRICE, bid_payload
from tests.transparency.test_portal import SECRET, _every_page, plant_secrets

pytestmark = pytest.mark.django_db

SECRETS = (SECRET, "ZX-SECRET", SECRET_ANSWER, "XK-4471", SECRET_PRICE, "Joint venture", "joint_venture")
API = "/api/v1/tendering/tenders"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged, as the JSON formatter writes it: the root logger at DEBUG with only this handler (the
    configured one restored after), the request log at INFO as with CIVICPACT_LOG_REQUESTS."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestContextFilter())
    root, request_log = logging.getLogger(), logging.getLogger("civicpact.request")
    kept = (root.handlers[:], root.level, request_log.level)
    root.handlers, root.level = [handler], logging.DEBUG
    request_log.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.handlers, root.level = kept[0], kept[1]
        request_log.setLevel(kept[2])


def _bearer(user: User) -> dict[str, str]:
    """The headers of a machine client: the user's API token."""
    return {"Authorization": f"Bearer {api_token_create(actor=user, name='secrets test')[1]}"}


@pytest.fixture
def lighting(city: Any) -> Contract:
    """The demo's street-lighting PPP, in force (as in test_portal.py)."""
    seed_streetlight_contract()
    return Contract.objects.get(versions__title=CONTRACT_TITLE)


@pytest.fixture
def planted(
    json_log: io.StringIO,
    lighting: Contract,
    tender: Tender,
    supplier: User,
    second_supplier: User,
    officer: User,
    manager: User,
    committee: list[User],
) -> Tender:
    """The portal test's secrets, and two sealed bids (the supplier's with SECRET_ANSWER at SECRET_PRICE) submitted
    and opened through the API; the log is being captured already."""
    client = Client()
    for user, payload in ((supplier, bid_payload()), (second_supplier, bid_payload(answer="LED swap", price="1290"))):
        sent = client.post(f"{API}/{tender.pk}/bids", payload, content_type="application/json", headers=_bearer(user))
        assert sent.status_code == 201, sent.content
    as_officer = _bearer(officer)
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        opened = client.post(f"{API}/{tender.pk}/open", content_type="application/json", headers=as_officer)
        assert opened.status_code == 200, opened.content
        seats = client.post(
            f"{API}/{tender.pk}/committee",
            {"evaluator_ids": [u.pk for u in committee]},
            content_type="application/json",
            headers=as_officer,
        )
        assert seats.status_code == 200, seats.content
    plant_secrets(lighting=lighting, project_id=tender.project_id, manager=manager, officer=officer)
    return tender


def _text(response: Any) -> str:
    """A response's body as text; a zip (the CSV files, the spreadsheet) unpacked, every member."""
    if response.streaming:
        content = b"".join(response.streaming_content)
        _close(response)
    else:
        content = response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return str(content.decode("utf-8", "replace"))


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def _paged(client: Client, first: str, key: str) -> list[tuple[str, Any]]:
    """An OCDS package list followed through links.next, or an API list through its page numbers."""
    pages, path = [], first
    for number in range(2, 1000):
        response = client.get(path)
        assert response.status_code == 200, path
        pages.append((path, response))
        body = json.loads(response.content)
        if key == "links":
            following = body.get("links", {}).get("next")
            if not following:
                return pages
            path = following.removeprefix("http://testserver")
        else:
            if len(body["items"]) * (number - 1) >= body["count"] or not body["items"]:
                return pages
            path = f"{first}?page={number}"
    raise AssertionError(f"{first} never ends")


def _public_paths() -> list[str]:
    """Every public route of tests/stress/test_authorization_matrix.py with every id it can take."""
    tenders = list(Tender.objects.order_by("pk").values_list("pk", flat=True))
    releases = list(Release.objects.order_by("pk").values_list("release_id", "ocid"))
    ocids = sorted({ocid for _, ocid in releases})
    organisations = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    paths = [
        *_every_page(),
        *(f"/tenders/{pk}/" for pk in tenders),
        *(f"{API}/{pk}{part}" for pk in tenders for part in ("", "/clarifications", "/documents")),
        *(f"/api/v1/ocds/releases/{release_id}" for release_id, _ in releases),
        *(f"/api/v1/ocds/releases?ocid={ocid}" for ocid in ocids),
        *(f"/api/v1/ocds/records/{ocid}?versioned=true" for ocid in ocids),
        *(f"/api/v1/ocds/imported/{ocid}" for ocid in ocids),
        *(f"/open/imported/{ocid}/" for ocid in ocids),
        *(f"/api/v1/accounts/organisations/{pk}" for pk in organisations),
        "/api/v1/ocds/records?versioned=true",
    ]
    for route in sorted(set(_routes(get_resolver().url_patterns))):  # every route without a parameter
        if PUBLIC.match(route) and not PARAM.search(route):
            paths.append("/" + route)
    paths.append("/accounts/password/reset/MQ/not-a-token/")
    return paths


def test_no_secret_in_any_public_export_or_api(
    planted: Tender, json_log: io.StringIO, citizen: Client, tmp_path: Path
) -> None:
    bodies: dict[str, str] = {}
    for path in _public_paths():
        response = citizen.get(path)
        assert response.status_code in {200, 302, 404}, f"{path}: {response.status_code}"
        bodies[path] = _text(response)
    for first, key in (
        ("/api/v1/ocds/releases", "links"),
        ("/api/v1/ocds/records", "links"),
        ("/api/v1/audit/events", "count"),
    ):
        for path, response in _paged(citizen, first, key):
            bodies[path] = _text(response)
    visited = {resolve(path.split("?")[0]).route for path in bodies}
    public = {route for route in _routes(get_resolver().url_patterns) if PUBLIC.match(route)}
    assert public <= visited, f"public routes this test does not read: {sorted(public - visited)}"
    for bulk in ("releases.json", "releases-csv.zip", "releases.xlsx"):  # read, the zips unpacked
        assert planted.title in bodies[f"/api/v1/ocds/bulk/{bulk}"], bulk
    exported = tmp_path / "ocds.json"
    assert main(["ocds", "export", "--out", str(exported)]) == 0
    bodies["civicpact ocds export"] = exported.read_text(encoding="utf-8")
    assert len(json.loads(bodies["civicpact ocds export"])["releases"]) == Release.objects.count()
    found = {path: leaks for path, body in bodies.items() if (leaks := _leaks(body))}
    assert not found, found
    assert not _leaks(json_log.getvalue()), "a secret in the log"
    size = sum(len(body) for body in bodies.values())
    print(f"searched {len(bodies)} public answers ({size:,} characters) and {len(visited)} routes")


def test_the_finance_export_is_not_public(planted: Tender, analyst: User, supplier: User, citizen: Client) -> None:
    made = Client().post(
        "/api/v1/finance/exports",
        {"since": timezone.localdate().isoformat(), "format": "json"},
        content_type="application/json",
        headers=_bearer(analyst),
    )
    assert made.status_code == 201, made.content
    export = made.json()
    as_supplier = Client()
    as_supplier.force_login(supplier, backend="django.contrib.auth.backends.ModelBackend")
    for client in (citizen, as_supplier):
        for path in ("/finance/exports/", f"/finance/exports/{export['id']}/download/", export["file"]):
            response = client.get(path)
            assert response.status_code in {302, 401, 403, 404}, f"{path}: {response.status_code}"
            assert str(export["id"]) not in response.get("Content-Disposition", ""), path
        again = client.post(
            "/api/v1/finance/exports",
            {"since": "2020-01-01", "format": "json", "again": True},
            content_type="application/json",
        )
        assert again.status_code in {401, 403}, again.status_code


def _filled(route: str, strings: dict[str, str], tender: int | None) -> str:
    """The route with each parameter the newest object of the model it names (so the planted ones), or `tender`
    for a tender's id. A bare `pk` names the model of the path part before it (`needs/<int:pk>/`: a need)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        if name in strings:
            return strings[name]
        stem = re.sub(r"_(id|pk)$", "", name)
        if stem in {"id", "pk"}:
            stem = route[: match.start()].rstrip("/").rsplit("/", 1)[-1].removesuffix("s")
        if stem == "tender" and tender is not None:
            return str(tender)
        model: type[Model] | None = _model_for(stem) if stem else None
        newest = model._default_manager.order_by("-pk").values_list("pk", flat=True).first() if model else None
        return str(newest if newest is not None else 1)

    return "/" + PARAM.sub(value, route)


def test_no_secret_in_the_logs(
    planted: Tender, json_log: io.StringIO, officer: User, evaluator: User, supplier: User
) -> None:
    """The export test reads every public route under the same capture: here the signed-in roles read every route,
    with the planted objects' ids."""
    release = Release.objects.order_by("-pk").first()
    assert release is not None
    strings = {"ocid": release.ocid, "release_id": release.release_id, "party_id": "org-1", "month": "2026-09"}
    strings |= {"asset_id": "SL-00007", "number": "1", "index": "0", "step": "1", "action": "approve"}
    strings |= {"token": "not-a-token"}
    routes = sorted(set(_routes(get_resolver().url_patterns)))
    # every route with the newest objects (the draft tender among them), and with the tender whose bids were opened
    paths = sorted({_filled(route, strings, tender) for route in routes for tender in (None, planted.pk)})
    assert f"/tenders/{planted.pk}/" in paths
    for user in (officer, evaluator, supplier):
        client = Client(raise_request_exception=False)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        for path in paths:
            response = client.get(path)
            if response.streaming:
                _close(response)
    written = json_log.getvalue()
    lines = [json.loads(line) for line in written.splitlines()]
    requests = [line for line in lines if line["logger"] == "civicpact.request"]
    assert len(requests) >= 3 * len(paths), "the request log was not captured"
    assert any(line["path"] == f"{API}/{planted.pk}/open" and line["status"] == 200 for line in requests)
    assert not _leaks(written), [line for line in lines if _leaks(json.dumps(line, ensure_ascii=False))][:5]
    print(f"searched {len(lines):,} log lines ({len(written):,} characters) after {3 * len(paths):,} page reads")
