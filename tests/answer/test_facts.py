"""Which typed facts answer a frame: a rate's level is not answered by its change, a payout not by what was
planned, and a value the question itself gives is not what it asks (real extractor, real matcher)."""

from __future__ import annotations

from assistant.answer.facts import FactMatcher
from assistant.answer.scoring import EvidenceScorer
from assistant.retrieval.frame import FrameReader
from assistant.retrieval.query import QueryIntent
from core.text import fold
from ingest.facts import FactExtractor
from ingest.models import Chunk, Sentence

READER = FrameReader()
MATCHER = FactMatcher(EvidenceScorer(lambda text: fold(text).split(), lambda _: 1, 10), min_score=0.0)


def _chunk(*sentences: str, section: str = "Kinh phí") -> Chunk:
    said = [Sentence(text=text, line_start=i + 1, line_end=i + 1) for i, text in enumerate(sentences)]
    chunk = Chunk(
        chunk_id="c1",
        doc_id="d1",
        source="d1.txt",
        title="Kế hoạch",
        section_path=["Dự án 3", section],
        text="\n".join(sentences),
        line_start=1,
        line_end=len(sentences),
        sentences=said,
        ordinal=0,
    )
    return FactExtractor().run([chunk])[0]


def _stated(question: str, chunk: Chunk) -> list[str]:
    frame = READER.run(question, QueryIntent(folded=fold(question)))
    return [m.fact.value for m in MATCHER.run(question, frame, [chunk], {})]


def test_a_rate_asked_as_a_level_is_not_answered_by_a_change() -> None:
    chunk = _chunk(
        "Giảm ít nhất 1,5% tỷ lệ hộ nghèo đồng bào dân tộc thiểu số.",
        "Tỷ lệ hộ nghèo đồng bào dân tộc thiểu số giảm còn 3,03%.",
        section="Mục tiêu",
    )
    assert _stated("Tỷ lệ hộ nghèo đồng bào dân tộc thiểu số hiện nay là bao nhiêu?", chunk) == ["3,03%"]
    assert "1,5%" in _stated("Chỉ tiêu giảm tỷ lệ hộ nghèo đồng bào dân tộc thiểu số là bao nhiêu phần trăm?", chunk)


def test_a_payout_is_not_answered_by_what_was_allocated() -> None:
    allocated = _chunk("Năm 2024: Ngân sách Trung ương phân bổ 932,0 triệu đồng.")
    paid = _chunk("Năm 2024: Đã giải ngân 512,0 triệu đồng.")
    assert _stated("Năm 2024 dự án đã giải ngân được bao nhiêu tiền?", allocated) == []
    assert _stated("Năm 2024 dự án đã giải ngân được bao nhiêu tiền?", paid) == ["512,0 triệu đồng"]
    # naming both stages binds the question to neither
    assert _stated("Năm 2024 được phân bổ bao nhiêu và giải ngân bao nhiêu?", allocated) == ["932,0 triệu đồng"]


def test_a_value_the_question_gives_is_not_asked() -> None:
    frame = READER.run("Với 726 triệu đồng nhu cầu vốn, dự kiến hỗ trợ nhà ở cho bao nhiêu hộ?", QueryIntent(folded=""))
    assert frame.asked == "count" and "amount" not in frame.also
    both = READER.run("Năm 2023 hỗ trợ bao nhiêu hộ, kinh phí bao nhiêu triệu đồng?", QueryIntent(folded=""))
    assert "amount" in (both.asked, *both.also)


def test_an_age_is_a_count_of_years_of_age() -> None:
    chunk = _chunk("Tẩy giun định kỳ cho trẻ em dưới 6 tuổi.", section="Nội dung")
    assert _stated("Tẩy giun định kỳ cho trẻ em dưới mấy tuổi?", chunk) == ["6 tuổi"]
    assert _stated("Tay giun dinh ky cho tre em duoi bao nhieu tuoi?", chunk) == ["6 tuổi"]


def test_a_count_asked_is_answered_by_a_share_of_what_it_counts() -> None:
    chunk = _chunk("100% cán bộ làm công tác giảm nghèo các cấp được bồi dưỡng tập huấn.", section="Mục tiêu")
    assert _stated("Đặt chỉ tiêu bao nhiêu cán bộ làm công tác giảm nghèo được bồi dưỡng tập huấn?", chunk) == ["100%"]
    assert _stated("Bao nhiêu hộ nghèo được bồi dưỡng tập huấn?", chunk) == []
