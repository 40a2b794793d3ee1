"""The default answer path: the documents' own sentences, chosen and cited, no language model.

A wrong figure or an invented rule is worse than no answer, so nothing here writes a fact: the
composer selects sentences and bullets from the retrieved passages, keeps them verbatim, groups them
by document under their section path and marks each with [n]. When the question asks for a field of a
project (beneficiaries, funding, who leads) and the best passage is that field, the whole field is
given, since a beneficiary list cut in half misleads. The refusal gate decides before any of this.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer.models import Answer, Citation, Suggestion
from assistant.retrieval.hybrid import SearchResult
from assistant.settings import AnswerSettings
from core.text import fold
from ingest.models import SECTION_SEPARATOR, Chunk, DocumentMeta, Sentence
from ingest.structure import field_of_text
from prompts import Prompts

Tokenizer = Callable[[str], list[str]]
_BULLET = re.compile(r"^[-+•–]\s*")


@dataclass
class _Pick:
    chunk: Chunk
    sentence: Sentence
    score: float


def _display(sentence: Sentence) -> str:
    return _BULLET.sub("", sentence.text)


def _is_label(sentence: Sentence) -> bool:
    """A bare field label ("- Đối tượng", "- Nội dung thực hiện:") says nothing by itself."""
    return len(sentence.text) < 60 and field_of_text(sentence.text) is not None and not _after_colon(sentence.text)


def _after_colon(text: str) -> str:
    return text.partition(":")[2].strip()


def document_label(meta: DocumentMeta | None, chunk: Chunk) -> str:
    """ "Kế hoạch 16/KH-UBND — UBND xã Trực Thái (2024)": which document, which place, which year."""
    if meta is None:
        return chunk.title
    head = " ".join(part for part in (meta.kind or "Văn bản", meta.number) if part)
    issuer = f" — {meta.issuer}" if meta.issuer else ""
    years = f" ({', '.join(map(str, meta.years))})" if meta.years else ""
    return f"{head}{issuer}{years}"


class EvidenceScorer:
    """How much of a question's weighted vocabulary a sentence (with its section path) carries."""

    def __init__(self, tokens: Tokenizer, document_frequency: Callable[[str], int], total: int) -> None:
        self.tokens = tokens
        self.df = document_frequency
        self.total = max(total, 1)

    def idf(self, term: str) -> float:
        return math.log(1 + self.total / (1 + self.df(term)))

    def question_terms(self, question: str) -> dict[str, float]:
        return {t: self.idf(t) for t in set(self.tokens(question))}

    def coverage(self, terms: dict[str, float], text: str, context: str = "") -> float:
        mass = sum(terms.values()) or 1.0
        own = set(self.tokens(text))
        around = set(self.tokens(context)) - own
        return (
            sum(w for t, w in terms.items() if t in own) + 0.5 * sum(w for t, w in terms.items() if t in around)
        ) / mass


class ExtractiveComposer:
    """Pipeline step: search result → cited answer (or refusal)."""

    def __init__(self, scorer: EvidenceScorer, prompts: Prompts, settings: AnswerSettings) -> None:
        self.scorer = scorer
        self.prompts = prompts
        self.settings = settings

    def run(self, question: str, result: SearchResult, documents: dict[str, DocumentMeta]) -> Answer:
        terms = self.scorer.question_terms(question)
        picks = self._select(terms, result)
        refusal = self._refusal_reason(result, picks)
        if refusal is not None:
            return self.refuse(result, documents, refusal)
        return self._compose(picks, documents)

    def evidence_score(self, question: str, result: SearchResult) -> float:
        """The gate's signal, exposed for calibration by the eval harness."""
        picks = self._select(self.scorer.question_terms(question), result)
        return max((p.score for p in picks), default=0.0)

    def _select(self, terms: dict[str, float], result: SearchResult) -> list[_Pick]:
        passages = result.passages[:3]
        if not passages:
            return []
        shape = result.intent.answer_shape
        scored = [
            _Pick(
                p.chunk,
                s,
                self.scorer.coverage(terms, s.text, SECTION_SEPARATOR.join(p.chunk.section_path))
                * (1.5 if shape is not None and shape.search(s.text) else 1.0),
            )
            for p in passages
            for s in p.chunk.sentences
            if not s.heading and not _is_label(s)
        ]
        if not scored:
            return []
        best = max(scored, key=lambda pick: pick.score)
        wanted = result.intent.field
        field_chunk = next((p.chunk for p in passages if wanted and p.chunk.field == wanted), None)
        if field_chunk is not None and not self._is_the_asked_project(field_chunk, passages[0].chunk, result):
            field_chunk = None
        if field_chunk is not None:
            # the question asks for a field of a project: give all of it, in document order
            whole = [p for p in scored if p.chunk.chunk_id == field_chunk.chunk_id and not _is_label(p.sentence)]
            if whole:
                return whole[: self.settings.max_sentences]
        keep = [p for p in scored if p.score >= 0.6 * best.score and p.score > 0]
        keep.sort(key=lambda p: -p.score)
        keep = keep[: self.settings.max_sentences]
        order = {p.chunk.chunk_id: i for i, p in enumerate(passages)}
        keep.sort(key=lambda p: (order[p.chunk.chunk_id], p.sentence.line_start))
        return keep

    @staticmethod
    def _is_the_asked_project(chunk: Chunk, top: Chunk, result: SearchResult) -> bool:
        """A whole field is the answer when it belongs to the project the question names, or, when the
        question names none, when it is the best passage."""
        projects = result.intent.projects
        if projects:
            path = fold(" ".join(chunk.section_path))
            return all(p in path for p in projects)
        return chunk.chunk_id == top.chunk_id

    def _refusal_reason(self, result: SearchResult, picks: list[_Pick]) -> str | None:
        intent = result.intent
        if intent.unknown_places and not intent.localities:
            return self.prompts.answer.unknown_place.format(places=", ".join(intent.unknown_places))
        if intent.uncovered_years and not any(
            str(y) in p.chunk.text for y in intent.uncovered_years for p in result.passages[:3]
        ):
            years = ", ".join(map(str, intent.uncovered_years))
            return self.prompts.answer.uncovered_year.format(years=years)
        if not picks:
            return ""
        if max(p.score for p in picks) < self.settings.min_evidence_score:
            return ""
        return None

    def refuse(self, result: SearchResult, documents: dict[str, DocumentMeta], reason: str = "") -> Answer:
        suggestions = [
            Suggestion(
                doc_id=p.chunk.doc_id,
                title=p.chunk.title,
                section=p.chunk.section,
                chunk_id=p.chunk.chunk_id,
                locality=getattr(documents.get(p.chunk.doc_id), "locality", None),
            )
            for p in result.passages[:3]
        ]
        lines = [self.prompts.answer.refusal]
        if reason:
            lines.append(reason)
        if suggestions:
            lines.append(self.prompts.answer.suggestions_intro)
            lines.extend(
                f"- {document_label(documents.get(p.chunk.doc_id), p.chunk)}, {p.chunk.section}"
                for p in result.passages[:3]
            )
        return Answer(answer="\n".join(lines), refused=True, suggestions=suggestions)

    def _compose(self, picks: list[_Pick], documents: dict[str, DocumentMeta]) -> Answer:
        citations: list[Citation] = []
        lines = [self.prompts.answer.intro]
        localities = {getattr(documents.get(p.chunk.doc_id), "locality", None) for p in picks}
        if len(localities) > 1:
            lines.append(self.prompts.answer.several_localities)
        current: tuple[str, str] | None = None
        for pick in picks:
            chunk = pick.chunk
            meta = documents.get(chunk.doc_id)
            heading = (chunk.doc_id, chunk.section)
            if heading != current:
                lines.append("")
                lines.append(f"{document_label(meta, chunk)}, {SECTION_SEPARATOR.join(chunk.section_path[-3:])}:")
                current = heading
            n = len(citations) + 1
            citations.append(Citation.of(n, chunk, pick.sentence, meta.locality if meta else None))
            lines.append(f"- {_display(pick.sentence)} [{n}]")
        return Answer(answer="\n".join(lines), refused=False, citations=citations)
