"""Training material from the real corpus's structured fields: key points, quiz, handouts."""

from __future__ import annotations

import io
import re

import pytest

from assistant.training import (
    Handout,
    document_label,
    docx,
    file_names,
    key_points,
    markdown,
    project_label,
    projects,
    quiz,
)
from core.verbatim import is_verbatim, normalize_for_match
from ingest.models import Chunk, DocumentMeta
from prompts import get_prompts
from tests.conftest import Parsed

pytestmark = pytest.mark.unit
TEXTS = get_prompts().training
KRONG_NO = DocumentMeta(
    doc_id="000",
    source="000.txt",
    path="x",
    title="t",
    kind="Kế hoạch",
    locality="Krông Nô",
    locality_level="huyện",
    years=[2024],
)
TRUC_THAI = DocumentMeta(
    doc_id="001",
    source="001.txt",
    path="x",
    title="t",
    kind="Kế hoạch",
    number="16/KH-UBND",
    locality="Trực Thái",
    locality_level="xã",
    years=[2024],
)


def _path(doc: Parsed, heading: str) -> list[str]:
    project = next(p for p in projects(doc.chunks, TEXTS) if p.path[-1].lstrip("* ").startswith(heading))
    return project.path


def _sub_project(doc: Parsed, project: str, sub: str) -> list[str]:
    label = TEXTS.sub_project_of.format(sub=sub, project=project)
    return next(p.path for p in projects(doc.chunks, TEXTS) if project_label(p.path, TEXTS) == label)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", normalize_for_match(text)))


def _pool(corpus: dict[str, Parsed]) -> list[Chunk]:
    return [c for doc in corpus.values() for c in doc.chunks]


def test_projects_are_the_outline_nodes_that_own_fields(corpus: dict[str, Parsed]) -> None:
    found = projects(corpus["000"].chunks, TEXTS)
    labels = [project_label(p.path, TEXTS) for p in found]
    assert "Tiểu dự án 1 thuộc Dự án 3" in labels and "Dự án 2" in labels
    sub = found[labels.index("Tiểu dự án 1 thuộc Dự án 3")]
    assert sub.fields == ["Mục tiêu", "Đối tượng", "Nội dung", "Phân công thực hiện"]
    assert all(p.path[-1] not in p.fields for p in found)  # the node, not its "Đối tượng" heading
    # a plan without "Dự án n" headings is named by its own heading
    trực_thái = [project_label(p.path, TEXTS) for p in projects(corpus["001"].chunks, TEXTS)]
    assert "Cải thiện dinh dưỡng" in trực_thái


def test_project_labels_say_where_a_sub_project_sits_without_marks(corpus: dict[str, Parsed]) -> None:
    found = {p.label: p for p in projects(corpus["000"].chunks, TEXTS)}
    sub = found["Dự án 3 › Tiểu dự án 1: Hỗ trợ phát triển sản xuất trong lĩnh vực nông nghiệp"]
    assert sub.depth == 1 and sub.path[-1].lstrip("* ").startswith("Tiểu dự án 1")
    assert found["Dự án 2: Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo"].depth == 0
    assert not any(re.search(r"[*#\\]|^[-+]", label) for label in found)


def test_documents_are_cited_by_kind_number_and_place() -> None:
    assert document_label(TRUC_THAI) == "Kế hoạch 16/KH-UBND, xã Trực Thái"
    # without a number the year tells two plans of one district apart
    assert document_label(KRONG_NO) == "Kế hoạch, huyện Krông Nô, 2024"
    blank_number = KRONG_NO.model_copy(update={"number": "/KH-UBND"})
    assert document_label(blank_number) == "Kế hoạch, huyện Krông Nô, 2024"


def test_key_points_quote_the_fields_verbatim_in_order(corpus: dict[str, Parsed]) -> None:
    doc = corpus["000"]
    path = _path(doc, "Tiểu dự án 1")
    points = key_points(doc.chunks, path, KRONG_NO)
    assert [p.field for p in points] == ["Mục tiêu", "Đối tượng", "Nội dung", "Phân công thực hiện"]
    for point in points:
        for c in point.citations:
            assert is_verbatim(c.quote, doc.lines, c.line_start, c.line_end, doc.footnote_lines())
            assert c.section.startswith(" › ".join(path)) and c.source == doc.path.name
            assert c.document == "Kế hoạch, huyện Krông Nô, 2024"
            assert not c.text.startswith(("-", "+", "*")) and "**" not in c.text
    beneficiaries = [c.quote for c in points[1].citations]
    # "- Đối tượng" only announces the bullets below it
    assert not any(normalize_for_match(q) in {"- đối tượng", "đối tượng"} for q in beneficiaries)
    assert any("36 tháng" in q for q in beneficiaries)


def test_quiz_asks_each_field_then_multiple_choice_from_other_projects(corpus: dict[str, Parsed]) -> None:
    doc = corpus["000"]
    path = _path(doc, "Tiểu dự án 1")
    points = key_points(doc.chunks, path, KRONG_NO)
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


def test_distractors_never_come_from_the_same_sub_project_of_another_plan(corpus: dict[str, Parsed]) -> None:
    pool = _pool(corpus)
    same_project = {"Tiểu dự án 1 thuộc Dự án 3", "Dự án 3"}
    for key in ("000", "003"):
        doc = corpus[key]
        path = _path(doc, "Tiểu dự án 1") if key == "000" else _sub_project(doc, "Dự án 3", "Tiểu dự án 1")
        points = key_points(doc.chunks, path, KRONG_NO)
        for q in quiz(points, path, KRONG_NO, 20, pool, TEXTS):
            theirs = {
                normalize_for_match(s.text)
                for c in pool
                if c.field == q.field
                and c.doc_id != doc.chunks[0].doc_id
                and project_label(c.section_path[:-1] if c.section_path[-1] == c.field else c.section_path, TEXTS)
                in same_project
                for s in c.sentences
            }
            for k, wrong in enumerate(q.choices):
                if k != q.correct:
                    assert not any(normalize_for_match(wrong) in t for t in theirs), (key, q.field, wrong)


def test_handouts_carry_key_points_questions_and_answers(corpus: dict[str, Parsed]) -> None:
    from docx import Document

    doc = corpus["000"]
    path = _path(doc, "Tiểu dự án 1")
    points = key_points(doc.chunks, path, KRONG_NO)
    questions = quiz(points, path, TRUC_THAI, 6, _pool(corpus), TEXTS)
    handout = Handout("Tiểu dự án 1 thuộc Dự án 3 — Kế hoạch 16/KH-UBND, xã Trực Thái", TRUC_THAI, points, questions)
    text = markdown(handout, TEXTS)
    assert all(c.text in text for p in points for c in p.citations)
    assert f"## {TEXTS.answer_heading}" in text and "Đáp án đúng:" in text
    assert "dòng 100)" in text and "100–100" not in text and ".txt" not in text
    assert "(Kế hoạch, huyện Krông Nô, 2024, mục Đối tượng, dòng 100)" in text
    assert not re.search(r"^\s*- [-+*•]", text, re.MULTILINE)  # one bullet mark, not "- -"
    stem, ascii_stem = file_names(handout.title, TEXTS)
    assert stem == "Tập huấn - Tiểu dự án 1 thuộc Dự án 3 — Kế hoạch 16-KH-UBND, xã Trực Thái"
    assert ascii_stem == "tap-huan-tieu-du-an-1-thuoc-du-an-3-ke-hoach-16-kh-ubnd-xa-truc-thai"
    word = Document(io.BytesIO(docx(handout, TEXTS, "Trợ lý GNBV")))
    assert word.core_properties.title == handout.title and word.core_properties.author == "Trợ lý GNBV"
    paragraphs = [p.text for p in word.paragraphs]
    assert not any(p.startswith(("-", "+", "* ")) for p in paragraphs)
    assert TEXTS.quiz_heading in paragraphs and handout.questions[1].question in "\n".join(paragraphs)
    assert sum(p.startswith(("A. ", "B. ", "C. ", "D. ")) for p in paragraphs) >= 2 * 2


def test_a_project_compared_across_localities_in_one_table(corpus: dict[str, Parsed]) -> None:
    from docx import Document

    from assistant.training import compare, comparison_docx, comparison_markdown

    metas = {"000": KRONG_NO, "001": TRUC_THAI}
    documents = [
        (metas.get(key, KRONG_NO.model_copy(update={"doc_id": key, "locality": key})), doc.chunks)
        for key, doc in corpus.items()
    ]
    path = _path(corpus["000"], "Tiểu dự án 1")
    comparison = compare(path, "000", documents, TEXTS)
    assert comparison.title == "So sánh Tiểu dự án 1 thuộc Dự án 3 giữa các địa phương"
    assert comparison.columns[0].doc_id == "000" and len(comparison.columns) >= 2
    assert all(c.node.startswith("Dự án 3 › Tiểu dự án 1") for c in comparison.columns)
    assert comparison.fields[:2] == ["Mục tiêu", "Đối tượng"]
    table = comparison_markdown(comparison, TEXTS)
    header, ruler, *rows = table.splitlines()[2 : 4 + len(comparison.fields)]
    assert header.count("|") == ruler.count("|") == len(comparison.columns) + 2
    assert rows[1].startswith("| Đối tượng |") and "36 tháng" in rows[1] and "(dòng 100)" in rows[1]
    word = Document(io.BytesIO(comparison_docx(comparison, TEXTS, "Trợ lý GNBV")))
    assert word.core_properties.title == comparison.title and word.core_properties.author == "Trợ lý GNBV"
    grid = word.tables[0]
    assert len(grid.rows) == len(comparison.fields) + 1 and len(grid.columns) == len(comparison.columns) + 1
