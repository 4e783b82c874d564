"""The finance hand-off's commands of `civicpact` (docs/finance.md):

    civicpact finance export --since DATE --format csv|json --out FILE [--again] [--user NAME]
    civicpact finance payments FILE [--json] [--user NAME]
    civicpact finance index FILE --series KEY [--name TEXT] [--json] [--user NAME]

Exit codes as everywhere: 0 done, 1 the data fails the check (a payment that matches no approved invoice, an index
row that cannot be stored; nothing is imported and each problem is printed with its line), 2 bad usage or a file
that cannot be read or is not in its format (one line saying what to fix).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from civicpact.cli_transparency import FileProblem, read_json

EXIT_OK, EXIT_CHECK_FAILED = 0, 1


def add_finance_parser(sub: Any) -> None:
    finance = sub.add_parser("finance", help="the finance hand-off: invoices out, payments and index values in")
    finance_sub = finance.add_subparsers(dest="finance_command", metavar="FINANCE_COMMAND", required=True)

    def add_user(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--user",
            default="",
            help="who does it, for the audit trail: a finance analyst's or administrator's username "
            "(default: the first administrator account)",
        )

    export = finance_sub.add_parser(
        "export",
        help="export approved invoices for the finance system",
        description="Write the invoices approved on or after --since that were not exported yet, as CSV or JSON "
        "(docs/finance-export.md; schema src/civicpact/schemas/finance-export.schema.json), and mark them exported: "
        "running it again exports nothing twice. --again includes those already exported (and paid).",
    )
    export.add_argument("--since", required=True, help="YYYY-MM-DD: invoices approved on or after this day")
    export.add_argument("--format", required=True, choices=["csv", "json"], help="csv or json")
    export.add_argument("--out", required=True, help="the file to write ('-' for standard output)")
    export.add_argument("--again", action="store_true", help="include invoices already exported")
    add_user(export)
    payments = finance_sub.add_parser(
        "payments",
        help="import the finance system's payment confirmations",
        description="Mark invoices paid from a JSON file of payment confirmations (schema: "
        "src/civicpact/schemas/payments.schema.json; example: docs/examples/payments.json). Every payment must match "
        "an approved invoice (id, currency, gross amount to the cent), or nothing is imported and each problem is "
        "printed with its line (exit 1). Each paid invoice is published in OCDS.",
    )
    payments.add_argument("file", help="the payments file (JSON; '-' for standard input)")
    payments.add_argument("--json", action="store_true", help="print the report as JSON")
    add_user(payments)
    index = finance_sub.add_parser(
        "index",
        help="import a price-index series' monthly values",
        description="Store monthly index values from a CSV file with the header month,value (row schema: "
        "src/civicpact/schemas/index-row.schema.json; example: docs/examples/index-cpi.csv). All rows or none; a "
        "month already stored keeps its value. Invoices waiting for a value it brings are priced.",
    )
    index.add_argument("file", help="the CSV file")
    index.add_argument("--series", required=True, help="the series' key, e.g. CPI (created on its first import)")
    index.add_argument("--name", default="", help="the series' full name, on its first import")
    index.add_argument("--json", action="store_true", help="print the report as JSON")
    add_user(index)


def _actor(username: str) -> Any:
    from civicpact.accounts.models import User

    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise FileProblem(f"no user has the username {username!r}")
        return user
    user = User.objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise FileProblem("no administrator account: pass --user NAME or run 'civicpact createadmin'")
    return user


def _since(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FileProblem(f"--since {text!r} is not a date: write YYYY-MM-DD") from None


def _print(text: str) -> None:
    print(text)  # noqa: T201


def finance_command(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    try:
        if args.finance_command == "export":
            return _export(args)
        if args.finance_command == "payments":
            return _payments(args)
        return _index(args)
    except PermissionDenied as exc:
        raise FileProblem(f"{exc} (--user names who does it)") from None
    except ValidationError as exc:
        raise FileProblem("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None


def _export(args: argparse.Namespace) -> int:
    from civicpact.finance import services

    since = _since(args.since)
    out = None if args.out == "-" else Path(args.out)
    if out is not None and not out.parent.is_dir():
        raise FileProblem(f"cannot write {args.out}: no such directory")
    export = services.export_create(actor=_actor(args.user), since=since, fmt=args.format, again=args.again)
    if out is None:
        sys.stdout.write(export.content)
    else:
        try:
            out.write_text(export.content, encoding="utf-8")
        except OSError as exc:  # the export is recorded: its page and the API give the file again
            raise FileProblem(
                f"cannot write {args.out}: {exc.strerror}; the export #{export.pk} is recorded, download it from "
                "/finance/exports/"
            ) from None
    print(  # noqa: T201
        f"exported {export.count} invoice(s) as export #{export.pk} ({args.format}) to {args.out}", file=sys.stderr
    )
    return EXIT_OK


def _problem_lines(path: str, problems: list[Any]) -> None:
    for problem in problems:
        where = f"line {problem.line}" if problem.line else "file"
        _print(f"  {where}: {problem.field}: {problem.message}")


def _payments(args: argparse.Namespace) -> int:
    from civicpact.finance import services

    document = read_json(args.file)
    schema = services.payment_schema_problems(document)
    if schema:
        raise FileProblem(f"{args.file}: {schema[0].field}: {schema[0].message}")
    report = services.payments_import(
        actor=_actor(args.user), document=document, source="cli", file_name=Path(args.file).name
    )
    if args.json:
        _print(json.dumps(report.as_dict()))
    elif report.ok:
        _print(f"{args.file}: {len(report.paid)} invoice(s) paid, {len(report.unchanged)} already recorded")
    else:
        _print(f"{args.file}: refused, nothing imported; {len(report.problems)} problem(s):")
        _problem_lines(args.file, report.problems)
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def _index(args: argparse.Namespace) -> int:
    from civicpact.finance import services

    try:
        text = Path(args.file).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FileProblem(f"cannot read {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise FileProblem(f"{args.file} is not UTF-8 text: save the CSV as UTF-8") from None
    report = services.index_import(actor=_actor(args.user), series_key=args.series, text=text, name=args.name)
    if args.json:
        _print(json.dumps(report.as_dict()))
    elif report.ok:
        _print(
            f"{args.file}: {report.added} value(s) added to {args.series}, {report.unchanged} already stored; "
            f"{report.repriced} invoice(s) re-priced"
        )
    else:
        _print(f"{args.file}: refused, nothing imported; {len(report.problems)} problem(s):")
        _problem_lines(args.file, report.problems)
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED
