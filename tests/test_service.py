"""AssistantService.ask with the page's chips (an explicit scope) over the fast fixtures."""

from __future__ import annotations

from assistant.retrieval.frame import Scope
from assistant.service import AssistantService


def test_a_field_chip_changed_from_the_questions_asks_for_that_field(fast_service: AssistantService) -> None:
    question = "Kinh phí Dự án 2 ở huyện Ea Súp là bao nhiêu?"
    assert "1.250 triệu đồng" in fast_service.ask(question).answer.answer
    chip = Scope(field="Đối tượng", project="Dự án 2", locality="Ea Súp")
    answer = fast_service.ask(question, scope=chip).answer
    assert answer.frame is not None and answer.frame.asked == "list" and answer.frame.scope.field == "Đối tượng"
    assert not answer.refused
    assert "Hộ nghèo, hộ cận nghèo, hộ mới thoát nghèo trên địa bàn các xã" in answer.answer.split("Nguồn")[0]
    assert "1.250" not in answer.answer
