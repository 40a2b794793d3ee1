"""BM25 index: matching across diacritics, abbreviations and figures; filters; persistence; determinism."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.index.lexical import LexicalIndex, StaleIndexError
from core.analysis import Analyzer, load_glossary
from core.settings import get_settings
from tests.conftest import CORPUS_FILES

PASSAGES = {
    "p1": "Hỗ trợ hộ nghèo, hộ cận nghèo tham gia bảo hiểm y tế.",
    "p2": "Phòng Lao động - Thương binh và Xã hội chủ trì, phối hợp với các xã.",
    "p3": "Tổng kinh phí thực hiện Dự án 4 là 56.770 triệu đồng.",
    "p4": "Sở NN&PTNT hướng dẫn phát triển sản xuất cho hộ mới thoát nghèo.",
    "p5": "UBND các xã rà soát hộ nghèo, hộ cận nghèo hằng năm.",
    "p6": "Ngân hàng Chính sách xã hội cho vay vốn tạo việc làm.",
}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_glossary(get_settings().glossary_file))


@pytest.fixture(scope="module")
def index(analyzer: Analyzer) -> LexicalIndex:
    return LexicalIndex.build(list(PASSAGES), list(PASSAGES.values()), analyzer)


def top(index: LexicalIndex, query: str, k: int = 1) -> list[str]:
    return [i for i, _ in index.search(query, k)]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ho can ngheo tham gia bhyt", "p1"),  # no diacritics + abbreviation → long form
        ("phong LDTBXH", "p2"),
        ("Phòng LĐ-TB&XH", "p2"),
        ("kinh phi du an 4 la 56770 trieu", "p3"),
        ("so nong nghiep va phat trien nong thon", "p4"),  # long form → abbreviation in the passage
        ("Ủy ban nhân dân rà soát", "p5"),
        ("vay von NHCSXH", "p6"),
        ("ho moi thaot ngheo", "p4"),  # typo: "thaot" → "thoat"
    ],
)
def test_query_finds_passage(index: LexicalIndex, query: str, expected: str) -> None:
    assert top(index, query) == [expected]


@pytest.mark.unit
def test_typo_correction_only_for_unknown_syllables(index: LexicalIndex) -> None:
    assert index.correct("thaot") == "thoat"
    assert index.correct("ngheo") == "ngheo"
    assert index.correct("zzzzzz") == "zzzzzz"
    index_off = LexicalIndex(index.retriever, index.ids, index.analyzer, typo_min_len=0)
    assert index_off.correct("thaot") == "thaot"


@pytest.mark.unit
def test_results_are_ranked_positive_and_bounded(index: LexicalIndex) -> None:
    assert [i for i, _ in index.search("vay vốn việc làm", 10)] == ["p6"]  # no query token, no hit
    hits = index.search("hộ cận nghèo", 10)
    assert {i for i, _ in hits} == {"p1", "p4", "p5"}
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True) and all(s > 0 for _, s in hits)
    assert len(index.search("hộ nghèo", 1)) == 1
    assert index.search("", 5) == [] and index.search("hộ nghèo", 0) == []


@pytest.mark.unit
def test_allowed_ids_filter_still_returns_k(index: LexicalIndex) -> None:
    unfiltered = top(index, "hộ nghèo", 3)
    allowed = {"p4", "p5", "p6", "unknown-id"}
    filtered = index.search("hộ nghèo", 2, allowed)
    assert unfiltered[0] not in allowed
    assert [i for i, _ in filtered] == ["p5", "p4"]
    assert index.search("hộ nghèo", 5, set()) == []


@pytest.mark.unit
def test_save_load_round_trip(index: LexicalIndex, analyzer: Analyzer, tmp_path: Path) -> None:
    target = tmp_path / "lexical"
    index.save(target)
    index.save(target)  # overwriting an existing index leaves no temporary directory behind
    assert [p.name for p in tmp_path.iterdir()] == ["lexical"]
    loaded = LexicalIndex.load(target, analyzer)
    assert loaded.ids == index.ids
    for query in ["ho can ngheo", "phong LDTBXH", "56770", "vay von", "ho moi thaot ngheo"]:
        assert loaded.search(query, 6) == index.search(query, 6)


@pytest.mark.unit
def test_load_refuses_an_index_of_another_analyzer(index: LexicalIndex, analyzer: Analyzer, tmp_path: Path) -> None:
    index.save(tmp_path / "lexical")
    with pytest.raises(StaleIndexError, match="cần tạo lại"):
        LexicalIndex.load(tmp_path / "lexical", Analyzer(analyzer.glossary, bigrams=False))
    (tmp_path / "lexical" / "lexical.json").unlink()  # an index from before the analyzer was recorded
    with pytest.raises(StaleIndexError):
        LexicalIndex.load(tmp_path / "lexical", analyzer)


_BUILD = """
import sys
from pathlib import Path
from core.analysis import Analyzer, load_glossary
from assistant.index.lexical import LexicalIndex, StaleIndexError
from core.settings import get_settings
from tests.test_lexical import PASSAGES
analyzer = Analyzer(load_glossary(get_settings().glossary_file))
LexicalIndex.build(list(PASSAGES), list(PASSAGES.values()), analyzer).save(Path(sys.argv[1]))
"""


@pytest.mark.full  # starts interpreters under other hash seeds: seconds
def test_same_input_same_files_across_hash_seeds(tmp_path: Path) -> None:
    contents = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", _BUILD, str(out)], check=True, env=env, cwd=Path(__file__).parents[1])
        contents.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert contents[0] == contents[1]
    assert "lexical.json" in contents[0] and "vocab.index.json" in contents[0]


@pytest.mark.unit
def test_concurrent_searches_agree(index: LexicalIndex) -> None:
    queries = ["ho can ngheo", "phong LDTBXH", "56770", "vay von NHCSXH", "ho moi thaot ngheo"] * 40
    expected = [index.search(q, 3) for q in queries]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda q: index.search(q, 3), queries)) == expected


@pytest.mark.unit
def test_empty_and_invalid_builds(analyzer: Analyzer) -> None:
    assert LexicalIndex.build([], [], analyzer).search("hộ nghèo", 5) == []
    with pytest.raises(ValueError, match="không trùng"):
        LexicalIndex.build(["a", "a"], ["x", "y"], analyzer)


@pytest.mark.integration
def test_real_corpus_paragraphs(analyzer: Analyzer) -> None:
    ids, texts = [], []
    for path in CORPUS_FILES:
        for n, paragraph in enumerate(re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))):
            if paragraph.strip():
                ids.append(f"{path.stem}#{n}")
                texts.append(paragraph)
    assert len(CORPUS_FILES) == 5
    index = LexicalIndex.build(ids, texts, analyzer)
    passage = dict(zip(ids, texts, strict=True))

    def top3(query: str) -> list[str]:
        return [" ".join(passage[i].split()) for i, _ in index.search(query, 3)]

    assert len(top3("ho can ngheo")) == 3 and all("hộ cận nghèo" in p.lower() for p in top3("ho can ngheo"))
    assert any("Lao động - Thương binh và Xã hội" in p for p in top3("phong LDTBXH"))
    assert any("Lao động - Thương binh và Xã hội" in p for p in top3("Phòng Lao động TB&XH"))
    assert any("hộ cận nghèo" in p.lower() for p in top3("ho can nghep"))  # typo
