"""Confidentiality claims applied to a release before it is published. Pure: dicts in, dicts out.

A claim withholds either a document (by its OCDS id, wherever it sits in the release) or a field (a path such
as `contracts/*/value`, `*` matching every element of an array, another segment matching an element by `id`).
`redact` returns the redacted sections and, per claim, a *fragment*: the smallest release sections that, published
later, restore what was withheld (arrays keep only the ids ocdsmerge needs to find the element again).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

REASONS: Mapping[str, str] = {
    "commercial": "commercial confidentiality",
    "personal_data": "personal data",
    "security": "security",
    "legal_privilege": "legal privilege",
    "other": "other",
}
DOCUMENT = "document"
FIELD = "field"
WITHHELD_TITLE = "Withheld document"

# Objects of the PPP profile's release schema that have a `description`: where a withheld field's note goes.
DESCRIBED = ("tender", "awards/*", "contracts/*", "planning/project", "planning/budget", "contracts/*/milestones/*")
# Fields that can never be withheld: the release's identity, and the ids that merging needs.
UNCLAIMABLE = frozenset({"ocid", "id", "date", "tag", "initiationType", "language", "awardID"})
PATH_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]*(/([A-Za-z][A-Za-z0-9]*|\*|[A-Za-z0-9._-]+))*$")
# Keys kept on every object along a fragment's path so that the fragment is a valid, mergeable release part.
IDENTIFYING = ("id", "awardID")


class ClaimError(ValueError):
    pass


@dataclass(frozen=True)
class Claim:
    claim_id: int
    kind: str  # DOCUMENT or FIELD
    target: str  # a document id, or a field path
    reason: str  # a key of REASONS
    until: date
    reason_text: str = ""
    withhold_title: bool = False


@dataclass(frozen=True)
class Withheld:
    claim_id: int
    fragment: dict[str, Any] = field(default_factory=dict)


def reason_label(reason: str) -> str:
    return REASONS.get(reason, reason)


def note(claim: Claim) -> str:
    """What the public reads where the content would be."""
    why = reason_label(claim.reason) + (f" ({claim.reason_text})" if claim.reason_text else "")
    until = claim.until.isoformat()
    if claim.kind == DOCUMENT:
        return f"Withheld: {why}, until {until}."
    return f"Field '{claim.target}' withheld: {why}, until {until}."


def check_claim(*, kind: str, target: str, reason: str) -> None:
    """Refuse a claim that could not be applied (ClaimError with a reason a person can act on)."""
    if reason not in REASONS:
        raise ClaimError(f"unknown reason {reason!r}: one of {', '.join(REASONS)}")
    if kind == DOCUMENT:
        if not target.strip():
            raise ClaimError("name the document by its id")
        return
    if kind != FIELD:
        raise ClaimError(f"a claim covers a {DOCUMENT} or a {FIELD}, not {kind!r}")
    if not PATH_PATTERN.match(target):
        raise ClaimError(f"{target!r} is not a field path such as contracts/*/value")
    segments = target.split("/")
    if segments[-1] in UNCLAIMABLE or segments[-1] == "*":
        raise ClaimError(f"{segments[-1]!r} identifies the release or an object and cannot be withheld")
    if note_anchor(target) is None:
        raise ClaimError(f"no object along {target!r} has a description to say that the field is withheld")


def note_anchor(path: str) -> str | None:
    """The nearest object along `path` whose description can carry the note (a DESCRIBED pattern), if any."""
    segments = path.split("/")[:-1]
    for end in range(len(segments), 0, -1):
        generic = "/".join("*" if _is_item(segments, i) else s for i, s in enumerate(segments[:end]))
        if generic in DESCRIBED:
            return "/".join(segments[:end])
    return None


def _is_item(segments: Sequence[str], index: int) -> bool:
    """Whether segment `index` selects an array element (the segment before it names an array)."""
    return index > 0 and (segments[index] == "*" or segments[index - 1] in _ARRAYS)


_ARRAYS = frozenset({"awards", "contracts", "milestones", "documents", "details", "transactions", "items"})


def redact(sections: Mapping[str, Any], claims: Sequence[Claim]) -> tuple[dict[str, Any], list[Withheld]]:
    """The sections with every claim applied, and what each claim withheld (claims that match nothing: none)."""
    out = copy.deepcopy(dict(sections))
    withheld: list[Withheld] = []
    for claim in claims:
        fragment: dict[str, Any] = {}
        if claim.kind == DOCUMENT:
            _redact_documents(out, [], claim, fragment)
        else:
            _redact_field(out, claim, fragment)
        if fragment:
            withheld.append(Withheld(claim.claim_id, fragment))
    return out, withheld


def _redact_documents(node: Any, trail: list[tuple[Any, str | int]], claim: Claim, fragment: dict[str, Any]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "documents" and isinstance(value, list):
                for i, doc in enumerate(value):
                    if isinstance(doc, dict) and str(doc.get("id")) == claim.target and "accessDetails" not in doc:
                        restored = dict(doc) | {"accessDetails": None}
                        _merge(fragment, _fragment([*trail, (node, key), (value, i)], restored))
                        value[i] = _withheld_document(doc, claim)
            _redact_documents(value, [*trail, (node, key)], claim, fragment)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _redact_documents(item, [*trail, (node, i)], claim, fragment)


def _withheld_document(doc: Mapping[str, Any], claim: Claim) -> dict[str, Any]:
    out: dict[str, Any] = {"id": doc["id"]}
    if "documentType" in doc:
        out["documentType"] = doc["documentType"]
    out["title"] = WITHHELD_TITLE if claim.withhold_title else doc.get("title", WITHHELD_TITLE)
    if "datePublished" in doc:
        out["datePublished"] = doc["datePublished"]
    out["accessDetails"] = note(claim)
    return out


def _redact_field(root: dict[str, Any], claim: Claim, fragment: dict[str, Any]) -> None:
    segments = claim.target.split("/")
    anchor = note_anchor(claim.target)
    anchor_depth = len(anchor.split("/")) if anchor else 0
    for trail in _walk(root, [], segments[:-1]):
        parent = _child(trail[-1]) if trail else root
        if not isinstance(parent, dict) or segments[-1] not in parent:
            continue
        value = parent.pop(segments[-1])
        _merge(fragment, _fragment([*trail, (parent, segments[-1])], value))
        if anchor_depth:
            holder = _child(trail[anchor_depth - 1])
            original = holder.get("description")
            _merge(fragment, _fragment([*trail[:anchor_depth], (holder, "description")], original))
            holder["description"] = f"{original} {note(claim)}" if original else note(claim)


def _child(step: tuple[Any, str | int]) -> Any:
    container, key = step
    return container[key]


def _walk(node: Any, trail: list[tuple[Any, str | int]], segments: Sequence[str]) -> list[list[tuple[Any, Any]]]:
    """Every trail of (container, key) steps from the root along `segments`."""
    if not segments:
        return [trail]
    head, rest = segments[0], segments[1:]
    found: list[list[tuple[Any, Any]]] = []
    if isinstance(node, dict) and head in node:
        found += _walk(node[head], [*trail, (node, head)], rest)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if head == "*" or (isinstance(item, dict) and str(item.get("id")) == head):
                found += _walk(item, [*trail, (node, i)], rest)
    return found


def _fragment(trail: Sequence[tuple[Any, str | int]], leaf: Any) -> dict[str, Any]:
    """Release sections holding only `leaf` at the end of `trail`, with the ids of every object on the way."""
    result: Any = leaf
    for container, key in reversed(trail):
        if isinstance(container, list):
            result = [result]
            continue
        shell = {k: container[k] for k in IDENTIFYING if k in container and k != key}
        shell[str(key)] = result
        result = shell
    return dict(result)


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Deep-merge `extra` into `into`: objects by key, arrays of objects by id."""
    for key, value in extra.items():
        current = into.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            _merge(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            for item in value:
                same = next((c for c in current if isinstance(c, dict) and c.get("id") == item.get("id")), None)
                if same is None:
                    current.append(copy.deepcopy(item))
                else:
                    _merge(same, item)
        else:
            into[key] = copy.deepcopy(value)


def merge_fragments(fragments: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fragment in fragments:
        _merge(out, fragment)
    return out


DISCLOSURE_TAGS: Mapping[str, str] = {
    "planning": "planningUpdate",
    "tender": "tenderUpdate",
    "bids": "tenderUpdate",
    "awards": "awardUpdate",
    "contracts": "contractUpdate",
}


def disclosure_tags(sections: Mapping[str, Any]) -> list[str]:
    """The release tags of a disclosure release, from the sections it restores."""
    tags = sorted({DISCLOSURE_TAGS[k] for k in sections if k in DISCLOSURE_TAGS})
    return tags or ["tenderUpdate"]
