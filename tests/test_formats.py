"""The files offices really have: scanned PDFs (OCR), legacy .doc, .xlsx/.xls tables, saved .html pages.

Every fixture is made here: corpus text rendered to a page image and wrapped as a PDF, tables written
with openpyxl, .doc and .xls converted by LibreOffice. Nothing is copied from the corpus.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from docx import Document
from openpyxl import Workbook
from pypdf import PdfReader, PdfWriter

from core.settings import LoaderSettings
from ingest.loaders import LoadError, load
from tests.conftest import CORPUS_FILES
from tests.test_loaders import hand_written_pdf, to_cp1258

pytestmark = pytest.mark.unit
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
Test = TypeVar("Test", bound=Callable[..., None])


def needs(*tools: str) -> Callable[[Test], Test]:
    """A test that runs OCR or LibreOffice (seconds a file) is of the full tier. CI installs every tool
    (.ci/run), so there a missing one fails; elsewhere the test is skipped."""
    missing = [t for t in tools if shutil.which(t) is None] + ([] if FONT.exists() else [str(FONT)])
    skip = pytest.mark.skipif(bool(missing) and not os.environ.get("CI"), reason=f"not installed: {missing}")
    return lambda test: pytest.mark.full(skip(test))


def corpus_lines(count: int) -> list[str]:
    """Lines of a real plan that state its budget: what a scanned page of it would show."""
    lines = [ln.strip() for ln in CORPUS_FILES[3].read_text(encoding="utf-8").splitlines()]
    chosen = [ln for ln in lines if 30 < len(ln) < 75 and re.search(r"\d\s*triệu đồng", ln) and "|" not in ln]
    assert len(chosen) >= count
    return chosen[:count]


def scanned_pdf(path: Path, lines: list[str]) -> Path:
    """A page as a scanner makes it: the text drawn on an A4 image at 300 dpi, the PDF only an image."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 42)
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((180, 240 + i * 110), line, font=font, fill=0)
    image.save(path, resolution=300)
    return path


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


@needs("tesseract", "pdftoppm")
def test_scanned_pdf_is_read_by_ocr_with_pages_and_confidence(tmp_path: Path) -> None:
    lines = corpus_lines(6)
    scan = scanned_pdf(tmp_path / "scan.pdf", lines)
    assert not (PdfReader(scan).pages[0].extract_text() or "").strip()  # really no text layer
    source = load(scan, cache_dir=tmp_path / "cache")
    assert source.encoding == "pdf+ocr"
    assert source.pages == [1]
    assert source.ocr_confidence is not None and source.ocr_confidence > 80
    text_lines = [ln for ln in source.lines if ln.strip()]
    assert len(text_lines) == len(lines)
    for seen, printed in zip(text_lines, lines, strict=True):
        assert similarity(seen, printed) > 0.95, (seen, printed)
    figures = re.findall(r"\d[\d.,]*\d triệu đồng", " ".join(lines))
    assert len(figures) >= 6
    assert all(f in " ".join(text_lines) for f in figures)  # the figures are what gets asked


@needs("tesseract", "pdftoppm")
def test_ocr_text_is_cached_so_the_opened_text_is_the_indexed_text(tmp_path: Path) -> None:
    scan = scanned_pdf(tmp_path / "scan.pdf", corpus_lines(2))
    first = load(scan, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache" / "ocr").glob("*.json"))
    # the engine is gone now: the cached recognition still answers, line for line
    again = load(scan, LoaderSettings(tesseract="no-such-tesseract"), cache_dir=tmp_path / "cache")
    assert again.lines == first.lines


@needs("tesseract", "pdftoppm")
def test_mixed_pdf_keeps_text_pages_and_recognises_the_scanned_one(tmp_path: Path) -> None:
    text_pdf = tmp_path / "text.pdf"
    text_pdf.write_bytes(hand_written_pdf([["Trang mot co lop van ban", "Dong hai"]]))
    scan = scanned_pdf(tmp_path / "scan.pdf", ["Trang hai là bản quét: 1.493 triệu đồng."])
    writer = PdfWriter()
    writer.append(text_pdf)
    writer.append(scan)
    writer.write(tmp_path / "mixed.pdf")
    source = load(tmp_path / "mixed.pdf")
    assert source.lines[:2] == ["Trang mot co lop van ban", "Dong hai"]
    assert source.pages == [1, 3]
    assert source.page_of(3) == 2
    assert "1.493 triệu đồng" in " ".join(source.lines[2:])


@needs("pdftoppm")
def test_without_the_ocr_engine_the_message_says_what_to_install(tmp_path: Path) -> None:
    scan = scanned_pdf(tmp_path / "scan.pdf", ["Bản quét"])
    with pytest.raises(LoadError) as caught:
        load(scan, LoaderSettings(tesseract="no-such-tesseract"))
    assert caught.value.reason == "tool_missing"
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in caught.value.message
    assert caught.value.message.startswith("Máy chủ thiếu công cụ")


def docx_of(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    document = Document()
    document.add_heading(paragraphs[0], 1)
    for text in paragraphs[1:]:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    document.save(str(path))
    return path


def libreoffice_convert(source: Path, target_format: str) -> Path:
    out = source.parent / "converted"
    profile = (source.parent / "lo-profile").as_uri()
    command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", target_format]
    subprocess.run([*command, "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=180)
    return out / f"{source.stem}.{target_format.split(':')[0]}"


PLAN = [
    "Kế hoạch thực hiện Chương trình giảm nghèo năm 2024",
    "Dự án 4: Phát triển giáo dục nghề nghiệp, việc làm bền vững.",
    "Tổng kinh phí thực hiện là 1.493 triệu đồng, trong đó ngân sách trung ương 1.000 triệu đồng.",
]


@needs("soffice", "antiword")
def test_legacy_doc_through_antiword_and_through_libreoffice(tmp_path: Path) -> None:
    items = [f"{i}. Hỗ trợ {i} hộ nghèo, hộ cận nghèo ở xã số {i} học nghề và tìm việc làm." for i in range(1, 30)]
    doc = libreoffice_convert(docx_of(tmp_path / "kh.docx", PLAN + items), "doc")
    assert doc.read_bytes()[:4] == bytes.fromhex("d0cf11e0")  # an OLE2 compound file: real Word 97
    by_antiword = load(doc)
    assert by_antiword.encoding == "doc"
    assert [ln.strip() for ln in by_antiword.lines if ln.strip()] == PLAN + items
    # antiword absent (or refusing a file it finds too small): LibreOffice converts it, headings kept
    by_libreoffice = load(doc, LoaderSettings(antiword="no-such-antiword"))
    assert [ln for ln in by_libreoffice.lines if ln.strip()] == ["# " + PLAN[0], *PLAN[1:], *items]
    small = libreoffice_convert(docx_of(tmp_path / "small.docx", PLAN), "doc")
    assert [ln for ln in load(small).lines if ln.strip()] == ["# " + PLAN[0], *PLAN[1:]]
    with pytest.raises(LoadError) as caught:
        load(doc, LoaderSettings(antiword="no-such-antiword", soffice="no-such-soffice"))
    assert caught.value.reason == "tool_missing" and "apt-get install antiword" in caught.value.message


BUDGET = [
    ["STT", "Nội dung", "Kinh phí (triệu đồng)", None, None],
    [None, None, "Tổng", "NSTW", "NSĐP"],
    ["I", "VỐN SỰ NGHIỆP", None, None, None],
    [1, "Dự án 4", 1493, 1000, 493],
    [2, "Dự án 6", 6766.5, 6000, 766.5],
]


def budget_xlsx(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Phụ lục 1"
    for row in BUDGET:
        sheet.append(row)
    sheet.merge_cells("C1:E1")
    workbook.save(path)
    return path


def test_xlsx_rows_carry_their_column_headers(tmp_path: Path) -> None:
    source = load(budget_xlsx(tmp_path / "phu-luc.xlsx"))
    assert source.encoding == "xlsx"
    text = [ln for ln in source.lines if ln]
    assert text == [
        "# Phụ lục 1",
        "STT | Nội dung | Kinh phí (triệu đồng) – Tổng | Kinh phí (triệu đồng) – NSTW | Kinh phí (triệu đồng) – NSĐP",
        "STT: I | Nội dung: VỐN SỰ NGHIỆP",
        "STT: 1 | Nội dung: Dự án 4 | Kinh phí (triệu đồng) – Tổng: 1.493"
        " | Kinh phí (triệu đồng) – NSTW: 1.000 | Kinh phí (triệu đồng) – NSĐP: 493",
        "STT: 2 | Nội dung: Dự án 6 | Kinh phí (triệu đồng) – Tổng: 6.766,5"
        " | Kinh phí (triệu đồng) – NSTW: 6.000 | Kinh phí (triệu đồng) – NSĐP: 766,5",
    ]
    # each row is its own paragraph (blank lines between), so a chunk never cuts a row in two
    row = source.lines.index(text[3])
    assert source.lines[row - 1] == "" and source.lines[row + 1] == ""


@needs("soffice")
def test_xls_through_calamine(tmp_path: Path) -> None:
    xls = libreoffice_convert(budget_xlsx(tmp_path / "phu-luc.xlsx"), "xls")
    source = load(xls)
    assert source.encoding == "xls"
    assert any(ln.startswith("STT: 1 | Nội dung: Dự án 4 | ") and "1.493" in ln for ln in source.lines)


def test_html_page_from_a_legal_portal(tmp_path: Path) -> None:
    page = """<!doctype html><html><head><meta charset="windows-1258"><title>Quyết định</title>
    <style>p { color: red }</style><script>var x = "không phải văn bản";</script></head>
    <body><nav><a href="/">Trang chủ</a> | <a href="/vb">Văn bản</a></nav>
    <h1>Quyết định số 68/QĐ-UBND</h1>
    <div class="content"><p>Phê duyệt kế hoạch <b>giảm nghèo</b> năm 2024.</p>
    <p>Dòng một<br>dòng hai</p>
    <table><tr><th>Dự án</th><th>Kinh phí</th></tr><tr><td>Dự án 4</td><td>1.493</td></tr></table></div>
    <footer>Bản quyền cổng thông tin</footer></body></html>"""
    path = tmp_path / "qd.html"
    path.write_bytes(to_cp1258(page))
    source = load(path)
    assert source.encoding == "html"
    assert [ln for ln in source.lines if ln] == [
        "# Quyết định số 68/QĐ-UBND",
        "Phê duyệt kế hoạch giảm nghèo năm 2024.",
        "Dòng một",
        "dòng hai",
        "Dự án | Kinh phí",
        "Dự án 4 | 1.493",
    ]
    xhtml = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Điều 1. Phạm vi</p></body></html>'
    (tmp_path / "x.htm").write_text(xhtml, encoding="utf-8")
    assert load(tmp_path / "x.htm").lines == ["Điều 1. Phạm vi"]


@pytest.mark.integration
@needs("tesseract", "pdftoppm")
def test_each_format_ingested_and_answered_and_hostile_files_fail_alone(tmp_path: Path) -> None:
    """A folder as an office has it: a two-page scan, a budget table, a saved page, and three hostile
    files. The good ones are ingested and answered from; the others fail with their reason, alone."""
    import random
    import zipfile

    from assistant.index.indexer import IngestPipeline
    from assistant.service import AssistantService
    from core.settings import get_settings
    from ingest.loaders import collection_loader

    folder = tmp_path / "files"
    folder.mkdir()
    budget = corpus_lines(6)
    first, second = scanned_pdf(tmp_path / "p1.pdf", PLAN[:2]), scanned_pdf(tmp_path / "p2.pdf", budget)
    writer = PdfWriter()
    writer.append(first)
    writer.append(second)
    writer.write(folder / "ke-hoach-quet.pdf")
    budget_xlsx(folder / "phu-luc.xlsx")
    (folder / "quyet-dinh.html").write_text(
        "<html><body><h1>Quyết định phê duyệt</h1><p>Hỗ trợ 25 hộ nghèo xây nhà ở năm 2024.</p></body></html>",
        encoding="utf-8",
    )
    with zipfile.ZipFile(folder / "bom.docx", "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("word/document.xml", b"<w:p/>" * 3_000_000)
    (folder / "hong.xlsx").write_bytes(b"PK\x03\x04" + bytes(200))
    rng = random.Random(3)
    (folder / "nhieu.txt").write_bytes(bytes(rng.randrange(0x80, 0x100) for _ in range(30_000)))

    settings = get_settings().model_copy(update={"data_dir": tmp_path / "data"})
    service = AssistantService(settings)
    report = {Path(o.path).name: o for o in IngestPipeline(service.store).run([folder]).outcomes}
    assert {n: o.status for n, o in report.items() if o.status != "failed"} == {
        "ke-hoach-quet.pdf": "added",
        "phu-luc.xlsx": "added",
        "quyet-dinh.html": "added",
    }
    assert {n: o.reason for n, o in report.items() if o.status == "failed"} == {
        "bom.docx": "too_large",
        "hong.xlsx": "unreadable",
        "nhieu.txt": "binary",
    }

    figure = re.search(r"(\d[\d.]*) triệu đồng", budget[0])
    assert figure is not None
    outcome = service.ask("Nguồn ngân sách Trung ương là bao nhiêu triệu đồng?")
    cited = [c for c in outcome.answer.citations if c.source == "ke-hoach-quet.pdf"]
    assert cited, outcome.answer
    source = collection_loader(settings).run(folder / "ke-hoach-quet.pdf")
    assert source.encoding == "pdf+ocr" and len(source.pages) == 2
    quoted = next((c for c in cited if figure.group(1) in c.quote), None)
    assert quoted is not None, (figure.group(0), outcome.answer.answer)
    # the cited lines are lines of the text a reader opens, on the second (scanned) page
    opened = " ".join(source.lines[quoted.line_start - 1 : quoted.line_end])
    assert figure.group(0) in opened
    assert source.page_of(quoted.line_start) == 2
    assert quoted.page == 2 and ", trang 2" in outcome.answer.answer  # the citation names its page

    outcome = service.ask("Kinh phí NSTW của Dự án 4 trong phụ lục là bao nhiêu?")
    assert any(c.source == "phu-luc.xlsx" and "NSTW: 1.000" in c.quote for c in outcome.answer.citations)
