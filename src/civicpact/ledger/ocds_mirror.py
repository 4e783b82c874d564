"""The OCDS reference files this deployment validates against, and fetching them once (docs/ocds.md, "The schemas").

CivicPact reads the OCDS 1.1.5 schemas and codelists, the OCDS for PPPs profile (its patch and the schema already
patched) and the profile's 14 extensions from one folder, `CIVICPACT_OCDS_DIR` (settings.py chooses it; `ocds_dir()`
here is how every reader gets it). `SOURCES` pins each upstream repository to a commit and lists exactly the files
that folder holds, in its layout: `standard-1__1__5/`, `ppp-profile/`, `extensions/<owner>/<repo>/<ref>/`.

`ocds_fetch` downloads them into a folder that does not exist yet: every file into a temporary folder beside it,
each checked (JSON parses, a codelist has its Code column, a licence is text), then one rename. A failure removes the
temporary folder, so the target either holds every file or does not exist. By default the files come from the
upstream repositories at the pinned commits; `CIVICPACT_OCDS_FETCH_URL` names instead a copy with the layout of the
folder (an internal mirror, or the tests' loopback server).
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from civicpact.ledger.exceptions import LedgerError, SchemaMissing

logger = logging.getLogger(__name__)

UPSTREAM = "https://raw.githubusercontent.com/"
MAX_FILE_BYTES = 16 * 1024 * 1024
TIMEOUT_SECONDS = 30


class OCDSFetchError(LedgerError):
    """A file could not be fetched or is not what it should be; the message names the file and the cause."""


class OCDSFetchRefused(LedgerError):
    """The fetch cannot start: the target folder holds something else, or the base URL is not http(s)."""


@dataclass(frozen=True)
class Source:
    """One upstream repository at a pinned commit, and the files taken from it (`folder`: where they go)."""

    repository: str
    ref: str
    commit: str
    folder: str
    files: tuple[str, ...]
    codelists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)  # an upstream path kept elsewhere in `folder`

    def paths(self) -> Iterator[tuple[str, str]]:
        """(upstream path, local path relative to the mirror) of every file."""
        upstream = [*self.files, *(f"{folder}/{name}" for folder, names in self.codelists.items() for name in names)]
        for path in [*upstream, *self.moved]:
            yield path, f"{self.folder}/{self.moved.get(path, path)}"


@dataclass(frozen=True)
class MirrorFile:
    path: str  # relative to the mirror folder
    url: str


def _extension(repository: str, ref: str, commit: str, *codelists: str) -> Source:
    """A PPP-profile extension: its extension.json, release schema and licence, and its codelists, mirrored under
    extensions/<repository>/<ref>."""
    return Source(
        repository,
        ref=ref,
        commit=commit,
        folder=f"extensions/{repository}/{ref}",
        files=("extension.json", "release-schema.json", "LICENSE"),
        codelists={"codelists": codelists} if codelists else {},
    )


SOURCES: tuple[Source, ...] = (
    Source(
        "open-contracting/standard",
        ref="1__1__5",
        commit="af0d0d41c64be26d8bbd57dcca8b474937e5851c",
        folder="standard-1__1__5",
        files=(
            "schema/release-schema.json",
            "schema/release-package-schema.json",
            "schema/record-package-schema.json",
            "schema/versioned-release-validation-schema.json",
            "schema/dereferenced-release-schema.json",
            "LICENSE",
        ),
        codelists={
            "schema/codelists": (
                "awardCriteria.csv",
                "awardStatus.csv",
                "contractStatus.csv",
                "currency.csv",
                "documentType.csv",
                "extendedProcurementCategory.csv",
                "initiationType.csv",
                "itemClassificationScheme.csv",
                "method.csv",
                "milestoneStatus.csv",
                "milestoneType.csv",
                "partyRole.csv",
                "procurementCategory.csv",
                "relatedProcess.csv",
                "relatedProcessScheme.csv",
                "releaseTag.csv",
                "submissionMethod.csv",
                "tenderStatus.csv",
                "unitClassificationScheme.csv",
            ),
        },
    ),
    Source(
        "open-contracting-extensions/public-private-partnerships",
        ref="1.0-dev",
        commit="9d76a4c6b02b8df80be9e70a51c767d140087637",
        folder="ppp-profile",
        files=(
            "schema/profile/extension.json",
            "schema/profile/release-schema.json",
            "schema/patched/release-package-schema.json",
            "schema/patched/release-schema.json",
            "LICENSE",
        ),
        codelists={
            "schema/profile/codelists": (
                "+documentType.csv",
                "+milestoneType.csv",
                "+partyRole.csv",
                "assetClass.csv",
                "bidStatistics.csv",
                "bidStatus.csv",
                "chargePaidBy.csv",
                "debtRepaymentPriority.csv",
                "financingArrangementType.csv",
                "financingPartyType.csv",
                "geometryType.csv",
                "language.csv",
                "locationGazetteers.csv",
                "metricID.csv",
                "milestoneCode.csv",
                "riskAllocation.csv",
                "riskCategory.csv",
                "votingRights.csv",
            ),
            "schema/patched/codelists": (
                "assetClass.csv",
                "awardCriteria.csv",
                "awardStatus.csv",
                "bidStatistics.csv",
                "bidStatus.csv",
                "chargePaidBy.csv",
                "contractStatus.csv",
                "currency.csv",
                "debtRepaymentPriority.csv",
                "documentType.csv",
                "extendedProcurementCategory.csv",
                "financingArrangementType.csv",
                "financingPartyType.csv",
                "geometryType.csv",
                "initiationType.csv",
                "itemClassificationScheme.csv",
                "language.csv",
                "locationGazetteers.csv",
                "method.csv",
                "metricID.csv",
                "milestoneCode.csv",
                "milestoneStatus.csv",
                "milestoneType.csv",
                "partyRole.csv",
                "procurementCategory.csv",
                "relatedProcess.csv",
                "relatedProcessScheme.csv",
                "releaseTag.csv",
                "riskAllocation.csv",
                "riskCategory.csv",
                "submissionMethod.csv",
                "tenderStatus.csv",
                "unitClassificationScheme.csv",
                "votingRights.csv",
            ),
        },
        moved={"docs/extension_versions.json": "extension_versions.json"},
    ),
    _extension(
        "open-contracting-extensions/ocds_bid_extension",
        "v1.1.5",
        "d9b771e058917e23ba028b00e94490e9f177ec8c",
        "bidStatistics.csv",
        "bidStatus.csv",
    ),
    _extension(
        "open-contracting-extensions/ocds_charges_extension",
        "master",
        "cbcecd14c7702a6381481a83d94e443e8435b69b",
        "chargePaidBy.csv",
    ),
    _extension(
        "open-contracting-extensions/ocds_documentation_extension",
        "master",
        "db3e1ab54cb6bf1e2282169d8abb07ef87078b78",
        "language.csv",
    ),
    _extension(
        "open-contracting-extensions/ocds_finance_extension",
        "master",
        "dceb21eab8ccfede05bacd2b858ebc18290107c5",
        "assetClass.csv",
        "debtRepaymentPriority.csv",
        "financingArrangementType.csv",
        "financingPartyType.csv",
    ),
    _extension(
        "open-contracting-extensions/ocds_location_extension",
        "v1.1.5",
        "d5e4d8bbb554eb957488c2bd917246cbdbee9358",
        "geometryType.csv",
        "locationGazetteers.csv",
    ),
    _extension(
        "open-contracting-extensions/ocds_metrics_extension", "1.1", "fad91df868907e339e5b3b4af5c334e02b80fa4f"
    ),
    _extension(
        "open-contracting-extensions/ocds_milestone_documents_extension",
        "v1.1.5",
        "8d4be3a2cefa9718497ef8a66c0a6c407d64f303",
    ),
    _extension(
        "open-contracting-extensions/ocds_performance_failures_extension",
        "master",
        "ba848ad627309a76e19a5ed9281ade5dbe080915",
    ),
    _extension(
        "open-contracting-extensions/ocds_project_extension",
        "master",
        "0c1a703c2f61af9f1d9b70d124a62c35b9867bf6",
        "+itemClassificationScheme.csv",
    ),
    _extension(
        "open-contracting-extensions/ocds_riskAllocation_extension",
        "master",
        "bf82fb300191dea11e36e043d71517dcaced74bf",
        "riskAllocation.csv",
        "riskCategory.csv",
    ),
    _extension(
        "open-contracting-extensions/ocds_shareholders_extension",
        "master",
        "87051eca429e5019dae6e0973fc204b8201ddfa9",
        "votingRights.csv",
    ),
    _extension(
        "open-contracting-extensions/ocds_contract_signatories_extension",
        "master",
        "38981b80e5ecf7bdb5e218da0843c2c6d9315bf7",
    ),
    _extension(
        "open-contracting-extensions/ocds_tariffs_extension",
        "1.1",
        "66690769eff49f2bf1ba1e79347d69f50b091889",
        "+documentType.csv",
        "chargePaidBy.csv",
    ),
    _extension(
        "open-contracting-extensions/ocds_ppp_extension",
        "1.1",
        "f9411828afae805c900dd30e25cdcee29a538026",
        "+documentType.csv",
        "+milestoneType.csv",
        "+partyRole.csv",
        "metricID.csv",
        "milestoneCode.csv",
    ),
)


def mirror_files(base_url: str = "") -> list[MirrorFile]:
    """Every file of the mirror with the URL it is fetched from: upstream at the pinned commit, or `base_url` +
    the file's path when a copy with the mirror's layout is named."""
    files = []
    for source in SOURCES:
        for upstream, local in source.paths():
            url = (
                f"{base_url.rstrip('/')}/{local}"
                if base_url
                else f"{UPSTREAM}{source.repository}/{source.commit}/{upstream}"
            )
            files.append(MirrorFile(local, url))
    return files


def is_complete(folder: Path) -> bool:
    """Whether `folder` holds every file of the mirror."""
    return all((folder / f.path).is_file() for f in mirror_files())


def _check_base_url(base_url: str) -> None:
    if base_url and urlsplit(base_url).scheme not in {"http", "https"}:
        raise OCDSFetchRefused(f"CIVICPACT_OCDS_FETCH_URL must be an http:// or https:// URL, not {base_url!r}")


def _download(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "civicpact-ocds-fetch"})  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
            data: bytes = response.read(MAX_FILE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise OCDSFetchError(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OCDSFetchError(f"unreachable ({reason})") from None
    if len(data) > MAX_FILE_BYTES:
        raise OCDSFetchError(f"larger than {MAX_FILE_BYTES} bytes")
    return data


def _verify(path: str, data: bytes) -> None:
    """Raise OCDSFetchError when the bytes are not what a file of that name holds."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise OCDSFetchError("not UTF-8 text") from None
    if path.endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise OCDSFetchError(f"not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    elif path.endswith(".csv"):
        header = next(csv.reader(io.StringIO(text)), [])
        if "Code" not in header:
            raise OCDSFetchError("not a codelist: its first row has no Code column")
    elif "license" not in text.lower():
        raise OCDSFetchError("not a licence text")


def _fetch_into(staging: Path, files: list[MirrorFile]) -> None:
    for item in files:
        try:
            data = _download(item.url)
            _verify(item.path, data)
        except OCDSFetchError as exc:
            raise OCDSFetchError(f"{item.path}: {exc} ({item.url})") from None
        target = staging / item.path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:
            raise OCDSFetchError(f"{item.path}: cannot write it under {staging}: {exc.strerror}") from None


def _move(staging: Path, into: Path) -> bool:
    """Rename the complete staging folder to `into`; False when another fetch got there first."""
    try:
        if into.is_dir():
            into.rmdir()  # an empty folder made beforehand (not empty if another fetch finished meanwhile)
        os.rename(staging, into)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if is_complete(into):
            return False
        raise OCDSFetchError(f"cannot move the fetched files to {into}: {exc.strerror}") from None
    return True


def ocds_fetch(*, into: Path, base_url: str = "") -> int:
    """Fetch every file of the mirror into `into` (which must not exist, or be an empty folder), all or nothing.
    Returns the number of files; 0 when `into` already holds them all. Raises OCDSFetchError naming the first file
    that failed and why (nothing is left behind), OCDSFetchRefused when it cannot start."""
    _check_base_url(base_url)
    into = into.resolve()
    if is_complete(into):
        return 0
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise OCDSFetchRefused(
            f"{into} exists and is not a complete OCDS mirror: remove it or fetch into another folder"
        )
    try:
        into.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{into.name}-fetching-", dir=into.parent))
    except OSError as exc:
        raise OCDSFetchRefused(f"cannot create a folder beside {into}: {exc.strerror}") from None
    files = mirror_files(base_url)
    try:
        _fetch_into(staging, files)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(files) if _move(staging, into) else 0


_present: set[str] = set()


def ocds_dir() -> str:
    """The folder of the OCDS reference files (settings.CIVICPACT_OCDS_DIR). With CIVICPACT_OCDS_FETCH on, a folder
    that does not hold them yet is fetched first, once; a failed fetch is a SchemaMissing naming the cause."""
    folder: str = settings.CIVICPACT_OCDS_DIR
    if not settings.CIVICPACT_OCDS_FETCH or folder in _present:
        return folder
    try:
        count = ocds_fetch(into=Path(folder), base_url=settings.CIVICPACT_OCDS_FETCH_URL)
    except (OCDSFetchError, OCDSFetchRefused) as exc:
        raise SchemaMissing(f"OCDS schemas not found under {folder}, and fetching them failed: {exc}") from None
    if count:
        logger.warning("fetched the %d pinned OCDS files into %s", count, folder)
    _present.add(folder)
    return folder
