"""Structured logs: JSON lines with the request's id, path, status, duration and user id, and nothing more."""

import io
import json
import logging
import subprocess
import sys
from typing import Any

import pytest

from civicpact import logs
from tests.production import ROOT, production_env


@pytest.fixture
def log_lines():
    """What the request log and Django's own loggers write, through the JSON formatter, as parsed objects."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestContextFilter())
    loggers = [logging.getLogger("civicpact.request"), logging.getLogger("django.request")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def request_line(lines: list[dict[str, Any]]) -> dict[str, Any]:
    [line] = [line for line in lines if line["logger"] == "civicpact.request"]
    return line


def test_a_record_is_one_json_object_with_time_level_logger_and_message():
    record = logging.LogRecord("civicpact.x", logging.WARNING, __file__, 1, "hello %s", ("there",), None)
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry.pop("time").endswith("+00:00")
    assert entry == {"level": "WARNING", "logger": "civicpact.x", "message": "hello there"}


def test_an_error_carries_its_traceback_and_never_the_request_object():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    record.request = object()  # Django attaches the request (cookies, headers) to its records
    record.status_code = 500
    entry = json.loads(logs.JsonFormatter().format(record))
    assert "RuntimeError: boom" in entry["exception"]
    assert entry["status"] == 500
    assert "request" not in entry


def test_each_request_is_logged_once_with_its_id_path_status_and_duration(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-ID": "0123456789abcdef"})
    line = request_line(log_lines())
    assert response["X-Request-ID"] == "0123456789abcdef"
    assert line["request_id"] == "0123456789abcdef"
    assert (line["level"], line["method"], line["path"], line["status"]) == ("INFO", "GET", "/healthz", 200)
    assert line["message"] == "GET /healthz 200"
    assert isinstance(line["duration_ms"], float)
    assert "user_id" not in line


def test_a_request_id_that_does_not_look_like_one_is_replaced(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-ID": 'x"}\n{"level": "forged'})
    line = request_line(log_lines())
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert "forged" not in json.dumps(log_lines())


@pytest.mark.django_db
def test_the_query_string_is_left_out(client, log_lines):
    client.get("/open/?q=Jane+Doe")
    line = request_line(log_lines())
    assert line["path"] == "/open/"
    assert "Jane" not in json.dumps(log_lines())


@pytest.mark.django_db
def test_a_password_reset_link_is_logged_without_its_token(client, log_lines):
    client.get("/accounts/password/reset/MTIz/c4kbq3-0123456789abcdef0123456789abcdef/")
    line = request_line(log_lines())
    assert line["path"] == "/accounts/password/reset/[redacted]/[redacted]/"
    assert "c4kbq3" not in json.dumps(log_lines())


def test_a_signed_in_user_is_logged_by_id_only(client_for, officer, log_lines):
    client_for(officer).get("/")
    line = request_line(log_lines())
    assert line["user_id"] == officer.pk
    assert officer.username not in json.dumps(log_lines())
    assert officer.email not in json.dumps(log_lines()) or not officer.email


@pytest.mark.django_db
def test_an_error_logged_while_serving_a_request_carries_its_id(client, settings, tmp_path, log_lines):
    settings.CIVICPACT_OCDS_DIR = str(tmp_path)  # /readyz answers 503, which Django logs as an error
    response = client.get("/readyz")
    [error] = [line for line in log_lines() if line["logger"] == "django.request"]
    assert error["level"] == "ERROR"
    assert error["status"] == 503
    assert error["request_id"] == response["X-Request-ID"]


def test_the_log_format_is_json_in_production_and_text_elsewhere(monkeypatch):
    monkeypatch.delenv("CIVICPACT_LOG_FORMAT", raising=False)
    monkeypatch.setenv("CIVICPACT_ENV", "production")
    assert logs.log_format() == "json"
    monkeypatch.setenv("CIVICPACT_ENV", "development")
    assert logs.log_format() == "text"
    monkeypatch.setenv("CIVICPACT_LOG_FORMAT", "json")
    assert logs.log_format() == "json"


def test_an_unknown_log_format_or_level_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("CIVICPACT_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="CIVICPACT_LOG_FORMAT must be json or text, not 'xml'"):
        logs.log_format()
    monkeypatch.setenv("CIVICPACT_LOG_LEVEL", "loud")
    with pytest.raises(ValueError, match="CIVICPACT_LOG_LEVEL must be DEBUG"):
        logs.log_level()


SERVE_TWO_REQUESTS = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="civicpact.example.org")
client.get("/healthz")  # exempt from the HTTPS redirect: probes come over plain HTTP
client.get("/tenders/?q=secret-search")  # redirected to HTTPS
"""


def test_production_writes_json_lines_on_stderr(tmp_path):
    env = production_env(tmp_path / "data", DJANGO_SETTINGS_MODULE="civicpact.settings")
    result = subprocess.run(  # noqa: S603 - this interpreter and a fixed script
        [sys.executable, "-c", SERVE_TWO_REQUESTS], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout == ""
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["path"], line["status"]) for line in lines] == [("/healthz", 200), ("/tenders/", 301)]
    for line in lines:
        assert set(line) >= {"time", "level", "logger", "message", "request_id", "duration_ms"}
    assert "secret-search" not in result.stderr
