"""Ranking: RRF with shared ranks, whole sections beside chunks (law articles, project headings), and the
ranking evaluation's article mapping and figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from assistant.index.lexical import SectionIndex, section_of
from assistant.index.store import Store
from assistant.retrieval.frame import FrameReader
from assistant.retrieval.fusion import ReciprocalRankFusion
from assistant.retrieval.hybrid import HybridSearch, ScoredChunk
from assistant.retrieval.learned import (
    FEATURE_VERSION,
    FEATURES,
    LearnedRanker,
    RankerCard,
    card_path,
    features,
    model_version,
)
from assistant.retrieval.query import QueryIntent
from assistant.service import AssistantService
from core.analysis import Analyzer, load_glossary
from core.settings import RetrievalSettings, get_settings
from eval.metrics import gold_spans
from eval.ranking import Candidates, _holds_gold, alqac, fit, save, table
from eval.split import select
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


def _bm25_following_model(tmp_path: Path) -> Path:
    """A model fitted where relevance follows chunk BM25 while the fusion order follows dense, saved with its card."""
    rng = np.random.default_rng(0)
    intent = QueryIntent(folded="cau hoi")
    frame = FrameReader().run("câu hỏi", intent)
    pool = []
    for q in range(60):
        passages = [_candidate(f"{q}-{j}", float(rng.random()), float(rng.random()), j + 1) for j in range(8)]
        labels = np.asarray([float(p.lexical_score == max(x.lexical_score or 0 for x in passages)) for p in passages])
        pool.append(
            Candidates(f"q{q}", f"câu hỏi {q}", passages, features(passages, intent, "câu hỏi", {}, frame), labels, 1.0)
        )
    target = tmp_path / "ranker.lgb"
    save(fit(pool), target, "synthetic", {})
    return target


@pytest.mark.unit
def test_lambdarank_learns_from_readable_features_and_search_falls_back_without_it(tmp_path: Path) -> None:
    settings = get_settings().model_copy(update={"data_dir": tmp_path})
    retrieval = settings.retrieval.model_copy(update={"ranker": "lambdarank", "shipped_ranker": tmp_path / "none.lgb"})
    assert HybridSearch(Store(settings), retrieval).ranker is None  # no model file: the fusion ranks

    _bm25_following_model(tmp_path)  # the data dir's own ranker.lgb
    ranker = HybridSearch(Store(settings), retrieval).ranker
    assert ranker is not None and ranker.card.trained_on == "synthetic"
    fresh = [_candidate(f"n{j}", lexical, 0.5, j + 1) for j, lexical in enumerate([0.1, 0.3, 0.9, 0.2])]
    assert ranker.run(fresh, QueryIntent(folded="cau hoi"), "câu hỏi", {})[0].chunk.chunk_id == "n2"
    fusion = settings.retrieval.model_copy(update={"ranker": "fusion"})
    assert HybridSearch(Store(settings), fusion).ranker is None  # the setting turns it off


@pytest.mark.unit
def test_the_shipped_ranker_loads_with_the_code_s_feature_version() -> None:
    shipped = get_settings().retrieval.shipped_ranker
    ranker = LearnedRanker(shipped)
    assert ranker.card.feature_version == FEATURE_VERSION and tuple(ranker.card.features) == FEATURES
    assert ranker.card.trained_on.startswith("hand-written dev")
    assert ranker.version.endswith(f"-f{FEATURE_VERSION}")
    # figures of the run that shipped it: better than the configured fusion on the held-out test split
    test, fusion = (
        ranker.card.figures["hand-written test, lambdarank"],
        ranker.card.figures["hand-written test, fusion (configured)"],
    )
    assert test["hit@1"] > fusion["hit@1"] and test["mrr"] > fusion["mrr"]


def _fusion_and_learned(service: AssistantService, retrieval: RetrievalSettings) -> tuple[HybridSearch, HybridSearch]:
    return HybridSearch(service.store, retrieval, apply_ranker=False), HybridSearch(service.store, retrieval)


def test_the_shipped_ranker_puts_a_gold_passage_first_where_the_fusion_did_not(service: AssistantService) -> None:
    """On a real dev question (which it was fitted on), the gold passage moves above the fusion's pick."""
    settings = service.settings
    fusion, learned = _fusion_and_learned(service, settings.retrieval.model_copy(update={"ranker": "lambdarank"}))
    assert learned.ranker is not None and learned.ranker.model_file == settings.retrieval.shipped_ranker
    moved = []
    for question in [
        q for q in select("dev", settings.corpus_dir)[0] if not q.follow_up and gold_spans(q, settings.corpus_dir)
    ][:60]:
        gold = _holds_gold(question, settings.corpus_dir)
        fused = fusion.run(question.question, 10).passages
        ranked = learned.run(question.question, 10).passages
        if fused and ranked and not gold(fused[0].chunk) and gold(ranked[0].chunk):
            moved.append(question.id)
    assert moved, "the shipped ranker moved no gold passage to the first place"


def test_a_ranker_of_other_features_is_refused_and_the_fusion_ranks(
    service: AssistantService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = _bm25_following_model(tmp_path)
    card = RankerCard.model_validate_json(card_path(model).read_text(encoding="utf-8"))
    stale = card.model_copy(update={"feature_version": FEATURE_VERSION - 1})
    card_path(model).write_text(stale.model_dump_json(), encoding="utf-8")
    with pytest.raises(ValueError, match=f"phiên bản {FEATURE_VERSION - 1}.*cần huấn luyện lại"):
        LearnedRanker(model)

    retrieval = service.settings.retrieval.model_copy(update={"ranker": "lambdarank", "shipped_ranker": model})
    fusion, learned = _fusion_and_learned(service, retrieval)
    question = "Kinh phí thực hiện Dự án 4 là bao nhiêu?"
    with caplog.at_level("WARNING", logger="gnbv.retrieval"):
        assert learned.ranker is None
        ranked = learned.run(question, 5).passages
    assert "xếp hạng bằng phép hợp nhất" in caplog.text and f"phiên bản {FEATURE_VERSION - 1}" in caplog.text
    assert ranked and [p.chunk.chunk_id for p in ranked] == [p.chunk.chunk_id for p in fusion.run(question, 5).passages]
    assert learned.ranker_label() == "fusion"


def test_a_new_model_ranks_the_next_search_without_reindexing(service: AssistantService, tmp_path: Path) -> None:
    """The ranker is no part of the index identity: replacing it changes the ranking, not the fingerprint."""
    fingerprint = service.store.fingerprint
    model = tmp_path / "ranker.lgb"
    shipped = service.settings.retrieval.shipped_ranker
    model.write_bytes(shipped.read_bytes())
    card_path(model).write_bytes(card_path(shipped).read_bytes())
    search = HybridSearch(
        service.store, service.settings.retrieval.model_copy(update={"ranker": "lambdarank", "shipped_ranker": model})
    )
    first = search.ranker
    assert first is not None and first.version in search.ranker_label()

    _bm25_following_model(tmp_path)  # overwrites ranker.lgb and its card
    second = search.ranker
    assert second is not None and second.version != first.version and second.card.trained_on == "synthetic"
    assert search.run("Kinh phí thực hiện Dự án 4 là bao nhiêu?", 5).passages
    assert Store(service.settings).fingerprint == fingerprint
    assert "ranker" not in json.dumps(service.store.identity)


def test_health_says_which_ranker_orders_the_passages(fast_client: TestClient, fast_service: AssistantService) -> None:
    shipped = get_settings().retrieval.shipped_ranker
    # the default: the shipped LambdaRank model, named with its version and file
    assert fast_client.get("/health").json()["ranker"] == f"lambdarank {model_version(shipped)} ({shipped})"
    fusion = HybridSearch(fast_service.store, fast_service.settings.retrieval.model_copy(update={"ranker": "fusion"}))
    assert fusion.ranker_label() == "fusion"
