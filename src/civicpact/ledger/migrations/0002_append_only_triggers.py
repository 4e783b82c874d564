"""Refuse UPDATE and DELETE on the append-only tables, one trigger set per database vendor."""

from typing import Any

from django.db import migrations

APPEND_ONLY_TABLES = ["ledger_auditevent", "ledger_release", "ledger_ocid"]

SQLITE_CREATE = """
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be updated'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be deleted'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS {table}_no_update; DROP TRIGGER IF EXISTS {table}_no_delete;"

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION civicpact_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: rows cannot be %', TG_TABLE_NAME, lower(TG_OP) || 'd'
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_CREATE = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION civicpact_refuse_change();
"""
POSTGRES_DROP = "DROP TRIGGER IF EXISTS {table}_append_only ON {table};"


def create_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)  # no placeholders: keep the % of RAISE
        for table in APPEND_ONLY_TABLES:
            schema_editor.execute(POSTGRES_CREATE.format(table=table))
    elif vendor == "sqlite":
        for table in APPEND_ONLY_TABLES:
            with schema_editor.connection.cursor() as cursor:
                cursor.connection.executescript(SQLITE_CREATE.format(table=table))
    else:
        raise NotImplementedError(f"no append-only triggers written for {vendor}")


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in APPEND_ONLY_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(POSTGRES_DROP.format(table=table))
        elif vendor == "sqlite":
            with schema_editor.connection.cursor() as cursor:
                cursor.connection.executescript(SQLITE_DROP.format(table=table))


def create_chain_head(apps: Any, schema_editor: Any) -> None:
    chain_head = apps.get_model("ledger", "ChainHead")
    chain_head.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
