"""Training material from a project's structured fields: key points, quiz questions, handouts.

A Dự án / Tiểu dự án in the outline has fields (Mục tiêu, Đối tượng, Nội dung, Kinh phí, Phân công thực
hiện …); its key points are those fields' sentences, each cited, and each quiz question asks for one
field, answered by the field's own sentences. Multiple-choice variants take their wrong options from the
same field of *other* projects, so every option is a real sentence of the corpus. No language model.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass

from pydantic import BaseModel

from ingest.models import SECTION_SEPARATOR, Chunk, DocumentMeta
from ingest.verbatim import normalize_for_match
from prompts import TrainingTexts

FIELD_ORDER = [
    "Mục tiêu",
    "Đối tượng",
    "Địa bàn",
    "Nội dung",
    "Kinh phí",
    "Nguyên tắc phân bổ",
    "Kết quả",
    "Phân công thực hiện",
    "Thời gian thực hiện",
]
LETTERS = "ABCD"
_PROJECT = re.compile(r"\b(tiểu dự án|dự án)\s*(\d+)", re.IGNORECASE)
_NUMBERING = re.compile(r"^[\s*\-+•]*(?:[0-9IVX]+(?:\.[0-9]+)*\.?|[a-zđ]\))?\s*")
_MARKS = re.compile(r"^[\s*\-+•]+")
_NEAR_DUPLICATE = 0.5  # word-set Jaccard above which two bullets say the same thing
_MIN_OPTION_WORDS = 6  # a short option stands out from the others by its length alone


class Cited(BaseModel):
    quote: str
    source: str
    section: str
    line_start: int
    line_end: int


class KeyPoint(BaseModel):
    field: str
    citations: list[Cited]


class QuizQuestion(BaseModel):
    question: str
    field: str
    answer: list[Cited]
    choices: list[str] = []
    correct: int | None = None


class Project(BaseModel):
    path: list[str]
    title: str
    fields: list[str]


@dataclass
class Handout:
    title: str
    points: list[KeyPoint]
    questions: list[QuizQuestion]


def _field_rank(field: str) -> int:
    return FIELD_ORDER.index(field) if field in FIELD_ORDER else len(FIELD_ORDER)


def _owner(chunk: Chunk) -> list[str]:
    """The outline node a field belongs to: the path above the field's own heading."""
    path = chunk.section_path
    return path[:-1] if path and path[-1] == chunk.field else path


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _label_only(text: str, field: str) -> bool:
    """'- Đối tượng:' or '- Nội dung thực hiện tiểu dự án' announce the bullets below; they say nothing."""
    core = _NUMBERING.sub("", text).strip()
    said = re.search(r"[:.;]\s*\S", core) or core.endswith((".", ";"))
    return core.casefold().startswith(field.casefold()) and not said


def _word_set(text: str) -> set[str]:
    return set(re.findall(r"\w+", normalize_for_match(text)))


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _option(text: str, field: str) -> str:
    """An option as shown: without the list mark or 'Mục tiêu:' that would tell options apart."""
    return re.sub(rf"^{re.escape(field)}\s*:\s*", "", _MARKS.sub("", text), flags=re.IGNORECASE)


def projects(chunks: list[Chunk]) -> list[Project]:
    """Outline nodes that own structured fields, in reading order: what a trainer can pick."""
    found: dict[tuple[str, ...], list[str]] = {}
    for chunk in chunks:
        if chunk.field is not None:
            fields = found.setdefault(tuple(_owner(chunk)), [])
            if chunk.field not in fields:
                fields.append(chunk.field)
    return [
        Project(path=list(p), title=SECTION_SEPARATOR.join(p), fields=sorted(f, key=_field_rank))
        for p, f in found.items()
    ]


def key_points(chunks: list[Chunk], path: list[str]) -> list[KeyPoint]:
    """The fields of the outline node ``path``, in the usual order, with every sentence cited."""
    by_field: dict[str, list[Cited]] = {}
    for chunk in chunks:
        if chunk.section_path[: len(path)] != path or chunk.field is None:
            continue
        for sentence in chunk.sentences:
            if sentence.heading or _label_only(sentence.text, chunk.field):
                continue
            by_field.setdefault(chunk.field, []).append(
                Cited(
                    quote=sentence.text,
                    source=chunk.source,
                    section=chunk.section,
                    line_start=sentence.line_start,
                    line_end=sentence.line_end,
                )
            )
    return [KeyPoint(field=f, citations=by_field[f]) for f in sorted(by_field, key=_field_rank)]


def project_label(path: list[str], texts: TrainingTexts) -> str:
    """'Tiểu dự án 1 thuộc Dự án 3' from the numbered headings in the path, else the heading's words."""
    labels = []
    for part in path:
        match = _PROJECT.search(part)
        if match:
            labels.append(f"{match.group(1).capitalize()} {match.group(2)}")
    if len(labels) >= 2:
        return texts.sub_project_of.format(sub=labels[-1], project=labels[-2])
    if labels:
        return labels[0]
    return _NUMBERING.sub("", path[-1]).strip() if len(path) > 1 else texts.program


def place_label(meta: DocumentMeta) -> str:
    return ", ".join(str(x) for x in (meta.locality, *meta.years) if x)


def _options_elsewhere(pool: list[Chunk], path: list[str]) -> dict[str, list[str]]:
    """Per field, the sentences of that field in every other project: candidate wrong options."""
    options: dict[str, dict[str, str]] = {}
    for chunk in pool:
        if chunk.field is None or chunk.section_path[: len(path)] == path:
            continue
        for sentence in chunk.sentences:
            text = _option(sentence.text, chunk.field)
            if not sentence.heading and _words(text) >= _MIN_OPTION_WORDS:
                options.setdefault(chunk.field, {}).setdefault(normalize_for_match(text), text)
    return {field: [by_key[k] for k in sorted(by_key)] for field, by_key in options.items()}


def _choice(question: str, point: KeyPoint, cited: Cited, elsewhere: list[str], seed: str) -> QuizQuestion | None:
    own = [_word_set(_option(c.quote, point.field)) for c in point.citations]
    # an option (nearly) true here too is not wrong: plans copy each other's bullets with small edits
    wrong = [o for o in elsewhere if all(_overlap(_word_set(o), mine) < _NEAR_DUPLICATE for mine in own)]
    if not wrong:
        return None
    rng = random.Random(seed)  # the same handout every time for the same project
    right = _option(cited.quote, point.field)
    choices = [*rng.sample(wrong, min(len(LETTERS) - 1, len(wrong))), right]
    rng.shuffle(choices)
    return QuizQuestion(
        question=question, field=point.field, answer=[cited], choices=choices, correct=choices.index(right)
    )


def quiz(
    points: list[KeyPoint], path: list[str], meta: DocumentMeta, n: int, pool: list[Chunk], texts: TrainingTexts
) -> list[QuizQuestion]:
    """One open question per field first, then multiple-choice ones on the fields' sentences, up to ``n``."""
    project, place = project_label(path, texts), place_label(meta)
    questions = [
        QuizQuestion(
            question=texts.questions.get(p.field, texts.questions["other"]).format(
                project=project, place=place, field=p.field
            ),
            field=p.field,
            answer=p.citations,
        )
        for p in points
    ]
    elsewhere = _options_elsewhere(pool, path)
    usable = {
        p.field: [c for c in p.citations if _words(_option(c.quote, p.field)) >= _MIN_OPTION_WORDS] for p in points
    }
    for rank in range(max((len(v) for v in usable.values()), default=0)):
        for point in points:
            if len(questions) >= n:
                return questions[:n]
            if rank >= len(usable[point.field]):
                continue
            field_lower = point.field[0].lower() + point.field[1:]
            text = texts.choice_question.format(field_lower=field_lower, project=project, place=place)
            cited = usable[point.field][rank]
            seed = f"{SECTION_SEPARATOR.join(path)}|{point.field}|{rank}"
            question = _choice(text, point, cited, elsewhere.get(point.field, []), seed)
            if question is not None:
                questions.append(question)
    return questions[:n]


def _cite(c: Cited, texts: TrainingTexts) -> str:
    return texts.cite.format(source=c.source, section=c.section, start=c.line_start, end=c.line_end)


def markdown(handout: Handout, texts: TrainingTexts) -> str:
    lines = [f"# {handout.title}", "", f"## {texts.key_points_heading}", ""]
    for point in handout.points:
        lines += [f"### {point.field}", ""]
        lines += [f"- {c.quote} _{_cite(c, texts)}_" for c in point.citations]
        lines.append("")
    lines += [f"## {texts.quiz_heading}", ""]
    for i, q in enumerate(handout.questions, start=1):
        lines.append(f"{i}. {q.question}")
        lines += [f"   - {LETTERS[k]}. {choice}" for k, choice in enumerate(q.choices)]
    lines += ["", f"## {texts.answer_heading}", ""]
    for i, q in enumerate(handout.questions, start=1):
        head = texts.correct_choice.format(letter=LETTERS[q.correct]) if q.correct is not None else ""
        lines.append(f"{i}. {head}".rstrip())
        lines += [f"   - {c.quote} _{_cite(c, texts)}_" for c in q.answer]
    return "\n".join(lines) + "\n"


def docx(handout: Handout, texts: TrainingTexts) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(handout.title, level=1)
    document.add_heading(texts.key_points_heading, level=2)
    for point in handout.points:
        document.add_heading(point.field, level=3)
        for c in point.citations:
            document.add_paragraph(f"{c.quote} {_cite(c, texts)}", style="List Bullet")
    document.add_heading(texts.quiz_heading, level=2)
    for i, q in enumerate(handout.questions, start=1):
        document.add_paragraph(f"{i}. {q.question}")
        for k, choice in enumerate(q.choices):
            document.add_paragraph(f"{LETTERS[k]}. {choice}", style="List Bullet")
    document.add_heading(texts.answer_heading, level=2)
    for i, q in enumerate(handout.questions, start=1):
        head = texts.correct_choice.format(letter=LETTERS[q.correct]) if q.correct is not None else ""
        document.add_paragraph(f"{i}. {head}".rstrip())
        for c in q.answer:
            document.add_paragraph(f"{c.quote} {_cite(c, texts)}", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
