"""Typed facts extracted at ingest, on the real documents (parsed, not indexed: fast tier)."""

from __future__ import annotations

from ingest.facts import FactExtractor, canonical_number
from ingest.models import Fact, Sentence
from tests.conftest import Parsed

EXTRACT = FactExtractor()


def _facts(parsed: Parsed) -> list[tuple[list[str], Fact]]:
    return [(chunk.section_path, fact) for chunk in parsed.chunks for fact in EXTRACT.facts(chunk)]


def test_canonical_numbers_follow_vietnamese_grouping() -> None:
    assert canonical_number("1.642") == "1642"
    assert canonical_number("49,7") == "49.7"
    assert canonical_number("1.234,5") == "1234.5"
    assert canonical_number("03") == "3"


def test_project_money_is_typed_with_its_funding_source(corpus: dict[str, Parsed]) -> None:
    money = [(path, f) for path, f in _facts(corpus["003"]) if f.kind == "amount" and 520 <= f.line_start <= 670]
    totals = {f.number: f for _, f in money if "vốn sự nghiệp" in f.funding and "Nhu cầu vốn" in f.subject}
    assert set(totals) == {"1642", "547", "361"}
    central = [f for _, f in money if f.number == "497"]
    assert central and central[0].funding == ["ngân sách trung ương"]
    assert all(f.text in {s.text for c in corpus["003"].chunks for s in c.sentences} for _, f in money)


def test_durations_percentages_and_per_unit(corpus: dict[str, Parsed]) -> None:
    facts = [f for _, f in _facts(corpus["000"])]
    assert any(f.kind == "duration" and f.value == "36 tháng" for f in facts)
    assert any(f.kind == "percent" for f in facts)
    sentence = Sentence(text="Hỗ trợ 40 triệu đồng/hộ xây mới nhà ở.", line_start=1, line_end=1)
    (fact,) = EXTRACT.sentence_facts(sentence)
    assert (fact.kind, fact.number, fact.per) == ("amount", "40", "hộ")


def test_document_references_keep_their_dates(corpus: dict[str, Parsed]) -> None:
    documents = [f for _, f in _facts(corpus["001"]) if f.kind == "document"]
    circular = [f for f in documents if f.number == "04/2022/TT-BNNPTNT"]
    assert circular and circular[0].date == "11/7/2022"


def test_offices_with_their_role(corpus: dict[str, Parsed]) -> None:
    offices = [f for _, f in _facts(corpus["000"]) if f.kind == "office"]
    leads = {f.value for f in offices if f.role == "chủ trì"}
    assert "Phòng Lao động - Thương binh và Xã hội" in leads
    sentence = Sentence(
        text="Phòng Nông nghiệp và Phát triển nông thôn chủ trì, phối hợp với Phòng Tài chính - Kế hoạch thực hiện.",
        line_start=1,
        line_end=1,
    )
    roles = {f.value: f.role for f in EXTRACT.sentence_facts(sentence) if f.kind == "office"}
    assert roles == {"Phòng Nông nghiệp và Phát triển nông thôn": "chủ trì", "Phòng Tài chính - Kế hoạch": "phối hợp"}


def test_years_and_section_numbers_are_not_counts(corpus: dict[str, Parsed]) -> None:
    counts = [f for _, f in _facts(corpus["003"]) if f.kind == "count"]
    assert counts
    assert not any(f.number and f.number.startswith("20") and len(f.number) == 4 for f in counts)
