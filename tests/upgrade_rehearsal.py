"""An upgrade rehearsal in two halves, each run as its own process on one database (tests/test_upgrade.py):

    python -m tests.upgrade_rehearsal before   # the schema of the previous release, seeded through its models
    civicpact migrate                          # the upgrade, exactly as docs/deployment.md has operators run it
    python -m tests.upgrade_rehearsal after    # what the current code finds there

Each half prints one JSON object on stdout. No release is tagged yet: the previous release is the state of
commit b3e0507 (25 November 2026, the last commit before the December work). When a release is tagged, set
PREVIOUS_RELEASE to its migrations (`git ls-tree -r --name-only <tag> -- 'src/civicpact/*/migrations/0*'`).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

PREVIOUS_RELEASE: dict[str, str | None] = {
    "accounts": "0002_add_capability_profile",
    "ledger": "0002_append_only_triggers",
    "pipeline": "0002_add_market_sounding",
    "appraisal": "0003_add_cancelled_run_status",
    "tendering": "0008_lots_and_processes",
    "contracts": "0003_change_requests",
    "performance": "0002_batch_progress",
    "web": "0001_initial",
    "transparency": None,  # the app came later
}
# Tables whose rows migrations add to: the migrations themselves, and content types and permissions of new models
GROWING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}
OCID = "ocds-cvp0dm-upgrade-1"
GOLDEN_SALT = "00" * 16
GOLDEN_TIME = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# The first seeded event's hash as commit b3e0507's own domain/audit.py computes it (link format 1)
GOLDEN_HASH = "eb21d9338d9d3766c89d187c85bf80981ab70e6cdb5beba727cb0244b69a1dea"


def table_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from the database itself
            counts[table] = int(cursor.fetchone()[0])
    return counts


def migrate_to_previous_release() -> None:
    """`migrate` each of our apps to its previous-release migration, then every other app to its latest."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    for label, target in PREVIOUS_RELEASE.items():
        if target is not None:
            call_command("migrate", label, target, interactive=False, verbosity=0)
    for label in sorted(MigrationLoader(connection).migrated_apps - set(PREVIOUS_RELEASE)):
        call_command("migrate", label, interactive=False, verbosity=0)


def historical_apps() -> Any:
    """The models as the previous release's migrations define them."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    return loader.project_state(list(loader.applied_migrations)).apps


def seed_audit_chain(apps: Any, subjects: list[tuple[str, str, dict[str, Any]]]) -> int:
    """Events in link format 1 (the format of the previous release), chained as its audit_append chained them."""
    from civicpact.domain.audit import GENESIS_HASH, ChainLink, link_hash, payload_digest

    event_model, head_model = apps.get_model("ledger", "AuditEvent"), apps.get_model("ledger", "ChainHead")
    previous = GENESIS_HASH
    for seq, (action, ref, payload) in enumerate(subjects, start=1):
        salt = GOLDEN_SALT if seq == 1 else os.urandom(16).hex()
        link = ChainLink(
            seq=seq,
            time=GOLDEN_TIME + timedelta(minutes=seq - 1),
            actor="system",
            action=action,
            object=ref,
            payload_digest=payload_digest(salt, payload),
        )
        digest = link_hash(previous, link)
        if seq == 1 and digest != GOLDEN_HASH:
            raise SystemExit(f"link format 1 no longer hashes as the previous release did: {digest}")
        event_model.objects.create(
            seq=seq,
            time=link.time,
            actor_label="system",
            action=action,
            object_ref=ref,
            public=True,
            payload=payload,
            salt=salt,
            payload_digest=link.payload_digest,
            hash=digest,
        )
        previous = digest
    head_model.objects.update_or_create(pk=1, defaults={"seq": len(subjects), "hash": previous})
    return len(subjects)


def release_body(number: int, tag: str, date: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ocid": OCID,
        "id": f"{OCID}-{tag}-{number}",
        "date": date.isoformat(),
        "tag": [tag],
        "initiationType": "tender",
        "language": "en",
        "buyer": {"id": "city", "name": "City of Port Aurelia"},
        "parties": [{"id": "city", "name": "City of Port Aurelia", "roles": ["buyer"]}],
    }
    if tag == "planning":
        body["planning"] = {"rationale": "Cut street-lighting energy by 40%"}
    else:
        body["tender"] = {"id": "1", "title": "Smart street lighting", "status": "active"}
    return body


def seed(apps: Any) -> dict[str, Any]:
    organisation, user = apps.get_model("accounts", "Organisation"), apps.get_model("accounts", "User")
    membership = apps.get_model("accounts", "Membership")
    need, project = apps.get_model("pipeline", "Need"), apps.get_model("pipeline", "Project")
    city = organisation.objects.create(name="City of Port Aurelia", kind="city")
    department = organisation.objects.create(name="Energy and Street Lighting", kind="department", parent=city)
    people = [user.objects.create(username=name, password="!") for name in ("admin", "lead")]
    membership.objects.create(user=people[0], organisation=city, role="administrator")
    membership.objects.create(user=people[1], organisation=department, role="department_lead")
    seeded_need = need.objects.create(
        department=department,
        title="Cut street-lighting energy by 40%",
        problem_statement="Old lamps.",
        outcomes_sought="Less energy.",
        first_year=2027,
        last_year=2030,
        created_by=people[1],
        updated_by=people[1],
    )
    seeded_project = project.objects.create(
        title="Smart street lighting",
        summary="LED and sensors.",
        lead_department=department,
        planned_procurement_year=2027,
        planned_start_year=2028,
        created_by=people[1],
        ocid=OCID,
    )
    apps.get_model("pipeline", "ProjectNeed").objects.create(project=seeded_project, need=seeded_need)
    apps.get_model("ledger", "Ocid").objects.create(ocid=OCID, object_ref=f"pipeline.project:{seeded_project.pk}")
    release = apps.get_model("ledger", "Release")
    for number, tag in enumerate(["planning", "tender"], start=1):
        date = GOLDEN_TIME + timedelta(days=number)
        body = release_body(number, tag, date)
        release.objects.create(ocid=OCID, release_id=body["id"], date=date, tags=[tag], body=body)
    events = seed_audit_chain(
        apps,
        [
            ("organisation.create", f"accounts.organisation:{city.pk}", {"name": "City of Port Aurelia"}),
            ("organisation.create", f"accounts.organisation:{department.pk}", {"name": department.name}),
            ("need.create", f"pipeline.need:{seeded_need.pk}", {"title": seeded_need.title}),
            ("project.create", f"pipeline.project:{seeded_project.pk}", {"title": seeded_project.title}),
            ("ocid.mint", f"pipeline.project:{seeded_project.pk}", {"ocid": OCID}),
        ],
    )
    return {"events": events}


def before() -> dict[str, Any]:
    migrate_to_previous_release()
    seeded = seed(historical_apps())
    return {**seeded, "counts": table_counts()}


def after() -> dict[str, Any]:
    """What the upgraded code sees: counts, the chain (then one more event of today's format), the old releases
    served as a record, and the append-only guard still in place."""
    from django.db import DatabaseError, connection, transaction
    from django.test import Client

    from civicpact.ledger.selectors import audit_chain_verify
    from civicpact.ledger.services import audit_append

    counts = table_counts()
    verdict_before = audit_chain_verify()
    with transaction.atomic():
        audit_append(actor=None, action="upgrade.check", obj="system:upgrade", payload={"ok": True}, public=True)
    verdict_after = audit_chain_verify()
    record = Client(HTTP_HOST="127.0.0.1").get(f"/api/v1/ocds/records/{OCID}")
    compiled = record.json()["records"][0]["compiledRelease"] if record.status_code == 200 else {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_auditevent SET action = 'changed' WHERE seq = 1")
        guard = "update accepted"
    except DatabaseError as exc:
        guard = "refused" if "append-only" in str(exc) else f"refused otherwise: {exc}"
    return {
        "counts": counts,
        "chain": [verdict_before.ok, verdict_before.events_checked, verdict_after.ok, verdict_after.events_checked],
        "record_status": record.status_code,
        "record_tags": compiled.get("tag"),
        "record_tender_title": compiled.get("tender", {}).get("title"),
        "guard": guard,
    }


def main(phase: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpact.settings")
    import django

    django.setup()
    result = before() if phase == "before" else after()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
