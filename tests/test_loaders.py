"""Loaders: every encoding and format on small files built in tmp_path, and the real corpus as it is."""

from __future__ import annotations

import hashlib
import unicodedata
import zipfile
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfWriter

from core.text import split_lines
from ingest.loaders import _TCVN3_CODES, _TCVN3_LETTERS, LoadError, iter_document_files, load
from tests.conftest import CORPUS_FILES

pytestmark = pytest.mark.unit

SENTENCE = "Cộng hoà xã hội chủ nghĩa Việt Nam – hỗ trợ hộ nghèo, hộ cận nghèo ở huyện Đắk Glei năm 2024."
LINES = [
    SENTENCE,
    "",
    "  Dự án 4: Phát triển giáo dục nghề nghiệp, việc làm bền vững.  ",
    "Ưu tiên người dân tộc thiểu số.",
]
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reason(path: Path) -> str:
    with pytest.raises(LoadError) as caught:
        load(path)
    return caught.value.reason


def to_cp1258(text: str) -> bytes:
    """What Windows writes: base letters precomposed (ê, ơ, ă …), tones as combining marks after them."""
    out = []
    for ch in text:
        marks = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in marks if c not in _TONES))
        out.append(base + "".join(c for c in marks if c in _TONES))
    return "".join(out).encode("cp1258")


def to_tcvn3(text: str) -> bytes:
    """The table inverted; other characters as Windows-1252 (the en dash is 0x96), as the fonts were used."""
    inverse = {ch: bytes([code]) for ch, code in zip(_TCVN3_LETTERS, _TCVN3_CODES, strict=True)}
    return b"".join(inverse.get(ch) or ch.encode("cp1252") for ch in text)


# --- text files ---------------------------------------------------------------------------------------------
def test_utf8_lines_are_kept_exactly_with_every_line_ending(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "  một  \r\nhai\rba\n\n\tbốn \n".encode())
    source = load(path)
    assert source.lines == ["  một  ", "hai", "ba", "", "\tbốn "]
    assert source.encoding == "utf-8"
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert source.path == path


def test_utf8_bom_is_dropped_and_decomposed_text_composed(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + "\n".join(unicodedata.normalize("NFD", line) for line in LINES).encode()
    source = load(write(tmp_path, "bom.md", data))
    assert source.encoding == "utf-8-sig"
    assert source.lines == LINES


@pytest.mark.parametrize(("bom", "codec"), [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_by_bom(tmp_path: Path, bom: bytes, codec: str) -> None:
    source = load(write(tmp_path, "u16.txt", bom + "\r\n".join(LINES).encode(codec)))
    assert (source.lines, source.encoding) == (LINES, "utf-16")


def test_cp1258_combining_tones_are_composed(tmp_path: Path) -> None:
    data = to_cp1258("\r\n".join(LINES))
    assert "\u0323".encode("cp1258") in data  # the file really carries combining marks
    source = load(write(tmp_path, "cp.txt", data))
    assert (source.lines, source.encoding) == (LINES, "cp1258")


def test_tcvn3_round_trip_through_the_table(tmp_path: Path) -> None:
    # VN3 has tone-marked letters in lower case only: the text's capitals are ASCII or in ĂÂÊÔƠƯĐ
    lines = [line for line in LINES if line] + [_TCVN3_LETTERS]
    source = load(write(tmp_path, "abc.txt", to_tcvn3("\n".join(lines))))
    assert (source.lines, source.encoding) == (lines, "tcvn3")


def test_tcvn3_real_bytes(tmp_path: Path) -> None:
    # as 1990s–2000s .VnTime documents show when read as Latin-1 (the bytes are exactly these characters)
    mojibake = "Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc\nC¨n cø NghÞ ®Þnh sè 15/CP"
    source = load(write(tmp_path, "qd.txt", mojibake.encode("latin-1")))
    assert source.encoding == "tcvn3"
    assert source.lines == [
        "Cộng hoà xã hội chủ nghĩa Việt Nam",
        "Độc lập - Tự do - Hạnh phúc",
        "Căn cứ Nghị định số 15/CP",
    ]


def test_utf8_with_a_broken_byte_stays_utf8(tmp_path: Path) -> None:
    data = "\n".join(LINES).encode() + b"\n\xff cu\xe1\xbb\n"  # a stray byte and a truncated ố
    source = load(write(tmp_path, "cut.txt", data))
    assert source.encoding.startswith("utf-8")
    assert source.lines[:4] == LINES


def test_non_vietnamese_legacy_text_goes_to_charset_normalizer(tmp_path: Path) -> None:
    text = "Le café de la gare est fermé le dimanche, mais la crème brûlée reste très appréciée à Noël.\n" * 3
    source = load(write(tmp_path, "fr.txt", text.encode("cp1252")))
    assert source.lines == text.splitlines()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b" \r\n\t\n  ", "empty"),
        ("blank16.txt", b"\xff\xfe" + " \n \n".encode("utf-16-le"), "empty"),
        ("nul.txt", b"PK\x03\x04\x00\x00binary", "binary"),
        ("controls.txt", bytes(range(1, 9)) * 20 + b"text", "binary"),
        ("slides.pptx", b"whatever", "unsupported"),
        ("noext", b"text", "unsupported"),
    ],
)
def test_bad_text_files(tmp_path: Path, name: str, data: bytes, expected: str) -> None:
    assert reason(write(tmp_path, name, data)) == expected


def test_messages_are_vietnamese(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        load(write(tmp_path, "x.pptx", b"x"))
    assert caught.value.message.startswith("Định dạng tệp không được hỗ trợ")
    assert str(caught.value) == caught.value.message


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    assert reason(tmp_path / "gone.txt") == "unreadable"


# --- docx ---------------------------------------------------------------------------------------------------
def test_docx_headings_paragraphs_and_tables_in_reading_order(tmp_path: Path) -> None:
    doc = Document()
    doc.add_heading("Kế hoạch giảm nghèo", 0)
    doc.add_heading("I. MỤC TIÊU", 1)
    doc.add_paragraph("Giảm tỷ lệ hộ nghèo 1,5%.")
    para = doc.add_paragraph("Dòng một")
    para.add_run().add_break()
    para.add_run("dòng hai")
    table = doc.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Kinh phí (triệu đồng)"
    for col, text in enumerate(["Dự án", "Vốn", "Ghi chú"]):
        table.cell(1, col).text = text
    for col, text in enumerate(["Dự án 4", "0", "0"]):
        table.cell(2, col).text = text
    doc.add_heading("1. Đối tượng", 2)
    doc.add_paragraph("")
    doc.add_paragraph("Hộ nghèo, hộ cận nghèo.")
    doc.save(str(tmp_path / "kh.docx"))

    source = load(tmp_path / "kh.docx")
    assert source.encoding == "docx"
    assert source.lines == [
        "# Kế hoạch giảm nghèo",
        "# I. MỤC TIÊU",
        "Giảm tỷ lệ hộ nghèo 1,5%.",
        "Dòng một dòng hai",
        "Kinh phí (triệu đồng)",  # merged across three columns: once
        "Dự án | Vốn | Ghi chú",
        "Dự án 4 | 0 | 0",  # equal neighbours that are separate cells stay
        "## 1. Đối tượng",
        "",
        "Hộ nghèo, hộ cận nghèo.",
    ]


def test_corrupt_docx_is_unreadable(tmp_path: Path) -> None:
    assert reason(write(tmp_path, "random.docx", bytes(range(256)) * 4)) == "unreadable"
    with zipfile.ZipFile(tmp_path / "nodoc.docx", "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    assert reason(tmp_path / "nodoc.docx") == "unreadable"


# --- pdf ----------------------------------------------------------------------------------------------------
def hand_written_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF: one Helvetica text object per page, one ASCII string per line."""
    count = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    font = 3 + 2 * count
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {count} >>"]
    for i, lines in enumerate(pages):
        stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R"
            f" /Resources << /Font << /F1 {font} 0 R >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return out


def test_pdf_text_layer_pages_in_order(tmp_path: Path) -> None:
    pdf = hand_written_pdf([["Ke hoach giam ngheo", "Muc tieu nam 2024"], ["Trang hai"]])
    source = load(write(tmp_path, "kh.pdf", pdf))
    assert source.encoding == "pdf"
    assert source.lines == ["Ke hoach giam ngheo", "Muc tieu nam 2024", "Trang hai"]


def test_pdf_of_blank_pages_has_no_text(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.add_blank_page(612, 792)
    writer.write(tmp_path / "blank.pdf")
    assert reason(tmp_path / "blank.pdf") == "no_text_layer"  # nothing to recognise: no image either


def test_pdf_with_owner_password_only_still_loads(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=write(tmp_path, "plain.pdf", hand_written_pdf([["Cong khai"]])))
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="RC4-128")
    writer.write(tmp_path / "locked.pdf")
    assert load(tmp_path / "locked.pdf").lines == ["Cong khai"]


def test_pdf_with_user_password_or_corrupt_is_unreadable(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=write(tmp_path, "plain.pdf", hand_written_pdf([["Mat"]])))
    writer.encrypt(user_password="mat-khau", algorithm="RC4-128")
    writer.write(tmp_path / "secret.pdf")
    with pytest.raises(LoadError) as caught:
        load(tmp_path / "secret.pdf")
    assert (caught.value.reason, caught.value.message.endswith("PDF có mật khẩu")) == ("unreadable", True)
    assert reason(write(tmp_path, "broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog")) == "unreadable"
    assert reason(write(tmp_path, "fake.pdf", bytes(range(256)))) == "unreadable"


# --- which files --------------------------------------------------------------------------------------------
def test_iter_document_files_walks_sorted_and_skips_what_is_not_a_document(tmp_path: Path) -> None:
    for name in [
        "b.txt",
        "a.md",
        "sub/c.docx",
        "sub/d.png",
        "README.md",
        "sub/readme.md",
        ".hidden.txt",
        ".git/x.txt",
        "a.meta.toml",
        "~$c.docx",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = iter_document_files([tmp_path / "sub", tmp_path, tmp_path / "README.md"])
    root = tmp_path.resolve()
    assert found == [root / n for n in ["README.md", "a.md", "b.txt", "sub/c.docx", "sub/d.png"]]


# --- the real corpus ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name[:3])
def test_real_corpus_loads_line_for_line(path: Path) -> None:
    assert len(CORPUS_FILES) == 5
    source = load(path)
    expected = split_lines(path.read_text(encoding="utf-8"))
    assert source.encoding == "utf-8"
    assert len(source.lines) == len(expected)
    assert source.lines == expected
