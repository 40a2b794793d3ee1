"""The default answer path: the documents' own sentences, chosen and cited, no language model.

A wrong figure or an invented rule is worse than no answer, so nothing here writes a fact: the
composer selects sentences and bullets from the retrieved passages, keeps them verbatim and marks each
with [n]. The answer opens with the answer: for a question that asks for one kind of value (an amount,
a rate, a duration, an office …) the sentences whose typed facts match the question frame, each under
its project and place; for a list question the whole field asked, since a beneficiary list cut in
half misleads. When no fact of the asked kind matches, the question is refused and what the documents
do say nearby is quoted, so an officer never takes a total for a per-household amount. Where two
sentences give different values for the same thing, both are stated and the difference is said.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant.answer.facts import FactMatch, FactMatcher, contradictions, unnamed_offices
from assistant.answer.gate import AnswerabilityGate
from assistant.answer.models import Answer, AnswerLine, Citation, Suggestion
from assistant.answer.scoring import EvidenceScorer
from assistant.retrieval.frame import VALUE_TYPES, FrameReader, QuestionFrame
from assistant.retrieval.hybrid import SearchResult
from core.settings import AnswerSettings
from core.text import fold
from ingest.models import SECTION_SEPARATOR, Chunk, DocumentMeta, Sentence
from ingest.structure import field_of_text
from prompts import Prompts, get_prompts

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


def document_label(meta: DocumentMeta | None, fallback: str) -> str:
    """ "Kế hoạch 16/KH-UBND — UBND xã Trực Thái (2024)": which document, which place, which year."""
    if meta is None:
        return fallback
    head = " ".join(part for part in (meta.kind or get_prompts().answer.document_kind, meta.number) if part)
    issuer = f" — {meta.issuer}" if meta.issuer else ""
    years = f" ({', '.join(map(str, meta.years))})" if meta.years else ""
    return f"{head}{issuer}{years}"


_PROJECT_TITLE = re.compile(r"(?:Tiểu dự án|Dự án|Nội dung)\s+\d+", re.IGNORECASE)


def short_scope(chunk: Chunk) -> str:
    """ "Dự án 4 › Tiểu dự án 2": the projects a chunk is under, or its last section title."""
    named = [m.group(0) for title in chunk.section_path if (m := _PROJECT_TITLE.search(title))]
    if named:
        return SECTION_SEPARATOR.join(dict.fromkeys(named))
    titles = [t for t in chunk.section_path if t]
    return titles[-1][:80] if titles else chunk.title[:80]


def _project_path(chunk: Chunk) -> tuple[str, ...]:
    """The section path down to the innermost Dự án / Tiểu dự án title; empty outside any project."""
    path = chunk.section_path
    inner = max((i for i, title in enumerate(path) if _PROJECT_TITLE.search(title)), default=-1)
    return tuple(path[: inner + 1])


def _place(meta: DocumentMeta | None) -> str:
    if meta is None:
        return ""
    years = ", ".join(map(str, meta.years))
    return ", ".join(part for part in (meta.locality, years) if part)


_CLAUSE = re.compile(r"(?<=;)\s+")


def _shown(sentence: Sentence, facts: list[FactMatch], settings: AnswerSettings, every: bool = False) -> str:
    """A value sentence as shown in a direct line: whole when short, else its clauses (split at ";") that
    state the best-matched values (``every``: all its matched values, each one asked), joined by " … " (the
    citation keeps the whole sentence)."""
    text = _display(sentence)
    if len(text) <= settings.long_line_chars or not facts:
        return text
    best = max(m.score for m in facts)
    values = [m.fact.value for m in facts if every or m.score >= settings.value_clause_ratio * best]
    shown = _clauses(text, lambda clause: any(v in clause for v in values))
    return shown if len(shown) <= settings.long_line_chars else _windows(text, values)


def _windows(text: str, values: list[str], before: int = 100, after: int = 60) -> str:
    """Verbatim windows around each value (word-aligned), joined by " … ", for a sentence with no ";"."""
    spans: list[tuple[int, int]] = []
    for value in values:
        at = text.find(value)
        if at < 0:
            continue
        start = text.rfind(" ", 0, max(0, at - before)) + 1 if at > before else 0
        end = text.find(" ", min(len(text), at + len(value) + after))
        spans.append((start, len(text) if end < 0 else end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    if not merged:
        return text
    parts = [text[a:b].strip() for a, b in merged]
    return ("… " if merged[0][0] > 0 else "") + " … ".join(parts) + (" …" if merged[-1][1] < len(text) else "")


def _continuation(chunk: Chunk, sentence: Sentence) -> Sentence | None:
    """The sentence that continues one ending with a colon, when it is in the same chunk."""
    if not sentence.text.rstrip().endswith(":") or sentence not in chunk.sentences:
        return None
    after = chunk.sentences.index(sentence) + 1
    return chunk.sentences[after] if after < len(chunk.sentences) else None


def _clauses(text: str, keep: Callable[[str], bool]) -> str:
    parts = _CLAUSE.split(text)
    kept = [i for i, part in enumerate(parts) if keep(part)]
    if not kept or len(kept) == len(parts):
        return text
    shown: list[tuple[int, str]] = []
    for i in kept:
        if shown and i != shown[-1][0] + 1:
            shown.append((-1, "…"))
        shown.append((i, parts[i]))
    head = "… " if kept[0] > 0 else ""
    tail = " …" if kept[-1] < len(parts) - 1 else ""
    return head + " ".join(part for _, part in shown) + tail


class ExtractiveComposer:
    """Pipeline step: question frame + search result → cited answer, direct value first (or refusal)."""

    def __init__(
        self,
        scorer: EvidenceScorer,
        prompts: Prompts,
        settings: AnswerSettings,
        frames: FrameReader | None = None,
    ) -> None:
        self.scorer = scorer
        self.prompts = prompts
        self.settings = settings
        self.frames = frames or FrameReader()
        self.facts = FactMatcher(scorer, settings.min_fact_score, settings.narrower_fact_weight)
        gate_dir = settings.gate_dir if settings.typed_facts else None  # the eval baseline composer keeps its old gate
        self.gate = AnswerabilityGate(scorer, gate_dir)

    def run(
        self,
        question: str,
        result: SearchResult,
        documents: dict[str, DocumentMeta],
        frame: QuestionFrame | None = None,
        scope_chunks: Iterable[Chunk] = (),
    ) -> Answer:
        """``scope_chunks``: chunks of the asked project / field beyond the top passages (their facts
        may answer too: a project's money is stated per sub-project, far from the best passage)."""
        frame = frame or self.frames.run(question, result.intent)
        terms = self.scorer.question_terms(question)
        picks = self._select(terms, result, frame)
        refusal = self._refusal_reason(result, picks, documents)
        if refusal is not None:
            return self.refuse(result, documents, refusal, frame, nearby=picks if not refusal else [])
        value = frame.asked in VALUE_TYPES and self.settings.typed_facts
        pool = self.value_pool(result, scope_chunks)
        unnamed = unnamed_offices(frame, pool, self.frames.extractor.office_head) if self.settings.typed_facts else []
        if unnamed:
            reason = self.prompts.answer.unnamed_office.format(offices=", ".join(unnamed))
            return self.refuse(result, documents, reason, frame, nearby=picks)
        matches = self.facts.run(question, frame, pool, documents) if value else []
        if not self.gate.run(question, frame, result, matches, value).answerable:
            if not value:
                return self.refuse(result, documents, "", frame, nearby=picks)
            asked = self.prompts.answer.asked.get(frame.asked, frame.asked)
            per = self.prompts.answer.per.format(unit=frame.per) if frame.per else ""
            reason = self.prompts.answer.no_value.format(asked=asked, per=per)
            return self.refuse(result, documents, reason, frame, nearby=self._nearby(frame, pool))
        if value:
            return self._compose_values(matches, picks, documents, frame)
        return self._compose(picks, documents, frame, terms)

    def joined(self, parts: list[Answer], frame: QuestionFrame, documents: dict[str, DocumentMeta]) -> Answer:
        """One answer to a question comparing places from each place's own answer: the first lines of each
        together at the top, so the compared values stand side by side; the rest after them; citations
        renumbered in order. A place whose documents do not answer says so in its turn."""
        if all(part.refused for part in parts):
            return parts[0]
        writer = _Writer(documents, self.prompts)
        top: list[str] = []
        rest: list[str] = []
        direct: list[AnswerLine] = []
        for part in parts:
            if part.refused:  # the reason line ("Các tài liệu của Trực Thái không có …"), after the refusal
                said = part.answer.splitlines()
                top.append(said[1] if len(said) > 1 else said[0])
                continue
            by_n = {c.n: c for c in part.citations}
            scope = None
            lead = self._lead(part.direct, len(parts))
            for i, line in enumerate(part.direct):
                numbers = []
                for n in line.citations:
                    writer.citations.append(by_n[n].model_copy(update={"n": len(writer.citations) + 1}))
                    numbers.append(len(writer.citations))
                direct.append(line.model_copy(update={"citations": numbers}))
                out = top if i < lead else rest
                if line.scope != scope or i == lead:  # headers alone: a line's numbers are its quote's
                    out.append(f"{line.scope}:")
                    scope = line.scope
                out.append(f"- {line.text} {' '.join(f'[{n}]' for n in numbers)}")
        lines = [*top, *(["", self.prompts.answer.related_heading, *rest] if rest else [])]
        return self._answered(writer, lines, direct, frame, any(part.contradiction for part in parts))

    def _lead(self, lines: list[AnswerLine], places: int) -> int:
        """How many of a place's lines open a comparison: up to its share of the direct lines, while they
        fit in ``comparison_lead_chars`` (the first always), so the next place's values stay in sight."""
        most = max(1, self.settings.max_direct_lines // places)
        used = 0
        for i, line in enumerate(lines[:most]):
            used += len(line.text)
            if i and used > self.settings.comparison_lead_chars:
                return i
        return most

    def _focused(self, sentence: Sentence, terms: dict[str, float]) -> str:
        """A long sentence shown by the clauses that carry the question (the citation keeps all of it)."""
        text = _display(sentence)
        if len(text) <= 2 * self.settings.long_line_chars:
            return text
        scores = {clause: self.scorer.coverage(terms, clause) for clause in _CLAUSE.split(text)}
        best = max(scores.values(), default=0.0)
        keep = self.settings.clause_keep_ratio * best
        return _clauses(text, lambda clause: best > 0 and scores.get(clause, 0.0) >= keep)

    def value_pool(self, result: SearchResult, scope_chunks: Iterable[Chunk]) -> list[Chunk]:
        """The chunks whose facts may answer a value question: the top passages, the fusion's own top ones (a
        learned ranker's order must not hide the passage that states the value), then the scope's."""
        depth = self.settings.fact_pool
        fused = sorted(result.passages, key=lambda p: -p.fused_score)[:depth]
        pool = list({p.chunk.chunk_id: p.chunk for p in [*result.passages[:depth], *fused]}.values())
        known = {c.chunk_id for c in pool}
        return pool + [c for c in scope_chunks if c.chunk_id not in known]

    def _nearby(self, frame: QuestionFrame, pool: list[Chunk]) -> list[_Pick]:
        """What the documents say closest to what a missing value is of ("một phần chi phí" for "bao nhiêu
        phần trăm chi phí học ngoại ngữ"): the focus counts, the rest of the question breaks ties."""
        focus = self.scorer.question_terms(frame.focus)
        topic = self.scorer.question_terms(frame.topic or frame.focus)
        picks = []
        for chunk in pool:
            path = SECTION_SEPARATOR.join(chunk.section_path)
            for sentence in chunk.sentences:
                if sentence.heading or _is_label(sentence):
                    continue
                own = self.scorer.coverage(focus, sentence.text)
                around = self.scorer.coverage(topic, sentence.text, path)
                picks.append(_Pick(chunk, sentence, own + self.settings.nearby_topic_weight * around))
        return picks

    def evidence_score(self, question: str, result: SearchResult) -> float:
        """The gate's signal, exposed for calibration by the eval harness."""
        picks = self._select(self.scorer.question_terms(question), result)
        return max((p.score for p in picks), default=0.0)

    def _select(self, terms: dict[str, float], result: SearchResult, frame: QuestionFrame | None = None) -> list[_Pick]:
        passages = result.passages[: self.settings.quoted_passages]
        if not passages:
            return []
        field_chunk = self._asked_field(result, frame)
        if field_chunk is not None:
            # the question asks for a field of a project: give all of it, in document order
            whole = self._scored(terms, result, [field_chunk])
            if whole:
                return whole[: self.settings.max_sentences]
        scored = self._scored(terms, result, [p.chunk for p in passages])
        best = max((pick.score for pick in scored), default=0.0)
        keep = [p for p in scored if p.score >= self.settings.sentence_keep_ratio * best and p.score > 0]
        keep.sort(key=lambda p: -p.score)
        keep = keep[: self.settings.max_sentences]
        order = {p.chunk.chunk_id: i for i, p in enumerate(passages)}
        keep.sort(key=lambda p: (order[p.chunk.chunk_id], p.sentence.line_start))
        return keep

    def _scored(self, terms: dict[str, float], result: SearchResult, chunks: list[Chunk]) -> list[_Pick]:
        """Each sentence of ``chunks`` (headings and bare labels aside) with its evidence score."""
        shape = result.intent.answer_shape
        return [
            _Pick(
                chunk,
                s,
                self.scorer.coverage(terms, s.text, SECTION_SEPARATOR.join(chunk.section_path))
                * (self.settings.shape_bonus if shape is not None and shape.search(s.text) else 1.0),
            )
            for chunk in chunks
            for s in chunk.sentences
            if not s.heading and not _is_label(s)
        ]

    def _asked_field(self, result: SearchResult, frame: QuestionFrame | None) -> Chunk | None:
        """The passage among the quoted ones that is the asked field ("Đối tượng", "Nội dung" …) of the asked
        project: a project's fields are separate passages, and the best-ranked one of the project is often its
        Mục tiêu, not the field asked. Not one under another funding source than the one asked ("b) Nguồn ngân
        sách địa phương" does not answer "ngân sách trung ương bao nhiêu")."""
        wanted = result.intent.field
        if not wanted or not result.passages:
            return None
        top = result.passages[0].chunk
        # every source the question names ("ngân sách trung ương và ngân sách địa phương mỗi bên bao nhiêu?")
        funding = self.frames.vocabulary.funding_in(fold(frame.topic)) if frame and frame.scope.funding else []
        return next(
            (
                p.chunk
                for p in result.passages[: self.settings.quoted_passages]
                if p.chunk.field == wanted
                and self._is_the_asked_project(p.chunk, top, result)
                and (not funding or self._funded_as_asked(p.chunk, funding))
            ),
            None,
        )

    def _funded_as_asked(self, chunk: Chunk, funding: list[str]) -> bool:
        """Whether the titles under the chunk's project name no funding source, or one asked (the project's
        own title does not count: "Hỗ trợ đầu tư phát triển hạ tầng" names no budget)."""
        below = chunk.section_path[len(_project_path(chunk)) :]
        named = self.frames.vocabulary.funding_in(fold(SECTION_SEPARATOR.join(below)))
        return not named or any(source in named for source in funding)

    @staticmethod
    def _is_the_asked_project(chunk: Chunk, top: Chunk, result: SearchResult) -> bool:
        """A whole field is the answer when it belongs to the project the question names, or, when the
        question names none, to the best passage's own Dự án / Tiểu dự án (or is the best passage)."""
        projects = result.intent.projects
        if projects:
            path = fold(" ".join(chunk.section_path))
            return all(p in path for p in projects)
        own = _project_path(top)
        return chunk.chunk_id == top.chunk_id or (bool(own) and _project_path(chunk) == own)

    def _refusal_reason(
        self, result: SearchResult, picks: list[_Pick], documents: dict[str, DocumentMeta]
    ) -> str | None:
        intent = result.intent
        # "xã Trực Hùng, huyện Trực Ninh": a known district does not make an unknown commune's answer
        if intent.unknown_places and not intent.own_places:
            return self.prompts.answer.unknown_place.format(places=", ".join(intent.unknown_places))
        if intent.uncovered_years and not any(
            str(y) in p.chunk.text
            for y in intent.uncovered_years
            for p in result.passages[: self.settings.quoted_passages]
        ):
            years = ", ".join(map(str, intent.uncovered_years))
            return self.prompts.answer.uncovered_year.format(years=years)
        if intent.years and intent.doc_ids:
            covered = {y for doc_id in intent.doc_ids for y in getattr(documents.get(doc_id), "years", [])}
            missing = [y for y in intent.years if y not in covered]
            # a 2024 plan reports 2023's results: only a year no passage of the place mentions is uncovered
            passages = result.passages[: self.settings.fact_pool]
            if missing and not any(str(y) in p.chunk.text for y in missing for p in passages):
                years = ", ".join(map(str, missing))
                return self.prompts.answer.uncovered_place_year.format(places=", ".join(intent.localities), years=years)
        if not picks:
            return ""
        if max(p.score for p in picks) < self.settings.min_evidence_score:
            return ""
        return None

    def refuse(
        self,
        result: SearchResult,
        documents: dict[str, DocumentMeta],
        reason: str = "",
        frame: QuestionFrame | None = None,
        nearby: list[_Pick] | None = None,
    ) -> Answer:
        """The fixed refusal sentence, the reason, and — cited — what the documents say nearby."""
        suggestions = [
            Suggestion(
                doc_id=p.chunk.doc_id,
                title=p.chunk.title,
                section=p.chunk.section,
                chunk_id=p.chunk.chunk_id,
                locality=getattr(documents.get(p.chunk.doc_id), "locality", None),
            )
            for p in result.passages[: self.settings.quoted_passages]
        ]
        lines = [self.prompts.answer.refusal]
        if reason:
            lines.append(reason)
        writer = _Writer(documents, self.prompts)
        near = sorted(nearby or [], key=lambda p: -p.score)[:2]
        if near:
            lines.append(self.prompts.answer.nearby_intro)
            lines += writer.lines([(p.chunk, p.sentence, _display(p.sentence)) for p in near])
            lines += ["", self.prompts.answer.sources_heading, *writer.sources()]
        elif suggestions:
            lines.append(self.prompts.answer.suggestions_intro)
            lines.extend(
                f"- {document_label(documents.get(p.chunk.doc_id), p.chunk.title)}, {p.chunk.section}"
                for p in result.passages[: self.settings.quoted_passages]
            )
        return Answer(
            answer="\n".join(lines),
            refused=True,
            citations=writer.citations,
            suggestions=suggestions,
            nearby=writer.answer_lines,
            frame=frame,
        )

    def _compose_values(
        self, matches: list[FactMatch], picks: list[_Pick], documents: dict[str, DocumentMeta], frame: QuestionFrame
    ) -> Answer:
        best = matches[0].score
        kept = [m for m in matches if m.score >= self.settings.value_keep_ratio * best]
        several = len(frame.units) > 1  # "bao nhiêu mô hình, hỗ trợ bao nhiêu đối tượng"
        for unit in frame.units if several else []:  # the best count of each unit asked, whatever its rank
            best_of_unit = next((m for m in matches if m.fact.kind == "count" and m.fact.unit == unit), None)
            if best_of_unit is not None and best_of_unit not in kept:
                kept.append(best_of_unit)
        differing = contradictions(kept)
        # keyed on the sentence itself: a line of a report can hold several sentences
        by_sentence: dict[tuple[str, int, str], list[FactMatch]] = {}
        for match in kept:
            key = (match.chunk.chunk_id, match.sentence.line_start, match.sentence.text)
            by_sentence.setdefault(key, []).append(match)
        # one sentence per passage (per unit asked): a project's money is one total per sub-project, its split
        # is detail
        best_of_chunk: dict[tuple[str, str | None], list[FactMatch]] = {}
        for group in by_sentence.values():
            counts = group[0].fact.unit if several and group[0].fact.kind == "count" else None
            best_of_chunk.setdefault((group[0].chunk.chunk_id, counts), group)
        chosen = list(best_of_chunk.values())[: self.settings.max_direct_lines]
        for a, b in differing:  # both readings of a contradiction are stated, whatever their rank
            for m in (a, b):
                group = by_sentence[(m.chunk.chunk_id, m.sentence.line_start, m.sentence.text)]
                if group not in chosen:
                    chosen.append(group)
        # best first: the reader stops at the first lines, so the value that fits the question best leads
        chosen.sort(key=lambda g: -max(m.score for m in g))
        writer = _Writer(documents, self.prompts)
        quoted = []
        for group in chosen:
            shown = _shown(group[0].sentence, group, self.settings, every=several)
            quoted.append((group[0].chunk, group[0].sentence, shown))
            # "…, trong đó:" goes on in the next sentence: for one value its split belongs to the answer (with
            # several sub-projects' totals, the splits would push the later totals out of sight)
            continued = _continuation(group[0].chunk, group[0].sentence) if len(chosen) == 1 else None
            if continued is not None:
                quoted.append((group[0].chunk, continued, _display(continued)))
        lines = writer.lines(quoted)
        if differing:
            lines.append(self.prompts.answer.contradiction)
        direct = list(writer.answer_lines)
        cited = {(c.chunk_id, c.line_start) for c in writer.citations}
        related = [p for p in picks if (p.chunk.chunk_id, p.sentence.line_start) not in cited]
        if related:
            lines += ["", self.prompts.answer.related_heading]
            lines += writer.lines([(p.chunk, p.sentence, _display(p.sentence)) for p in related], headers=False)
        return self._answered(writer, lines, direct, frame, bool(differing))

    def _compose(
        self, picks: list[_Pick], documents: dict[str, DocumentMeta], frame: QuestionFrame, terms: dict[str, float]
    ) -> Answer:
        writer = _Writer(documents, self.prompts)
        # a list is given whole (half a beneficiary list misleads); other long sentences by their clauses
        shown = _display if frame.asked == "list" else (lambda sentence: self._focused(sentence, terms))
        lines = writer.lines([(p.chunk, p.sentence, shown(p.sentence)) for p in picks])
        localities = {getattr(documents.get(p.chunk.doc_id), "locality", None) for p in picks}
        if len(localities) > 1:  # after the answer: each header already names its place
            lines.append(self.prompts.answer.several_localities)
        return self._answered(writer, lines, writer.answer_lines, frame)

    def _answered(
        self,
        writer: _Writer,
        lines: list[str],
        direct: list[AnswerLine],
        frame: QuestionFrame | None,
        contradiction: bool = False,
    ) -> Answer:
        """The answer's lines, then the sources they cite; ``direct`` are the lines that state what was asked."""
        lines = [*lines, "", self.prompts.answer.sources_heading, *writer.sources()]
        return Answer(
            answer="\n".join(lines),
            refused=False,
            citations=writer.citations,
            direct=direct,
            contradiction=contradiction,
            frame=frame,
        )


class _Writer:
    """Numbers the quoted sentences [n] in order and writes them under short scope headers; the full
    document label of each citation goes to the sources list, so the asked value comes first."""

    def __init__(self, documents: dict[str, DocumentMeta], prompts: Prompts) -> None:
        self.documents = documents
        self.texts = prompts.answer
        self.citations: list[Citation] = []
        self.answer_lines: list[AnswerLine] = []
        self._current: str | None = None

    def lines(self, quoted: list[tuple[Chunk, Sentence, str]], headers: bool = True) -> list[str]:
        out: list[str] = []
        for chunk, sentence, shown in quoted:
            meta = self.documents.get(chunk.doc_id)
            place = _place(meta)
            scope = short_scope(chunk) + (f" ({place})" if place else "")
            if headers and scope != self._current:
                out.append(f"{scope}:")
                self._current = scope
            n = len(self.citations) + 1
            page = meta.page_of(sentence.line_start) if meta else None
            self.citations.append(Citation.of(n, chunk, sentence, meta.locality if meta else None, page))
            self.answer_lines.append(AnswerLine(text=shown, citations=[n], scope=scope))
            out.append(f"- {shown} [{n}]")
        return out

    def sources(self) -> list[str]:
        out = []
        for c in self.citations:
            meta = self.documents.get(c.doc_id)
            if c.line_start == c.line_end:
                lines = self.texts.line.format(start=c.line_start)
            else:
                lines = self.texts.lines.format(start=c.line_start, end=c.line_end)
            if c.page is not None:
                lines += self.texts.page.format(page=c.page)
            path = SECTION_SEPARATOR.join(c.section.split(SECTION_SEPARATOR)[-3:])
            label = document_label(meta, c.title)
            out.append(f"[{c.n}] {label}, {path}, {lines}")
        return out
