import threading

import pytest
from django.db import DatabaseError, close_old_connections, connection, transaction

from civicpact.cli import main
from civicpact.ledger.exceptions import AppendOnlyViolation
from civicpact.ledger.models import AuditEvent, ChainHead
from civicpact.ledger.selectors import audit_chain_verify
from civicpact.ledger.services import audit_append
from tests.conftest import service_required


def append(n: int, action: str = "thing.do") -> list[AuditEvent]:
    return [audit_append(actor=None, action=action, obj=f"test.thing:{i}", payload={"i": i}) for i in range(n)]


@pytest.mark.django_db
def test_each_event_links_to_the_one_before():
    first, second = append(2)
    assert (first.seq, second.seq) == (1, 2)
    assert ChainHead.objects.get().hash == second.hash
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_an_event_cannot_be_updated_through_the_model():
    event = append(1)[0]
    event.action = "thing.undo"
    with pytest.raises(AppendOnlyViolation):
        event.save()
    with pytest.raises(AppendOnlyViolation):
        event.delete()
    with pytest.raises(AppendOnlyViolation):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyViolation):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_auditevent SET action = 'thing.undo'",
        "DELETE FROM ledger_auditevent",
    ],
)
def test_the_database_trigger_refuses_changes_made_in_sql(sql):
    append(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.get().action == "thing.do"


def disable_triggers_as_owner() -> None:
    """What a database owner could do: switch the guard off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred foreign-key checks first
            cursor.execute("ALTER TABLE ledger_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER ledger_auditevent_no_update")
            cursor.execute("DROP TRIGGER ledger_auditevent_no_delete")


@pytest.mark.django_db
def test_verify_audit_names_the_first_event_edited_behind_the_triggers_back(capsys):
    append(5)
    assert main(["verify-audit"]) == 0
    disable_triggers_as_owner()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_auditevent SET payload = %s WHERE seq = 3", ['{"i": 99}'])
    capsys.readouterr()
    assert main(["verify-audit"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN at event #3" in out
    assert "payload does not match" in out


@pytest.mark.django_db
def test_verify_audit_names_a_deleted_event(capsys):
    append(4)
    disable_triggers_as_owner()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_auditevent WHERE seq = 2")
    assert main(["verify-audit", "--json"]) == 1
    assert '"first_broken_seq": 3' in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(flushable_ledger):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; the SQLite test database is in memory and single-writer")
    ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for _ in range(15):
                append(1, action=f"{name}.write")
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 61))
    assert audit_chain_verify().ok


def test_service_required_skips_without_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        service_required("Example")
