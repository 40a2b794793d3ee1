"""Normalise → structure → chunk on the real corpus and the ALQAC laws."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.settings import ChunkSettings
from ingest.verbatim import JOIN, PAGE_NUMBER, is_verbatim, normalize_for_match, source_view
from tests.conftest import ALQAC_DIR, Parsed, parse_text_file

pytestmark = pytest.mark.unit


def test_footnotes_do_not_cut_a_sentence_in_002(corpus: dict[str, Parsed]) -> None:
    """The sentence goes on after two footnote bodies: one block, visibly joined where they stood."""
    doc = corpus["002"]
    joined = [b for b in doc.blocks if "tạo điều kiện để … người dân và cộng đồng tham gia thực hiện" in b.text]
    assert len(joined) == 1
    block = joined[0]
    assert block.text.startswith("- Mục tiêu: Tăng cường cơ sở hạ tầng thiết yếu")
    assert block.text.endswith("thực hiện công tác duy tu bảo dưỡng dựa vào cộng đồng.")
    sentence = next(s for c in doc.chunks for s in c.sentences if "tạo điều kiện để …" in s.text)
    assert [(p.line_start, p.line_end) for p in sentence.parts()] == [(30, 30), (36, 36)]
    assert sentence.text == " … ".join(p.text for p in sentence.parts())
    footnotes = {b.marker: b for b in doc.blocks if b.kind == "footnote"}
    assert {"¹", "²"} <= footnotes.keys()
    for marker in ("¹", "²"):
        note = footnotes[marker]
        assert block.line_start < note.line_start < block.line_end
        assert note.line_start not in block.source_lines
    assert footnotes["²"].text.startswith("Nghị định số 07/2021/NĐ-CP")


def test_hard_wrapped_figure_is_one_sentence_in_one_chunk_003(corpus: dict[str, Parsed]) -> None:
    sentence = "Dự kiến 56.770 triệu đồng, trong đó: Vốn đầu tư phát triển là 39.120 triệu đồng"
    holders = [c for c in corpus["003"].chunks if sentence in c.text]
    assert len(holders) == 1
    assert "Tổng nhu cầu vốn thực hiện Chương trình năm 2025" in holders[0].section


def test_beneficiaries_of_subproject_carry_their_path_000(corpus: dict[str, Parsed]) -> None:
    chunk = next(c for c in corpus["000"].chunks if "hộ mới thoát nghèo (trong vòng 36 tháng kể từ" in c.text)
    path = chunk.section_path
    assert any("Dự án 3" in p for p in path)
    assert any("Tiểu dự án 1" in p for p in path)
    assert path[-1] == "Đối tượng"
    assert chunk.field == "Đối tượng"
    assert chunk.text.startswith("- Đối tượng")


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_every_chunk_is_verbatim_within_its_lines(corpus: dict[str, Parsed], key: str) -> None:
    doc = corpus[key]
    skip = doc.footnote_lines()
    for chunk in doc.chunks:
        assert is_verbatim(chunk.text, doc.lines, chunk.line_start, chunk.line_end, skip), (
            chunk.chunk_id,
            chunk.line_start,
            chunk.line_end,
            chunk.text[:200],
        )
        for note in chunk.footnotes:
            assert is_verbatim(note.text, doc.lines, note.line_start, note.line_end), note


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_no_source_line_with_text_is_lost(corpus: dict[str, Parsed], key: str) -> None:
    doc = corpus[key]
    covered: set[int] = set()
    for chunk in doc.chunks:
        covered.update(range(chunk.line_start, chunk.line_end + 1))
        for note in chunk.footnotes:
            covered.update(range(note.line_start, note.line_end + 1))
    lost = [
        n
        for n, line in enumerate(doc.lines, start=1)
        if normalize_for_match(line) and n not in covered and not PAGE_NUMBER.match(line)
    ]
    assert lost == []


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_chunks_respect_size_and_sections(corpus: dict[str, Parsed], key: str) -> None:
    doc = corpus[key]
    limit = ChunkSettings().max_chars
    ids = [c.chunk_id for c in doc.chunks]
    assert len(ids) == len(set(ids))
    for chunk in doc.chunks:
        assert chunk.section_path and all(chunk.section_path)
        # one sentence longer than a chunk may stand alone; nothing else exceeds the limit
        assert len(chunk.text) <= limit or "\n" not in chunk.text


def test_chunk_ids_are_stable_across_runs() -> None:
    path = sorted(Path(p) for p in (ALQAC_DIR.parent.parent / "corpus").glob("001*.txt"))[0]
    assert [c.chunk_id for c in parse_text_file(path).chunks] == [c.chunk_id for c in parse_text_file(path).chunks]


def test_fields_of_projects_are_recognised(corpus: dict[str, Parsed]) -> None:
    fields = {c.field for c in corpus["000"].chunks}
    assert {"Mục tiêu", "Đối tượng", "Nội dung", "Phân công thực hiện"} <= fields
    kinh_phi = [c for c in corpus["003"].chunks if c.field == "Kinh phí"]
    assert any("Nhu cầu vốn thực hiện" in c.text for c in kinh_phi)


def test_every_alqac_chunk_names_its_article() -> None:
    laws = sorted((ALQAC_DIR / "laws").glob("*.txt"))
    assert len(laws) == 17
    for law in laws:
        parsed = parse_text_file(law)
        named = set()
        for chunk in parsed.chunks:
            articles = [p for p in chunk.section_path if p.startswith("Điều ")]
            assert len(articles) == 1, (law.name, chunk.section_path, chunk.text[:80])
            named.add(articles[0].split(".")[0])
        printed = {line.split(".")[0] for line in parsed.lines if re.match(r"Điều \d+\.", line)}
        assert named == printed


def _strictly_verbatim(parsed: Parsed) -> list[tuple[int, int, str]]:
    """Every citable run (sentence segments, footnote segments) that does not stand, as it is, in its own
    lines: no line skipped, only markdown and white space normalised."""
    wrong = []
    for chunk in parsed.chunks:
        assert normalize_for_match(" ".join(s.text for s in chunk.sentences)) == normalize_for_match(chunk.text)
        for quoted in [*chunk.sentences, *chunk.footnotes]:
            parts = quoted.parts()
            assert quoted.text == JOIN.join(p.text for p in parts)
            for part in parts:
                assert quoted.line_start <= part.line_start <= part.line_end <= quoted.line_end
                if normalize_for_match(part.text) not in source_view(parsed.lines, part.line_start, part.line_end):
                    wrong.append((part.line_start, part.line_end, part.text))
    return wrong


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_every_sentence_is_verbatim_segment_by_segment(corpus: dict[str, Parsed], key: str) -> None:
    assert _strictly_verbatim(corpus[key]) == []


def test_every_alqac_sentence_is_verbatim_segment_by_segment() -> None:
    for law in sorted((ALQAC_DIR / "laws").glob("*.txt")):
        assert _strictly_verbatim(parse_text_file(law)) == [], law.name


def test_a_body_sentence_left_open_goes_on_after_the_footnotes_004(corpus: dict[str, Parsed]) -> None:
    """Lines 75–87: the page breaks after "đã thực hiện"; line 77 ends note ¹² begun on the page before;
    the body's sentence resumes at 87. The tail belongs to the body, the note keeps its own."""
    doc = corpus["004"]
    sentence = next(s for c in doc.chunks for s in c.sentences if "giải ngân 1.681 triệu đồng" in s.text)
    assert [(p.line_start, p.line_end) for p in sentence.parts()] == [(75, 75), (87, 87)]
    assert "đã thực hiện … giải ngân 1.681 triệu đồng; kinh phí còn lại 6,766 triệu đồng" in sentence.text
    assert "Quyết định số 68/QĐ-UBND" not in sentence.text
    note = next(n for c in doc.chunks for n in c.footnotes if n.marker == "¹²")
    assert [(p.line_start, p.line_end) for p in note.parts()] == [(55, 55), (77, 77)]
    assert note.parts()[1].text.startswith("Quyết định số 68/QĐ-UBND ngày 22/4/2024")
