"""Folding, tokens, figures and glossary expansion of the lexical analyser."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from core.analysis import Analyzer, Glossary, Term, load_glossary
from core.settings import get_settings
from core.text import fold

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_glossary(get_settings().glossary_file))


def test_fold_strips_diacritics_case_and_d_bar() -> None:
    assert fold("Hộ cận nghèo – Đắk Glei") == "ho can ngheo – dak glei"
    assert fold("ĐỒNG BÀO DÂN TỘC THIỂU SỐ") == "dong bao dan toc thieu so"


def test_fold_same_for_decomposed_input_and_apostrophes() -> None:
    decomposed = unicodedata.normalize("NFD", "Huyện Ia H’Drai")
    assert fold(decomposed) == fold("Huyện Ia H'Drai") == "huyen ia h'drai"
    assert fold("“a”") == "'a'"


def test_tokens_ignore_diacritics(analyzer: Analyzer) -> None:
    assert analyzer.tokens("ho can ngheo") == analyzer.tokens("Hộ cận nghèo")
    assert analyzer.tokens("Hộ cận nghèo")[:3] == ["ho", "can", "ngheo"]


def test_bigrams_only_when_asked() -> None:
    glossary = Glossary(())
    assert Analyzer(glossary).tokens("hộ cận nghèo") == ["ho", "can", "ngheo", "ho_can", "can_ngheo"]
    assert Analyzer(glossary, bigrams=False).tokens("hộ cận nghèo") == ["ho", "can", "ngheo"]


def test_figures_have_one_spelling() -> None:
    plain = Analyzer(Glossary(()), bigrams=False)
    assert plain.tokens("56.770 triệu") == plain.tokens("56770 triệu") == ["56770", "trieu"]
    assert plain.tokens("1.234.567") == plain.tokens("1,234,567") == ["1234567"]
    assert plain.tokens("giảm 0.5%") == plain.tokens("giảm 0,5%") == ["giam", "0,5"]
    assert plain.tokens("0,5") != plain.tokens("5")
    assert plain.tokens("ngày 02/04/2024") == ["ngay", "2", "4", "2024"]


def test_footnote_markers_and_apostrophes(analyzer: Analyzer) -> None:
    plain = Analyzer(Glossary(()), bigrams=False)
    assert plain.tokens("huyện Ia H’Drai¹⁶") == plain.tokens("huyen Ia HDrai") == ["huyen", "ia", "hdrai"]
    assert "ldtbxh" in analyzer.tokens("Phòng Lao động - TB&XH¹⁶")


def test_abbreviation_expands_to_long_form(analyzer: Analyzer) -> None:
    tokens = analyzer.tokens("phong LDTBXH")
    assert set(analyzer.tokens("Lao động - Thương binh và Xã hội")) <= set(tokens)
    for short in ["LĐ-TB&XH", "LĐTBXH", "Lao động - TB&XH", "LĐ-TBXH"]:
        assert {"thuong_binh", "xa_hoi", "ldtbxh"} <= set(analyzer.tokens(short)), short
    assert {"nong", "nghiep", "phat_trien", "nong_thon"} <= set(analyzer.tokens("Sở NN&PTNT"))
    assert {"bao", "hiem", "y", "te"} <= set(analyzer.tokens("thẻ BHYT"))


def test_long_form_adds_abbreviation(analyzer: Analyzer) -> None:
    # dash, en dash, line break and missing diacritics all spell the same long form
    for text in [
        "Lao động - Thương binh và Xã hội",
        "Lao động – Thương binh\nvà Xã hội",
        "lao dong thuong binh va xa hoi",
    ]:
        assert "ldtbxh" in analyzer.tokens(text), text
    assert "ubnd" in analyzer.tokens("Ủy ban nhân dân") and "ubnd" in analyzer.tokens("Uỷ ban nhân dân")
    assert "nnptnt" in analyzer.tokens("Nông nghiệp và Phát triển nông thôn")
    assert "gnbv" in analyzer.tokens("giảm nghèo bền vững")


def test_long_form_not_counted_twice(analyzer: Analyzer) -> None:
    tokens = analyzer.tokens("Ngân hàng Chính sách xã hội (NHCSXH)")
    assert tokens.count("ngan") == 1


def test_two_letter_abbreviations_only_in_capitals(analyzer: Analyzer) -> None:
    assert {"thong", "tu"} <= set(analyzer.tokens("số 09/2022/TT-BLĐTBXH"))
    assert "thong" not in analyzer.tokens("tt huyện") and "hoach" not in analyzer.tokens("kh")


def test_word_mode_segments_with_pyvi(analyzer: Analyzer) -> None:
    word = Analyzer(analyzer.glossary, mode="word")
    tokens = word.tokens("Ngân hàng Chính sách xã hội hỗ trợ hộ nghèo 56.770 triệu đồng")
    assert {"ngan_hang", "chinh_sach", "xa_hoi", "56770", "nhcsxh"} <= set(tokens)
    assert "ngan" not in tokens  # words, not syllables
    assert word.signature != analyzer.signature


def test_glossary_file_errors_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text('[[term]]\nshort = ["GNBV"]\nlong = []\n', encoding="utf-8")
    with pytest.raises(ValueError, match="cần 'short' và 'long'"):
        load_glossary(path)
    clash = Glossary((Term(("HN",), ("hộ nghèo",)), Term(("HN",), ("Hà Nội",))))
    with pytest.raises(ValueError, match="hai mục"):
        Analyzer(clash)


def test_glossary_covers_corpus_abbreviations() -> None:
    """The abbreviations the five documents use most are all in the glossary."""
    folded = {fold(f) for term in load_glossary(get_settings().glossary_file).terms for f in term.short}
    for short in ["LĐTBXH", "TB&XH", "NN&PTNT", "MTQG", "CTMTQG", "GNBV", "BHYT", "BHXH", "NHCSXH", "UBND", "HĐND"]:
        assert fold(short) in folded, short
    for short in ["DTTS", "ĐBKK", "KT-XH", "NSNN", "GDNN", "MTTQ", "BLĐTBXH", "BNNPTNT"]:
        assert fold(short) in folded, short
