"""The append-only triggers are lifted only inside a restore's transaction, and always come back."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from civicpact.ledger.models import AuditEvent
from civicpact.ledger.services import audit_append
from civicpact.ledger.triggers import append_only_suspended, append_only_tables


def trigger_definitions() -> list[tuple[str, str]]:
    """The triggers on the ledger's tables, as the database describes them."""
    tables = append_only_tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relname = ANY(%s) ORDER BY tgname",
                [tables],
            )
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        return [(name, sql) for name, sql in cursor.fetchall() if any(name.startswith(t) for t in tables)]


def delete_every_event() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_auditevent")


@pytest.mark.django_db
def test_the_triggers_come_back_exactly_as_the_migrations_made_them():
    before = trigger_definitions()
    assert len(before) == len(append_only_tables()) * (1 if connection.vendor == "postgresql" else 2)
    audit_append(actor=None, action="thing.do", obj="thing:1", payload={"i": 1})
    with transaction.atomic(), append_only_suspended():
        delete_every_event()
        assert trigger_definitions() == []
    assert trigger_definitions() == before
    assert not AuditEvent.objects.exists()
    audit_append(actor=None, action="thing.do", obj="thing:2", payload={"i": 2})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        delete_every_event()


@pytest.mark.django_db
def test_a_failure_inside_rolls_the_rows_and_the_triggers_back():
    audit_append(actor=None, action="thing.do", obj="thing:1", payload={"i": 1})
    before = trigger_definitions()

    def restore_that_fails() -> None:
        with transaction.atomic(), append_only_suspended():
            delete_every_event()
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        restore_that_fails()
    assert trigger_definitions() == before
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_run_outside_a_transaction(flushable_ledger):
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"), append_only_suspended():
        pass  # pragma: no cover - never reached
