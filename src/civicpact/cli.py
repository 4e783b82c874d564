"""The `civicpact` command. Exit codes: 0 ok, 1 the data fails the check, 2 bad usage."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from civicpact.cli_finance import add_finance_parser, finance_command
from civicpact.cli_transparency import FileProblem, add_import_parser, ocds_import_file, read_json, verify_audit_file

if TYPE_CHECKING:
    from civicpact.domain.evaluation import Ranking, Scheme

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2
SCHEMAS = Path(__file__).resolve().parent / "schemas"


class UsageError(Exception):
    """Bad usage: printed as one line, exit code 2."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpact.settings")
    import django

    django.setup()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="civicpact",
        description="CivicPact: run a city's smart-city partnerships and innovation procurement in the open.",
        epilog="Configuration comes from environment variables (DATABASE_URL, SECRET_KEY, ...): "
        "see docs/configuration.md. Exit codes: 0 ok, 1 the data fails a check, 2 bad usage.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add_server_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        p.add_argument("--workers", type=int, default=2, help="web worker processes (default 2)")
        p.add_argument("--no-worker", action="store_true", help="do not start the background task worker")

    serve = sub.add_parser(
        "serve",
        help="serve CivicPact with gunicorn and a background task worker",
        description="Serve CivicPact for real: gunicorn plus a background task worker. Run 'civicpact migrate' first.",
    )
    add_server_options(serve)
    demo = sub.add_parser(
        "demo",
        help="set up the demo city (migrate + seed) and serve it",
        description="Migrate the database, create the demo city of Port Aurelia with one "
        "login per role, then serve it. Safe to run again: nothing is duplicated.",
    )
    add_server_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="seed only, then exit")
    sub.add_parser(
        "migrate",
        help="create or upgrade the database tables",
        description="Apply database migrations. Safe to run at any time.",
    )
    admin = sub.add_parser(
        "createadmin",
        help="create an administrator account",
        description="Create a user with the administrator role in the city organisation. "
        "The password is read from CIVICPACT_ADMIN_PASSWORD (or the file named by CIVICPACT_ADMIN_PASSWORD_FILE), "
        "or asked for on a terminal.",
    )
    admin.add_argument("--username", required=True, help="the new administrator's username")
    admin.add_argument("--email", default="", help="e-mail address for password resets")
    admin.add_argument(
        "--organisation",
        default="",
        help="name of the city organisation (created if missing; default: CIVICPACT_PUBLISHER_NAME)",
    )
    verify = sub.add_parser(
        "verify-audit",
        help="re-compute the audit chain and report the first broken event",
        description="Re-compute every event's digest and hash in order. Exit 0 when the "
        "chain is intact, 1 naming the first broken event otherwise.",
    )
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.add_argument(
        "--file",
        default="",
        metavar="EXPORT",
        help="verify a downloaded public export (/audit/export.json) offline instead of the database; "
        "exit 2 when the file is unreadable (docs/audit-export.md)",
    )
    disclose = sub.add_parser(
        "disclose-expired",
        help="publish what expired confidentiality claims withheld",
        description="End every active confidentiality claim whose end date has passed and publish a release "
        "disclosing what it withheld (docs/confidentiality.md). Run it daily. Exit 0.",
    )
    disclose.add_argument("--json", action="store_true", help="print the disclosures as JSON")
    _add_backup_commands(sub)
    screen = sub.add_parser(
        "screen",
        help="PPP suitability screening of answers in a JSON file",
        description="Screen a project for PPP suitability. FILE holds the answers; its format "
        "is src/civicpact/schemas/screening.schema.json (example: docs/examples/screening.json).",
    )
    screen.add_argument("file", help="JSON file with the screening answers ('-' for standard input)")
    screen.add_argument("--json", action="store_true", help="print the result as JSON")
    terms = sub.add_parser(
        "terms-check",
        help="check a term sheet in a JSON file for gaps and risky terms",
        description="Flag gaps and risky terms in a term sheet. FILE's format is "
        "src/civicpact/schemas/terms.schema.json (example: docs/examples/terms.json).",
    )
    terms.add_argument("file", help="JSON file with the term sheet ('-' for standard input)")
    terms.add_argument("--json", action="store_true", help="print the findings as JSON")
    terms.add_argument("--strict", action="store_true", help="exit 1 when any gap is found")
    vfm = sub.add_parser(
        "vfm",
        help="value for money by Monte Carlo: PSC against PPP",
        description="Simulate a value-for-money case. CASE's format is "
        "src/civicpact/schemas/vfm.schema.json (example: docs/examples/vfm.json). The same seed, "
        "inputs and lock file give identical results.",
    )
    vfm.add_argument("file", help="JSON case file ('-' for standard input)")
    vfm.add_argument("--iterations", type=int, default=100_000, help="Monte Carlo iterations (default 100,000)")
    vfm.add_argument("--seed", type=int, default=20261124, help="random seed (default 20261124)")
    vfm.add_argument("--out", default="", help="also write the full result as JSON to this file")
    score = sub.add_parser(
        "score",
        help="score and rank the bids of a tender",
        description="Score the bids of a tender against its weighted criteria and price formula, apply the "
        "thresholds, flag abnormally low bids and show how far each weight is from changing the winner. "
        "TENDER's format is src/civicpact/schemas/score.schema.json (example: docs/examples/score.json). "
        "Exit 0 with a winner, 1 when no bid qualifies.",
    )
    score.add_argument("file", help="JSON tender file ('-' for standard input)")
    score.add_argument("--json", action="store_true", help="print the ranking as JSON")
    _add_performance_commands(sub)
    _add_ocds_commands(sub)
    add_finance_parser(sub)
    worker = sub.add_parser(
        "worker",
        help="run the background task worker alone",
        description="Run the background task worker. It first queues the daily disclosure of expired "
        "confidentiality claims unless a run is already waiting (docs/confidentiality.md); each run queues the next.",
    )
    worker.add_argument("--batch", action="store_true", help="run the tasks that are due, then exit")
    reminders = sub.add_parser(
        "notify-deadlines",
        help="send the deadline reminders due now (run it hourly from cron or a systemd timer)",
        description="Enqueue the deadline-reminder job for the task worker (or, with --now, run it here). "
        "Idempotent: a reminder is never sent twice, so run it as often as you like (hourly is enough). "
        "See docs/notifications.md.",
    )
    reminders.add_argument("--now", action="store_true", help="send them in this process instead of the worker")
    return parser


def _add_backup_commands(sub: Any) -> None:
    """backup, restore and keys (docs/backup.md, docs/keys.md)."""
    backup = sub.add_parser(
        "backup",
        help="write one archive of the database, documents, telemetry and (encrypted) bid master keys",
        description="Write a backup archive (gzip-compressed tar; docs/backup.md): every table of the database in "
        "one consistent snapshot, the uploaded documents, the telemetry store, and a manifest with the rows per "
        "table, each file's SHA-256 and the migration state. The bid master keys go in only encrypted with "
        "CIVICPACT_BACKUP_PASSPHRASE (or _FILE); without a passphrase they are left out (docs/keys.md). Progress "
        "goes to standard error. Exit 0 when written, 2 when it cannot be (nothing is left behind).",
    )
    backup.add_argument("--out", required=True, metavar="FILE", help="the archive to write (never overwritten)")
    backup.add_argument(
        "--without-keys", action="store_true", help="leave the bid master keys out even when a passphrase is set"
    )
    restore = sub.add_parser(
        "restore",
        help="restore a backup archive into this deployment (an empty one unless --force)",
        description="Restore an archive written by 'civicpact backup' (docs/backup.md). Every file's SHA-256 is "
        "checked against the manifest before anything is touched; the rows are loaded, counted and the audit chain "
        "re-verified in one transaction, then the documents and the telemetry replace their folders. Exit 0 when "
        "restored, 1 when the archive is damaged or its data fails a check (nothing changed), 2 when the target "
        "holds data (without --force), lacks the bid master keys, or the file is no archive (nothing changed).",
    )
    restore.add_argument("file", help="the archive")
    restore.add_argument("--force", action="store_true", help="replace the data of a deployment that has some")
    restore.add_argument("--check", action="store_true", help="only verify the archive and the target; change nothing")
    restore.add_argument(
        "--allow-missing-keys",
        action="store_true",
        help="restore even when tenders are sealed under master keys this deployment lacks (their bids stay sealed)",
    )
    keys = sub.add_parser("keys", help="bid master keys: status, rotation, recovery from a backup (docs/keys.md)")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="KEYS_COMMAND", required=True)
    status = keys_sub.add_parser(
        "status",
        help="which master keys are configured and how many tenders each wraps",
        description="List the configured bid master keys (current and retired, by fingerprint) and how many "
        "tenders each wraps. Exit 1 when a tender's key is not configured.",
    )
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    keys_sub.add_parser(
        "rotate-bid-master",
        help="rewrap every tender's data key under the current master key",
        description="After setting a new CIVICPACT_BID_MASTER_KEY (restart first) and moving the old one to "
        "CIVICPACT_BID_MASTER_KEYS_RETIRED: rewrap every tender's data key under the new key, all in one "
        "transaction (bids are not re-encrypted). Then remove the retired key. Running it again changes nothing. "
        "Exit 0 when done, 1 when a wrapped key is damaged, 2 when a tender's key is not configured (nothing is "
        "rewrapped in either case).",
    )
    unpack = keys_sub.add_parser(
        "unpack",
        help="write the bid master keys carried by a backup archive to a file",
        description="Verify the archive, decrypt its bid master keys with CIVICPACT_BACKUP_PASSPHRASE and write "
        "them to FILE (mode 600, never overwritten) as environment lines: CIVICPACT_BID_MASTER_KEY=... and "
        "CIVICPACT_BID_MASTER_KEYS_RETIRED=... (docs/keys.md). Exit 1 when the archive is damaged, 2 otherwise.",
    )
    unpack.add_argument("file", help="the archive")
    unpack.add_argument("--out", required=True, metavar="FILE", help="where to write the keys")


def _add_performance_commands(sub: Any) -> None:
    """ingest, ingest-mqtt and sla statement."""
    ingest = sub.add_parser(
        "ingest",
        help="ingest a telemetry file (CSV, NDJSON or Parquet) for a contract",
        description="Validate and store a telemetry file as the contract's interval rows: all accepted rows or "
        "none; rejected rows go to a rejection report (CSV) with the reason per row. Re-ingesting the same "
        "content stores nothing again. Row format: src/civicpact/schemas/telemetry-row.schema.json (examples: "
        "docs/examples/telemetry.csv, docs/examples/telemetry.ndjson). Exit 0 when every row was accepted, 1 "
        "when some were rejected, 2 when the file or the contract is unusable.",
    )
    ingest.add_argument("file", help="the telemetry file")
    ingest.add_argument("--contract", type=int, required=True, help="the contract's id")
    ingest.add_argument(
        "--feed",
        choices=("samples", "changes"),
        default="samples",
        help="periodic samples (default) or status changes",
    )
    ingest.add_argument(
        "--format", choices=("csv", "ndjson", "parquet"), default=None, help="default: from the file name"
    )
    mqtt = sub.add_parser(
        "ingest-mqtt",
        help="subscribe to telemetry over MQTT and ingest it",
        description="Subscribe to civicpact/<contract>/telemetry on the MQTT broker; each batch of readings "
        "(JSON objects, as in the NDJSON format) is ingested for the contract of its topic, all or nothing, "
        "rejections logged. Stops on Ctrl-C or SIGTERM.",
    )
    mqtt.add_argument("--host", default=os.environ.get("CIVICPACT_MQTT_HOST", "127.0.0.1"), help="broker host")
    mqtt.add_argument("--port", type=int, default=int(os.environ.get("CIVICPACT_MQTT_PORT", "1883")), help="port")
    mqtt.add_argument("--topic", default="civicpact/+/telemetry", help="topic filter (default all contracts)")
    mqtt.add_argument("--batch-size", type=int, default=500, help="readings per batch (default 500)")
    mqtt.add_argument("--batch-seconds", type=float, default=5.0, help="seconds before a partial batch is ingested")
    sla = sub.add_parser("sla", help="SLA statements")
    sla_sub = sla.add_subparsers(dest="sla_command", metavar="SLA_COMMAND", required=True)
    statement = sla_sub.add_parser(
        "statement",
        help="compute a contract's monthly payment statement",
        description="Compute (or recompute) the month's draft statement from the stored telemetry with the "
        "contract's latest performance regime, and print it. --issue freezes it.",
    )
    statement.add_argument("--contract", type=int, required=True, help="the contract's id")
    statement.add_argument("--month", required=True, help="YYYY-MM")
    statement.add_argument("--index", default=None, help="the price index of the month (indexed regimes)")
    statement.add_argument("--issue", action="store_true", help="issue (freeze) the statement after computing it")
    statement.add_argument("--json", action="store_true", help="print the statement as JSON")


def _print_progress(done: int, total: int, message: str) -> None:
    width = 30
    filled = int(width * done / total) if total else 0
    bar = "#" * filled + "." * (width - filled)
    if not sys.stdout.isatty():  # a log file gets one line a step
        print(f"[{bar}] {done:>3}/{total} {message}", flush=True)
        return
    end = "\n" if done >= total else ""
    print(f"\r[{bar}] {done:>3}/{total} {message:<60}", end=end, flush=True)


def cmd_migrate(_args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return EXIT_OK


def _progress_to_stderr(done: int, total: int, message: str) -> None:
    """Progress of a long command on standard error (standard output keeps the result): a bar redrawn in place on
    a terminal, otherwise one line now and then (total 0: the total is not known yet)."""
    step = max(1, total // 20) if total else 500
    if sys.stderr.isatty():
        counted = f"{done:>5}/{total}" if total else f"{done:>6}"
        end = "\n" if total and done >= total else ""
        print(f"\r{counted} {message[:70]:<70}", end=end, file=sys.stderr, flush=True)
    elif done % step == 0 or done in {total, 1}:
        print(f"{done}/{total or '?'} {message}", file=sys.stderr, flush=True)


def cmd_backup(args: argparse.Namespace) -> int:
    from civicpact.backup.exceptions import BackupError
    from civicpact.backup.service import backup_create

    try:
        result = backup_create(out=Path(args.out), with_keys=not args.without_keys, progress=_progress_to_stderr)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    files = ", ".join(f"{count} {section} file(s)" for section, count in result.files.items())
    print(f"backup written to {result.path}: {result.tables} tables ({result.rows} rows), {files}")
    print(f"  SHA-256 of the archive: {result.sha256}  (note it apart from the archive)")
    if result.keys_included:
        print("  bid master keys: included, encrypted with CIVICPACT_BACKUP_PASSPHRASE")
    else:
        needed = ", ".join(result.keys_needed) or "none yet"
        print(f"  bid master keys: NOT included (tenders need {needed}): keep them in your key escrow (docs/keys.md)")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from civicpact.backup.exceptions import BackupError, BackupRefused
    from civicpact.backup.service import backup_restore

    try:
        result = backup_restore(
            archive_path=Path(args.file),
            force=args.force,
            check_only=args.check,
            allow_missing_keys=args.allow_missing_keys,
            progress=_progress_to_stderr,
        )
    except BackupRefused as exc:
        raise UsageError(str(exc)) from None
    except BackupError as exc:
        print(f"civicpact restore: {exc}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    manifest = result.manifest
    files = ", ".join(f"{count} {section} file(s)" for section, count in result.files.items())
    made = f"backup {manifest['backup_id']} of {manifest['created_at']}"
    if result.checked_only:
        print(f"{args.file} is intact: {made}, {len(manifest['tables'])} tables ({result.rows} rows), {files}")
        if result.replaced:
            print(f"  a restore needs --force: it would replace {'; '.join(result.replaced)}")
        return EXIT_OK
    print(f"restored {made}: {len(manifest['tables'])} tables ({result.rows} rows), {files}")
    print(f"  audit chain intact: {result.chain_events} events verified (the restore is the last)")
    if result.migrated_forward:
        print("  the archive came from an older version: the database was migrated forward")
    if result.keys_installed:
        print("  the archive's bid master keys were installed in the data folder: restart CivicPact")
    print("  everyone signs in again: sessions are not backed up")
    return EXIT_OK


def cmd_keys(args: argparse.Namespace) -> int:
    if args.keys_command == "status":
        return _keys_status(as_json=args.json)
    if args.keys_command == "unpack":
        return _keys_unpack(Path(args.file), Path(args.out))
    return _keys_rotate()


def _keys_rotate() -> int:
    from django.core.exceptions import ImproperlyConfigured

    from civicpact.tendering import sealing
    from civicpact.tendering.services import tender_keys_rewrap

    try:
        count = tender_keys_rewrap(actor=None)
    except sealing.WrappedKeyDamaged as exc:
        print(f"civicpact keys: {exc}; nothing was rewrapped", file=sys.stderr)
        return EXIT_CHECK_FAILED
    except ImproperlyConfigured as exc:
        raise UsageError(f"{exc}; nothing was rewrapped") from None
    current = sealing.current_master_key()[0]
    print(f"{count} tender key(s) rewrapped under the master key {current}; every tender now needs only it")
    return EXIT_OK


def _keys_status(*, as_json: bool) -> int:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from civicpact.tendering import sealing
    from civicpact.tendering.selectors import tender_key_usage

    try:
        current = sealing.current_master_key()[0]
        configured = sealing.master_keys()
    except ImproperlyConfigured as exc:
        raise UsageError(str(exc)) from None
    usage = tender_key_usage()
    missing = sorted(set(usage) - set(configured))
    keys = [
        {"key_id": kid, "role": "current" if kid == current else "retired", "tenders": usage.get(kid, 0)}
        for kid in [current, *sorted(k for k in configured if k != current)]
    ]
    if as_json:
        source = settings.CIVICPACT_BID_MASTER_KEY_SOURCE
        print(json.dumps({"source": source, "keys": keys, "missing": {kid: usage[kid] for kid in missing}}))
    else:
        print(f"bid master key from: {settings.CIVICPACT_BID_MASTER_KEY_SOURCE}")
        for key in keys:
            advice = ""
            if key["role"] == "retired":
                needed = "still needed: run 'civicpact keys rotate-bid-master'"
                advice = f" - {needed}" if key["tenders"] else " - no longer needed: remove it"
            print(f"  {key['role']:<8} {key['key_id']}  wraps {key['tenders']} tender(s){advice}")
        for kid in missing:
            print(f"  MISSING  {kid}  wraps {usage[kid]} tender(s) whose bids cannot be opened: configure it")
    return EXIT_CHECK_FAILED if missing else EXIT_OK


def _keys_unpack(archive_path: Path, out: Path) -> int:
    from civicpact.backup.archive import read_archive
    from civicpact.backup.exceptions import BackupError, BackupRefused
    from civicpact.backup.service import archive_keys

    if out.exists():
        raise UsageError(f"{out} exists: choose another name")
    try:
        contents = read_archive(archive_path, destination=lambda _name: None, progress=_progress_to_stderr)
        found = archive_keys(contents, passphrase=_backup_passphrase())
    except BackupRefused as exc:
        raise UsageError(str(exc)) from None
    except BackupError as exc:
        print(f"civicpact keys: {exc}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    manifest = contents.manifest
    lines = [
        f"# Bid master keys of backup {manifest['backup_id']} ({manifest['created_at']}). Secret: install them",
        "# (docs/keys.md), then delete this file.",
        f"CIVICPACT_BID_MASTER_KEY={found.current}",
        f"CIVICPACT_BID_MASTER_KEYS_RETIRED={','.join(found.retired)}",
    ]
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"{1 + len(found.retired)} bid master key(s) written to {out} (mode 600)")
    return EXIT_OK


def _backup_passphrase() -> str:
    from django.conf import settings

    if not settings.CIVICPACT_BACKUP_PASSPHRASE:
        raise UsageError("set CIVICPACT_BACKUP_PASSPHRASE (or _FILE) to the passphrase the backup was made with")
    passphrase: str = settings.CIVICPACT_BACKUP_PASSPHRASE
    return passphrase


def cmd_verify_audit(args: argparse.Namespace) -> int:
    from civicpact.ledger.selectors import audit_chain_verify

    if args.file:
        try:
            return verify_audit_file(args.file, as_json=args.json)
        except FileProblem as exc:
            raise UsageError(str(exc)) from None

    verdict = audit_chain_verify()
    if args.json:
        print(
            json.dumps(
                {
                    "ok": verdict.ok,
                    "events_checked": verdict.events_checked,
                    "first_broken_seq": verdict.first_broken_seq,
                    "reason": verdict.reason,
                }
            )
        )
    elif verdict.ok:
        print(f"audit chain intact: {verdict.events_checked} events verified")
    else:
        print(
            f"audit chain BROKEN at event #{verdict.first_broken_seq}: {verdict.reason} "
            f"({verdict.events_checked} events before it are intact)"
        )
    return EXIT_OK if verdict.ok else EXIT_CHECK_FAILED


def cmd_createadmin(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from civicpact.accounts import services
    from civicpact.accounts.models import Organisation, OrganisationKind, Role, User
    from civicpact.settings import env_secret

    password = env_secret("CIVICPACT_ADMIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise UsageError("no password: set CIVICPACT_ADMIN_PASSWORD (or _FILE) or run on a terminal")
        password = getpass.getpass("Password for the new administrator: ")
    if User.objects.filter(username=args.username).exists():
        raise UsageError(f"username {args.username!r} is taken; choose another")
    name = args.organisation or settings.CIVICPACT_PUBLISHER_NAME
    try:
        with transaction.atomic():
            city = Organisation.objects.filter(name=name, kind=OrganisationKind.CITY).first()
            if city is None:
                city = services.organisation_create(actor=None, name=name, kind=OrganisationKind.CITY)
            user = services.user_create(actor=None, username=args.username, password=password, email=args.email)
            services.membership_grant(actor=None, user=user, organisation=city, role=Role.ADMINISTRATOR)
    except ValidationError as exc:
        raise UsageError("; ".join(exc.messages)) from None
    print(f"administrator {user.username} created in {city.name}")
    return EXIT_OK


def _unapplied_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _run_servers(args: argparse.Namespace) -> int:
    """Run gunicorn and (unless --no-worker) the task worker until interrupted."""
    env = dict(os.environ)
    children: list[subprocess.Popen[bytes]] = []
    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:civicpact.gunicorn_conf",  # logs in CIVICPACT_LOG_FORMAT, timeouts (docs/deployment.md)
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
    ]
    children.append(subprocess.Popen(web, env=env))  # noqa: S603 - our own interpreter and arguments
    if not args.no_worker:
        worker = [sys.executable, "-m", "civicpact.cli", "worker"]
        children.append(subprocess.Popen(worker, env=env))  # noqa: S603

    def stop(signum: int, _frame: Any) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = children[0].wait()
    stop(signal.SIGTERM, None)
    for child in children[1:]:
        child.wait()
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    if _unapplied_migrations():
        raise UsageError("the database is not up to date: run 'civicpact migrate' first")
    print(f"CivicPact is serving at http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    return _run_servers(args)


def cmd_demo(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from civicpact.accounts.models import Role
    from civicpact.demo.seed import DEMO_PASSWORD, USERS, seed_demo_city

    call_command("migrate", interactive=False, verbosity=0)
    print("Setting up the demo city of Port Aurelia:")
    summary = seed_demo_city(progress=_print_progress)
    print(f"{summary['organisations']} organisations and {summary['users']} users in the database.")
    print("\nDemo logins (every one with the password " + DEMO_PASSWORD + "):")
    for user in USERS:
        print(f"  {user.username:<10} {Role(user.role).label}")
    if settings.CIVICPACT_REQUIRE_2FA:
        roles = ", ".join(Role(r).label.lower() for r in settings.CIVICPACT_2FA_ROLES)
        print(f"Two-factor authentication is on (CIVICPACT_REQUIRE_2FA): {roles} set up an app at first sign-in.")
    if args.no_serve:
        return EXIT_OK
    print(f"\nOpen http://{args.host}:{args.port}/ in your browser.  (Ctrl+C stops the server.)\n", flush=True)
    return _run_servers(args)


def cmd_worker(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from civicpact.ledger.tasks import disclose_expired_schedule

    if _unapplied_migrations():
        raise UsageError("the database is not up to date: run 'civicpact migrate' first")
    disclose_expired_schedule(run_after=None)
    call_command("db_worker", verbosity=1, batch=args.batch)
    return EXIT_OK


def cmd_notify_deadlines(args: argparse.Namespace) -> int:
    if args.now:
        from civicpact.notifications.reminders import deadline_reminders_send

        made = deadline_reminders_send()
        print(f"Sent {made} reminder{'s' if made != 1 else ''}.")
        return EXIT_OK
    from civicpact.notifications.tasks import deadline_reminders_task

    result = deadline_reminders_task.enqueue()
    print(f"Enqueued the deadline reminders (task {result.id}); the worker ('civicpact worker') sends them.")
    return EXIT_OK


def read_input(path: str, schema_name: str) -> Any:
    """Read a JSON input file and check it against its schema; every problem is a UsageError naming the field."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    try:
        data = read_json(path)
    except FileProblem as exc:
        raise UsageError(str(exc)) from None
    schema = json.loads((SCHEMAS / f"{schema_name}.schema.json").read_text(encoding="utf-8"))
    error = best_match(Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise UsageError(f"{path}: {where}: {error.message}")
    return data


def cmd_screen(args: argparse.Namespace) -> int:
    from civicpact.domain.screening import ScreeningAnswers, ScreeningInputError, screen

    data = read_input(args.file, "screening")
    try:
        result = screen(ScreeningAnswers.from_mapping(data))
    except ScreeningInputError as exc:
        raise UsageError(f"{args.file}: {exc.field}: {exc}") from None
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
        return EXIT_OK
    print(f"{result.outcome.label} (PPP score {result.ppp_score}/100)")
    for driver in result.drivers:
        sign = {"for_ppp": "+", "against_ppp": "-", "blocking": "!"}[driver.effect]
        print(f"  {sign} {driver.key} = {driver.answer}: {driver.explanation}")
    return EXIT_OK


def cmd_terms_check(args: argparse.Namespace) -> int:
    from civicpact.domain.terms import TermSheet, TermsInputError, check_terms, findings_as_dicts

    data = read_input(args.file, "terms")
    try:
        findings = check_terms(TermSheet.from_mapping(data))
    except TermsInputError as exc:
        raise UsageError(f"{args.file}: {exc.field}: {exc}") from None
    gaps = sum(f.severity == "gap" for f in findings)
    if args.json:
        print(json.dumps({"findings": findings_as_dicts(findings), "gaps": gaps}, indent=2))
    elif not findings:
        print("No gaps or risky terms found.")
    else:
        counts = {s: sum(f.severity == s for f in findings) for s in ("gap", "risk", "advice")}
        print(f"{counts['gap']} gap(s), {counts['risk']} risk(s), {counts['advice']} piece(s) of advice:")
        for finding in findings:
            print(f"  [{finding.severity}] {finding.field}: {finding.message}")
    return EXIT_CHECK_FAILED if args.strict and gaps else EXIT_OK


def cmd_vfm(args: argparse.Namespace) -> int:
    from civicpact.domain.finance import FinanceInputError
    from civicpact.domain.vfm import VfmCase, simulate

    data = read_input(args.file, "vfm")
    try:
        case = VfmCase.from_mapping(data)
    except FinanceInputError as exc:
        raise UsageError(f"{args.file}: {exc.field}: {exc}") from None
    extras, lines = _business_case_extras(args.file, data)  # checked before the (long) simulation
    try:
        result = simulate(case, iterations=args.iterations, seed=args.seed)
    except FinanceInputError as exc:
        raise UsageError(f"{args.file}: {exc.field}: {exc}") from None
    money = "{:,.0f}".format
    print(f"Value for money over {result.iterations:,} iterations (seed {result.seed}, NumPy {result.numpy_version})")
    print(
        f"  PSC net present cost: mean {money(result.psc.mean)}, P50 {money(result.psc.p50)}, "
        f"P90 {money(result.psc.p90)}"
    )
    print(
        f"  PPP net present cost: mean {money(result.ppp.mean)}, P50 {money(result.ppp.p50)}, "
        f"P90 {money(result.ppp.p90)}"
    )
    print(
        f"  VfM (PSC - PPP): mean {money(result.vfm.mean)} ({result.vfm_percent_of_psc:.1f}% of the PSC), "
        f"P10 {money(result.vfm.p10)}, P50 {money(result.vfm.p50)}, P90 {money(result.vfm.p90)}"
    )
    print(f"  Probability that the PPP costs less: {result.probability_ppp_cheaper:.1%}")
    print("  Main drivers (swing of the expected VfM):")
    for driver, low, high in result.tornado[:5]:
        print(f"    {driver}: {money(low)} to {money(high)}")
    for line in lines:
        print(line)
    out = {**result.as_dict(), **extras}
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    from civicpact.domain.evaluation import EvaluationInputError, rank, tender_from_mapping

    data = read_input(args.file, "score")
    try:
        scheme, bids = tender_from_mapping(data)
        ranking = rank(scheme, bids)
    except EvaluationInputError as exc:
        raise UsageError(f"{args.file}: {exc.field}: {exc}") from None
    if args.json:
        print(json.dumps(ranking.as_dict(), indent=2))
    else:
        _print_ranking(scheme, ranking)
        _print_findings(ranking)
    return EXIT_OK if ranking.winner is not None else EXIT_CHECK_FAILED


def _print_ranking(scheme: Scheme, ranking: Ranking) -> None:
    """The table of bids (disqualified ones last, without price points or total) and the winner."""
    ratio = scheme.price_formula == "price_per_quality_point"
    price = f"price {scheme.price_weight:g} of 100 points" if scheme.price_criterion else "no price criterion"
    print(f"Tender evaluation: {len(ranking.results)} bid(s), price formula {scheme.price_formula} ({price})")
    head = f"{'Rank':>4}  {'Bidder':<28} {'Quality':>8} {'Price pts':>9} {'Total':>7}"
    print(head + ("  Price/QP" if ratio else "") + "  Flags")
    for r in ranking.results:
        flags = ", ".join(
            f for f, on in (("disqualified", r.disqualified), ("abnormally low", r.abnormally_low)) if on
        )
        points = f"{'-':>9} {'-':>7}" if r.rank is None else f"{r.price_points:>9.2f} {r.total:>7.2f}"
        per_point = ""
        if ratio:
            per_point = f"  {r.price_per_quality_point:>8,.0f}" if r.price_per_quality_point else f"  {'-':>8}"
        print(f"{r.rank or '-':>4}  {r.bidder:<28} {r.quality_points:>8.2f} {points}{per_point}  {flags}".rstrip())
    if ranking.winner is None:
        print("No bid qualifies: every bid is disqualified, so there is no winner.")
        return
    print(f"Winner: {ranking.winner} ({ranking.results[0].total:.2f} points)")
    if ranking.tie_resolved_by:
        print(f"  Tied with {ranking.results[1].bidder}; decided by the {ranking.tie_resolved_by}.")
        print(f"  Tie-break rule: {ranking.tie_break}")


def _print_findings(ranking: Ranking) -> None:
    """Disqualifications, abnormally low bids and the weights' sensitivity."""
    out = [r for r in ranking.results if r.disqualified]
    if out:
        print("Disqualified:")
        for r in out:
            print(f"  {r.bidder}: {'; '.join(r.disqualified)}")
    low = [r for r in ranking.results if r.abnormally_low]
    if low:
        print("Abnormally low (ask the bidder to explain its price before the award):")
        for r in low:
            print(f"  {r.bidder}: {'; '.join(r.abnormally_low)}")
    if ranking.sensitivity:
        print("Sensitivity (one top-level weight moved, the others scaled to keep 100):")
    for s in ranking.sensitivity:
        change = (
            f"{s.new_winner} would win at {s.weight_to_change_winner:g}"
            if s.weight_to_change_winner is not None
            else "no weight from 0 to 100 changes the winner"
        )
        print(f"  {s.criterion} (now {s.current_weight:g}): {change}")


def _business_case_extras(path: str, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The cost-benefit analysis and the affordability, when the case file carries them, and their summaries."""
    from dataclasses import asdict

    from civicpact.domain.affordability import affordability, case_from_business_case
    from civicpact.domain.cba import cost_benefit_from_mapping
    from civicpact.domain.finance import FinanceInputError

    extras: dict[str, Any] = {}
    lines: list[str] = []
    horizon, rate = int(data["horizon"]), float(data["discount_rate"])
    try:
        if "cba" in data:
            cba = cost_benefit_from_mapping(
                data["cba"], horizon=horizon, discount_rate=rate, mid_year=bool(data.get("mid_year"))
            )
            lines.append(f"Cost-benefit: {cba.summary()}")
            extras["cba"] = cba.as_dict()
        if "affordability" in data:
            first = data["affordability"].get("first_calendar_year")
            result = affordability(case_from_business_case(data))
            lines.append(f"Affordability: {result.summary(first)}")
            extras["affordability"] = {**asdict(result), "summary": result.summary(first)}
    except FinanceInputError as exc:
        block = "cba" if "cba" in data and "cba" not in extras else "affordability"
        raise UsageError(f"{path}: {block}.{exc.field}: {exc}") from None
    return extras, lines


def cmd_ingest(args: argparse.Namespace) -> int:
    from civicpact.contracts.models import Contract
    from civicpact.performance import ingest, services

    if not Contract.objects.filter(pk=args.contract).exists():
        raise UsageError(f"no contract has the id {args.contract}")
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{args.file}: no such file")
    batch = services.batch_create(actor=None, contract_id=args.contract, source="cli", filename=path.name)
    try:
        source = ingest.open_source(path, format=args.format)
    except ingest.IngestInputError as exc:
        raise UsageError(str(exc)) from None
    batch = services.batch_run(batch.pk, source, feed=args.feed, progress=_print_progress)
    if batch.status == "failed":
        raise UsageError(batch.error)
    print(
        f"batch {batch.pk}: {batch.rows_read} rows read, {batch.rows_accepted} accepted, {batch.rows_rejected} "
        f"rejected, {batch.intervals_written} interval rows stored"
        + (" (already ingested: nothing stored again)" if batch.status == "duplicate" else "")
    )
    for rejection in batch.rejections[:20]:
        print(f"  row {rejection['row']}: {rejection['reason']}")
    if batch.report:
        print(f"rejection report: {batch.report}")
    return EXIT_OK if not batch.rows_rejected else EXIT_CHECK_FAILED


def cmd_ingest_mqtt(args: argparse.Namespace) -> int:
    import threading

    from civicpact.performance import mqtt, services

    def on_batch(topic: str, readings: list[Any]) -> None:
        print(services.mqtt_batch(topic, readings), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"listening on {args.host}:{args.port} to {args.topic}", flush=True)
    mqtt.run(
        on_batch,
        stop=stop,
        host=args.host,
        port=args.port,
        topic=args.topic,
        batch_size=args.batch_size,
        batch_seconds=args.batch_seconds,
    )
    return EXIT_OK


def cmd_sla(args: argparse.Namespace) -> int:
    from decimal import Decimal, InvalidOperation

    from django.core.exceptions import ValidationError

    from civicpact.contracts.models import Contract
    from civicpact.performance import services

    if not Contract.objects.filter(pk=args.contract).exists():
        raise UsageError(f"no contract has the id {args.contract}")
    try:
        index = Decimal(args.index) if args.index is not None else None
    except InvalidOperation:
        raise UsageError(f"--index {args.index!r} is not a number") from None
    try:
        statement = services.statement_compute(
            actor=None, contract_id=args.contract, month=args.month, index_value=index
        )
        if args.issue:
            from civicpact.accounts.models import User

            admin = User.objects.filter(is_superuser=True).order_by("pk").first()
            if admin is None:
                raise UsageError(
                    "--issue needs an administrator account to record who issued it (civicpact createadmin)"
                )
            statement = services.statement_issue(actor=admin, statement_id=statement.pk)
    except ValidationError as exc:
        raise UsageError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
    except services.PerformanceError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(
            json.dumps(
                {
                    "month": statement.month,
                    "number": statement.number,
                    "status": statement.status,
                    "regime_version": statement.regime.number,
                    **statement.figures,
                },
                indent=2,
            )
        )
        return EXIT_OK
    figures = statement.figures
    print(
        f"Statement {statement.month} #{statement.number} ({statement.get_status_display()}), "
        f"regime v{statement.regime.number}"
    )
    print(f"  monthly unitary charge  {figures['monthly_charge']:>16}")
    print(f"  availability deductions {figures['availability_deductions']:>16}")
    print(f"  KPI deductions          {figures['kpi_deductions']:>16}")
    print(f"  cap                     {figures['cap_amount']:>16}{'  (applied)' if figures['capped'] else ''}")
    print(f"  deductions applied      {figures['deductions_applied']:>16}")
    print(f"  bonus                   {figures['bonus']:>16}")
    print(f"  net payment             {figures['net_payment']:>16}")
    print(f"  contract availability   {figures['contract_availability_percent'] or '—':>15}%")
    return EXIT_OK


def _add_ocds_commands(sub: Any) -> None:
    """ocds export and ocds validate (docs/ocds.md)."""
    ocds = sub.add_parser("ocds", help="export, validate and import Open Contracting (OCDS) data")
    ocds_sub = ocds.add_subparsers(dest="ocds_command", metavar="OCDS_COMMAND", required=True)
    export = ocds_sub.add_parser(
        "export",
        help="write everything published as one OCDS release package",
        description="Write a release package of every published release, with this deployment's package "
        "metadata (publisher, license, publication policy, the PPP profile's 14 extensions) and nothing else.",
    )
    export.add_argument("--out", required=True, help="the file to write ('-' for standard output)")
    validate = ocds_sub.add_parser(
        "validate",
        help="validate an OCDS release or record package with libcoveocds, offline",
        description="Validate an OCDS 1.1 release or record package (the format is OCDS itself; example: "
        "docs/examples/ocds-release-package.json) with libcoveocds against the standard and the declared "
        "extensions read from CIVICPACT_OCDS_DIR, without network access. Exit 0 when it is valid, 1 when it has "
        "schema errors, values outside closed codelists or extensions that cannot be applied, 2 when the file "
        "cannot be read or is not a package.",
    )
    validate.add_argument("file", help="the package (JSON; '-' for standard input)")
    validate.add_argument("--json", action="store_true", help="print the full report as JSON")
    add_import_parser(ocds_sub)
    fetch = ocds_sub.add_parser(
        "fetch-schemas",
        help="download the pinned OCDS schemas, codelists and PPP-profile extensions once",
        description="Download the OCDS 1.1.5 schemas and codelists, the OCDS for PPPs profile and its 14 extensions, "
        "each pinned to an upstream commit (or from CIVICPACT_OCDS_FETCH_URL, a copy with the same layout), into a "
        "new folder: all files or none, each checked. Exit 0 fetched (or already there), 1 a file could not be "
        "fetched or is not what it should be (the line names it and why; nothing is left behind), 2 the folder "
        "holds something else or the URL is not http(s) (docs/ocds.md).",
    )
    fetch.add_argument(
        "--into",
        default="",
        metavar="DIR",
        help="the folder to create (default: CIVICPACT_OCDS_DIR when set, else CIVICPACT_DATA_DIR/ocds)",
    )


def cmd_ocds(args: argparse.Namespace) -> int:
    if args.ocds_command == "export":
        return _ocds_export(args.out)
    if args.ocds_command == "import":
        try:
            return ocds_import_file(args.file, as_json=args.json)
        except FileProblem as exc:
            raise UsageError(str(exc)) from None
    if args.ocds_command == "fetch-schemas":
        return _ocds_fetch_schemas(args.into)
    return _ocds_validate(args.file, as_json=args.json)


def _ocds_fetch_schemas(into: str) -> int:
    from django.conf import settings

    from civicpact.ledger.ocds_mirror import OCDSFetchError, OCDSFetchRefused, ocds_fetch

    target = Path(into or settings.CIVICPACT_OCDS_FETCH_INTO).resolve()
    try:
        count = ocds_fetch(into=target, base_url=settings.CIVICPACT_OCDS_FETCH_URL)
    except OCDSFetchRefused as exc:
        raise UsageError(str(exc)) from None
    except OCDSFetchError as exc:
        print(f"civicpact ocds fetch-schemas: {exc}; nothing was kept", file=sys.stderr)
        return EXIT_CHECK_FAILED
    print(f"fetched {count} OCDS files into {target}" if count else f"{target} already holds the OCDS files")
    if target != Path(settings.CIVICPACT_OCDS_FETCH_INTO).resolve():
        print(f"set CIVICPACT_OCDS_DIR={target} for CivicPact to read them")
    return EXIT_OK


def _ocds_export(out: str) -> int:
    from civicpact.transparency import bulk

    text = json.dumps(bulk.export_package(), ensure_ascii=False, indent=2) + "\n"
    if out == "-":
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    return EXIT_OK


def _ocds_validate(path: str, *, as_json: bool) -> int:
    from civicpact.ledger.exceptions import SchemaMissing
    from civicpact.transparency import validate

    try:
        data = read_json(path)
    except FileProblem as exc:
        raise UsageError(str(exc)) from None
    try:
        report = validate.validate_package(data)
    except validate.NotAPackage as exc:
        raise UsageError(f"{path}: {exc}") from None
    except SchemaMissing as exc:
        raise UsageError(str(exc)) from None
    if as_json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print("\n".join(validate.report_lines(report, name=path)))
    return EXIT_OK if report.is_valid else EXIT_CHECK_FAILED


def cmd_disclose_expired(args: argparse.Namespace) -> int:
    from civicpact.ledger.claims import claims_disclose_expired

    done = claims_disclose_expired()
    if args.json:
        print(json.dumps([{"claim": d.claim_id, "release": d.release_id} for d in done]))
    else:
        for d in done:
            print(f"claim {d.claim_id}: disclosed in {d.release_id or '(nothing was withheld)'}")
        print(f"{len(done)} expired claim(s) disclosed")
    return EXIT_OK


def cmd_finance(args: argparse.Namespace) -> int:
    try:
        return finance_command(args)
    except FileProblem as exc:
        raise UsageError(str(exc)) from None


COMMANDS = {
    "finance": cmd_finance,
    "disclose-expired": cmd_disclose_expired,
    "serve": cmd_serve,
    "demo": cmd_demo,
    "migrate": cmd_migrate,
    "createadmin": cmd_createadmin,
    "verify-audit": cmd_verify_audit,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "keys": cmd_keys,
    "worker": cmd_worker,
    "notify-deadlines": cmd_notify_deadlines,
    "screen": cmd_screen,
    "terms-check": cmd_terms_check,
    "vfm": cmd_vfm,
    "score": cmd_score,
    "ingest": cmd_ingest,
    "ingest-mqtt": cmd_ingest_mqtt,
    "sla": cmd_sla,
    "ocds": cmd_ocds,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        _setup_django()
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"civicpact {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:  # a malformed environment variable, read by the settings
        print(f"civicpact {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
