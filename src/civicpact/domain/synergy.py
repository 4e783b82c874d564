"""Cross-department synergies and supplier matching: which needs overlap, and who could meet them.

Text similarity is TF-IDF cosine (scikit-learn) over each need's title, problem and outcomes; shared
assets, locations and KPIs add to it. Every suggestion carries the reasons that produced it, so a
department lead can judge it rather than trust a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

TEXT_WEIGHT = 0.55
ASSET_WEIGHT = 0.25
LOCATION_WEIGHT = 0.1
KPI_WEIGHT = 0.1
MIN_SCORE = 0.12


def normalise_terms(values: Iterable[str]) -> frozenset[str]:
    """Lower-case, trimmed, inner spaces folded: 'Lighting  Poles ' and 'lighting poles' are one term."""
    return frozenset(re.sub(r"\s+", " ", v).strip().lower() for v in values if v and v.strip())


@dataclass(frozen=True)
class Profile:
    """A need, or a supplier's capability profile, as the matcher sees it."""

    id: int
    owner: int  # the department (for needs) or the supplier organisation
    text: str
    assets: frozenset[str] = field(default_factory=frozenset)
    locations: frozenset[str] = field(default_factory=frozenset)
    kpis: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Match:
    id: int
    owner: int
    score: float
    text_similarity: float
    reasons: tuple[str, ...]


def text_similarity_matrix(texts: Sequence[str]) -> NDArray[np.float64]:
    """Pairwise TF-IDF cosine similarity; rows and columns follow `texts`."""
    if not texts:
        return np.zeros((0, 0))
    if not any(t.strip() for t in texts):
        return np.zeros((len(texts), len(texts)))
    vectoriser = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=1)
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # every word is a stop word
        return np.zeros((len(texts), len(texts)))
    similarities: NDArray[np.float64] = cosine_similarity(matrix)
    return similarities


def _overlap(label: str, ours: frozenset[str], theirs: frozenset[str]) -> tuple[float, list[str]]:
    shared = sorted(ours & theirs)
    if not shared:
        return 0.0, []
    fraction = len(shared) / max(1, min(len(ours), len(theirs)))
    return fraction, [f"{label} {', '.join(shared)}"]


def _rank(
    target: Profile, candidates: Sequence[Profile], similarities: NDArray[np.float64], *, min_score: float, limit: int
) -> list[Match]:
    matches: list[Match] = []
    for index, other in enumerate(candidates):
        text = float(max(0.0, similarities[index]))
        asset, asset_reasons = _overlap("both concern", target.assets, other.assets)
        place, place_reasons = _overlap("both in", target.locations, other.locations)
        kpi, kpi_reasons = _overlap("shared KPI:", target.kpis, other.kpis)
        score = TEXT_WEIGHT * text + ASSET_WEIGHT * asset + LOCATION_WEIGHT * place + KPI_WEIGHT * kpi
        if score < min_score:
            continue
        reasons = [*asset_reasons, *place_reasons, *kpi_reasons]
        if text >= 0.05:
            reasons.append(f"text similarity {text:.2f}")
        matches.append(Match(other.id, other.owner, round(score, 4), round(text, 4), tuple(reasons)))
    matches.sort(key=lambda m: (-m.score, m.id))
    return matches[:limit]


def find_synergies(
    target: Profile, needs: Sequence[Profile], *, min_score: float = MIN_SCORE, limit: int = 5
) -> list[Match]:
    """Needs of *other* departments that overlap the target need, best first, with reasons."""
    others = [n for n in needs if n.owner != target.owner and n.id != target.id]
    if not others:
        return []
    similarities = text_similarity_matrix([target.text, *(o.text for o in others)])[0, 1:]
    return _rank(target, others, similarities, min_score=min_score, limit=limit)


def match_suppliers(
    need: Profile, suppliers: Sequence[Profile], *, min_score: float = MIN_SCORE, limit: int = 5
) -> list[Match]:
    """Suppliers whose capability profile fits the need, best first, with reasons."""
    if not suppliers:
        return []
    similarities = text_similarity_matrix([need.text, *(s.text for s in suppliers)])[0, 1:]
    return _rank(need, suppliers, similarities, min_score=min_score, limit=limit)
