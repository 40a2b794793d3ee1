"""Metadata of the real corpus, of ALQAC laws and of small fixtures; sidecar overrides; document ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.settings import get_settings
from core.text import split_lines
from ingest.metadata import extract_metadata, load_places, make_doc_id, sidecar_path
from ingest.models import DocumentMeta, SourceText
from tests.conftest import ALQAC_DIR, CORPUS_DIR

pytestmark = pytest.mark.unit

KON_TUM_PLAN = "Thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững"
EXPECTED: dict[str, dict[str, Any]] = {
    "000_73905b5b1f629f25": {
        "title": "Triển khai thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững năm 2024 "
        "trên địa bàn huyện Krông Nô",
        "kind": "Kế hoạch",
        "number": None,
        "issuer": "UBND huyện Krông Nô",
        "locality": "Krông Nô",
        "locality_level": "huyện",
        "district": "Krông Nô",
        "province": "Đắk Nông",
        "date": None,
        "years": [2024],
    },
    "001_840e6b9a28383439": {
        "title": f"{KON_TUM_PLAN} năm 2024 trên địa bàn xã Trực Thái",
        "kind": "Kế hoạch",
        "number": "16/KH-UBND",
        "issuer": "UBND xã Trực Thái",
        "locality": "Trực Thái",
        "locality_level": "xã",
        "district": "Trực Ninh",
        "province": "Nam Định",
        "date": "2024-04-02",
        "years": [2024],
    },
    "002_b8091ea745fe2cf1": {
        "title": "Thực hiện công tác giảm nghèo và an sinh xã hội bền vững trên địa bàn huyện Ia H'Drai năm 2022",
        "kind": "Kế hoạch",
        "number": None,
        "issuer": "UBND huyện Ia H'Drai",
        "locality": "Ia H'Drai",
        "locality_level": "huyện",
        "district": "Ia H'Drai",
        "province": "Kon Tum",
        "date": None,
        "years": [2022],
    },
    "003_d7b9b51839828f5a": {
        # the title keeps the document's own apostrophe; the place fields use the ASCII one
        "title": f"{KON_TUM_PLAN} giai đoạn 2021 - 2025 trên địa bàn huyện Ia H’Drai năm 2025",
        "kind": "Kế hoạch",
        "number": None,
        "issuer": "UBND huyện Ia H'Drai",
        "locality": "Ia H'Drai",
        "locality_level": "huyện",
        "district": "Ia H'Drai",
        "province": "Kon Tum",
        "date": None,
        "years": [2024, 2025],  # plans 2025, reports the results of 2024
    },
    "004_200d894ff49893bc": {
        "title": "Đánh giá kết quả thực hiện Chương trình mục tiêu Quốc gia giảm nghèo bền vững giai đoạn "
        "2021-2024 và đề xuất, kiến nghị cho giai đoạn 2026 – 2030",
        "kind": "Báo cáo",
        "number": None,
        "issuer": "UBND huyện Đắk Glei",
        "locality": "Đắk Glei",  # not the typo "Đăk Glei" the text prints more often
        "locality_level": "huyện",
        "district": "Đắk Glei",
        "province": "Kon Tum",
        "date": None,
        "years": [2021, 2022, 2023, 2024],  # the 2026–2030 proposals are not covered years
    },
}


def source_of(path: Path) -> SourceText:
    return SourceText(path=path, lines=split_lines(path.read_text(encoding="utf-8")), encoding="utf-8", sha256="x")


def meta_of(path: Path) -> DocumentMeta:
    settings = get_settings()
    places = load_places(settings.localities_file, settings.provinces_file)
    return extract_metadata(source_of(path), make_doc_id(path), places)


def write(tmp_path: Path, text: str, name: str = "doc.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_real_corpus_metadata(doc_id: str) -> None:
    path = CORPUS_DIR / f"{doc_id}.txt"
    meta = meta_of(path)
    fixed = {"doc_id": doc_id, "source": path.name, "path": str(path), "sha256": "x", "pages": []}
    assert meta.model_dump() == {**EXPECTED[doc_id], **fixed}


@pytest.mark.parametrize(
    ("file", "kind", "title"),
    [("Luật Du lịch", "Luật", "Luật Du lịch"), ("Bộ luật dân sự", "Bộ luật", "Bộ luật dân sự"), ("Hiến pháp",) * 3],
)
def test_alqac_law(file: str, kind: str, title: str) -> None:
    meta = meta_of(ALQAC_DIR / "laws" / f"{file}.txt")
    assert (meta.kind, meta.title) == (kind, title)
    assert (meta.locality, meta.locality_level, meta.district, meta.province, meta.issuer) == (None,) * 5
    assert (meta.number, meta.date, meta.years) == (None, None, [])


def test_law_heading_unlike_file_name_gives_sentence_case(tmp_path: Path) -> None:
    meta = meta_of(write(tmp_path, "LUẬT DU LỊCH\n\nĐiều 1. Phạm vi điều chỉnh\n", "luat-1.txt"))
    assert (meta.kind, meta.title, meta.doc_id) == ("Luật", "Luật du lịch", "luat-1")


def test_header_committee_wins_over_cited_province(tmp_path: Path) -> None:
    text = (
        "ỦY BAN NHÂN DÂN\n\nHUYỆN IA H’DRAI\n\nSố: 7/QĐ-UBND Ia H’Drai, ngày 31 tháng 02 năm 2023\n\n"
        "QUYẾT ĐỊNH\n\nVề việc giao chỉ tiêu\n\nCăn cứ Kế hoạch của UBND tỉnh Kon Tum về giảm nghèo.\n"
        "UBND tỉnh Kon Tum ban hành hướng dẫn.\n"
    )
    meta = meta_of(write(tmp_path, text))
    assert (meta.kind, meta.number, meta.title) == ("Quyết định", "7/QĐ-UBND", "Về việc giao chỉ tiêu")
    assert (meta.issuer, meta.locality, meta.province) == ("UBND huyện Ia H'Drai", "Ia H'Drai", "Kon Tum")
    assert (meta.date, meta.years) == (None, [2023])  # 31 February is no date; the year of issue stays


def test_issuing_sentence_wins_over_cited_province(tmp_path: Path) -> None:
    text = (
        "KẾ HOẠCH\nGiảm nghèo năm 2024\nCăn cứ Kế hoạch của UBND tỉnh Kon Tum ban hành ngày 01/3/2023;\n"
        "Ủy ban nhân dân huyện Đắk Glei ban hành Kế hoạch như sau:\n"
    )
    meta = meta_of(write(tmp_path, text))
    assert (meta.issuer, meta.locality_level, meta.locality) == ("UBND huyện Đắk Glei", "huyện", "Đắk Glei")
    assert meta.province == "Kon Tum"


def test_kind_from_number_when_no_heading(tmp_path: Path) -> None:
    meta = meta_of(write(tmp_path, "Số: 586/UBND-KGVX\nV/v giao chỉ tiêu giảm nghèo năm 2022\n"))
    assert (meta.kind, meta.number, meta.title, meta.years) == (
        "Công văn",
        "586/UBND-KGVX",
        "V/v giao chỉ tiêu giảm nghèo năm 2022",
        [2022],
    )


def test_commune_without_district_uses_table_and_skips_typos(tmp_path: Path) -> None:
    plain = "KẾ HOẠCH\nThực hiện giảm nghèo năm 2025 trên địa bàn xã Trực Thái\nUBND xã Trực Thái ban hành.\n"
    meta = meta_of(write(tmp_path, plain))
    assert (meta.locality_level, meta.district, meta.province) == ("xã", "Trực Ninh", "Nam Định")
    typo = plain + "Thực hiện Kế hoạch của UBND huyện Trục Ninh; Kế hoạch của UBND huyện Trực Ninh và tỉnh Nam Đinh.\n"
    meta = meta_of(write(tmp_path, typo))
    assert (meta.district, meta.province) == ("Trực Ninh", "Nam Định")


def test_unknown_district_has_no_invented_province(tmp_path: Path) -> None:
    meta = meta_of(write(tmp_path, "KẾ HOẠCH\nGiảm nghèo năm 2024 trên địa bàn huyện Mường Tè\n"))
    assert (meta.locality, meta.district, meta.province, meta.issuer) == ("Mường Tè", "Mường Tè", None, None)


def test_sidecar_overrides_extracted_fields(tmp_path: Path) -> None:
    path = write(tmp_path, "KẾ HOẠCH\nGiảm nghèo năm 2024 trên địa bàn huyện Krông Nô\n", "kh.txt")
    assert sidecar_path(path) == tmp_path / "kh.txt.meta.toml"
    sidecar_path(path).write_text('number = "20/KH-UBND"\ndate = 2024-01-30\nyears = [2024, 2025]\n', encoding="utf-8")
    meta = meta_of(path)
    assert (meta.number, meta.date, meta.years) == ("20/KH-UBND", "2024-01-30", [2024, 2025])
    assert (meta.kind, meta.locality, meta.province) == ("Kế hoạch", "Krông Nô", "Đắk Nông")


@pytest.mark.parametrize(
    ("sidecar", "key"),
    [
        ('years = "2024"', "years"),
        ('locality_level = "thôn"', "locality_level"),
        ('so_hieu = "1/KH"', "so_hieu"),
        ('doc_id = "khac"', "doc_id"),
        ('date = "02/04/2024"', "date"),
    ],
)
def test_invalid_sidecar_names_file_and_key(tmp_path: Path, sidecar: str, key: str) -> None:
    path = write(tmp_path, "KẾ HOẠCH\nGiảm nghèo năm 2024\n", "kh.txt")
    sidecar_path(path).write_text(sidecar + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"Tệp siêu dữ liệu .*kh\.txt\.meta\.toml: khoá '{key}'"):
        meta_of(path)


def test_sidecar_that_is_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "KẾ HOẠCH\nGiảm nghèo năm 2024\n", "kh.txt")
    sidecar_path(path).write_text("number = \n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"kh\.txt\.meta\.toml không đúng cú pháp TOML"):
        meta_of(path)


@pytest.mark.parametrize(
    ("name", "doc_id"),
    [
        ("000_73905b5b1f629f25.txt", "000_73905b5b1f629f25"),
        ("Luật Du lịch.txt", "luat-du-lich"),
        ("Luật Phòng, chống ma túy.txt", "luat-phong-chong-ma-tuy"),
        ("Đắk Glei – Báo cáo (2024).docx", "dak-glei-bao-cao-2024"),
        ("Kế hoạch Ia H’Drai.pdf", "ke-hoach-ia-h-drai"),
    ],
)
def test_doc_ids(name: str, doc_id: str) -> None:
    assert make_doc_id(Path("/any/folder") / name) == doc_id
