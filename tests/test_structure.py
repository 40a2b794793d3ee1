"""Normalise → structure → chunk on the real corpus and the ALQAC laws."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.settings import ChunkSettings
from ingest.verbatim import PAGE_NUMBER, is_verbatim, normalize_for_match
from tests.conftest import ALQAC_DIR, Parsed, parse_text_file

pytestmark = pytest.mark.unit


def test_footnotes_do_not_cut_a_sentence_in_002(corpus: dict[str, Parsed]) -> None:
    doc = corpus["002"]
    joined = [b for b in doc.blocks if "tạo điều kiện để người dân và cộng đồng tham gia thực hiện" in b.text]
    assert len(joined) == 1
    block = joined[0]
    assert block.text.startswith("- Mục tiêu: Tăng cường cơ sở hạ tầng thiết yếu")
    assert block.text.endswith("thực hiện công tác duy tu bảo dưỡng dựa vào cộng đồng.")
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


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_every_sentence_is_verbatim_within_its_lines(corpus: dict[str, Parsed], key: str) -> None:
    doc = corpus[key]
    skip = doc.footnote_lines()
    for chunk in doc.chunks:
        assert normalize_for_match(" ".join(s.text for s in chunk.sentences)) == normalize_for_match(chunk.text)
        for sentence in chunk.sentences:
            assert chunk.line_start <= sentence.line_start <= sentence.line_end <= chunk.line_end
            assert is_verbatim(sentence.text, doc.lines, sentence.line_start, sentence.line_end, skip), sentence
