"""The production profile for real: gunicorn with CIVICPACT_ENV=production on a fresh PostgreSQL database, after
the steps of docs/deployment.md (migrate, collectstatic), answering on a free loopback port as nginx would ask."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.conftest import service_required
from tests.production import ROOT, free_port, production_env

HOST = "civicpact.example.org"
PROXY_HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https"}  # what the nginx example sets


def server_url(database: str) -> str:
    """The PostgreSQL server of DATABASE_URL (the machine's server by default), with another database name."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgresql://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@pytest.fixture(scope="module")
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    try:
        admin = psycopg.connect(server_url("postgres"), connect_timeout=3, autocommit=True)
    except psycopg.OperationalError:
        service_required("PostgreSQL")
    name = f"civicpact_deploy_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server_url(name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Deployment:
    port: int
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path, headers=PROXY_HEADERS if headers is None else headers)
            answer = connection.getresponse()
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
        finally:
            connection.close()


def run(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603 - our interpreter and commands
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"


def wait_until_listening(server: subprocess.Popen[bytes], deployment: Deployment) -> None:
    """Poll /healthz until gunicorn answers (a generous bound for a busy machine), failing with its log."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{deployment.log.read_text()}")
        try:
            if deployment.get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"gunicorn did not answer within the bound:\n{deployment.log.read_text()}")


@pytest.fixture(scope="module")
def deployment(fresh_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """One deployment for the module's tests (migrating a fresh database takes a while)."""
    tmp_path = tmp_path_factory.mktemp("deployment")
    env = production_env(tmp_path / "data", DATABASE_URL=fresh_database)
    run(env, "-m", "civicpact.cli", "migrate")
    run(env, "manage.py", "collectstatic", "--noinput", "--verbosity", "0")
    port = free_port()
    deployment = Deployment(port=port, log=tmp_path / "gunicorn.log")
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:civicpact.gunicorn_conf"]
    with deployment.log.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our interpreter and arguments
            [*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "2"], env=env, cwd=ROOT, stdout=log, stderr=log
        )
    try:
        wait_until_listening(server, deployment)
        yield deployment
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def test_gunicorn_in_production_is_ready_and_serves_the_portal_and_its_static_files(deployment):
    ready = deployment.get("/readyz")
    assert ready.status == 200, ready.body
    checks = json.loads(ready.body)["checks"]
    assert checks["database"] == {"ok": True, "detail": "postgresql"}
    assert checks["migrations"]["ok"]
    assert checks["static_files"]["ok"]

    portal = deployment.get("/open/")
    assert portal.status == 200
    assert "max-age=31536000" in portal.headers["strict-transport-security"]
    assert "default-src 'self'" in portal.headers["content-security-policy"]
    html = portal.body.decode()
    stylesheet = re.search(r'href="(/static/civicpact/app\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, "the page links the hashed stylesheet written by collectstatic"

    css = deployment.get(stylesheet.group(1))
    assert css.status == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "immutable" in css.headers["cache-control"]


def test_plain_http_is_sent_to_https_but_probes_are_not(deployment):
    plain = {"Host": HOST}
    redirect = deployment.get("/open/", headers=plain)
    assert redirect.status == 301
    assert redirect.headers["location"] == f"https://{HOST}/open/"
    assert deployment.get("/readyz", headers=plain).status == 200


def test_a_host_the_deployment_does_not_serve_is_refused(deployment):
    assert deployment.get("/open/", headers={"Host": "evil.example", "X-Forwarded-Proto": "https"}).status == 400


def test_every_line_gunicorn_and_django_write_is_a_json_object(deployment):
    response = deployment.get("/readyz", headers={**PROXY_HEADERS, "X-Request-ID": "probe-0123456789"})
    assert response.headers["x-request-id"] == "probe-0123456789"
    lines = [json.loads(line) for line in deployment.log.read_text().splitlines()]  # each parses, or this fails
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    [probe] = [line for line in lines if line.get("request_id") == "probe-0123456789"]
    assert (probe["path"], probe["status"], probe["level"]) == ("/readyz", 200, "INFO")
