"""Training material from a project's structured fields: key points, quiz questions, handouts.

A Dự án / Tiểu dự án in the outline has fields (Mục tiêu, Đối tượng, Nội dung, Kinh phí, Phân công thực
hiện …); its key points are those fields' sentences, each cited, and each quiz question asks for one
field, answered by the field's own sentences. Multiple-choice variants take their wrong options from the
same field of *other* projects, so every option is a real sentence of the corpus. No language model.
Citations name the document as an officer would ("Kế hoạch 16/KH-UBND, xã Trực Thái"), never its file.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, computed_field

from core.text import fold
from core.verbatim import normalize_for_match
from core.vocabulary import load_fields
from ingest.models import SECTION_SEPARATOR, Chunk, DocumentMeta
from prompts import TrainingTexts

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

LETTERS = "ABCD"
_PROJECT = re.compile(r"\b(tiểu dự án|dự án)\s*(\d+)", re.IGNORECASE)
_NUMBERING = re.compile(r"^[\s*\-+•]*(?:[0-9IVX]+(?:\.[0-9]+)*\.?|[a-zđ]\))?\s*")
_MARKS = re.compile(r"^[\s*\-+•]+")
_EMPHASIS = re.compile(r"\*\*|__|\\(?=[*_#])")  # bold marks and escapes left in a quoted line
_NUMBER = re.compile(r"\d")
_NEAR_DUPLICATE = 0.5  # word-set Jaccard above which two bullets say the same thing
_MIN_OPTION_WORDS = 6  # a short option stands out from the others by its length alone
_MAX_STEM = 120  # file names longer than this are cut by some file systems and mail clients


class Cited(BaseModel):
    quote: str
    source: str
    document: str = Field(description="the document as cited: kind, number and place")
    section: str
    line_start: int
    line_end: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        """The quote as shown and exported: its words without list or bold marks."""
        return clean(self.quote)


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
    label: str = Field(description="'Dự án 3 › Tiểu dự án 1: Hỗ trợ phát triển sản xuất…', no list marks")
    depth: int = Field(description="0 for a Dự án or a plan's own heading, 1 for a Tiểu dự án under it")
    fields: list[str]


@dataclass
class Handout:
    title: str
    document: DocumentMeta
    points: list[KeyPoint]
    questions: list[QuizQuestion]


def _field_rank(field: str) -> int:
    order = load_fields().names  # a handout's order, from corpus/fields.toml
    return order.index(field) if field in order else len(order)


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
    return re.sub(rf"^{re.escape(field)}\s*:\s*", "", clean(text), flags=re.IGNORECASE)


def clean(text: str) -> str:
    """A quoted line as read aloud: without its list mark and bold marks ("- **Đối tượng**" → "Đối tượng")."""
    return _EMPHASIS.sub("", _MARKS.sub("", text)).strip()


def _heading_name(heading: str) -> str:
    """'### **\\* Tiểu dự án 1: Hỗ trợ …**' → 'Hỗ trợ …': the words after the numbering and the label."""
    name = _NUMBERING.sub("", clean(heading))
    name = re.sub(r"^(tiểu dự án|dự án)\s*\d+\s*[:.\-–]?\s*", "", name, flags=re.IGNORECASE)
    return name.strip()


def _labels(path: list[str]) -> list[str]:
    """The numbered projects named along a path: ['Dự án 3', 'Tiểu dự án 1']."""
    found = (_PROJECT.search(part) for part in path)
    return [f"{m.group(1).capitalize()} {m.group(2)}" for m in found if m]


def tree_label(path: list[str], texts: TrainingTexts) -> str:
    """'Dự án 3 › Tiểu dự án 1: Hỗ trợ phát triển sản xuất…': where the node sits, then its own words."""
    labels = _labels(path)
    name = _heading_name(path[-1]) if path else ""
    if not labels:
        return name or texts.program
    return f"{SECTION_SEPARATOR.join(labels)}: {name}" if name else SECTION_SEPARATOR.join(labels)


def projects(chunks: list[Chunk], texts: TrainingTexts) -> list[Project]:
    """Outline nodes that own structured fields, in reading order: what a trainer can pick."""
    found: dict[tuple[str, ...], list[str]] = {}
    for chunk in chunks:
        if chunk.field is not None:
            fields = found.setdefault(tuple(_owner(chunk)), [])
            if chunk.field not in fields:
                fields.append(chunk.field)
    return [
        Project(
            path=list(p),
            title=SECTION_SEPARATOR.join(p),
            label=tree_label(list(p), texts),
            depth=1 if len(_labels(list(p))) >= 2 else 0,
            fields=sorted(f, key=_field_rank),
        )
        for p, f in found.items()
    ]


def document_label(meta: DocumentMeta) -> str:
    """'Kế hoạch 16/KH-UBND, xã Trực Thái'; without a number the years tell two plans of one place apart."""
    number = meta.number if meta.number and _NUMBER.search(meta.number) else None
    head = " ".join(x for x in (meta.kind, number) if x) or meta.title
    place = " ".join(x for x in (meta.locality_level, meta.locality) if x) if meta.locality else None
    years = ", ".join(str(y) for y in meta.years) if number is None and meta.years else None
    return ", ".join(x for x in (head, place, years) if x)


def key_points(chunks: list[Chunk], path: list[str], meta: DocumentMeta) -> list[KeyPoint]:
    """The fields of the outline node ``path``, in the usual order, with every sentence cited."""
    document = document_label(meta)
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
                    document=document,
                    section=chunk.section,
                    line_start=sentence.line_start,
                    line_end=sentence.line_end,
                )
            )
    return [KeyPoint(field=f, citations=by_field[f]) for f in sorted(by_field, key=_field_rank)]


def project_label(path: list[str], texts: TrainingTexts) -> str:
    """'Tiểu dự án 1 thuộc Dự án 3' from the numbered headings in the path, else the heading's words."""
    labels = _labels(path)
    if len(labels) >= 2:
        return texts.sub_project_of.format(sub=labels[-1], project=labels[-2])
    if labels:
        return labels[0]
    return _NUMBERING.sub("", path[-1]).strip() if len(path) > 1 else texts.program


def place_label(meta: DocumentMeta) -> str:
    return ", ".join(str(x) for x in (meta.locality, *meta.years) if x)


def _identity(path: list[str]) -> tuple[str, ...]:
    """What a node is across documents: ('dự án 3', 'tiểu dự án 1'), or its folded heading words."""
    labels = tuple(label.casefold() for label in _labels(path))
    return labels or ((fold(_heading_name(path[-1])),) if path else ())


def _related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same project, or one inside the other (Dự án 3 and its Tiểu dự án 1): their fields overlap."""
    if not a or not b:
        return False
    return a[: len(b)] == b or b[: len(a)] == a


def _options_elsewhere(pool: list[Chunk], path: list[str]) -> dict[str, list[str]]:
    """Per field, the sentences of that field in every *other* project, in any document: wrong options.

    The same sub-project in another locality's plan is not "other": its objective is often this one's too.
    Plans copy boilerplate between projects, so a sentence the same sub-project says anywhere is no option.
    """
    options: dict[str, dict[str, str]] = {}
    true_here: dict[str, list[set[str]]] = {}
    mine = _identity(path)
    for chunk in pool:
        if chunk.field is None:
            continue
        own = chunk.section_path[: len(path)] == path or _related(_identity(_owner(chunk)), mine)
        for sentence in chunk.sentences:
            text = _option(sentence.text, chunk.field)
            if own:
                true_here.setdefault(chunk.field, []).append(_word_set(text))
            elif not sentence.heading and _words(text) >= _MIN_OPTION_WORDS:
                options.setdefault(chunk.field, {}).setdefault(normalize_for_match(text), text)
    return {
        field: [
            by_key[k]
            for k in sorted(by_key)
            if all(_overlap(_word_set(by_key[k]), said) < _NEAR_DUPLICATE for said in true_here.get(field, []))
        ]
        for field, by_key in options.items()
    }


def _choice(question: str, point: KeyPoint, cited: Cited, wrong: list[str], seed: str) -> QuizQuestion | None:
    """``wrong``: options already checked to be untrue of this project (see ``_options_elsewhere``)."""
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


def line_span(start: int, end: int, texts: TrainingTexts) -> str:
    """'dòng 48', or 'dòng 48–50' when the quote spans lines."""
    return texts.line.format(start=start) if start == end else texts.lines.format(start=start, end=end)


def _cite(c: Cited, texts: TrainingTexts) -> str:
    section = clean(c.section.split(SECTION_SEPARATOR)[-1]) if c.section else ""
    return texts.cite.format(document=c.document, section=section, lines=line_span(c.line_start, c.line_end, texts))


def file_names(title: str, texts: TrainingTexts) -> tuple[str, str]:
    """A handout's file stem in Vietnamese, and in ASCII for clients that cannot read the former."""
    words = [w for w in re.split(r"[^a-z0-9]+", fold(title)) if w]
    ascii_stem = "-".join([*fold(texts.file_prefix).split(), *words])[:_MAX_STEM]
    stem = re.sub(r'[\\/:*?"<>|]+', "-", f"{texts.file_prefix} - {title}")[:_MAX_STEM]
    return stem, ascii_stem


def markdown(handout: Handout, texts: TrainingTexts) -> str:
    lines = [f"# {handout.title}", "", f"## {texts.key_points_heading}", ""]
    for point in handout.points:
        lines += [f"### {point.field}", ""]
        lines += [f"- {c.text} _{_cite(c, texts)}_" for c in point.citations]
        lines.append("")
    lines += [f"## {texts.quiz_heading}", ""]
    for i, q in enumerate(handout.questions, start=1):
        lines.append(f"{i}. {q.question}")
        lines += [f"   - {LETTERS[k]}. {choice}" for k, choice in enumerate(q.choices)]
    lines += ["", f"## {texts.answer_heading}", ""]
    for i, q in enumerate(handout.questions, start=1):
        head = texts.correct_choice.format(letter=LETTERS[q.correct]) if q.correct is not None else ""
        lines.append(f"{i}. {head}".rstrip())
        lines += [f"   - {c.text} _{_cite(c, texts)}_" for c in q.answer]
    return "\n".join(lines) + "\n"


def docx(handout: Handout, texts: TrainingTexts, author: str) -> bytes:
    document = _word(handout.title, author)
    document.add_heading(texts.key_points_heading, level=2)
    for point in handout.points:
        document.add_heading(point.field, level=3)
        for c in point.citations:
            document.add_paragraph(f"{c.text} {_cite(c, texts)}", style="List Bullet")
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
            document.add_paragraph(f"{c.text} {_cite(c, texts)}", style="List Bullet")
    return _saved(document)


def _word(title: str, author: str) -> DocxDocument:
    from docx import Document

    document = Document()
    # Word shows these in the file's properties and search: not python-docx's defaults
    document.core_properties.title = title
    document.core_properties.author = author
    document.core_properties.last_modified_by = author
    document.core_properties.comments = ""
    document.add_heading(title, level=1)
    return document


def _saved(document: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---- one project across localities -----------------------------------------------------------


class Column(BaseModel):
    doc_id: str
    document: str = Field(description="the document as cited: kind, number and place")
    node: str = Field(description="the project's own heading in that document")
    points: list[KeyPoint]


class Comparison(BaseModel):
    project: str = Field(description="'Tiểu dự án 1 thuộc Dự án 3'")
    title: str
    fields: list[str] = Field(description="the rows: every field one of the documents states, in the usual order")
    columns: list[Column] = Field(description="one per document that has the project, the chosen one first")


def compare(
    path: list[str], first: str, documents: list[tuple[DocumentMeta, list[Chunk]]], texts: TrainingTexts
) -> Comparison:
    """The project at ``path`` of document ``first``, side by side with the same project in every other plan.

    "The same" is the numbered identity (Dự án 3 › Tiểu dự án 1), or the heading's words where a plan does
    not number its projects; each document contributes its first node with that identity.
    """
    mine = _identity(path)
    columns: list[Column] = []
    for meta, chunks in sorted(documents, key=lambda d: d[0].doc_id != first):
        node = next((p for p in projects(chunks, texts) if _identity(p.path) == mine), None)
        if node is not None:
            points = key_points(chunks, node.path, meta)
            columns.append(Column(doc_id=meta.doc_id, document=document_label(meta), node=node.label, points=points))
    fields = sorted({p.field for c in columns for p in c.points}, key=_field_rank)
    project = project_label(path, texts)
    return Comparison(
        project=project, title=texts.compare_title.format(project=project), fields=fields, columns=columns
    )


def _cell(column: Column, field: str, texts: TrainingTexts) -> list[str]:
    cited = next((p.citations for p in column.points if p.field == field), [])
    return [f"{c.text} ({line_span(c.line_start, c.line_end, texts)})" for c in cited] or [texts.compare_missing]


def comparison_markdown(comparison: Comparison, texts: TrainingTexts) -> str:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    lines = [f"# {comparison.title}", "", row([texts.compare_field, *(c.document for c in comparison.columns)])]
    lines.append(row(["---"] * (len(comparison.columns) + 1)))
    for field in comparison.fields:
        lines.append(row([field, *("<br>".join(_cell(c, field, texts)) for c in comparison.columns)]))
    lines += ["", f"## {texts.compare_sources}", ""]
    lines += [f"- {c.document}: {c.node}" for c in comparison.columns]
    return "\n".join(lines) + "\n"


def comparison_docx(comparison: Comparison, texts: TrainingTexts, author: str) -> bytes:
    document = _word(comparison.title, author)
    table = document.add_table(rows=1, cols=len(comparison.columns) + 1)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, [texts.compare_field, *(c.document for c in comparison.columns)], strict=True
    ):
        cell.text = text
    for field in comparison.fields:
        cells = table.add_row().cells
        cells[0].text = field
        for cell, column in zip(cells[1:], comparison.columns, strict=True):
            cell.text = "\n".join(_cell(column, field, texts))
    document.add_heading(texts.compare_sources, level=2)
    for column in comparison.columns:
        document.add_paragraph(f"{column.document}: {column.node}", style="List Bullet")
    return _saved(document)
