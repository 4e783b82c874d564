"""The transparency commands of `civicpact`: `verify-audit --file EXPORT` and `ocds import FILE`.

Kept apart from cli.py so that the command module only wires them in. Exit codes as everywhere: 0 ok, 1 the data
fails the check, 2 bad usage or an unreadable file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2


class FileProblem(Exception):
    """The file cannot be used at all: one line saying what to fix, exit code 2."""


def read_json(path: str) -> Any:
    """A JSON file ('-': standard input) of any `civicpact` command; an unusable one is a FileProblem naming why."""
    try:
        text = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise FileProblem(f"cannot read {path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except UnicodeDecodeError:
        raise FileProblem(f"{path} is not UTF-8 text: save the JSON as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise FileProblem(f"{path} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def verify_audit_file(path: str, *, as_json: bool) -> int:
    """Verify an audit export offline (no database): 0 intact, 1 naming the first broken event, 2 unreadable."""
    from civicpact.domain.audit_export import ExportFormatError, verify_export

    try:
        verdict = verify_export(read_json(path))
    except ExportFormatError as exc:
        raise FileProblem(f"{path} is not a CivicPact audit export: {exc}") from None
    chain = verdict.chain
    if as_json:
        print(  # noqa: T201
            json.dumps(
                {
                    "ok": chain.ok,
                    "events_checked": chain.events_checked,
                    "first_broken_seq": chain.first_broken_seq,
                    "reason": chain.reason,
                    "head": {"seq": verdict.head_seq, "hash": verdict.head_hash},
                }
            )
        )
    elif chain.ok:
        print(f"audit export intact: {chain.events_checked} events verified")  # noqa: T201
        print(f"head: event #{verdict.head_seq}, hash {verdict.head_hash} (compare it with one you noted earlier)")  # noqa: T201
    else:
        print(  # noqa: T201
            f"audit export BROKEN at event #{chain.first_broken_seq}: {chain.reason} "
            f"({chain.events_checked} events before it are intact)"
        )
    return EXIT_OK if chain.ok else EXIT_CHECK_FAILED


def add_import_parser(ocds_sub: Any) -> None:
    """`civicpact ocds import FILE`, in the `ocds` group that cli.py makes."""
    importer = ocds_sub.add_parser(
        "import",
        help="import an OCDS release or record package from another system into the public portal",
        description="Check an OCDS 1.1 release or record package (schema of the OCDS for PPPs profile, declared "
        "extensions, duplicate ocids and release ids, clashes with data already imported or published here) and "
        "import it whole, or nothing. Imported data keeps its own publisher, ocids and ids and never enters this "
        "publisher's packages. Importing the same file again stores nothing new. Exit 0 imported (or already "
        "imported), 1 refused with a report naming each problem, 2 the file cannot be read (docs/ocds-import.md).",
    )
    importer.add_argument("file", help="the package (JSON)")
    importer.add_argument("--json", action="store_true", help="print the report as JSON")


def ocds_import_file(path: str, *, as_json: bool) -> int:
    from civicpact.transparency.imports import package_import

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileProblem(f"cannot read {path}: {exc.strerror}") from None
    report = package_import(actor=None, data=data, file_name=Path(path).name)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))  # noqa: T201
    elif report.already_imported:
        print(f"{path}: already imported (package #{report.package_id_text()}); nothing stored again")  # noqa: T201
    elif report.ok:
        print(f"{path}: imported {report.release_count} release(s) as package #{report.package_id_text()}")  # noqa: T201
    else:
        print(f"{path}: refused, nothing imported; {len(report.problems)} problem(s):")  # noqa: T201
        for problem in report.problems:
            print(f"  {problem['path']}: {problem['message']}")  # noqa: T201
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED
