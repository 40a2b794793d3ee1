"""Which typed facts answer a question frame: the kind asked, per the unit asked, in the scope asked.

Hard constraints first (a rate is not an amount, a total is not an amount per household, Tiểu dự án 2's
money is not Tiểu dự án 3's), then the focus: how much of the question's weighted vocabulary the fact's
sentence and section carry. What passes both is what the answer may state; when nothing does, the
question is not answered by these documents, whatever related sentences they hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.answer.scoring import EvidenceScorer
from assistant.retrieval.frame import QuestionFrame, project_of
from assistant.retrieval.query import names_project
from core.text import fold, has_phrase
from core.vocabulary import Vocabulary, load_vocabulary
from ingest.models import SECTION_SEPARATOR, Chunk, DocumentMeta, Fact, Sentence
from prompts import get_prompts

DOCUMENT_NUMBER = re.compile(r"\d+/(?:\d{4}/)?[\w.&-]*[A-Za-zĐđ][\w.&-]*", re.UNICODE)
_YEAR = re.compile(r"(?<!\d)(20[0-4]\d)(?!\d)")
_YEAR_LINE = re.compile(r"\W*(?:năm|Năm|NĂM)\W+20[0-4]\d")
_CLAUSE_END = re.compile(r"[;.](?=\s|$)")


def _after(fact: Fact) -> str:
    """What follows a value up to the end of its clause: a document's title, a figure's "(vốn sự nghiệp)"."""
    start = fact.text.find(fact.value)
    if start < 0:
        return ""
    rest = fact.text[start + len(fact.value) :]
    end = _CLAUSE_END.search(rest)
    return rest[: end.start()] if end else rest


@dataclass(frozen=True)
class FactMatch:
    chunk: Chunk
    fact: Fact
    sentence: Sentence
    score: float


def _sentence_of(chunk: Chunk, fact: Fact) -> Sentence | None:
    return next(
        (s for s in chunk.sentences if s.text == fact.text and s.line_start == fact.line_start),
        None,
    )


def _in_path(chunk: Chunk, name: str) -> bool:
    return names_project(SECTION_SEPARATOR.join(chunk.section_path), name)


class FactMatcher:
    """Pipeline step: frame + candidate chunks → the facts that state the asked value, best first."""

    def __init__(
        self,
        scorer: EvidenceScorer,
        min_score: float,
        narrower_weight: float = 0.9,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        if not 0 <= min_score <= 1 or not 0 < narrower_weight <= 1:
            raise ValueError(get_prompts().config.fact_matcher)
        self.vocabulary = vocabulary or load_vocabulary()
        self.scorer = scorer
        self.min_score = min_score
        self.narrower_weight = narrower_weight

    def run(
        self, question: str, frame: QuestionFrame, chunks: Iterable[Chunk], documents: dict[str, DocumentMeta]
    ) -> list[FactMatch]:
        # the field asked ("bao nhiêu tiền" asks Kinh phí) is part of what a fact must be about
        about = [frame.topic or frame.focus or question, frame.scope.field or ""]
        terms = self.scorer.question_terms(" ".join(about))
        numbers = set(DOCUMENT_NUMBER.findall(question))
        projects = [name for name in (frame.scope.project, frame.scope.subproject) if name]
        matches: list[FactMatch] = []
        seen: set[tuple[str, int, str]] = set()
        for chunk in chunks:
            meta = documents.get(chunk.doc_id)
            context = SECTION_SEPARATOR.join([*chunk.section_path, chunk.field or ""])
            for fact in chunk.facts:
                key = (chunk.doc_id, fact.line_start, fact.value)
                if key in seen or not self._fits(frame, fact, chunk, meta, numbers):
                    continue
                # the project asked is the section the fact is under, or the one its sentence names
                # ("Phòng Nông nghiệp và PTNT: chủ trì … Tiểu dự án 1 Dự án 3" under "Tổ chức thực hiện")
                if not all(_in_path(chunk, name) or names_project(fact.text, name) for name in projects):
                    continue
                sentence = _sentence_of(chunk, fact)
                if sentence is None:
                    continue
                # the clause that holds the value counts as much as its sentence and section together: "hộ mới
                # thoát nghèo (trong vòng 36 tháng" answers how long, "thời gian tách hộ … tối thiểu 03 năm" does not
                clause = f"{fact.subject} {fact.value} {_after(fact)}"
                if projects and all(_in_path(chunk, name) for name in projects):
                    # under the project the question names, the project's title is what the value is of
                    clause = f"{clause} {context}"
                score = (self.scorer.coverage(terms, clause) + self.scorer.coverage(terms, fact.text, context)) / 2
                if frame.scope.year is None and _YEAR_LINE.match(fact.text):
                    score *= self.narrower_weight  # no year asked: a total over the period before one year's line
                if not projects and project_of(chunk.section_path) != (None, None):
                    score *= self.narrower_weight  # no project asked: the program's figure before a project's
                if score >= self.min_score:
                    seen.add(key)
                    matches.append(FactMatch(chunk, fact, sentence, score))
        matches.sort(key=lambda m: -m.score)
        return matches

    def _fits(
        self, frame: QuestionFrame, fact: Fact, chunk: Chunk, meta: DocumentMeta | None, numbers: set[str]
    ) -> bool:
        vocabulary = self.vocabulary
        asked = frame.asked
        if not any(_kind_answers(kind, fact) for kind in (asked, *frame.also)) and not _share_counted(frame, fact):
            return False
        counted = {_counted(unit) for unit in frame.units}
        if counted and fact.kind == "count" and _counted(fact.unit) not in counted:
            return False  # "bao nhiêu lao động" is not answered by "08 xóm"
        if frame.per is not None and fact.per != frame.per:
            return False  # a total, or a value per something else, is not the value per unit asked
        if frame.per is None and fact.per is not None and asked == "amount":
            return False  # a per-household rate does not answer "how much does the project get"
        if frame.role is not None and fact.kind == "office" and fact.role != frame.role:
            return False
        if numbers and fact.kind in ("document", "date") and not (fact.number and fact.number in numbers):
            return False  # a question naming a document is about that document (its own date, not a neighbour's)
        if fact.kind == "amount" and frame.stage is not None and not _at_stage(fact, chunk, frame.stage, vocabulary):
            return False  # "đã giải ngân bao nhiêu" is not answered by what was allocated
        if fact.kind == "percent" and not frame.change and _is_change(fact, vocabulary):
            return False  # "tỷ lệ … hiện nay" is not answered by "giảm ít nhất 1,5%"
        funding = frame.scope.funding
        if funding is not None and funding not in fact.funding and fold(funding) not in fold(chunk.section):
            return False
        year = frame.scope.year
        if year is not None:
            stated = {int(y) for y in _YEAR.findall(f"{chunk.section} {fact.text}")}
            if stated and year not in stated:
                return False  # "Năm 2022: … 716 triệu đồng" does not answer 2024
            if not stated and meta is not None and meta.years and year not in meta.years:
                return False
        return True


_JOINING = {"-", "–", "&", "va", "cac"}


def _own_words(office: str, heads: re.Pattern[str]) -> set[str]:
    """The words that tell an office apart ("dan toc" of "Phòng Dân tộc"): its head cut off, the name
    capitalised after it (a question's "So sánh …" is not a Sở). Empty when the name is only a head, or
    written in an abbreviation a reader cannot match to the documents' spelling ("Phòng LĐ-TB&XH")."""
    words = [word.strip("?,.;:!()\"'") for word in office.split()]
    if any(len(word) >= 2 and word.isupper() for word in re.split(r"[\s&/-]+", " ".join(words))):
        return set()
    head = heads.match(fold(" ".join(words)))
    own = words[len(head.group().split()) if head else 0 :]
    if not own or not own[0][:1].isupper():
        return set()
    return {fold(word) for word in own if fold(word) not in _JOINING and word}


def unnamed_offices(frame: QuestionFrame, chunks: Iterable[Chunk], heads: re.Pattern[str]) -> list[str]:
    """The offices the question names that no sentence (or section title) of ``chunks`` names: nothing
    the documents say can be about them ("Trong kế hoạch 2025, Phòng Văn hóa và Thông tin làm gì?")."""
    wanted = {office: own for office in frame.offices if (own := _own_words(office, heads))}
    if not wanted:
        return []
    said = [
        set(re.findall(r"\w+", fold(text)))
        for chunk in chunks
        for text in (" ".join(chunk.section_path), *(s.text for s in chunk.sentences))
    ]
    return [office for office, own in wanted.items() if not any(own <= words for words in said)]


def _share_counted(frame: QuestionFrame, fact: Fact) -> bool:
    """ "bao nhiêu cán bộ được tập huấn" is answered by "100% cán bộ …": a share of what is counted."""
    if fact.kind != "percent" or "count" not in (frame.asked, *frame.also):
        return False
    after = fold(_after(fact)).split()
    return any(fold(unit).split() == after[: len(unit.split())] for unit in frame.units)


def _at_stage(fact: Fact, chunk: Chunk, stage: str, vocabulary: Vocabulary) -> bool:
    """Whether a figure is of the asked stage: its sentence or section names that stage, or names none."""
    named = vocabulary.stages_in(fold(f"{chunk.section} {fact.text}"))
    return not named or stage in named


def _is_change(fact: Fact, vocabulary: Vocabulary) -> bool:
    """ "giảm ít nhất 1,5%" is a change; "giảm còn 3,03%", "chiếm 7,93%" are levels."""
    start = fact.text.find(fact.value)
    if start < 0:
        return False
    before = fold(fact.text[:start]).split()[-4:]
    changes = [i for i, word in enumerate(before) if word in vocabulary.change_before]
    if not changes:
        return False
    after_change = " ".join(before[changes[-1] + 1 :])
    return not any(has_phrase(after_change, level) for level in vocabulary.change_level)


_PEOPLE = {"người", "lao động", "học viên", "học sinh", "phụ nữ", "cán bộ", "thành viên", "trẻ"}


def _counted(unit: str | None) -> str | None:
    """People are counted under several names: "09 lao động" answers "bao nhiêu người"."""
    return "người" if unit in _PEOPLE else unit


def _kind_answers(asked: str, fact: Fact) -> bool:
    if asked == "date":
        return fact.kind == "date" or (fact.kind == "document" and fact.date is not None)
    if asked == "number":  # "giảm bao nhiêu?": a figure of any kind answers
        return fact.kind in ("amount", "percent", "count")
    return fact.kind == asked


def contradictions(matches: list[FactMatch]) -> list[tuple[FactMatch, FactMatch]]:
    """Pairs of matches that give different values for the same thing: one document number printed with
    two dates, or one subject ("Nhu cầu vốn" of one section) with two figures in two sentences."""
    pairs = []
    for i, a in enumerate(matches):
        for b in matches[i + 1 :]:
            if a.sentence.text == b.sentence.text:
                continue
            fa, fb = a.fact, b.fact
            if fa.kind == fb.kind == "document" and fa.number == fb.number and fa.date and fb.date:
                if _date_key(fa.date) != _date_key(fb.date):
                    pairs.append((a, b))
            elif (
                fa.kind == fb.kind
                and fa.kind in ("amount", "percent", "count")
                and fa.number != fb.number
                and a.chunk.section_path == b.chunk.section_path
                and fa.subject
                and fold(fa.subject)[-40:] == fold(fb.subject)[-40:]
            ):
                pairs.append((a, b))
    return pairs


def _date_key(date: str) -> tuple[int, ...]:
    """ "11/7/2022" and "11 tháng 7 năm 2022" are one date."""
    return tuple(int(n) for n in re.findall(r"\d+", date))
