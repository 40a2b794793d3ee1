"""A learned ranker (LightGBM LambdaRank) over the fused candidates, with features a reader can follow.

The fusion finds the candidates (dense, chunk BM25, section BM25); the ranker orders them from what each
list said about a passage (its score and rank there), what the question frame asks (field, project,
locality, year, the shape of the answer) and the passage itself (its figures, heading, length). It is
trained by ``python -m eval ranking --save-ranker`` on the dev split and ALQAC's training questions and
scored there by cross-validation only; without its model file the search keeps the hand-tuned fusion.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.retrieval.query import QueryIntent, mentions_field
from core.text import fold
from ingest.models import DocumentMeta

if TYPE_CHECKING:
    from assistant.retrieval.hybrid import ScoredChunk

ABSENT = 1000  # the rank of a passage a list did not return
FEATURES = (
    "dense_cosine",
    "dense_below_best",  # the best candidate's cosine minus this one's: scores compare within a question
    "dense_rank",
    "bm25_chunk",
    "bm25_chunk_share",  # share of the question's best chunk BM25
    "bm25_chunk_rank",
    "bm25_section",
    "bm25_section_share",
    "bm25_section_rank",
    "best_chunk_section_rank",
    "fusion_score",
    "fusion_rank",
    "field_match",
    "project_match",
    "locality_match",
    "year_match",
    "answer_shape_match",
    "number_overlap",
    "heading_overlap",
    "chunk_chars",
    "question_has_diacritics",
    "is_law_article",
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"\w+")


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}


def features(
    passages: Sequence[ScoredChunk], intent: QueryIntent, question: str, documents: dict[str, DocumentMeta]
) -> np.ndarray:
    """One row per passage (in fusion order), one column per name of ``FEATURES``."""
    asked_numbers = _numbers(question)
    words = set(_WORD.findall(intent.folded))
    best_dense = max((s.dense_similarity or 0.0 for s in passages), default=0.0)
    best_chunk = max((s.lexical_score or 0.0 for s in passages), default=0.0) or 1.0
    best_section = max((s.section_score or 0.0 for s in passages), default=0.0) or 1.0
    rows = []
    for position, s in enumerate(passages, start=1):
        chunk, meta = s.chunk, documents.get(s.chunk.doc_id)
        path = fold(" ".join(chunk.section_path))
        heading = set(_WORD.findall(path))
        rows.append(
            [
                s.dense_similarity or 0.0,
                best_dense - (s.dense_similarity or 0.0),
                s.ranks.get("dense", ABSENT),
                s.lexical_score or 0.0,
                (s.lexical_score or 0.0) / best_chunk,
                s.ranks.get("lexical", ABSENT),
                s.section_score or 0.0,
                (s.section_score or 0.0) / best_section,
                s.ranks.get("section", ABSENT),
                s.ranks.get("section_best", ABSENT),
                s.fused_score,
                position,
                float(bool(intent.field) and (chunk.field == intent.field or mentions_field(path, intent.field or ""))),
                float(bool(intent.projects) and all(p in path for p in intent.projects)),
                float(intent.doc_ids is not None and chunk.doc_id in intent.doc_ids),
                float(bool(intent.years) and meta is not None and bool(set(intent.years) & set(meta.years))),
                float(intent.answer_shape is not None and intent.answer_shape.search(chunk.text) is not None),
                len(asked_numbers & _numbers(chunk.text)),
                len(words & heading) / max(1, len(words)),
                len(chunk.text),
                float(intent.has_diacritics),
                float(any(p.startswith("Điều ") for p in chunk.section_path)),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


class LearnedRanker:
    """Pipeline step: fused candidates → the same candidates in the model's order (score = its output)."""

    def __init__(self, model_file: Path) -> None:
        import lightgbm

        self.booster = lightgbm.Booster(model_file=str(model_file))
        names = tuple(self.booster.feature_name())
        if names != FEATURES:
            raise ValueError(f"Mô hình xếp hạng {model_file} dùng đặc trưng khác; cần huấn luyện lại")
        self.version = hashlib.sha256(model_file.read_bytes()).hexdigest()[:12]

    def run(
        self,
        passages: list[ScoredChunk],
        intent: QueryIntent,
        question: str,
        documents: dict[str, DocumentMeta],
    ) -> list[ScoredChunk]:
        if not passages:
            return passages
        predicted = np.asarray(self.booster.predict(features(passages, intent, question, documents)))
        for s, value in zip(passages, predicted, strict=True):
            s.score = float(value)
        return sorted(passages, key=lambda s: (-s.score, s.chunk.chunk_id))
