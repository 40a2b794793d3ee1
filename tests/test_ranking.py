"""Ranking: RRF with shared ranks, whole sections beside chunks (law articles, project headings), and the
ranking evaluation's article mapping and figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.index.lexical import SectionIndex, section_of
from assistant.index.store import Store
from assistant.retrieval.fusion import ReciprocalRankFusion
from assistant.retrieval.hybrid import HybridSearch, ScoredChunk
from assistant.retrieval.learned import features
from assistant.retrieval.query import QueryIntent
from core.analysis import Analyzer, load_glossary
from core.settings import get_settings
from eval.ranking import Candidates, alqac, fit, table
from ingest.models import Chunk
from tests.conftest import ALQAC_DIR, parse_text_file

LAW = ALQAC_DIR / "laws" / "Luật Thanh niên.txt"


def chunk(chunk_id: str, path: list[str], text: str, field: str | None = None, ordinal: int = 0) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id="d",
        source="d.txt",
        title="Kế hoạch",
        section_path=path,
        field=field,
        text=text,
        line_start=ordinal + 1,
        line_end=ordinal + 1,
        ordinal=ordinal,
    )


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_glossary(get_settings().glossary_file))


@pytest.fixture(scope="module")
def law(analyzer: Analyzer) -> tuple[list[Chunk], SectionIndex]:
    chunks = parse_text_file(LAW).chunks
    return chunks, SectionIndex.build(chunks, analyzer)


@pytest.mark.unit
def test_passages_of_one_section_share_its_rank() -> None:
    fusion = ReciprocalRankFusion(60, {"chunks": 1.0, "sections": 1.0, "off": 0.0})
    fused = dict(fusion.run({"chunks": ["a", "b"], "sections": [("b", "c"), ("a",)], "off": ["z"]}))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["c"] == pytest.approx(1 / 61)  # found by its section alone, at the section's rank
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert "z" not in fused  # a list weighted 0 adds no candidates


@pytest.mark.unit
def test_section_of_a_law_is_its_article_and_of_a_programme_its_heading() -> None:
    clause = chunk("1", ["LUẬT THANH NIÊN", "Chương I", "Điều 5. Quyền của thanh niên", "Khoản 2"], "…")
    assert section_of(clause) == ("LUẬT THANH NIÊN", "Chương I", "Điều 5. Quyền của thanh niên")
    budget = chunk("2", ["III. NỘI DUNG", "2. Dự án 2: Đa dạng hóa sinh kế", "Kinh phí"], "…", field="Kinh phí")
    assert section_of(budget) == ("III. NỘI DUNG", "2. Dự án 2: Đa dạng hóa sinh kế")
    plain = chunk("3", ["V. TỔ CHỨC THỰC HIỆN", "1. Các phòng"], "…")
    assert section_of(plain) == ("V. TỔ CHỨC THỰC HIỆN", "1. Các phòng")


@pytest.mark.unit
def test_a_project_is_found_by_words_spread_over_its_fields(analyzer: Analyzer) -> None:
    project = ["III. NỘI DUNG", "5. Dự án 5: Hỗ trợ nhà ở"]
    chunks = [
        chunk("goal", [*project, "Mục tiêu"], "Xóa nhà tạm, dột nát cho hộ nghèo.", "Mục tiêu", 0),
        chunk("who", [*project, "Đối tượng"], "Hộ cận nghèo trên địa bàn huyện.", "Đối tượng", 1),
        chunk("other", ["IV. TỔ CHỨC", "1. Phòng Lao động"], "Chủ trì hướng dẫn các xã về nhà ở.", None, 2),
    ]
    index = SectionIndex.build(chunks, analyzer)
    hits = index.search("dột nát hộ cận nghèo", 5)
    assert index.members[hits[0][0]] == ("goal", "who")  # no single chunk holds both words
    assert index.search("dột nát", 5, doc_ids={"elsewhere"}) == []
    assert [index.members[s] for s in index.by_best_passage(["other", "who", "goal"])] == [
        ("other",),
        ("goal", "who"),
    ]


@pytest.mark.unit
def test_an_article_is_found_whole_from_its_title(law: tuple[list[Chunk], SectionIndex]) -> None:
    chunks, index = law
    articles = {section_of(c)[-1] for c in chunks}
    assert len(index.members) == len(articles)  # one section per article
    # the article with the longest title, asked by its title without "Điều N."
    first = max((c for c in chunks if "Điều" in section_of(c)[-1]), key=lambda c: len(section_of(c)[-1]))
    title = section_of(first)[-1].split(".", 1)[1]
    best = index.search(title, 3)[0][0]
    assert first.chunk_id in index.members[best]
    assert set(index.members[best]) == {c.chunk_id for c in chunks if section_of(c) == section_of(first)}


@pytest.mark.unit
def test_alqac_figures_count_distinct_articles(law: tuple[list[Chunk], SectionIndex]) -> None:
    chunks, _ = law
    by_article: dict[int, list[Chunk]] = {}
    for c in chunks:
        heading = section_of(c)[-1]
        if heading.startswith("Điều"):
            by_article.setdefault(int(heading.split()[1].rstrip(".")), []).append(c)
    laws = {c.doc_id: "Luật Thanh niên" for c in chunks}
    # the same article twice, then the gold one: rank 2 among distinct articles
    ranked: list[tuple[Chunk, ...]] = [(by_article[1][0],), (by_article[1][-1],), (by_article[2][0],)]
    questions: list[dict[str, object]] = [{"question": "?", "gold": [{"law": "Luật Thanh niên", "article": 2}]}]
    figures = alqac(lambda q, k: ranked, questions, laws)
    assert figures["recall@1"] == 0.0
    assert figures["recall@5"] == 1.0
    assert figures["mrr"] == 0.5
    assert "| ranker | recall@1" in table("ALQAC", {"x": figures})


def _candidate(chunk_id: str, lexical: float, dense: float, rank: int) -> ScoredChunk:
    c = chunk(chunk_id, ["Điều 1. Phạm vi"], f"đoạn {chunk_id}", ordinal=rank)
    return ScoredChunk(c, 1 / rank, dense, lexical, None, 1 / rank, {"dense": rank, "lexical": rank})


@pytest.mark.unit
def test_lambdarank_learns_from_readable_features_and_search_falls_back_without_it(tmp_path: Path) -> None:
    """Relevance follows chunk BM25 while the fusion order follows dense: the model learns to put BM25 first."""
    rng = np.random.default_rng(0)
    intent = QueryIntent(folded="cau hoi")
    pool = []
    for q in range(60):
        passages = [_candidate(f"{q}-{j}", float(rng.random()), float(rng.random()), j + 1) for j in range(8)]
        labels = np.asarray([float(p.lexical_score == max(x.lexical_score or 0 for x in passages)) for p in passages])
        pool.append(Candidates(f"q{q}", passages, features(passages, intent, "câu hỏi", {}), labels, 1.0))
    model = fit(pool)
    settings = get_settings().model_copy(update={"data_dir": tmp_path})
    retrieval = settings.retrieval.model_copy(update={"ranker": "lambdarank"})
    assert HybridSearch(Store(settings), retrieval).ranker is None  # no model file: the fusion ranks

    model.save_model(str(tmp_path / retrieval.ranker_file))
    ranker = HybridSearch(Store(settings), retrieval).ranker
    assert ranker is not None
    fresh = [_candidate(f"n{j}", lexical, 0.5, j + 1) for j, lexical in enumerate([0.1, 0.3, 0.9, 0.2])]
    assert ranker.run(fresh, intent, "câu hỏi", {})[0].chunk.chunk_id == "n2"
