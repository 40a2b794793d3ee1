"""Reciprocal rank fusion as its own pipeline unit (Cormack et al., 2009)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence


class ReciprocalRankFusion:
    """Pipeline step: several ranked lists of ids → one, by Σ weight / (k + rank)."""

    def __init__(self, k: int = 60, weights: Mapping[str, float] | None = None) -> None:
        self.k = k
        self.weights = dict(weights or {})

    def run(self, rankings: Mapping[str, Sequence[str]]) -> list[tuple[str, float]]:
        scores: dict[str, float] = defaultdict(float)
        for name, ids in rankings.items():
            weight = self.weights.get(name, 1.0)
            for rank, item in enumerate(ids, start=1):
                scores[item] += weight / (self.k + rank)
        # ties broken by id so that results are reproducible
        return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
