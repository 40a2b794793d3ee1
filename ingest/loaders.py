"""Load a document file as numbered lines: .txt/.md (any Vietnamese encoding), .docx, .pdf.

Lines are kept exactly as in the file (citations are by line number); a bad file raises ``LoadError``
with a reason code and a Vietnamese message, and never stops the other files of an ingest.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from ingest.models import SourceText

Reason = Literal["unreadable", "empty", "binary", "no_text_layer", "undecodable", "unsupported"]
SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf")
_MESSAGES: dict[Reason, str] = {
    "unreadable": "Không đọc được tệp (hỏng hoặc không đúng định dạng)",
    "empty": "Tệp rỗng, không có nội dung văn bản",
    "binary": "Tệp nhị phân, không phải văn bản",
    "no_text_layer": "Tệp PDF không có lớp văn bản (cần OCR)",
    "undecodable": "Không giải mã được bảng mã của tệp",
    "unsupported": "Định dạng tệp không được hỗ trợ (chỉ nhận .txt, .md, .docx, .pdf)",
}

# TCVN3 (ABC, TCVN 5712:1993 VN3) has no Python codec: its byte → letter table, as used by the
# .VnTime fonts; the upper-case .VnTimeH fonts reuse the lower-case codes, so case is lost there.
_TCVN3 = dict(
    zip(
        [
            0xA1,
            0xA2,
            0xA3,
            0xA4,
            0xA5,
            0xA6,
            0xA7,
            0xA8,
            0xA9,
            0xAA,
            0xAB,
            0xAC,
            0xAD,
            0xAE,
            0xB5,
            0xB6,
            0xB7,
            0xB8,
            0xB9,
            0xBB,
            0xBC,
            0xBD,
            0xBE,
            0xC6,
            0xC7,
            0xC8,
            0xC9,
            0xCA,
            0xCB,
            0xCC,
            0xCE,
            0xCF,
            0xD0,
            0xD1,
            0xD2,
            0xD3,
            0xD4,
            0xD5,
            0xD6,
            0xD7,
            0xD8,
            0xDC,
            0xDD,
            0xDE,
            0xDF,
            0xE1,
            0xE2,
            0xE3,
            0xE4,
            0xE5,
            0xE6,
            0xE7,
            0xE8,
            0xE9,
            0xEA,
            0xEB,
            0xEC,
            0xED,
            0xEE,
            0xEF,
            0xF1,
            0xF2,
            0xF3,
            0xF4,
            0xF5,
            0xF6,
            0xF7,
            0xF8,
            0xF9,
            0xFA,
            0xFB,
            0xFC,
            0xFD,
            0xFE,
        ],
        "ĂÂÊÔƠƯĐăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ",
        strict=True,
    )
)
_VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
_MOJIBAKE = re.compile(r"[\u0080-\u00bf\u00c3\u00c4\u00c6\u00d0\u00e3]")


class LoadError(Exception):
    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason: Reason = reason
        self.message = _MESSAGES[reason] + (f": {detail}" if detail else "")
        super().__init__(self.message)


def decode_tcvn3(data: bytes) -> str:
    return "".join(_TCVN3.get(b, chr(b)) for b in data)


def _vietnamese_score(text: str) -> float:
    """Letters with Vietnamese diacritics minus characters that betray a wrong decoding."""
    return len(_VIETNAMESE.findall(text)) - 3 * len(_MOJIBAKE.findall(text))


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file's bytes: UTF-8 (BOM or not), UTF-16 (BOM), else the better of
    Windows-1258 and TCVN3 by how Vietnamese the result reads; NFC either way."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as error:
            raise LoadError("undecodable", "UTF-16") from error
    if b"\x00" in data:
        raise LoadError("binary")
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return unicodedata.normalize("NFC", text), encoding
    except UnicodeDecodeError:
        pass
    candidates = []
    with contextlib.suppress(UnicodeDecodeError):  # some bytes are undefined in cp1258
        candidates.append((unicodedata.normalize("NFC", data.decode("cp1258")), "cp1258"))
    candidates.append((unicodedata.normalize("NFC", decode_tcvn3(data)), "tcvn3"))
    text, encoding = max(candidates, key=lambda c: _vietnamese_score(c[0]))
    if _vietnamese_score(text) <= 0:
        raise LoadError("undecodable")
    return text, encoding


def _control_ratio(text: str) -> float:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f")
    return controls / max(len(text), 1)


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: only CR, LF and CRLF end a line (not form feeds or U+2028)."""
    lines = re.split(r"\r\n|\r|\n", text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def _load_text(data: bytes) -> tuple[list[str], str]:
    text, encoding = decode_text(data)
    if _control_ratio(text) > 0.05:
        raise LoadError("binary")
    return split_lines(text), encoding


def _load_docx(path: Path) -> list[str]:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise LoadError("unreadable", type(error).__name__) from error
    lines: list[str] = []
    for item in document.iter_inner_content():  # paragraphs and tables in reading order
        if isinstance(item, Paragraph):
            style = item.style.name if item.style is not None else ""
            depth = re.match(r"Heading (\d)", style or "")
            prefix = "#" * int(depth.group(1)) + " " if depth else ("# " if style == "Title" else "")
            lines.append(prefix + item.text if item.text.strip() else item.text)
        elif isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:  # python-docx repeats a merged cell once per grid column
                    if not cells or cell.text != cells[-1]:
                        cells.append(cell.text.replace("\n", " "))
                lines.append(" | ".join(cells))
    return [unicodedata.normalize("NFC", line) for line in lines]


def _load_pdf(path: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise LoadError("unreadable", "PDF có mật khẩu")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise LoadError("unreadable", type(error).__name__) from error
    if not any(page.strip() for page in pages):
        raise LoadError("no_text_layer")
    return [unicodedata.normalize("NFC", line) for page in pages for line in page.splitlines()]


def load(path: Path) -> SourceText:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError("unsupported", suffix or path.name)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LoadError("unreadable", error.strerror or "") from error
    if not data.strip():
        raise LoadError("empty")
    encoding = suffix.lstrip(".")
    if suffix in (".txt", ".md"):
        lines, encoding = _load_text(data)
    elif suffix == ".docx":
        lines = _load_docx(path)
    else:
        lines = _load_pdf(path)
    if not any(line.strip() for line in lines):
        raise LoadError("empty")
    return SourceText(path=path, lines=lines, encoding=encoding, sha256=hashlib.sha256(data).hexdigest())


def _walk(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        # a corpus folder describes itself in a README; sidecars carry metadata, not text
        if path.name.lower() == "readme.md" or path.name.endswith(".meta.toml"):
            continue
        yield path


def iter_document_files(paths: list[Path]) -> list[Path]:
    """The files to ingest: given files as they are, folders walked (sorted, hidden files skipped)."""
    files: list[Path] = []
    for path in paths:
        files.extend(_walk(path) if path.is_dir() else [path])
    return list(dict.fromkeys(p.resolve() for p in files))
