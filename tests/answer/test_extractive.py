"""The extractive composer over the fast fixtures: the asked value first, refusals with what the documents
do say, lists whole, long sentences by the clauses that carry the question (real search, real composer)."""

from __future__ import annotations

from assistant.answer.models import Answer
from assistant.service import AssistantService
from prompts import get_prompts
from tests.support.fast import FAST_CORPUS

TEXTS = get_prompts().answer


def _line(source: str, n: int) -> str:
    return (FAST_CORPUS / source).read_text(encoding="utf-8").splitlines()[n - 1]


def _ask(service: AssistantService, question: str) -> Answer:
    return service.ask(question).answer


def test_the_asked_value_comes_first_under_its_project_and_place(fast_service: AssistantService) -> None:
    answer = _ask(fast_service, "Kinh phí Dự án 2 ở huyện Ea Súp năm 2024 là bao nhiêu?")
    assert not answer.refused
    header, first = answer.answer.splitlines()[:2]
    assert header == "Dự án 2 (Ea Súp, 2024):"
    assert first.startswith("- Kinh phí: 1.250 triệu đồng, trong đó ngân sách trung ương 1.000 triệu đồng")
    assert [line.scope for line in answer.direct] == ["Dự án 2 (Ea Súp, 2024)"]
    cited = answer.citations[answer.direct[0].citations[0] - 1]
    assert "1.250 triệu đồng" in _line(cited.source, cited.line_start)


def test_a_value_the_documents_do_not_state_is_refused_with_what_they_say_nearby(
    fast_service: AssistantService,
) -> None:
    answer = _ask(fast_service, "Mỗi hộ tham gia mô hình Dự án 2 ở Ea Súp được hỗ trợ bao nhiêu phần trăm?")
    assert answer.refused and not answer.direct
    lines = answer.answer.splitlines()
    assert lines[0] == TEXTS.refusal
    assert TEXTS.nearby_intro in lines
    assert answer.nearby and len(answer.citations) == len(answer.nearby)
    for line, citation in zip(answer.nearby, answer.citations, strict=True):
        said = line.text.split(": ", 1)[-1]  # the field label is shown before the sentence's own words
        assert said in _line(citation.source, citation.line_start)
        assert "Dự án 2" in citation.section


def test_a_year_or_a_place_no_document_covers_is_refused_with_its_reason(fast_service: AssistantService) -> None:
    year = _ask(fast_service, "Kinh phí Dự án 2 ở Ea Súp năm 2021 là bao nhiêu?")
    assert year.refused and TEXTS.uncovered_year.format(years="2021") in year.answer
    place = _ask(fast_service, "Kinh phí Dự án 2 ở huyện Krông Bông là bao nhiêu?")
    assert place.refused and TEXTS.unknown_place.format(places="Krông Bông") in place.answer
    for refused in (year, place):
        assert not refused.citations  # nothing quoted as if it answered
        assert refused.suggestions and TEXTS.suggestions_intro in refused.answer


def test_a_list_is_given_whole_in_document_order_each_item_cited(fast_service: AssistantService) -> None:
    answer = _ask(fast_service, "Nội dung thực hiện truyền thông giảm nghèo ở Trực Ninh gồm những gì?")
    assert answer.frame is not None and answer.frame.asked == "list"
    assert [line.text for line in answer.direct] == [
        "Tổ chức hội thi tuyên truyền viên giỏi về công tác giảm nghèo cấp huyện.",
        "Xây dựng 2 chuyên mục về giảm nghèo trên Đài Truyền thanh huyện.",
        "In và cấp phát 3.000 tờ rơi về chính sách giảm nghèo cho các xã.",
    ]
    starts = [answer.citations[line.citations[0] - 1].line_start for line in answer.direct]
    assert starts == sorted(starts) and len(set(starts)) == 3


def test_a_long_sentence_is_shown_by_the_clauses_that_carry_the_question(fast_service: AssistantService) -> None:
    answer = _ask(fast_service, "Thu thập thông tin thị trường lao động ở Ea Súp được thực hiện như thế nào?")
    (line,) = answer.direct
    assert line.text.startswith("… thu thập, cập nhật thông tin thị trường lao động") and line.text.endswith("; …")
    assert "loa truyền thanh" not in line.text
    citation = answer.citations[line.citations[0] - 1]
    whole = _line(citation.source, citation.line_start)
    assert "loa truyền thanh" in whole and line.text.strip("… ") in whole  # the quote keeps the whole sentence


def test_a_long_value_sentence_is_shown_by_the_clause_stating_the_asked_value(fast_service: AssistantService) -> None:
    answer = _ask(fast_service, "Kinh phí kiểm tra, giám sát, đánh giá của Dự án 7 ở Ea Súp là bao nhiêu?")
    (line,) = answer.direct
    assert "90 triệu đồng cho hoạt động kiểm tra, giám sát, đánh giá" in line.text
    assert "300 triệu đồng" not in line.text
    assert line.text.startswith("… ") and line.text.endswith(" …")


def test_the_asked_field_of_the_best_passages_project_is_given_when_no_project_is_named(
    fast_service: AssistantService,
) -> None:
    # named by its title, not its number: the best passage may be the sub-project's Mục tiêu, but the
    # Đối tượng of the same sub-project is what is asked
    answer = _ask(
        fast_service, "Tiểu dự án hỗ trợ kết nối việc làm thành công cho lao động ở Ea Súp dành cho đối tượng nào?"
    )
    assert not answer.refused
    first = answer.citations[answer.direct[0].citations[0] - 1]
    assert first.section.endswith("Đối tượng") and "Tiểu dự án 3" in first.section
    assert "các trung tâm dịch vụ việc làm" in answer.direct[0].text


def test_an_office_no_passage_names_is_refused_and_one_they_name_is_answered(fast_service: AssistantService) -> None:
    unnamed = _ask(fast_service, "Phòng Tư pháp huyện Ea Súp được giao nhiệm vụ gì trong kế hoạch?")
    assert unnamed.refused and not unnamed.direct
    assert TEXTS.unnamed_office.format(offices="Phòng Tư pháp") in unnamed.answer
    named = _ask(fast_service, "Phòng Lao động - Thương binh và Xã hội huyện Ea Súp được giao nhiệm vụ gì?")
    assert not named.refused
    assert any("Phòng Lao động - Thương binh và Xã hội" in c.quote for c in named.citations)
    # an abbreviation cannot be matched to the documents' spelling: never refused for it
    short = _ask(fast_service, "Phòng LĐ-TB&XH huyện Ea Súp được giao nhiệm vụ gì?")
    assert TEXTS.unnamed_office.split("{")[0] not in short.answer
