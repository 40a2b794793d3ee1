"""Training material from a project's structured fields: key points, quiz questions, handouts.

A Dự án / Tiểu dự án in the outline has fields (Mục tiêu, Đối tượng, Nội dung, Kinh phí, Phân công thực
hiện …); its key points are those fields' sentences, each cited, and each quiz question asks for one
field, answered by the field's own sentences. No language model is involved.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pydantic import BaseModel

from ingest.models import SECTION_SEPARATOR, Chunk, DocumentMeta

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
QUESTION_TEMPLATES = {
    "Mục tiêu": "Mục tiêu của {project} ({place}) là gì?",
    "Đối tượng": "Đối tượng của {project} ({place}) gồm những ai?",
    "Địa bàn": "{project} ({place}) được thực hiện ở địa bàn nào?",
    "Nội dung": "{project} ({place}) gồm những nội dung hoạt động nào?",
    "Kinh phí": "Kinh phí thực hiện {project} ({place}) là bao nhiêu?",
    "Nguyên tắc phân bổ": "Vốn của {project} ({place}) được phân bổ theo nguyên tắc nào?",
    "Kết quả": "{project} ({place}) đạt hoặc cần đạt kết quả gì?",
    "Phân công thực hiện": "Cơ quan nào chủ trì, phối hợp thực hiện {project} ({place})?",
    "Thời gian thực hiện": "{project} ({place}) được thực hiện trong thời gian nào?",
}


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


@dataclass
class Handout:
    title: str
    points: list[KeyPoint]
    questions: list[QuizQuestion]


def key_points(chunks: list[Chunk], path: list[str]) -> list[KeyPoint]:
    """The fields of the outline node ``path``, in the usual order, with every sentence cited."""
    by_field: dict[str, list[Cited]] = {}
    for chunk in chunks:
        if chunk.section_path[: len(path)] != path or chunk.field is None:
            continue
        for sentence in chunk.sentences:
            if sentence.heading:
                continue
            by_field.setdefault(chunk.field, []).append(
                Cited(
                    quote=sentence.text,
                    source=chunk.source,
                    section=SECTION_SEPARATOR.join(chunk.section_path),
                    line_start=sentence.line_start,
                    line_end=sentence.line_end,
                )
            )
    ordered = sorted(by_field, key=lambda f: FIELD_ORDER.index(f) if f in FIELD_ORDER else len(FIELD_ORDER))
    return [KeyPoint(field=f, citations=by_field[f]) for f in ordered]


def quiz(points: list[KeyPoint], path: list[str], meta: DocumentMeta, n: int) -> list[QuizQuestion]:
    project = path[-1].split(":")[0].lstrip("*abcdefghđ)0123456789. ").strip() if path else "Chương trình"
    place = ", ".join(str(x) for x in (meta.locality, *meta.years) if x)
    questions = [
        QuizQuestion(
            question=QUESTION_TEMPLATES.get(p.field, "{project}: {place}").format(project=project, place=place),
            field=p.field,
            answer=p.citations,
        )
        for p in points
    ]
    return questions[:n]


def markdown(handout: Handout) -> str:
    lines = [f"# {handout.title}", "", "## Ý chính", ""]
    for point in handout.points:
        lines.append(f"### {point.field}")
        lines += [f"- {c.quote} _({c.source}, dòng {c.line_start}–{c.line_end})_" for c in point.citations]
        lines.append("")
    lines += ["## Câu hỏi ôn tập", ""]
    for i, q in enumerate(handout.questions, start=1):
        lines.append(f"{i}. {q.question}")
        lines += [f"   - {c.quote} _({c.source}, dòng {c.line_start}–{c.line_end})_" for c in q.answer]
    return "\n".join(lines) + "\n"


def docx(handout: Handout) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(handout.title, level=1)
    document.add_heading("Ý chính", level=2)
    for point in handout.points:
        document.add_heading(point.field, level=3)
        for c in point.citations:
            document.add_paragraph(f"{c.quote} ({c.source}, dòng {c.line_start}–{c.line_end})", style="List Bullet")
    document.add_heading("Câu hỏi ôn tập", level=2)
    for i, q in enumerate(handout.questions, start=1):
        document.add_paragraph(f"{i}. {q.question}")
        for c in q.answer:
            document.add_paragraph(f"{c.quote} ({c.source}, dòng {c.line_start}–{c.line_end})", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
