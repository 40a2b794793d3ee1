"""Answerability: whether the documents answer a question, read from its frame, its retrieval and its facts.

The composer states a value only from a typed fact of the asked kind that fits the frame; its first gate was
lexical: refuse when no such fact carries ``answer.min_fact_score`` of the question's focus. That one signal misses
near-misses: the topic is in the documents, the asked value is not. The learned gate reads more: what is asked and
in which scope, how much of the question the best passage, its section and the best fact carry, the question's
words the best passages lack (the rarest one is a strong sign the asked thing is not there), the words no document
holds, the dense and BM25 scores of the top hits and their gaps. A LightGBM classifier over those features, trained
on the dev split by ``python -m eval gate --save``, gives the probability that the documents cannot answer; at or
above its threshold (chosen on dev cross-validation) the question is refused. Rules and the lexical gate stay first
(an unknown place, an uncovered year, no fact of the asked kind over ``min_fact_score``: nothing to state), so the
model only adds refusals: a value it lets through was stated before it too. Without the model files the lexical
gate alone decides, as before."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer.facts import FactMatch
from assistant.answer.scoring import EvidenceScorer
from assistant.retrieval.frame import VALUE_TYPES, AskedType, QuestionFrame
from assistant.retrieval.hybrid import SearchResult
from core.text import fold
from ingest.models import SECTION_SEPARATOR
from prompts import get_prompts

if TYPE_CHECKING:
    import lightgbm

TEXTS = get_prompts().index
FEATURE_VERSION = 1
MODEL_FILE = "gate.lgb"
META_FILE = "gate.json"
ASKED: tuple[str, ...] = AskedType.__args__  # type: ignore[attr-defined]
_SCOPE = ("locality", "year", "project", "subproject", "field", "funding")
FEATURES: tuple[str, ...] = (
    "asked",
    "value_question",
    "per",
    "also",
    *(f"scope_{name}" for name in _SCOPE),
    "question_terms",
    "unknown_words",  # syllables of the question no document holds
    "unknown_focus_words",
    "unknown_places",
    "diacritics",
    "dense_top",
    "dense_gap",
    "dense_best5",
    "bm25_top",
    "bm25_gap",
    "section_bm25_top",
    "fused_top",
    "cover_top",  # the question's known words carried by the top passage and its section
    "cover_top5",
    "cover_path",
    "cover_sentence",  # … by the best sentence of the top three passages
    "focus_top5",
    "focus_sentence",
    "year_in_top",
    "project_in_top",
    "field_top",
    "shape_top",
    "lacking_top",  # idf of the rarest asked word the top passage lacks
    "lacking_best3",  # … the best of the top three passages lacks
    "lacking_sentence",  # … the best sentence (with its section) lacks
    "pairs_top3",  # the question's word pairs ("sân bóng", "tại chỗ") found in the top three passages
    "facts",
    "fact_best",
    "fact_second",
    "fact_rank",  # rank of the best fact's passage in the search (50: from the scope's chunks)
    "fact_focus",
    "fact_topic",
    "fact_pairs",
    "fact_lacking",
    "fact_lacking_chunk",
    "fact_year",
)
ABSENT = -1.0  # a score the search or the facts did not give


@dataclass(frozen=True)
class GateVerdict:
    answerable: bool
    refusal_probability: float | None  # the model's; None when the lexical gate decided


class _Words:
    """The question's words, each with its idf, split by what the corpus holds."""

    def __init__(self, scorer: EvidenceScorer, text: str) -> None:
        weights = scorer.question_terms(text)
        self.all = weights
        # the phrasing ("cho_em_hoi") is in no document: coverage is measured on the words the corpus knows
        self.known = {t: w for t, w in weights.items() if scorer.df(t) > 0}
        self.single = {t: w for t, w in self.known.items() if "_" not in t}
        self.pairs = {t: w for t, w in self.known.items() if "_" in t}
        self.unknown = sum(1 for t in weights if "_" not in t and scorer.df(t) == 0)


def features(
    question: str, frame: QuestionFrame, result: SearchResult, matches: list[FactMatch], scorer: EvidenceScorer
) -> dict[str, float]:
    """One value per name of ``FEATURES`` (what the search did not give is ``ABSENT``)."""
    words, focus, topic = (_Words(scorer, t) for t in (question, frame.focus or question, frame.topic or question))

    def cover(terms: dict[str, float], text: str, context: str = "") -> float:
        return scorer.coverage(terms, text, context) if terms else 0.0

    def lacking(text: str) -> float:
        """The idf of the rarest asked word ``text`` lacks (the scorer's token sets are cached)."""
        return max((w for t, w in topic.single.items() if scorer.coverage({t: 1.0}, text) == 0), default=0.0)

    s = frame.scope
    f: dict[str, float] = dict.fromkeys(FEATURES, ABSENT)
    f |= {
        "asked": float(ASKED.index(frame.asked)),
        "value_question": float(frame.asked in VALUE_TYPES),
        "per": float(frame.per is not None),
        "also": float(len(frame.also)),
        **{f"scope_{name}": float(getattr(s, name) is not None) for name in _SCOPE},
        "question_terms": float(len(words.all)),
        "unknown_words": float(words.unknown),
        "unknown_focus_words": float(focus.unknown),
        "unknown_places": float(len(result.intent.unknown_places)),
        "diacritics": float(result.intent.has_diacritics),
        "facts": float(len(matches)),
    }
    passages = result.passages
    if passages:
        top = passages[0]
        second = passages[1] if len(passages) > 1 else None
        paths = [SECTION_SEPARATOR.join(p.chunk.section_path) for p in passages[:5]]
        texts = [f"{p.chunk.text} {path}" for p, path in zip(passages[:5], paths, strict=True)]
        sentences = [(x.text, paths[i]) for i, p in enumerate(passages[:3]) for x in p.chunk.sentences if not x.heading]
        shown3 = " ".join(texts[:3])
        projects = [name for name in (s.project, s.subproject) if name]
        f |= {
            "dense_top": _or_absent(top.dense_similarity),
            "dense_gap": _gap(top.dense_similarity, second.dense_similarity if second else None),
            "dense_best5": max((p.dense_similarity or ABSENT for p in passages[:5]), default=ABSENT),
            "bm25_top": _or_absent(top.lexical_score),
            "bm25_gap": _gap(top.lexical_score, second.lexical_score if second else None),
            "section_bm25_top": _or_absent(top.section_score),
            "fused_top": top.fused_score,
            "cover_top": cover(words.known, texts[0]),
            "cover_top5": cover(words.known, " ".join(texts)),
            "cover_path": cover(words.known, paths[0]),
            "cover_sentence": max((cover(words.known, x, path) for x, path in sentences), default=0.0),
            "focus_top5": cover(focus.known, " ".join(texts)),
            "focus_sentence": max((cover(focus.known, x) for x, _ in sentences), default=0.0),
            "year_in_top": float(s.year is not None and str(s.year) in shown3),
            "project_in_top": float(bool(projects) and all(fold(n) in fold(shown3) for n in projects)),
            "field_top": float(s.field is not None and top.chunk.field == s.field),
            "shape_top": float(
                result.intent.answer_shape is not None
                and any(result.intent.answer_shape.search(p.chunk.text) for p in passages[:3])
            ),
            "lacking_top": lacking(texts[0]),
            "lacking_best3": min(lacking(t) for t in texts[:3]),
            "lacking_sentence": min((lacking(f"{x} {path}") for x, path in sentences), default=0.0),
            "pairs_top3": cover(topic.pairs, shown3) if topic.pairs else ABSENT,
        }
    if matches:
        best = matches[0]
        path = SECTION_SEPARATOR.join(best.chunk.section_path)
        ranked = [p.chunk.chunk_id for p in passages]
        f |= {
            "fact_best": best.score,
            "fact_second": matches[1].score if len(matches) > 1 else 0.0,
            "fact_rank": float(ranked.index(best.chunk.chunk_id)) if best.chunk.chunk_id in ranked else 50.0,
            "fact_focus": cover(focus.known, best.sentence.text),
            "fact_topic": cover(topic.single, best.sentence.text, path),
            "fact_pairs": cover(topic.pairs, best.sentence.text) if topic.pairs else ABSENT,
            "fact_lacking": lacking(f"{best.sentence.text} {path}"),
            "fact_lacking_chunk": lacking(f"{best.chunk.text} {path}"),
            "fact_year": float(s.year is not None and str(s.year) in f"{best.chunk.section} {best.fact.text}"),
        }
    return f


def _or_absent(value: float | None) -> float:
    return ABSENT if value is None else value


def _gap(first: float | None, second: float | None) -> float:
    return ABSENT if first is None or second is None else first - second


class AnswerabilityGate:
    """Pipeline step: question, frame, search result and fitting facts → answer, or refuse."""

    def __init__(self, scorer: EvidenceScorer, model_dir: Path | None = None) -> None:
        self.scorer = scorer
        self.threshold = 1.0
        self.booster: lightgbm.Booster | None = None
        if model_dir is not None and (model_dir / MODEL_FILE).is_file():
            self._load(model_dir)

    def _load(self, model_dir: Path) -> None:
        import lightgbm

        meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
        booster = lightgbm.Booster(model_file=str(model_dir / MODEL_FILE))
        if meta.get("feature_version") != FEATURE_VERSION or tuple(booster.feature_name()) != FEATURES:
            raise ValueError(TEXTS.gate_features.format(model=model_dir))
        threshold = float(meta["threshold"])
        if not 0 < threshold <= 1 or math.isnan(threshold):
            raise ValueError(TEXTS.gate_threshold.format(model=model_dir))
        self.booster, self.threshold = booster, threshold

    @property
    def learned(self) -> bool:
        return self.booster is not None

    def probability(self, question: str, frame: QuestionFrame, result: SearchResult, matches: list[FactMatch]) -> float:
        if self.booster is None:
            raise RuntimeError("no gate model loaded")
        row = features(question, frame, result, matches, self.scorer)
        return float(self.booster.predict(np.asarray([[row[name] for name in FEATURES]]))[0])

    def run(
        self, question: str, frame: QuestionFrame, result: SearchResult, matches: list[FactMatch], value: bool
    ) -> GateVerdict:
        """``value``: the question asks one value, so with no fitting fact there is nothing to state.
        ``matches``: the facts over ``min_fact_score``; the model only refuses more than the lexical gate."""
        if value and not matches:
            return GateVerdict(False, None)
        if self.booster is None:
            return GateVerdict(True, None)  # the facts under the lexical floor were dropped by the matcher
        p = self.probability(question, frame, result, matches)
        return GateVerdict(p < self.threshold, p)
