"""Personas for every test: one user per role in the demo city, and clients signed in as them."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from civicpact.accounts.models import Organisation, User
from civicpact.demo.seed import DEMO_PASSWORD, seed_demo_city
from tests.city_cache import demo_city

pytest_plugins = ["tests.tendering.fixtures", "tests.accounts.sso_fixtures"]

ROLES_TO_USERNAMES = {
    "administrator": "admin",
    "department_lead": "lead",
    "procurement_officer": "officer",
    "finance_analyst": "analyst",
    "evaluator": "evaluator",
    "contract_manager": "manager",
    "auditor": "auditor",
    "supplier_user": "supplier",
}


def service_required(name: str) -> None:
    """Skip a test whose service is missing, except under CI where a missing service is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is not reachable, and CI=true forbids skipping")
    pytest.skip(f"{name} is not reachable on this machine")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sign_in_as_the_demo_does(settings: Any) -> None:
    """Password alone and no single sign-on, whatever this machine's environment says; the tests of two-factor
    authentication and single sign-on switch them on themselves."""
    settings.CIVICPACT_REQUIRE_2FA = False
    settings.CIVICPACT_OIDC = {}


@pytest.fixture(autouse=True)
def _no_language_left_over() -> Iterator[None]:
    """Each test starts with no language active: a French page requested by the previous test on this worker
    leaves French active in the thread (LocaleMiddleware activates it and never deactivates it)."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _telemetry_dir(settings: Any, tmp_path: Any) -> None:
    """Each test's telemetry store is its own (the files outlive the database's rollback)."""
    settings.CIVICPACT_TELEMETRY_DIR = tmp_path / "telemetry"


@pytest.fixture
def city(db: None) -> dict[str, int]:
    """The demo city of Port Aurelia, seeded through the real services (put back from the rows of an identical
    seeding on SQLite: tests/city_cache.py)."""
    return demo_city(lambda: seed_demo_city(history=False))


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def admin_user(city: Any) -> User:
    return _user("admin")


@pytest.fixture
def lead(city: Any) -> User:
    return _user("lead")


@pytest.fixture
def officer(city: Any) -> User:
    return _user("officer")


@pytest.fixture
def analyst(city: Any) -> User:
    return _user("analyst")


@pytest.fixture
def evaluator(city: Any) -> User:
    return _user("evaluator")


@pytest.fixture
def manager(city: Any) -> User:
    return _user("manager")


@pytest.fixture
def auditor(city: Any) -> User:
    return _user("auditor")


@pytest.fixture
def supplier(city: Any) -> User:
    return _user("supplier")


@pytest.fixture
def other_supplier(city: Any) -> User:
    """A user of a second, still unverified supplier (OpenFlow Data Co-op)."""
    from civicpact.accounts import services
    from civicpact.accounts.models import Role

    user = services.user_create(actor=None, username="other", password=DEMO_PASSWORD, validate=False)
    services.membership_grant(
        actor=None,
        user=user,
        organisation=Organisation.objects.get(name="OpenFlow Data Co-op"),
        role=Role.SUPPLIER_USER,
    )
    return user


@pytest.fixture
def citizen() -> Client:
    """An anonymous member of the public."""
    return Client()


@pytest.fixture
def client_for(city: Any) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def flushable_ledger(transactional_db: None) -> Iterator[None]:
    """Let Django flush the database after a transactional test.

    SQLite flushes with DELETE, which the append-only triggers refuse, so they are dropped just before the
    flush and created again for the next test. PostgreSQL flushes with TRUNCATE, which row triggers ignore.
    """
    triggers = importlib.import_module("civicpact.ledger.migrations.0002_append_only_triggers")
    claims = importlib.import_module("civicpact.ledger.migrations.0004_confidentiality_claims")
    tables = [*triggers.APPEND_ONLY_TABLES, *claims.TABLES]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.connection.executescript(triggers.SQLITE_DROP.format(table=table))
                cursor.connection.executescript(triggers.SQLITE_CREATE.format(table=table))
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.connection.executescript(triggers.SQLITE_DROP.format(table=table))
