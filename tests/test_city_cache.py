"""The tests' kept demo city (tests/city_cache.py) is exactly what seeding makes, and is used only when it is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from civicpact.accounts.models import Organisation
from civicpact.demo.seed import seed_demo_city
from tests import city_cache

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the city is kept on SQLite only")


def _seed() -> dict[str, int]:
    return seed_demo_city(history=False)


def _everything() -> dict[str, Any]:
    return {table: sorted(map(repr, city_cache._rows(table)[1])) for table in city_cache._tables()}


def _keep() -> tuple[city_cache.KeptCity, dict[str, int], dict[str, Any]]:
    """Seed in a savepoint that is rolled back; the kept city, its ids and every row of the seeded database."""
    with transaction.atomic():
        ids = city_cache._seed_and_keep(_seed, city_cache._settings_key())
        seeded = _everything()
        transaction.set_rollback(True)
    return city_cache._kept["city"], ids, seeded


def test_a_city_put_back_has_exactly_the_rows_and_ids_of_a_seeded_one(db):
    kept, ids, seeded = _keep()
    assert city_cache._fresh(kept, city_cache._settings_key())
    with transaction.atomic():
        assert city_cache._put_back(kept) == ids
        assert _everything() == seeded
        transaction.set_rollback(True)


def test_other_settings_a_moved_clock_or_a_row_written_first_make_a_test_seed_its_own(db, settings):
    kept, _ids, _seeded = _keep()
    key = city_cache._settings_key()
    currency = settings.CIVICPACT_CURRENCY
    settings.CIVICPACT_CURRENCY = "CHF"
    assert not city_cache._fresh(kept, city_cache._settings_key())
    settings.CIVICPACT_CURRENCY = currency
    assert city_cache._settings_key() == key
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert not city_cache._fresh(kept, key)
    Organisation.objects.create(name="Written by a fixture first", kind="other")
    assert not city_cache._fresh(kept, key)
