"""Per-question scores, their automatic verdicts, and aggregates (overall, per split, category, style).

The verdicts of one answer: the gold evidence among the first 5 passages; every key fact in the answer,
and within its first 400 characters (what an officer reads before giving up); the refusal right or
wrong; every cited quote verbatim in its source; every number of an answer line found in the quotes
that line cites.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from core.verbatim import is_verbatim, normalize_for_match
from eval.dataset import Question
from eval.gold import document_lines, has_fact, locate
from eval.systems import CitationRef, PassageRef, SystemAnswer
from ingest.loaders import load
from ingest.normalize import Normalizer

KS = (1, 3, 5, 10)
EARLY_CHARS = 400
_MARKER = re.compile(r"\[(\d{1,3})\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SOURCE_ENTRY = re.compile(r"^\s*\[\d{1,3}\]\s")


@dataclass
class Score:
    question_id: str
    category: str
    style: str
    answerable: bool
    rank: int | None  # 1-based rank of the first passage holding gold evidence
    facts_in_top5: bool | None
    latency_ms: float
    refused: bool | None = None
    key_facts: bool | None = None
    cited: int = 0
    cited_on_evidence: int = 0
    grounded: int = 0
    split: str = ""
    follow_up: bool = False
    key_facts_early: bool | None = None  # all key facts within the first EARLY_CHARS characters
    unverified_numbers: list[str] | None = None  # numbers of answer lines missing from the quotes they cite

    def verdicts(self) -> dict[str, bool | None]:
        """Pass or fail per check; None where the check does not apply to this question or answer."""
        answered = self.refused is not None
        return {
            "hit@5": (self.rank is not None and self.rank <= 5) if self.answerable else None,
            "key_facts": self.key_facts,
            "key_facts_400": self.key_facts_early,
            "refusal": (self.refused != self.answerable) if answered else None,
            "grounded": (self.grounded == self.cited) if self.cited else None,
            "numbers": (not self.unverified_numbers) if self.unverified_numbers is not None else None,
        }

    @property
    def correct(self) -> bool | None:
        """The one automatic verdict: key facts stated, or a refusal where the documents have no answer."""
        if self.refused is None:
            return None
        return bool(self.key_facts) if self.answerable else self.refused


Span = tuple[str, int, int]


def gold_spans(question: Question, corpus_dir: Path) -> list[tuple[Span, str]]:
    spans = []
    for evidence in question.evidence:
        found = locate(evidence.quote, document_lines(corpus_dir / evidence.doc))
        if found is not None:
            spans.append(((evidence.doc, *found), normalize_for_match(evidence.quote)))
    return spans


def holds(passage: PassageRef, span: Span, quote: str) -> bool:
    source, start, end = span
    if passage.source != source:
        return False
    return (passage.line_start <= start and passage.line_end >= end) or quote in normalize_for_match(passage.text)


def overlaps(citation: CitationRef, span: Span) -> bool:
    source, start, end = span
    return citation.source == source and citation.line_start <= end and citation.line_end >= start


@lru_cache(maxsize=64)
def footnote_lines(path: Path) -> frozenset[int]:
    return frozenset({n for b in Normalizer().run(load(path)) if b.kind == "footnote" for n in b.source_lines})


def _digits(number: str) -> str:
    return re.sub(r"[.,]", "", number)


def unverified_numbers(answer: str, citations: list[CitationRef]) -> list[str]:
    """Numbers (two digits or more) of each answer line with [n] markers that none of its cited quotes holds."""
    quotes = {c.n: _digits(normalize_for_match(c.quote)) for c in citations}
    missing = []
    for line in answer.splitlines():
        cited = [quotes.get(int(n), "") for n in _MARKER.findall(line)]
        if not cited or _SOURCE_ENTRY.match(line):
            # headings and the intro cite nothing; "[2] Kế hoạch …, dòng 14" names a source, it claims nothing
            continue
        text = " ".join(cited)
        for number in _NUMBER.findall(_MARKER.sub("", line)):
            digits = _digits(number)
            if len(digits) > 1 and not re.search(rf"(?<!\d){digits}(?!\d)", text):
                missing.append(number)
    return missing


def score(question: Question, result: SystemAnswer, corpus_dir: Path, split: str = "") -> Score:
    spans = gold_spans(question, corpus_dir)
    rank = next((i for i, p in enumerate(result.passages, start=1) if any(holds(p, s, q) for s, q in spans)), None)
    top5 = " ".join(p.text for p in result.passages[:5])
    facts = all(has_fact(top5, f) for f in question.must_include) if question.answerable else None
    s = Score(question.id, question.category, question.style, question.answerable, rank, facts, result.latency_ms)
    s.split, s.follow_up = split, question.follow_up
    if result.answer is None:
        return s
    s.refused = result.refused
    if question.answerable:
        answered = not result.refused
        s.key_facts = answered and all(has_fact(result.answer, f) for f in question.must_include)
        early = result.answer[:EARLY_CHARS]
        s.key_facts_early = answered and all(has_fact(early, f) for f in question.must_include)
    if not result.refused:
        s.unverified_numbers = unverified_numbers(result.answer, result.citations)
    for citation in result.citations:
        path = corpus_dir / citation.source
        lines = list(document_lines(path))
        s.cited += 1
        s.cited_on_evidence += any(overlaps(citation, span) for span, _ in spans)
        s.grounded += is_verbatim(citation.quote, lines, citation.line_start, citation.line_end, footnote_lines(path))
    return s


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def aggregate(scores: list[Score]) -> dict[str, float | None]:
    answerable = [s for s in scores if s.answerable]
    out: dict[str, float | None] = {"n": float(len(scores))}
    for k in KS:
        out[f"hit@{k}"] = _mean([float(s.rank is not None and s.rank <= k) for s in answerable])
    out["mrr"] = _mean([1.0 / s.rank if s.rank else 0.0 for s in answerable])
    out["facts_in_top5"] = _mean([float(bool(s.facts_in_top5)) for s in answerable])
    latencies = sorted(s.latency_ms for s in scores)
    out["latency_p50_ms"] = round(statistics.median(latencies), 1) if latencies else None
    out["latency_p95_ms"] = (
        round(latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))], 1) if latencies else None
    )
    answered = [s for s in scores if s.refused is not None]
    if answered:
        out["key_fact_accuracy"] = _mean([float(bool(s.key_facts)) for s in answered if s.answerable])
        out["key_facts_in_400"] = _mean([float(bool(s.key_facts_early)) for s in answered if s.answerable])
        out["accuracy"] = _mean([float(bool(s.correct)) for s in answered])
        checked = [s for s in answered if s.unverified_numbers is not None]
        out["numbers_verified"] = _mean([float(not s.unverified_numbers) for s in checked])
        cited = sum(s.cited for s in answered if s.answerable)
        out["citation_precision"] = (
            round(sum(s.cited_on_evidence for s in answered if s.answerable) / cited, 4) if cited else None
        )
        total = sum(s.cited for s in answered)
        out["grounding"] = round(sum(s.grounded for s in answered) / total, 4) if total else None
        refused = [s for s in answered if s.refused]
        unanswerable = [s for s in answered if not s.answerable]
        out["refusal_precision"] = _mean([float(not s.answerable) for s in refused])
        out["refusal_recall"] = _mean([float(bool(s.refused)) for s in unanswerable])
        out["false_refusal_rate"] = _mean([float(bool(s.refused)) for s in answered if s.answerable])
    return out


def breakdown(scores: list[Score], key: str) -> dict[str, dict[str, float | None]]:
    groups: dict[str, list[Score]] = defaultdict(list)
    for s in scores:
        groups[str(getattr(s, key))].append(s)
    return {name: aggregate(group) for name, group in sorted(groups.items())}


def as_records(scores: list[Score]) -> list[dict[str, object]]:
    return [asdict(s) for s in scores]


class GateCase(NamedTuple):
    answerable: bool
    evidence_score: float
    refused_by_rules: bool  # refused with the score gate off (unknown place, uncovered year, no evidence)


class GatePoint(NamedTuple):
    threshold: float
    recall: float  # refusals among unanswerable questions
    false_rate: float  # refusals among answerable questions


def refusal_sweep(cases: list[GateCase], steps: int = 20) -> list[GatePoint]:
    """Refusal recall and false-refusal rate if the gate refused below each threshold 0, 1/steps, …, 1."""
    positives = [c for c in cases if not c.answerable]
    negatives = [c for c in cases if c.answerable]
    points = []
    for step in range(steps + 1):
        threshold = step / steps
        refused = [(c.answerable, c.refused_by_rules or c.evidence_score < threshold) for c in cases]
        recall = sum(r for a, r in refused if not a) / max(1, len(positives))
        points.append(GatePoint(threshold, recall, sum(r for a, r in refused if a) / max(1, len(negatives))))
    return points


def best_threshold(points: list[GatePoint], max_false_rate: float = 0.05) -> GatePoint | None:
    """The highest refusal recall with false refusals ≤ ``max_false_rate``; the lowest threshold on a tie."""
    allowed = [p for p in points if p.false_rate <= max_false_rate]
    return max(allowed, key=lambda p: (p.recall, -p.threshold), default=None)
