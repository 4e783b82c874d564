"""Mapping CivicPact's state to OCDS 1.1.5 + the OCDS for PPPs profile. Pure: dicts in, dicts out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

OCDS_VERSION = "1.1"
OCID_PREFIX_PATTERN = re.compile(r"^ocds-[a-z0-9]{6}$")

# The profile's 14 extensions, pinned to the versions kept in shared/ocds (see its README).
PPP_EXTENSIONS: Mapping[str, tuple[str, str]] = {
    "bids": ("ocds_bid_extension", "v1.1.5"),
    "charges": ("ocds_charges_extension", "master"),
    "documentation_details": ("ocds_documentation_extension", "master"),
    "finance": ("ocds_finance_extension", "master"),
    "location": ("ocds_location_extension", "v1.1.5"),
    "metrics": ("ocds_metrics_extension", "1.1"),
    "milestone_documents": ("ocds_milestone_documents_extension", "v1.1.5"),
    "performance_failures": ("ocds_performance_failures_extension", "master"),
    "project": ("ocds_project_extension", "master"),
    "risk_allocation": ("ocds_riskAllocation_extension", "master"),
    "shareholders": ("ocds_shareholders_extension", "master"),
    "signatories": ("ocds_contract_signatories_extension", "master"),
    "tariffs": ("ocds_tariffs_extension", "1.1"),
    "ppp": ("ocds_ppp_extension", "1.1"),
}


def extension_urls() -> list[str]:
    base = "https://raw.githubusercontent.com/open-contracting-extensions"
    return [f"{base}/{repo}/{ref}/extension.json" for repo, ref in PPP_EXTENSIONS.values()]


def check_ocid_prefix(prefix: str) -> None:
    if not OCID_PREFIX_PATTERN.match(prefix):
        raise ValueError(f"ocid prefix {prefix!r} must look like 'ocds-' followed by six lower-case letters or digits")


def make_ocid(prefix: str, local_id: str) -> str:
    check_ocid_prefix(prefix)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", local_id):
        raise ValueError(f"local id {local_id!r} may hold only letters, digits, '.', '_' and '-'")
    return f"{prefix}-{local_id}"


def format_date(moment: datetime) -> str:
    """OCDS dates: ISO 8601 in UTC with milliseconds and a Z."""
    if moment.tzinfo is None:
        raise ValueError("OCDS dates must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_release(
    *,
    ocid: str,
    release_id: str,
    date: datetime,
    tags: Sequence[str],
    initiation_type: str = "tender",
    language: str = "en",
    sections: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A release: the required OCDS fields first, then the sections a stage publishes."""
    if not tags:
        raise ValueError("a release needs at least one tag")
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": release_id,
        "date": format_date(date),
        "tag": list(tags),
        "initiationType": initiation_type,
        "language": language,
    }
    for key, value in (sections or {}).items():
        if key in release:
            raise ValueError(f"section {key!r} would overwrite a required release field")
        release[key] = value
    return release


def organisation_reference(party_id: str, name: str) -> dict[str, str]:
    return {"id": party_id, "name": name}


def party(
    *, party_id: str, name: str, roles: Iterable[str], legal_name: str = "", scheme: str = "", identifier: str = ""
) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": party_id, "name": name, "roles": sorted(set(roles))}
    if identifier:
        ident: dict[str, str] = {"id": identifier}
        if scheme:
            ident["scheme"] = scheme
        if legal_name:
            ident["legalName"] = legal_name
        entry["identifier"] = ident
    return entry


def release_package(
    releases: Sequence[Mapping[str, Any]],
    *,
    uri: str,
    published_date: datetime,
    publisher_name: str,
    publisher_uri: str = "",
) -> dict[str, Any]:
    publisher: dict[str, str] = {"name": publisher_name}
    if publisher_uri:
        publisher["uri"] = publisher_uri
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": extension_urls(),
        "publishedDate": format_date(published_date),
        "publisher": publisher,
        "releases": [dict(r) for r in releases],
    }
