"""`civicpact ocds fetch-schemas` and CIVICPACT_OCDS_FETCH (ledger/ocds_mirror.py, docs/ocds.md "The schemas"): the
pinned OCDS files fetched once over real HTTP — from a loopback server that serves the shared mirror (there is no
internet here, and no other host is ever contacted) — all or nothing, each file checked."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from civicpact import settings as settings_module
from civicpact.cli import main
from civicpact.ledger import ocds_mirror
from civicpact.ledger.exceptions import SchemaMissing
from civicpact.ledger.validation import release_package_errors

MIRROR = Path(settings_module.CIVICPACT_OCDS_DIR)
STANDARD_SCHEMA = "standard-1__1__5/schema/release-schema.json"
CODELIST = "ppp-profile/schema/patched/codelists/riskAllocation.csv"


def _mirror_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


class MirrorHandler(SimpleHTTPRequestHandler):
    """Serves the shared mirror, except the paths in `broken`: an int is that HTTP status, bytes a body."""

    def __init__(self, *args: Any, broken: dict[str, int | bytes], **kwargs: Any) -> None:
        self.broken = broken
        super().__init__(*args, directory=str(MIRROR), **kwargs)

    def do_GET(self) -> None:
        change = self.broken.get(self.path.lstrip("/"))
        if isinstance(change, int):
            self.send_error(change)
        elif isinstance(change, bytes):
            self.send_response(200)
            self.send_header("Content-Length", str(len(change)))
            self.end_headers()
            self.wfile.write(change)
        else:
            super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Any]:
    """serve(broken={...}) -> the base URL of a loopback server of the mirror (stopped after the test)."""
    servers: list[ThreadingHTTPServer] = []

    def start(broken: dict[str, int | bytes] | None = None) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(MirrorHandler, broken=broken or {}))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fetch(settings, tmp_path, capsys):
    """fetch(base_url) -> (exit code, stdout, stderr) of `civicpact ocds fetch-schemas --into <tmp>/ocds`."""

    def run(base_url: str, *extra: str) -> tuple[int, str, str]:
        settings.CIVICPACT_OCDS_FETCH_URL = base_url
        code = main(["ocds", "fetch-schemas", "--into", str(tmp_path / "ocds"), *extra])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_the_files_fetched_are_exactly_the_mirrors_byte_for_byte(serve, fetch, tmp_path):
    code, out, _err = fetch(serve())
    assert code == 0
    assert f"fetched 146 OCDS files into {tmp_path / 'ocds'}" in out
    expected = _mirror_files(MIRROR)
    del expected["README.md"]  # the mirror's own notes, not an upstream file
    assert _mirror_files(tmp_path / "ocds") == expected
    assert [p.name for p in tmp_path.iterdir()] == ["ocds"]  # no staging folder left


def test_the_rest_of_civicpact_reads_the_fetched_folder(serve, fetch, settings, tmp_path):
    from civicpact.transparency import records, validate

    assert fetch(serve())[0] == 0
    settings.CIVICPACT_OCDS_DIR = str(tmp_path / "ocds")
    assert release_package_errors({"version": "1.1"})  # the package schema is read: its required fields are missing
    assert records.merger() is records._merger(str(tmp_path / "ocds"))
    assert validate.standard_zip(str(tmp_path / "ocds")).startswith(b"PK")


def test_a_second_fetch_finds_the_files_there(serve, fetch):
    base = serve()
    assert fetch(base)[0] == 0
    code, out, _err = fetch(base)
    assert (code, "already holds the OCDS files" in out) == (0, True)


def test_a_missing_file_names_it_and_keeps_nothing(serve, fetch, tmp_path):
    code, _out, err = fetch(serve({CODELIST: 404}))
    assert code == 1
    assert f"civicpact ocds fetch-schemas: {CODELIST}: HTTP 404" in err
    assert "nothing was kept" in err
    assert list(tmp_path.iterdir()) == []


def test_invalid_json_names_the_file_and_keeps_nothing(serve, fetch, tmp_path):
    code, _out, err = fetch(serve({STANDARD_SCHEMA: b'{"id": "truncated'}))
    assert code == 1
    assert f"{STANDARD_SCHEMA}: not valid JSON: line 1 column 8" in err
    assert list(tmp_path.iterdir()) == []


def test_a_page_instead_of_a_codelist_is_refused(serve, fetch, tmp_path):
    code, _out, err = fetch(serve({CODELIST: b"<html>Sign in to continue</html>"}))
    assert code == 1
    assert f"{CODELIST}: not a codelist: its first row has no Code column" in err
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_server_is_named(fetch, tmp_path):
    with socket.socket() as probe:  # a loopback port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, _out, err = fetch(f"http://127.0.0.1:{port}/")
    assert code == 1
    assert "standard-1__1__5/schema/release-schema.json: unreachable (" in err
    assert f"(http://127.0.0.1:{port}/standard-1__1__5/schema/release-schema.json)" in err
    assert list(tmp_path.iterdir()) == []


def test_a_folder_holding_something_else_is_bad_usage(serve, fetch, tmp_path):
    (tmp_path / "ocds").mkdir()
    (tmp_path / "ocds" / "notes.txt").write_text("mine")
    code, _out, err = fetch(serve())
    assert code == 2
    assert "exists and is not a complete OCDS mirror: remove it or fetch into another folder" in err
    assert [p.name for p in (tmp_path / "ocds").iterdir()] == ["notes.txt"]


def test_an_empty_folder_made_beforehand_is_filled(serve, fetch, tmp_path):
    (tmp_path / "ocds").mkdir()
    assert fetch(serve())[0] == 0
    assert (tmp_path / "ocds" / STANDARD_SCHEMA).is_file()


def test_only_http_urls_are_fetched(fetch):
    code, _out, err = fetch("file:///work/shared/ocds")
    assert code == 2
    assert "CIVICPACT_OCDS_FETCH_URL must be an http:// or https:// URL" in err


def test_the_pinned_list_is_exactly_the_mirror():
    listed = [f.path for f in ocds_mirror.mirror_files()]
    assert len(listed) == len(set(listed)) == 146
    assert set(listed) == set(_mirror_files(MIRROR)) - {"README.md"}


def test_by_default_each_file_comes_from_its_repository_at_the_pinned_commit():
    urls = {f.path: f.url for f in ocds_mirror.mirror_files()}
    assert urls[STANDARD_SCHEMA] == (
        "https://raw.githubusercontent.com/open-contracting/standard/af0d0d41c64be26d8bbd57dcca8b474937e5851c/"
        "schema/release-schema.json"
    )
    assert urls["ppp-profile/extension_versions.json"] == (
        "https://raw.githubusercontent.com/open-contracting-extensions/public-private-partnerships/"
        "9d76a4c6b02b8df80be9e70a51c767d140087637/docs/extension_versions.json"
    )
    assert urls["extensions/open-contracting-extensions/ocds_ppp_extension/1.1/codelists/+partyRole.csv"] == (
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_ppp_extension/"
        "f9411828afae805c900dd30e25cdcee29a538026/codelists/+partyRole.csv"
    )


def test_each_of_the_profiles_extensions_is_pinned():
    versions = json.loads((MIRROR / "ppp-profile" / "extension_versions.json").read_text())
    folders = {s.folder.split("/")[2] for s in ocds_mirror.SOURCES if s.folder.startswith("extensions/")}
    assert len(folders) == len(versions) == 14


def test_with_fetch_on_the_first_need_fetches_into_the_missing_folder(serve, settings, tmp_path):
    settings.CIVICPACT_OCDS_DIR = str(tmp_path / "auto")
    settings.CIVICPACT_OCDS_FETCH = True
    settings.CIVICPACT_OCDS_FETCH_URL = serve()
    assert release_package_errors({"version": "1.1"})
    assert ocds_mirror.is_complete(tmp_path / "auto")


def test_with_fetch_on_a_failed_fetch_says_why_the_schemas_are_missing(serve, settings, tmp_path):
    settings.CIVICPACT_OCDS_DIR = str(tmp_path / "auto")
    settings.CIVICPACT_OCDS_FETCH = True
    settings.CIVICPACT_OCDS_FETCH_URL = serve({STANDARD_SCHEMA: 500})
    with pytest.raises(SchemaMissing, match=f"fetching them failed: {STANDARD_SCHEMA}: HTTP 500"):
        release_package_errors({"version": "1.1"})
    assert list(tmp_path.iterdir()) == []


def test_without_fetch_a_missing_folder_is_never_fetched(settings, tmp_path):
    settings.CIVICPACT_OCDS_DIR = str(tmp_path / "none")
    settings.CIVICPACT_OCDS_FETCH_URL = "http://127.0.0.1:9/"
    with pytest.raises(SchemaMissing, match="run `civicpact ocds fetch-schemas`"):
        release_package_errors({"version": "1.1"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("explicit", "fetched", "beside", "expected"),
    [
        ("/srv/ocds", True, True, "/srv/ocds"),
        ("", True, True, "data/ocds"),
        ("", False, True, "shared/ocds"),
        ("", False, False, "data/ocds"),
    ],
)
def test_the_folder_read_is_the_variable_then_the_fetched_copy_then_the_checkouts(
    monkeypatch, tmp_path, explicit, fetched, beside, expected
):
    monkeypatch.setattr(settings_module, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(settings_module, "REPO_DIR", tmp_path / "checkout")
    monkeypatch.setenv("CIVICPACT_OCDS_DIR", explicit)
    if fetched:
        (tmp_path / "data" / "ocds").mkdir(parents=True)
    if beside:
        (tmp_path / "shared" / "ocds").mkdir(parents=True)
    found = settings_module._ocds_dir()
    assert found == (expected if expected.startswith("/") else str(tmp_path / expected))
