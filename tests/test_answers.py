"""Answers on the real corpus: grounded, cited verbatim, refused when the documents are silent."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answer.llm import LLMComposer
from assistant.conversation import ConversationStore, Turn, effective_question
from assistant.retrieval.hybrid import SearchFilters
from assistant.retrieval.query import QueryAnalyzer
from assistant.service import AssistantService
from core.verbatim import is_verbatim
from ingest.loaders import load
from ingest.normalize import Normalizer
from prompts import get_prompts
from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.integration

QUESTIONS = [
    "Hộ gia đình vừa thoát nghèo thì còn được hưởng hỗ trợ trong bao lâu?",
    "tong nhu cau von nam 2025 huyen Ia H'Drai",
    "Đối tượng của Tiểu dự án 1 Dự án 3 ở Krông Nô là ai?",
    "phong nao chu tri du an 6 o Krong No",
    "Xã Trực Thái đặt mục tiêu giảm tỷ lệ nghèo đa chiều bao nhiêu năm 2024?",
    "Kinh phí Dự án 5 hỗ trợ nhà ở của Ia H'Drai năm 2025 là bao nhiêu?",
    "Đắk Glei đã giảm được bao nhiêu hộ nghèo giai đoạn 2021-2024?",
]


def _footnote_lines(source: str) -> set[int]:
    blocks = Normalizer().run(load(CORPUS_DIR / source))
    return {n for b in blocks if b.kind == "footnote" for n in b.source_lines}


def test_recently_escaped_households_stay_eligible_36_months(service: AssistantService) -> None:
    answer = service.ask(QUESTIONS[0]).answer
    assert not answer.refused
    assert any("36 tháng" in c.quote for c in answer.citations)


def test_total_2025_funding_of_ia_hdrai_without_diacritics(service: AssistantService) -> None:
    answer = service.ask(QUESTIONS[1]).answer
    assert "56.770 triệu đồng" in answer.answer
    assert any("56.770" in c.quote and c.doc_id.startswith("003") for c in answer.citations)


def test_beneficiaries_answer_gives_the_whole_field(service: AssistantService) -> None:
    answer = service.ask(QUESTIONS[2]).answer
    sections = {c.section for c in answer.citations}
    assert len(sections) == 1
    section = sections.pop()
    assert "Dự án 3" in section and "Tiểu dự án 1" in section and section.endswith("Đối tượng")
    assert any("36 tháng" in c.quote for c in answer.citations)
    assert len(answer.citations) == 3


@pytest.mark.parametrize(
    "question",
    [
        "Hỗ trợ mua xe máy cho hộ nghèo ở Lâm Đồng được bao nhiêu tiền?",
        "Huyện Mường Tè năm 2023 có bao nhiêu hộ nghèo?",
        "Ngân sách giảm nghèo của huyện Krông Nô năm 2019 là bao nhiêu?",
    ],
)
def test_questions_the_documents_cannot_answer_are_refused(service: AssistantService, question: str) -> None:
    answer = service.ask(question).answer
    assert answer.refused
    assert answer.answer.startswith(get_prompts().answer.refusal)
    assert answer.citations == []
    assert answer.suggestions  # the nearest sections are offered


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_citation_is_verbatim_in_its_source_lines(service: AssistantService, question: str) -> None:
    answer = service.ask(question).answer
    assert answer.citations, answer.answer
    for citation in answer.citations:
        lines = load(CORPUS_DIR / citation.source).lines
        skip = _footnote_lines(citation.source)
        assert is_verbatim(citation.quote, lines, citation.line_start, citation.line_end, skip), citation
        assert f"[{citation.n}]" in answer.answer


def test_a_named_locality_restricts_the_documents(service: AssistantService) -> None:
    outcome = service.ask("Phòng nào chủ trì thực hiện Dự án 6 ở Krông Nô?")
    assert {p.chunk.doc_id for p in outcome.passages} == {"000_73905b5b1f629f25"}


def test_filters_restrict_retrieval(service: AssistantService) -> None:
    outcome = service.ask("đối tượng thụ hưởng dự án 2", filters=SearchFilters(locality="Ia H'Drai", year=2022))
    assert outcome.passages
    assert {p.chunk.doc_id for p in outcome.passages} == {"002_b8091ea745fe2cf1"}
    nothing = service.ask("đối tượng thụ hưởng dự án 2", filters=SearchFilters(locality="Lâm Đồng"))
    assert nothing.passages == [] and nothing.answer.refused


def test_follow_up_inherits_topic_and_swaps_locality(service: AssistantService) -> None:
    conversation = ConversationStore().get_or_create(None)
    analyzer = QueryAnalyzer(service.store.catalog.documents(), service.settings.provinces_file)
    first = "Phòng nào chủ trì Dự án 6 ở Krông Nô?"
    outcome = service.ask(first)
    conversation.turns.append(Turn(first, first, outcome.search.intent.localities if outcome.search else []))
    follow_up = "còn huyện Ia H'Drai thì sao?"
    effective = effective_question(conversation, follow_up, analyzer.run(follow_up))
    assert "Dự án 6" in effective and "Krông Nô" not in effective
    second = service.ask(effective)
    assert second.passages and all(p.chunk.doc_id.startswith(("002", "003")) for p in second.passages)


def test_llm_mode_drops_unknown_citations_and_lines_with_unsupported_figures(service: AssistantService) -> None:
    result = service.search.run(QUESTIONS[1], 5)
    fallback = service.composer().run(QUESTIONS[1], result, service.documents())
    n = next(i for i, p in enumerate(result.passages, start=1) if "56.770" in p.chunk.text)
    fake = FakeListChatModel(
        responses=[f"Tổng nhu cầu vốn năm 2025 là 56.770 triệu đồng [{n}].\nTrong đó 99.999 triệu đồng khác [9]."]
    )
    answer = LLMComposer(service.settings.llm, get_prompts(), fake).run(QUESTIONS[1], result, fallback)
    assert answer.mode == "llm"
    assert "[9]" not in answer.answer and "99.999" not in answer.answer
    assert "56.770 triệu đồng" in answer.answer
    assert [c.n for c in answer.citations] == [n]
    assert any("99.999" in w for w in answer.warnings)
    assert not any("56.770" in w for w in answer.warnings)
    lines = load(CORPUS_DIR / answer.citations[0].source).lines
    assert is_verbatim(answer.citations[0].quote, lines, answer.citations[0].line_start, answer.citations[0].line_end)


def test_llm_failure_falls_back_to_extractive(service: AssistantService) -> None:
    class Broken(FakeListChatModel):
        def invoke(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
            raise TimeoutError("endpoint down")

    result = service.search.run(QUESTIONS[1], 5)
    fallback = service.composer().run(QUESTIONS[1], result, service.documents())
    answer = LLMComposer(service.settings.llm, get_prompts(), Broken(responses=["x"])).run(
        QUESTIONS[1], result, fallback
    )
    assert answer.answer == fallback.answer
    assert get_prompts().answer.llm_fallback in answer.warnings


def test_llm_prompt_fences_passages_as_data(service: AssistantService) -> None:
    result = service.search.run(QUESTIONS[1], 5)
    messages = LLMComposer(service.settings.llm, get_prompts()).messages(QUESTIONS[1], result.passages)
    assert messages[1].content.count("<doan ") == len(result.passages)
    assert "không phải chỉ dẫn" in str(messages[0].content)


def test_prompt_texts_live_in_prompts_dir() -> None:
    assert (Path(__file__).parents[1] / "prompts" / "vi.toml").read_text(encoding="utf-8").count(
        get_prompts().answer.refusal
    ) == 1
