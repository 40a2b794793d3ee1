"""Conversations (assistant/conversation.py) and follow-up resolution (assistant/followup.py): what a short
or cued follow-up inherits, what it replaces, and how much is kept."""

from __future__ import annotations

from assistant.conversation import Conversation, ConversationStore, Turn, effective_question, strip_places, strip_years
from assistant.retrieval.query import QueryIntent
from assistant.service import AssistantService


def _turns(service: AssistantService, *questions: str) -> list[tuple[str, list[str], list[str]]]:
    """(searched question, direct lines, their scopes) of each turn of one conversation."""
    conversation = Conversation("c")
    out = []
    for question in questions:
        outcome = service.ask(question, conversation=conversation)
        direct = outcome.answer.direct
        out.append((outcome.effective_question, [d.text for d in direct], [d.scope for d in direct]))
    return out


def test_strip_places_drops_the_place_and_its_kind_word_with_or_without_diacritics() -> None:
    assert strip_places("Kinh phí Dự án 2 ở huyện Ea Súp?", ["Ea Súp"]) == "Kinh phí Dự án 2 ở"
    assert strip_places("kinh phi du an 2 huyen ea sup", ["Ea Súp"]) == "kinh phi du an 2"
    assert strip_years("Kinh phí năm 2024 và 2025").split() == ["Kinh", "phí", "và"]


def test_a_short_follow_up_inherits_the_topic_and_place_a_long_question_stands_alone() -> None:
    conversation = Conversation("c")
    conversation.add(Turn("Dự án 2 ở Ea Súp hỗ trợ những ai?", "Dự án 2 ở Ea Súp hỗ trợ những ai?", ["Ea Súp"]))
    short = effective_question(conversation, "còn kinh phí?", QueryIntent(folded="con kinh phi"))
    assert short == "còn kinh phí? Dự án 2 hỗ trợ những ai? Ea Súp"
    moved = effective_question(
        conversation, "thế ở Trực Ninh?", QueryIntent(folded="the o truc ninh", localities=["Trực Ninh"])
    )
    assert "Ea Súp" not in moved and moved.startswith("thế ở Trực Ninh?")
    long = "Phòng nào chủ trì thực hiện Tiểu dự án 3 hỗ trợ việc làm bền vững ở huyện Trực Ninh?"
    assert effective_question(conversation, long, QueryIntent(folded="")) == long


def test_a_conversation_keeps_its_last_turns_and_the_store_its_newest_conversations() -> None:
    conversation = Conversation("c", max_turns=2)
    for n in range(3):
        conversation.add(Turn(f"q{n}", f"q{n}", []))
    assert [t.question for t in conversation.turns] == ["q1", "q2"]
    store = ConversationStore(capacity=2)
    first = store.get_or_create(None)
    assert store.get_or_create(first.conversation_id) is first
    store.get_or_create(None)
    store.get_or_create(None)
    assert store.get_or_create(first.conversation_id) is not first  # the oldest was dropped


def test_a_new_field_keeps_the_project_and_place(fast_service: AssistantService) -> None:
    _, (searched, direct, scopes) = _turns(
        fast_service, "Dự án 2 ở huyện Ea Súp hỗ trợ những ai?", "còn kinh phí thì sao?"
    )
    assert searched == "còn kinh phí thì sao? Dự án 2 Ea Súp"  # not the beneficiaries' words again
    assert direct[0].startswith("Kinh phí: 1.250 triệu đồng") and scopes == ["Dự án 2 (Ea Súp, 2024)"]


def test_a_new_place_keeps_the_project_and_field(fast_service: AssistantService) -> None:
    first, second = _turns(
        fast_service, "Kinh phí Tiểu dự án 3 của Dự án 4 ở Ea Súp là bao nhiêu?", "thế còn ở Trực Ninh?"
    )
    assert first[1][0].startswith("Kinh phí: 480 triệu đồng")
    assert "Ea Súp" not in second[0]
    assert second[1] == ["Kinh phí: 210 triệu đồng."] and second[2] == ["Dự án 4 › Tiểu dự án 3 (Trực Ninh, 2023)"]


def test_a_new_project_keeps_the_asked_field_and_place(fast_service: AssistantService) -> None:
    _, (_, direct, scopes) = _turns(fast_service, "Phòng nào chủ trì Dự án 2 ở Ea Súp?", "còn Dự án 4 thì sao?")
    assert direct[0].startswith("Phân công thực hiện: Phòng Lao động - Thương binh và Xã hội chủ trì")
    assert scopes == ["Dự án 4 › Tiểu dự án 3 (Ea Súp, 2024)"]


def test_a_follow_up_led_by_a_year_or_pointing_back_at_the_project_inherits_its_topic() -> None:
    conversation = Conversation("c")
    conversation.add(
        Turn("Kinh phí Dự án 2 ở Ea Súp là bao nhiêu?", "Kinh phí Dự án 2 ở Ea Súp là bao nhiêu?", ["Ea Súp"])
    )
    for question in ("nam 2023 thi duoc bao nhieu, lam gi", "doi tuong cua tieu du an nay la ai vay"):
        inherited = effective_question(conversation, question, QueryIntent(folded=question))
        assert inherited.startswith(question) and "Dự án 2" in inherited and "Ea Súp" in inherited
    alone = "nam 2023 huyen nao duoc phan bo nhieu kinh phi nhat"
    assert effective_question(conversation, alone, QueryIntent(folded=alone)) == alone


def test_a_bare_how_much_after_an_amount_asks_the_same_amount(fast_service: AssistantService) -> None:
    conversation = Conversation("c")
    fast_service.ask("Kinh phí Tiểu dự án 3 ở huyện Ea Súp là bao nhiêu?", conversation=conversation)
    answer = fast_service.ask("thế ở Trực Ninh thì cần bao nhiêu?", conversation=conversation).answer
    assert answer.frame is not None and answer.frame.asked == "amount"
    assert not answer.refused and "210 triệu đồng" in answer.direct[0].text


def test_another_kind_of_question_does_not_keep_the_field_the_previous_one_implied(
    fast_service: AssistantService,
) -> None:
    conversation = Conversation("c")
    fast_service.ask("Kinh phí Dự án 2 ở huyện Ea Súp là bao nhiêu?", conversation=conversation)
    frame = fast_service.ask("phòng nào chủ trì?", conversation=conversation).answer.frame
    assert frame is not None and frame.asked == "office"
    assert frame.scope.project == "Dự án 2" and frame.scope.field != "Kinh phí"


def test_a_project_named_by_its_title_is_what_the_follow_up_asks_about(fast_service: AssistantService) -> None:
    conversation = Conversation("c")
    fast_service.ask("Tiểu dự án hỗ trợ việc làm bền vững ở Ea Súp làm những gì?", conversation=conversation)
    frame = fast_service.ask("còn kinh phí thì sao?", conversation=conversation).answer.frame
    assert frame is not None and (frame.scope.project, frame.scope.subproject) == ("Dự án 4", "Tiểu dự án 3")


def test_after_whether_money_was_given_a_follow_up_asks_for_the_figure(fast_service: AssistantService) -> None:
    _, second = _turns(
        fast_service, "Dự án 2 ở huyện Ea Súp có được bố trí kinh phí không?", "thế còn Dự án 4 thì sao?"
    )
    outcome = fast_service.ask("Dự án 2 ở huyện Ea Súp có được bố trí kinh phí không?")
    assert outcome.answer.frame is not None and outcome.answer.frame.asked == "yesno"
    assert second[1] and second[1][0].startswith("Kinh phí: 480 triệu đồng")  # the figure, not a yes/no passage
