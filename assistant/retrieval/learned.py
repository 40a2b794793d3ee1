"""A learned ranker (LightGBM LambdaRank) over the fused candidates, with features a reader can follow.

The fusion finds the candidates (dense, chunk BM25, section BM25); the ranker orders them from what each
list said about a passage (its score and rank there), what the question frame asks (field, project,
locality, year, the kind of value and the words it is about) and the passage itself (its typed facts,
figures, heading, length). ``python -m eval ranking --save-ranker`` fits it on the dev split and ships it
in ``corpus/ranker/`` with a card (``ranker.json``: feature version, training split, seed, figures); a
data dir's own model file wins over the shipped one. A model whose card names other features is refused
and the hand-tuned fusion ranks.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from assistant.retrieval.frame import FrameReader, QuestionFrame, project_of
from assistant.retrieval.query import QueryIntent, mentions_field
from core.settings import RetrievalSettings
from core.text import fold
from ingest.models import DocumentMeta
from prompts import get_prompts

if TYPE_CHECKING:
    from assistant.retrieval.hybrid import ScoredChunk

log = logging.getLogger("gnbv.retrieval")
TEXTS = get_prompts().index
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
    # the question frame (assistant.retrieval.frame) against the passage
    "asked_fact_count",  # typed facts of the asked kind ("number": any figure) the passage states
    "also_fact",  # a fact of another kind the question also asks for
    "project_scope_match",  # the passage's Dự án is the one asked
    "project_scope_conflict",  # the passage is under another Dự án than the one asked
    "role_match",  # an office fact with the asked role (chủ trì / phối hợp)
    "funding_match",  # a fact of the asked funding source
    "focus_overlap",  # share of the focus words (what the value is of) in the passage and its heading
    "topic_overlap",  # share of the question's content words there
)
# bumped whenever FEATURES or the way one is computed changes: a model of another version is refused
FEATURE_VERSION = 2
_FIGURES = frozenset({"amount", "percent", "count", "duration"})
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"\w+")


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}


def _kinds(asked: str) -> frozenset[str]:
    return _FIGURES if asked == "number" else frozenset({asked})


def features(
    passages: Sequence[ScoredChunk],
    intent: QueryIntent,
    question: str,
    documents: dict[str, DocumentMeta],
    frame: QuestionFrame,
) -> np.ndarray:
    """One row per passage (in fusion order), one column per name of ``FEATURES``."""
    asked_kinds = _kinds(frame.asked)
    also_kinds = frozenset(k for also in frame.also for k in _kinds(also))
    focus = set(_WORD.findall(fold(frame.focus)))
    topic = set(_WORD.findall(fold(frame.topic)))
    scope = frame.scope
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
        said = heading | set(_WORD.findall(fold(chunk.text)))
        asked_facts = [f for f in chunk.facts if f.kind in asked_kinds]
        project = project_of(chunk.section_path)[0]
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
                len(asked_facts),
                float(any(f.kind in also_kinds for f in chunk.facts)),
                float(scope.project is not None and project == scope.project),
                float(scope.project is not None and project is not None and project != scope.project),
                float(frame.role is not None and any(f.role == frame.role for f in chunk.facts)),
                float(scope.funding is not None and any(scope.funding in f.funding for f in chunk.facts)),
                len(focus & said) / max(1, len(focus)),
                len(topic & said) / max(1, len(topic)),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


class RankerCard(BaseModel):
    """What a model file was built from, saved beside it as ``<model>.json``."""

    feature_version: int = Field(description="FEATURE_VERSION of the features it was fitted on")
    features: list[str] = Field(description="the feature columns, in order")
    trained_on: str = Field(description="the questions it was fitted on, e.g. 'hand-written dev split (313)'")
    seed: int
    params: dict[str, float | int | str | bool] = Field(default_factory=dict, description="LightGBM parameters")
    rounds: int = 0
    figures: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="table → figures of the run that fitted it (dev by cross-validation)"
    )


class RankerMismatchError(ValueError):
    """A model file without a card, or fitted on other features than this code computes."""


def card_path(model_file: Path) -> Path:
    return model_file.with_suffix(".json")


class LearnedRanker:
    """Pipeline step: fused candidates → the same candidates in the model's order (score = its output)."""

    def __init__(self, model_file: Path, frames: FrameReader | None = None) -> None:
        import lightgbm

        card_file = card_path(model_file)
        if not card_file.exists():
            raise RankerMismatchError(TEXTS.ranker_no_card.format(model=model_file, card=card_file.name))
        self.card = RankerCard.model_validate_json(card_file.read_text(encoding="utf-8"))
        if self.card.feature_version != FEATURE_VERSION or tuple(self.card.features) != FEATURES:
            raise RankerMismatchError(
                TEXTS.ranker_version.format(model=model_file, found=self.card.feature_version, wanted=FEATURE_VERSION)
            )
        self.booster = lightgbm.Booster(model_file=str(model_file))
        if tuple(self.booster.feature_name()) != FEATURES:
            raise RankerMismatchError(TEXTS.ranker_card_mismatch.format(model=model_file))
        self.model_file = model_file
        self.frames = frames or FrameReader()
        self.version = model_version(model_file)

    def run(
        self,
        passages: list[ScoredChunk],
        intent: QueryIntent,
        question: str,
        documents: dict[str, DocumentMeta],
    ) -> list[ScoredChunk]:
        if not passages:
            return passages
        frame = self.frames.run(question, intent)
        predicted = np.asarray(self.booster.predict(features(passages, intent, question, documents, frame)))
        for s, value in zip(passages, predicted, strict=True):
            s.score = float(value)
        return sorted(passages, key=lambda s: (-s.score, s.chunk.chunk_id))


def model_version(model_file: Path) -> str:
    """What the health check and the eval records show: the model's bytes and the features it reads."""
    return f"{hashlib.sha256(model_file.read_bytes()).hexdigest()[:12]}-f{FEATURE_VERSION}"


def ranker_file(settings: RetrievalSettings, data_dir: Path) -> Path | None:
    """The model the search uses: the data dir's own when it has one, else the shipped one, else none."""
    if settings.ranker != "lambdarank":
        return None
    own = data_dir / settings.ranker_file
    return own if own.exists() else settings.shipped_ranker if settings.shipped_ranker.exists() else None


class RankerLoader:
    """The current learned ranker of a data dir, reloaded when its model file changes (a new model ranks
    the next search; nothing is re-indexed: the ranker does not shape vectors or chunks)."""

    def __init__(self, settings: RetrievalSettings, data_dir: Path) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self._loaded: tuple[tuple[str, int, int], LearnedRanker | None] | None = None
        self._guard = threading.Lock()

    def current(self) -> LearnedRanker | None:
        path = ranker_file(self.settings, self.data_dir)
        if path is None:
            return None
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        with self._guard:  # requests run in threads: one of them loads a changed model
            if self._loaded is None or self._loaded[0] != key:
                try:
                    self._loaded = (key, LearnedRanker(path))
                except RankerMismatchError as error:
                    log.warning(TEXTS.ranker_fallback.format(error=error))
                    self._loaded = (key, None)
            return self._loaded[1]

    def describe(self) -> str:
        """ "lambdarank 1a2b3c4d5e6f-f2 (corpus/ranker/ranker.lgb)" or "fusion"."""
        ranker = self.current()
        return f"lambdarank {ranker.version} ({ranker.model_file})" if ranker is not None else "fusion"
