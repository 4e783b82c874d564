"""Identifiers across the whole demo's releases: release ids never reused, dates strictly increasing per ocid, item
ids unique within their array and, when an id comes back in a later release of the same process, naming the same
thing (OCDS merges arrays by id, so a reused id would silently overwrite another item in the compiled record)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from civicpact.demo.seed import seed_demo_city
from civicpact.ledger.models import Release
from civicpact.transparency.compiled import record_get

# What an item of each array must keep when its id comes back in a later release (path without indices).
KIND: dict[str, tuple[str, ...]] = {
    "parties": ("name",),
    "awards": ("suppliers",),
    "contracts": ("awardID",),
    "documents": ("documentType",),
    "milestones": ("type", "code"),
    "transactions": ("payer", "payee"),
    "riskAllocation": ("category",),
    "metrics": ("title",),
    "agreedMetrics": ("title",),
    "performanceFailures": ("category",),
    "details": ("tenderers",),
}


def arrays(value: Any, path: str = "") -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Every array of objects with ids in a release, with its path (e.g. `contracts.implementation.transactions`)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from arrays(child, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        items = [item for item in value if isinstance(item, dict)]
        if items and all("id" in item for item in items):
            yield path, items
        for item in items:
            yield from arrays(item, path)


def release_ids_are_never_reused(published: dict[str, Any]) -> None:
    ids = [r["id"] for releases in published["releases"].values() for r in releases]
    assert len(ids) == len(set(ids)) > 20


def dates_strictly_increase_per_ocid_in_the_order_of_the_ids(published: dict[str, Any]) -> None:
    for ocid, releases in published["releases"].items():
        dates = [r["date"] for r in releases]
        assert dates == sorted(set(dates)), ocid
        assert [r["id"] for r in releases] == sorted(r["id"] for r in releases), ocid
        assert all(r["id"].startswith(f"{ocid}-") for r in releases)


def item_ids_are_unique_within_their_array(published: dict[str, Any]) -> None:
    for releases in published["releases"].values():
        for release in releases:
            for path, items in arrays(release):
                ids = [item["id"] for item in items]
                assert len(ids) == len(set(ids)), (release["id"], path, ids)


def a_returning_id_names_the_same_kind_of_thing(published: dict[str, Any]) -> None:
    checked = 0
    for ocid, releases in published["releases"].items():
        seen: dict[tuple[str, str], tuple[str, Any]] = {}
        for release in releases:
            for path, items in arrays(release):
                fields = KIND.get(path.rsplit(".", 1)[-1], ())
                for item in items:
                    kind = tuple(repr(item.get(field)) for field in fields if field in item)
                    key = (path, str(item["id"]))
                    if key in seen and kind and seen[key][1]:
                        first_release, first_kind = seen[key]
                        if len(first_kind) == len(kind):
                            assert first_kind == kind, (ocid, path, item["id"], first_release, release["id"])
                            checked += 1
                    if kind:
                        seen[key] = (release["id"], kind)
    assert checked > 20  # parties, documents, milestones, metrics... come back release after release


def compiled_releases_keep_one_item_per_id(published: dict[str, Any]) -> None:
    for ocid, compiled in published["records"].items():
        for path, items in arrays(compiled["compiledRelease"]):
            ids = [item["id"] for item in items]
            assert len(ids) == len(set(ids)), (ocid, path)


def parties_keep_every_role_they_were_published_with(published: dict[str, Any]) -> None:
    for ocid, releases in published["releases"].items():
        roles: dict[str, set[str]] = defaultdict(set)
        for release in releases:
            for entry in release.get("parties", ()):
                roles[entry["id"]].update(entry.get("roles", ()))
        compiled = {p["id"]: set(p.get("roles", ())) for p in published["records"][ocid]["compiledRelease"]["parties"]}
        assert compiled == dict(roles), ocid


@pytest.mark.django_db
def test_the_full_demos_releases_keep_their_ids_stable_and_never_reused():
    """One scenario, the whole demo city seeded once (it takes a while): every property checked on it."""
    seed_demo_city()
    by_ocid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for release in Release.objects.order_by("ocid", "date"):
        by_ocid[release.ocid].append(release.body)
    published = {"releases": by_ocid, "records": {ocid: record_get(ocid=ocid) for ocid in by_ocid}}
    release_ids_are_never_reused(published)
    dates_strictly_increase_per_ocid_in_the_order_of_the_ids(published)
    item_ids_are_unique_within_their_array(published)
    a_returning_id_names_the_same_kind_of_thing(published)
    compiled_releases_keep_one_item_per_id(published)
    parties_keep_every_role_they_were_published_with(published)
