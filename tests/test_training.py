"""Training material from the real corpus's structured fields: key points, quiz, handouts."""

from __future__ import annotations

import io
import re

import pytest

from assistant.training import Handout, docx, key_points, markdown, project_label, projects, quiz
from ingest.models import Chunk, DocumentMeta
from ingest.verbatim import is_verbatim, normalize_for_match
from prompts import get_prompts
from tests.conftest import Parsed

pytestmark = pytest.mark.unit
TEXTS = get_prompts().training
KRONG_NO = DocumentMeta(doc_id="000", source="000.txt", path="x", title="t", locality="Krông Nô", years=[2024])


def _path(doc: Parsed, heading: str) -> list[str]:
    project = next(p for p in projects(doc.chunks) if p.path[-1].startswith(heading))
    return project.path


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", normalize_for_match(text)))


def _pool(corpus: dict[str, Parsed]) -> list[Chunk]:
    return [c for doc in corpus.values() for c in doc.chunks]


def test_projects_are_the_outline_nodes_that_own_fields(corpus: dict[str, Parsed]) -> None:
    found = projects(corpus["000"].chunks)
    labels = [project_label(p.path, TEXTS) for p in found]
    assert "Tiểu dự án 1 thuộc Dự án 3" in labels and "Dự án 2" in labels
    sub = found[labels.index("Tiểu dự án 1 thuộc Dự án 3")]
    assert sub.fields == ["Mục tiêu", "Đối tượng", "Nội dung", "Phân công thực hiện"]
    assert all(p.path[-1] not in p.fields for p in found)  # the node, not its "Đối tượng" heading
    # a plan without "Dự án n" headings is named by its own heading; the program level by the program
    trực_thái = [project_label(p.path, TEXTS) for p in projects(corpus["001"].chunks)]
    assert "Cải thiện dinh dưỡng" in trực_thái and trực_thái[0] == TEXTS.program


def test_key_points_quote_the_fields_verbatim_in_order(corpus: dict[str, Parsed]) -> None:
    doc = corpus["000"]
    path = _path(doc, "* Tiểu dự án 1")
    points = key_points(doc.chunks, path)
    assert [p.field for p in points] == ["Mục tiêu", "Đối tượng", "Nội dung", "Phân công thực hiện"]
    for point in points:
        for c in point.citations:
            assert is_verbatim(c.quote, doc.lines, c.line_start, c.line_end, doc.footnote_lines())
            assert c.section.startswith(" › ".join(path)) and c.source == doc.path.name
    beneficiaries = [c.quote for c in points[1].citations]
    # "- Đối tượng" only announces the bullets below it
    assert not any(normalize_for_match(q) in {"- đối tượng", "đối tượng"} for q in beneficiaries)
    assert any("36 tháng" in q for q in beneficiaries)


def test_quiz_asks_each_field_then_multiple_choice_from_other_projects(corpus: dict[str, Parsed]) -> None:
    doc = corpus["000"]
    path = _path(doc, "* Tiểu dự án 1")
    points = key_points(doc.chunks, path)
    pool = _pool(corpus)
    questions = quiz(points, path, KRONG_NO, 8, pool, TEXTS)
    assert len(questions) == 8
    assert questions[1].question == "Đối tượng của Tiểu dự án 1 thuộc Dự án 3 (Krông Nô, 2024) gồm những ai?"
    assert questions[1].answer == points[1].citations and not questions[1].choices
    own = [_words(c.quote) for p in points for c in p.citations]
    choice_questions = [q for q in questions if q.choices]
    assert len(choice_questions) == 4
    for q in choice_questions:
        assert q.correct is not None and 2 <= len(q.choices) <= 4
        assert normalize_for_match(q.choices[q.correct]) in normalize_for_match(q.answer[0].quote)
        elsewhere = {
            normalize_for_match(s.text)
            for c in pool
            if c.field == q.field and c.section_path[: len(path)] != path
            for s in c.sentences
        }
        for k, wrong in enumerate(q.choices):
            if k != q.correct:
                words = _words(wrong)
                assert all(len(words & mine) / len(words | mine) < 0.5 for mine in own)  # not a near-copy of ours
                assert any(normalize_for_match(wrong) in s for s in elsewhere)  # a real sentence, same field
    assert quiz(points, path, KRONG_NO, 8, pool, TEXTS) == questions  # the same handout every time
    assert len(quiz(points, path, KRONG_NO, 2, pool, TEXTS)) == 2


def test_handouts_carry_key_points_questions_and_answers(corpus: dict[str, Parsed]) -> None:
    from docx import Document

    doc = corpus["000"]
    path = _path(doc, "* Tiểu dự án 1")
    points = key_points(doc.chunks, path)
    handout = Handout("Tiểu dự án 1 thuộc Dự án 3", points, quiz(points, path, KRONG_NO, 6, _pool(corpus), TEXTS))
    text = markdown(handout, TEXTS)
    assert all(c.quote in text for p in points for c in p.citations)
    assert f"## {TEXTS.answer_heading}" in text and "Đáp án đúng:" in text and "dòng 100–100" in text
    word = Document(io.BytesIO(docx(handout, TEXTS)))
    paragraphs = [p.text for p in word.paragraphs]
    assert TEXTS.quiz_heading in paragraphs and handout.questions[1].question in "\n".join(paragraphs)
    assert sum(p.startswith(("A. ", "B. ", "C. ", "D. ")) for p in paragraphs) >= 2 * 2
