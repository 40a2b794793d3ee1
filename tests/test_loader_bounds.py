"""Hostile files, each generated here, refused fast with a clear reason: zip bombs, element floods,
binary "text", oversize files and PDFs. Each test bounds its own wall time."""

from __future__ import annotations

import io
import random
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from core.settings import LoaderSettings
from ingest.loaders import LoadError, load
from tests.test_loaders import LINES, hand_written_pdf

pytestmark = pytest.mark.unit
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def refused(path: Path, settings: LoaderSettings | None = None, seconds: float = 3.0) -> LoadError:
    started = time.perf_counter()
    with pytest.raises(LoadError) as caught:
        load(path, settings)
    elapsed = time.perf_counter() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    return caught.value


def replace_member(source: Path, target: Path, member: str, data: bytes, method: int) -> Path:
    """A real Office file with one part replaced (how a bomb is built from a valid document)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as out:
        for info in original.infolist():
            if info.filename != member:
                out.writestr(info, original.read(info))
        out.writestr(member, data, compress_type=method, compresslevel=9)
    return target


def word_body(paragraphs: bytes) -> bytes:
    return b'<?xml version="1.0"?><w:document ' + W_NS.encode() + b"><w:body>" + paragraphs + b"</w:body></w:document>"


@pytest.fixture
def plain_docx(tmp_path: Path) -> Path:
    document = Document()
    document.add_paragraph(LINES[0])
    document.save(str(tmp_path / "plain.docx"))
    return tmp_path / "plain.docx"


def test_docx_zip_bomb_of_three_million_empty_paragraphs(tmp_path: Path, plain_docx: Path) -> None:
    bomb = replace_member(
        plain_docx, tmp_path / "bomb.docx", "word/document.xml", word_body(b"<w:p/>" * 3_000_000), zipfile.ZIP_DEFLATED
    )
    assert bomb.stat().st_size < 100_000  # the size of the probe's file: ~60 KB on disk
    error = refused(bomb, seconds=1.0)
    assert error.reason == "too_large"
    assert "tỷ lệ" in error.message and error.message.startswith("Tệp vượt giới hạn an toàn")


def test_docx_flood_stored_without_compression_is_counted_and_stopped(tmp_path: Path, plain_docx: Path) -> None:
    # no ratio to see: 400,000 paragraphs stored flat (2.4 MB); the streaming count stops it
    flood = replace_member(
        plain_docx, tmp_path / "flood.docx", "word/document.xml", word_body(b"<w:p/>" * 400_000), zipfile.ZIP_STORED
    )
    error = refused(flood)
    assert error.reason == "too_large" and "số đoạn" in error.message and "200.000" in error.message


def test_docx_whose_parts_inflate_past_the_total_bound(tmp_path: Path, plain_docx: Path) -> None:
    padding = b"<!--" + b"x" * 5_000_000 + b"-->"
    big = replace_member(plain_docx, tmp_path / "big.docx", "word/media/pad.xml", padding, zipfile.ZIP_DEFLATED)
    error = refused(big, LoaderSettings(max_expanded_mb=2, max_zip_ratio=100_000))
    assert error.reason == "too_large" and "giải nén ra" in error.message


def test_xlsx_row_bomb(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.append(["Dự án", "Kinh phí"])
    workbook.save(tmp_path / "plain.xlsx")
    rows = b"".join(b'<row r="%d"/>' % i for i in range(1, 1_000_001))
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    sheet += rows + b"</sheetData></worksheet>"
    bomb = replace_member(
        tmp_path / "plain.xlsx", tmp_path / "bomb.xlsx", "xl/worksheets/sheet1.xml", sheet, zipfile.ZIP_DEFLATED
    )
    assert refused(bomb, seconds=2.0).reason == "too_large"
    flat = replace_member(tmp_path / "plain.xlsx", tmp_path / "flat.xlsx", "xl/worksheets/sheet1.xml", sheet, 0)
    assert "số dòng bảng" in refused(flat, seconds=3.0).message


def test_xlsx_declaring_the_last_column_reads_only_the_bounded_columns(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Dự án", "Kinh phí"])
    sheet.append(["Dự án 4", 1493])
    sheet["XFD2"] = "xa tít"  # column 16,384
    workbook.save(tmp_path / "wide.xlsx")
    started = time.perf_counter()
    source = load(tmp_path / "wide.xlsx")
    assert time.perf_counter() - started < 2
    assert "Dự án: Dự án 4 | Kinh phí: 1.493" in source.lines
    assert not any("xa tít" in line for line in source.lines)


def test_random_high_bytes_as_text_are_refused_as_binary(tmp_path: Path) -> None:
    rng = random.Random(15)
    noise = bytes(rng.randrange(0x80, 0x100) for _ in range(50_000))
    assert b"\x00" not in noise  # no NUL to give it away: only the words tell
    (tmp_path / "noise.txt").write_bytes(noise)
    error = refused(tmp_path / "noise.txt")
    assert error.reason == "binary"


@pytest.mark.parametrize(
    "text",
    [
        "Xin chào, đây là kế hoạch giảm nghèo của xã. " * 20,
        "Это план сокращения бедности на 2024 год для района. " * 20,
        "本计划旨在减少贫困 帮助农村家庭 提高收入 " * 20,
    ],
)
def test_real_language_is_not_binary(tmp_path: Path, text: str) -> None:
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    assert load(tmp_path / "t.txt").lines


def test_html_of_noise_is_binary(tmp_path: Path) -> None:
    rng = random.Random(7)
    noise = bytes(rng.randrange(0x80, 0x100) for _ in range(20_000))
    (tmp_path / "x.html").write_bytes(b"<html><body><p>" + noise + b"</p></body></html>")
    assert refused(tmp_path / "x.html").reason == "binary"


def test_file_size_lines_characters_and_pages_are_bounded(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"Dong van ban.\n" * 200_000)  # 2.8 MB
    assert refused(tmp_path / "big.txt", LoaderSettings(max_file_mb=1)).reason == "too_large"
    assert "số dòng" in refused(tmp_path / "big.txt", LoaderSettings(max_lines=1000)).message
    assert "số ký tự" in refused(tmp_path / "big.txt", LoaderSettings(max_chars=10_000)).message
    (tmp_path / "long.pdf").write_bytes(hand_written_pdf([["Trang"]] * 5))
    assert "số trang" in refused(tmp_path / "long.pdf", LoaderSettings(max_pages=3)).message


def test_a_zip_of_many_members_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(10_001):
            archive.writestr(f"p/{i}", b"")
    (tmp_path / "many.docx").write_bytes(buffer.getvalue())
    assert refused(tmp_path / "many.docx").reason == "too_large"
