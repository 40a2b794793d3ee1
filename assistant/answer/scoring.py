"""How much of a question's weighted vocabulary a text carries: the answer stage's relevance signal."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

Tokenizer = Callable[[str], list[str]]


class EvidenceScorer:
    """Coverage of a question's idf-weighted tokens by a text (its section path counting half)."""

    def __init__(
        self, tokens: Tokenizer, document_frequency: Callable[[str], int], total: int, context_weight: float = 0.5
    ) -> None:
        self.tokens = tokens
        # the same sentences are scored for every question: their token sets are computed once
        self._token_set = lru_cache(maxsize=65536)(lambda text: frozenset(tokens(text)))
        self.df = document_frequency
        self.total = max(total, 1)
        self.context_weight = context_weight

    def idf(self, term: str) -> float:
        return math.log(1 + self.total / (1 + self.df(term)))

    def question_terms(self, question: str) -> dict[str, float]:
        return {t: self.idf(t) for t in set(self.tokens(question))}

    def coverage(self, terms: dict[str, float], text: str, context: str = "") -> float:
        mass = sum(terms.values()) or 1.0
        own = self._token_set(text)
        around = self._token_set(context) - own
        return (
            sum(w for t, w in terms.items() if t in own)
            + self.context_weight * sum(w for t, w in terms.items() if t in around)
        ) / mass
