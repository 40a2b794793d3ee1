"""The question frame: asked type, focus, per-unit and scope, read from the vocabulary file (fast tier)."""

from __future__ import annotations

import pytest

from assistant.retrieval.frame import FrameReader, Scope, expand_abbreviations
from assistant.retrieval.query import QueryIntent

READER = FrameReader()


def _frame(question: str, **intent: object):  # type: ignore[no-untyped-def]
    return READER.run(question, QueryIntent(folded="", **intent))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Kinh phí Dự án 4 năm 2025 là bao nhiêu?", "amount"),
        ("kinh phi du an 4 nam 2025 huyen ia h'drai bao nhieu", "amount"),
        ("Được hỗ trợ bao nhiêu phần trăm chi phí học ngoại ngữ?", "percent"),
        ("Hộ vừa thoát nghèo còn được hưởng chính sách trong bao lâu?", "duration"),
        ("Phòng nào chủ trì Dự án 6?", "office"),
        ("Kế hoạch này căn cứ văn bản nào?", "document"),
        ("Có bao nhiêu hộ nghèo được hỗ trợ nhà ở?", "count"),
        ("Thông tư 04/2022/TT-BNNPTNT ban hành ngày nào?", "date"),
        ("Đối tượng của Tiểu dự án 1 gồm những ai?", "list"),
        ("So sánh kinh phí năm 2024 với năm 2025", "comparison"),
        ("Hộ cận nghèo có được vay vốn không?", "yesno"),
        ("Giới thiệu chung về chương trình", "text"),
    ],
)
def test_asked_type(question: str, asked: str) -> None:
    assert _frame(question).asked == asked


def test_scope_and_label_from_the_question_and_its_intent() -> None:
    frame = _frame(
        "kinh phi du an 4 tieu du an 2 von su nghiep nam 2025 o ia hdrai",
        localities=["Ia H'Drai"],
        years=[2025],
        field="Kinh phí",
    )
    assert frame.scope == Scope(
        locality="Ia H'Drai",
        year=2025,
        project="Dự án 4",
        subproject="Tiểu dự án 2",
        field="Kinh phí",
        funding="vốn sự nghiệp",
    )
    assert frame.label == "Kinh phí · Dự án 4 › Tiểu dự án 2 · vốn sự nghiệp · Ia H'Drai · 2025"


def test_per_unit_is_read_with_and_without_diacritics() -> None:
    assert _frame("Mức hỗ trợ mỗi hộ là bao nhiêu tiền?").per == "hộ"
    assert _frame("muc ho tro cho moi nguoi lao dong la bao nhieu").per == "lao động"
    assert _frame("Tổng kinh phí là bao nhiêu?").per is None


def test_focus_drops_question_words_places_and_numbers() -> None:
    frame = _frame("Cho em hỏi ở Ia H'Drai năm 2025 mức hỗ trợ học ngoại ngữ là bao nhiêu?", localities=["Ia H'Drai"])
    assert frame.topic == "mức hỗ trợ học ngoại ngữ"
    assert READER.run("Được hỗ trợ bao nhiêu phần trăm chi phí học ngoại ngữ?", QueryIntent(folded="")).focus == (
        "chi phí học ngoại ngữ"
    )


def test_office_role_is_part_of_an_office_question() -> None:
    assert _frame("Cơ quan nào phối hợp thực hiện Dự án 6?").role == "phối hợp"
    assert _frame("Ai chủ trì Dự án 6?").role == "chủ trì"


def test_abbreviated_projects_as_officers_type_them() -> None:
    assert expand_abbreviations("kinh phi DA4 TDA 3 o Ia Hdrai") == "kinh phi Dự án 4 Tiểu dự án 3 o Ia Hdrai"
    assert expand_abbreviations("da thuc hien") == "da thuc hien"  # "đã" without marks is a word


def test_a_follow_up_scope_keeps_what_it_leaves_open() -> None:
    before = Scope(locality="Ia H'Drai", year=2025, project="Dự án 4", field="Đối tượng")
    after = Scope(field="Kinh phí").merged_over(before)
    assert after == Scope(locality="Ia H'Drai", year=2025, project="Dự án 4", field="Kinh phí")


def test_vocabulary_without_an_asked_type_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from core.vocabulary import load_vocabulary

    broken = replace(load_vocabulary(), asked={"amount": ("kinh phi",)})
    with pytest.raises(ValueError, match="thiếu mục"):
        FrameReader(broken)


def test_what_questions_about_money_ask_what_not_how_much() -> None:
    assert _frame("Vốn đầu tư của tiểu dự án này dùng để làm gì?").asked == "list"
    assert _frame("Kinh phí lấy từ những nguồn nào?").asked == "list"
    assert _frame("Hộ nghèo phải giảm bao nhiêu trong năm nay?").asked == "number"
    assert _frame("Nội dung này có hỗ trợ giống cây trồng không?").asked == "yesno"


def test_several_kinds_asked_at_once() -> None:
    frame = _frame("Cuối năm 2023 có bao nhiêu hộ nghèo, chiếm tỷ lệ bao nhiêu?")
    assert {frame.asked, *frame.also} >= {"percent", "count"}


def test_a_count_question_names_what_it_counts() -> None:
    assert _frame("Năm 2024 xã dự kiến đào tạo nghề cho bao nhiêu lao động?").unit == "lao động"
    assert _frame("Có bao nhiêu hộ nghèo được hỗ trợ nhà ở?").unit == "hộ"
    assert _frame("Kinh phí là bao nhiêu?").unit is None


def test_the_offices_a_question_names_end_before_their_place() -> None:
    named = _frame("Phòng Dân tộc huyện Đắk Glei tham gia Chương trình với vai trò gì?", localities=["Đắk Glei"])
    assert named.offices == ["Phòng Dân tộc"]
    typed = _frame("Hoi Lien hiep Phu nu xa Truc Thai co nhiem vu gi?", localities=["Trực Thái"])
    assert typed.offices == ["Hoi Lien hiep Phu nu"]
    assert _frame("Kinh phí Dự án 4 năm 2025 là bao nhiêu?").offices == []


def test_every_count_unit_asked_is_kept() -> None:
    frame = _frame("Năm 2022 triển khai bao nhiêu mô hình giảm nghèo, hỗ trợ bao nhiêu đối tượng?")
    assert frame.asked == "count" and frame.unit == "mô hình" and frame.units == ["mô hình", "đối tượng"]


def test_whether_money_was_given_is_a_yes_no_question() -> None:
    assert _frame("Năm 2022 có được giao kinh phí cho tiểu dự án cải thiện dinh dưỡng không?").asked == "yesno"
    assert _frame("Năm 2022 được giao bao nhiêu kinh phí cho tiểu dự án cải thiện dinh dưỡng?").asked == "amount"
