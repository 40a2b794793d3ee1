"""Reciprocal rank fusion as its own pipeline unit (Cormack et al., 2009)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

# One place of a ranked list: an id, or the ids that share the place (the passages of one ranked section).
Ranked = str | tuple[str, ...]


class ReciprocalRankFusion:
    """Pipeline step: several ranked lists of ids → one, by Σ weight / (k + rank)."""

    def __init__(self, k: int = 60, weights: Mapping[str, float] | None = None) -> None:
        self.k = k
        self.weights = dict(weights or {})

    def run(self, rankings: Mapping[str, Sequence[Ranked]]) -> list[tuple[str, float]]:
        scores: dict[str, float] = defaultdict(float)
        for name, places in rankings.items():
            weight = self.weights.get(name, 1.0)
            if not weight:
                continue  # a list switched off adds no candidates either
            for rank, place in enumerate(places, start=1):
                for item in (place,) if isinstance(place, str) else place:
                    scores[item] += weight / (self.k + rank)
        # ties broken by id so that results are reproducible
        return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
