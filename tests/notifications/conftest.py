"""Shared helpers: the contract fixtures (a contract in force with Lumen Grid; its metered regime), a second
contract manager, and reading a person's notifications."""

from __future__ import annotations

from typing import Any

import pytest

from civicpact.accounts import services as accounts
from civicpact.accounts.models import Organisation, Role, User
from civicpact.notifications.models import Notification
from tests.contracts.test_contracts import parking_project  # noqa: F401  (fixtures)
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import metered  # noqa: F401


def kinds_of(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def of_kind(user: User, kind: str, tender: Any = None) -> list[Notification]:
    """The user's notifications of this kind (about this tender only, if given: the demo city has tenders too)."""
    rows = Notification.objects.filter(user=user, kind=kind)
    return list(rows.filter(url__startswith=f"/tenders/{tender.pk}/") if tender is not None else rows)


@pytest.fixture
def second_manager(city) -> User:
    """Another contract manager of the city, with an e-mail address."""
    user = accounts.user_create(
        actor=None,
        username="manager2",
        email="manager2@portaurelia.example",
        password="a-long-enough-password-2026",
        validate=False,
    )
    organisation = Organisation.objects.get(name="Transport and Mobility")
    accounts.membership_grant(actor=None, user=user, organisation=organisation, role=Role.CONTRACT_MANAGER)
    return user
