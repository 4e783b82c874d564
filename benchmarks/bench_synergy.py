"""Synergy matching: one vectorised TF-IDF similarity matrix versus a per-pair loop (the baseline).

The baseline is what a row-by-row implementation does: for each pair of needs, tokenise both texts and
compute a cosine over Python dictionaries. Both give the suggestions for every need of a city.
"""

from __future__ import annotations

import math
import random
from collections import Counter

from benchmarks.util import best_of
from civicpact.domain.synergy import Profile, find_synergies, text_similarity_matrix

WORDS = [
    "street",
    "light",
    "lighting",
    "pole",
    "sensor",
    "air",
    "quality",
    "traffic",
    "junction",
    "parking",
    "bay",
    "fibre",
    "wifi",
    "energy",
    "led",
    "dimming",
    "fault",
    "repair",
    "data",
    "platform",
    "open",
    "waste",
    "bin",
    "collection",
    "flood",
    "warning",
    "river",
    "level",
    "shuttle",
    "bus",
    "mobility",
    "payroll",
    "software",
    "pension",
    "school",
    "heating",
    "building",
    "solar",
    "roof",
    "charging",
    "electric",
    "vehicle",
    "noise",
    "camera",
]


def make_needs(n: int, seed: int = 7) -> list[Profile]:
    rng = random.Random(seed)
    return [Profile(i, i % 8, " ".join(rng.choices(WORDS, k=30))) for i in range(n)]


def baseline_pairwise(texts: list[str]) -> list[list[float]]:
    bags = [Counter(t.split()) for t in texts]
    norms = [math.sqrt(sum(v * v for v in b.values())) for b in bags]
    return [
        [
            sum(a[w] * b[w] for w in a) / (norms[i] * norms[j]) if norms[i] and norms[j] else 0.0
            for j, b in enumerate(bags)
        ]
        for i, a in enumerate(bags)
    ]


def main() -> None:
    print("synergy matching (all needs against all needs)")
    print(f"{'needs':>6} {'baseline s':>11} {'vectorised s':>13} {'speed-up':>9}")
    for n in (100, 400, 1000):
        needs = make_needs(n)
        texts = [p.text for p in needs]
        baseline = best_of(lambda texts=texts: baseline_pairwise(texts), repeat=3)
        vectorised = best_of(lambda texts=texts: text_similarity_matrix(texts), repeat=3)
        print(f"{n:>6} {baseline:>11.3f} {vectorised:>13.3f} {baseline / vectorised:>8.1f}x")
    needs = make_needs(1000)
    one = best_of(lambda: find_synergies(needs[0], needs), repeat=5)
    print(f"one need's suggestions among 1000 needs: {one * 1000:.1f} ms (ranked, with reasons)")


if __name__ == "__main__":
    main()
