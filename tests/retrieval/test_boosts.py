"""Hybrid search's boosts over the fast fixtures: a named year, project or field multiplies the fused score
of the passages it fits by its setting, and nothing else (each boost isolated by running the same search
with it set to 1; the fusion's order, before any learned ranker)."""

from __future__ import annotations

import pytest

from assistant.retrieval.hybrid import HybridSearch, SearchFilters
from assistant.service import AssistantService
from core.settings import RetrievalSettings

NEUTRAL = {"year_boost": 1.0, "structure_boost": 1.0}


def _ratios(service: AssistantService, question: str, boost: dict[str, float]) -> dict[str, float]:
    """chunk id → its score with ``boost`` over its score with no boost at all."""
    settings = service.settings.retrieval

    def scores(update: dict[str, float]) -> dict[str, float]:
        search = HybridSearch(service.store, settings.model_copy(update={**NEUTRAL, **update}), apply_ranker=False)
        return {p.chunk.chunk_id: p.fused_score for p in search.run(question, 50).passages}

    plain, boosted = scores({}), scores(boost)
    return {chunk_id: boosted[chunk_id] / plain[chunk_id] for chunk_id in plain}


def _section(service: AssistantService, chunk_id: str) -> list[str]:
    chunk = service.store.catalog.chunk(chunk_id)
    assert chunk is not None
    return chunk.section_path


def test_a_named_year_boosts_the_documents_that_cover_it(fast_service: AssistantService) -> None:
    ratios = _ratios(fast_service, "Kinh phí năm 2024 là bao nhiêu?", {"year_boost": 2.0})
    assert {chunk_id.split(":")[0]: ratio for chunk_id, ratio in ratios.items()} == pytest.approx(
        {"ke-hoach-ea-sup-2024": 2.0, "ke-hoach-truc-ninh-2023": 1.0}
    )


def test_a_named_field_boosts_that_field_of_every_project(fast_service: AssistantService) -> None:
    ratios = _ratios(fast_service, "Ai chủ trì truyền thông giảm nghèo?", {"structure_boost": 2.0})
    for chunk_id, ratio in ratios.items():
        expected = 2.0 if _section(fast_service, chunk_id)[-1] == "Phân công thực hiện" else 1.0
        assert ratio == pytest.approx(expected), _section(fast_service, chunk_id)


def test_the_named_project_and_field_lift_its_passage_to_the_top(fast_service: AssistantService) -> None:
    question = "Kinh phí Dự án 4 là bao nhiêu?"
    ratios = _ratios(fast_service, question, {"structure_boost": 2.0})
    money = {i: " ".join(_section(fast_service, i)) for i in ratios if _section(fast_service, i)[-1] == "Kinh phí"}
    asked = [ratios[i] for i, path in money.items() if "Dự án 4" in path]
    (other,) = [ratios[i] for i, path in money.items() if "Dự án 2:" in path]
    assert len(asked) == 2  # Ea Súp's and Trực Ninh's
    assert asked == pytest.approx([2.0 * other] * 2)  # the same field and shape: the project alone doubles it
    fused = HybridSearch(fast_service.store, fast_service.settings.retrieval, apply_ranker=False)
    top = fused.run(question, 3).passages[0]
    assert top.chunk.section_path[-1] == "Kinh phí" and "Dự án 4" in " ".join(top.chunk.section_path)


def test_du_an_2_does_not_boost_the_tieu_du_an_2_of_another_project(fast_service: AssistantService) -> None:
    ratios = _ratios(fast_service, "Mục tiêu của Dự án 2 là gì?", {"structure_boost": 2.0})
    other = [
        i
        for i in ratios
        if "Dự án 6" in " ".join(_section(fast_service, i)) and _section(fast_service, i)[-1] == "Mục tiêu"
    ]
    assert other and all(ratios[i] == pytest.approx(2.0) for i in other)  # the field's boost only


def test_a_filter_keeps_only_its_documents(fast_service: AssistantService) -> None:
    search = HybridSearch(fast_service.store, RetrievalSettings())
    passages = search.run("Kinh phí là bao nhiêu?", 20, SearchFilters(locality="Trực Ninh")).passages
    assert passages and {p.chunk.doc_id for p in passages} == {"ke-hoach-truc-ninh-2023"}
