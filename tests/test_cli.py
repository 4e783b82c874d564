import os
import subprocess
import sys

import pytest

from civicpact.accounts.models import Membership, Role, User
from civicpact.cli import main
from civicpact.ledger.models import AuditEvent


def test_help_explains_every_command():
    result = subprocess.run(
        [sys.executable, "-m", "civicpact.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    for command in ("serve", "demo", "migrate", "createadmin", "verify-audit"):
        assert command in result.stdout


def test_an_unknown_command_is_bad_usage():
    result = subprocess.run(
        [sys.executable, "-m", "civicpact.cli", "bogus"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_a_malformed_environment_variable_is_bad_usage_with_its_name():
    env = dict(os.environ, CIVICPACT_LOGIN_FAILURE_LIMIT="many")
    result = subprocess.run(
        [sys.executable, "-m", "civicpact.cli", "verify-audit"], capture_output=True, text=True, check=False, env=env
    )
    assert result.returncode == 2
    assert "CIVICPACT_LOGIN_FAILURE_LIMIT must be a whole number" in result.stderr


@pytest.mark.django_db
def test_demo_seed_is_idempotent(capsys):
    assert main(["demo", "--no-serve"]) == 0
    counts = (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count())
    assert main(["demo", "--no-serve"]) == 0
    assert (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count()) == counts
    out = capsys.readouterr().out
    assert "aurelia-demo-2026" in out
    assert "officer" in out


@pytest.mark.django_db
def test_createadmin_makes_an_administrator_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("CIVICPACT_ADMIN_PASSWORD", "a-long-unusual-passphrase-42")
    assert main(["createadmin", "--username", "root-admin"]) == 0
    user = User.objects.get(username="root-admin")
    assert user.memberships.get().role == Role.ADMINISTRATOR
    assert AuditEvent.objects.filter(action="role.grant", object_ref=f"accounts.user:{user.pk}").exists()


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password_with_a_reason(monkeypatch, capsys):
    monkeypatch.setenv("CIVICPACT_ADMIN_PASSWORD", "password")
    assert main(["createadmin", "--username", "weak"]) == 2
    assert "too common" in capsys.readouterr().err
    assert not User.objects.filter(username="weak").exists()


@pytest.mark.django_db
def test_createadmin_refuses_a_taken_username(monkeypatch, capsys, city):
    monkeypatch.setenv("CIVICPACT_ADMIN_PASSWORD", "a-long-unusual-passphrase-42")
    assert main(["createadmin", "--username", "officer"]) == 2
    assert "taken" in capsys.readouterr().err


@pytest.mark.django_db
def test_createadmin_without_a_password_or_terminal_is_bad_usage(monkeypatch, capsys):
    monkeypatch.delenv("CIVICPACT_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(["createadmin", "--username", "x"]) == 2
    assert "CIVICPACT_ADMIN_PASSWORD" in capsys.readouterr().err


@pytest.mark.django_db
def test_verify_audit_reports_an_intact_chain(city, capsys):
    assert main(["verify-audit"]) == 0
    assert "audit chain intact" in capsys.readouterr().out
