"""Load a document file as numbered lines: .txt/.md (any Vietnamese encoding), .docx, .pdf.

Lines are kept exactly as in the file (citations are by line number); a bad file raises ``LoadError``
with a reason code and a Vietnamese message, and never stops the other files of an ingest.
"""

from __future__ import annotations

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
    "unreadable": "Không đọc được tệp (hỏng, có mật khẩu hoặc không đúng định dạng)",
    "empty": "Tệp rỗng, không có nội dung văn bản",
    "binary": "Tệp nhị phân, không phải văn bản",
    "no_text_layer": "Tệp PDF không có lớp văn bản (cần OCR)",
    "undecodable": "Không giải mã được bảng mã của tệp",
    "unsupported": "Định dạng tệp không được hỗ trợ (chỉ nhận .txt, .md, .docx, .pdf)",
}


class LoadError(Exception):
    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason: Reason = reason
        self.message = _MESSAGES[reason] + (f": {detail}" if detail else "")
        super().__init__(self.message)


# --- legacy Vietnamese text -------------------------------------------------------------------------------
# TCVN3 (ABC, TCVN 5712:1993 "VN3", the .VnTime fonts) has no Python codec, so its table is written out here.
# Source: the TCVN3 column of the Vietnamese charset tables at vietunicode.sourceforge.net/charset/, checked
# against real documents' Latin-1 mojibake ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "quyÕt ®Þnh cña Bé").
# VN3 has tone-marked letters only in lower case (the .VnTimeH fonts draw the same codes as capitals).
# Groups: ĂÂÊÔƠƯĐ, ăâêôơưđ, then each vowel with the tones huyền, hỏi, ngã, sắc, nặng.
_TCVN3_CODES = bytes.fromhex(
    "a1a2a3a4a5a6a7 a8a9aaabacadae"
    " b5b6b7b8b9 bbbcbdbec6 c7c8c9cacb cccecfd0d1 d2d3d4d5d6 d7d8dcddde"
    " dfe1e2e3e4 e5e6e7e8e9 eaebecedee eff1f2f3f4 f5f6f7f8f9 fafbfcfdfe"
)
_TCVN3_LETTERS = "ĂÂÊÔƠƯĐăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
# Bytes outside the table keep their Windows-1252 meaning (smart quotes, dashes), the code page the fonts ran on.
_CP1252_HIGH = {b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0x100)}
_TCVN3_TABLE = _CP1252_HIGH | dict(zip(_TCVN3_CODES, _TCVN3_LETTERS, strict=True))

# A Vietnamese syllable without its tone: onset, nucleus, coda. Hand-written because no installed library
# validates syllables; it tells a right legacy decoding (real syllables) from mojibake ("ViÖt", "héi", "cña").
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:uyê|uya|ươ|uô|iê|yê|ưa|ia|ua|oa|oă|oe|uâ|uê|uy|uơ|oo|[aăâeêioôơuưy])"
    r"(?:ch|nh|ng|[cmnpt]|[iyou])?"
)
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


def decode_tcvn3(data: bytes) -> str:
    return "".join(_TCVN3_TABLE.get(b, chr(b)) for b in data)


def vietnamese_syllables(text: str) -> int:
    """How many words with diacritics are well-formed Vietnamese syllables (one tone at most)."""
    count = 0
    for word in _WORD.findall(text.lower()):
        if word.isascii():
            continue  # plain ASCII reads the same in every candidate decoding
        marks = unicodedata.normalize("NFD", word)
        if sum(ch in _TONES for ch in marks) > 1:
            continue
        toneless = unicodedata.normalize("NFC", "".join(ch for ch in marks if ch not in _TONES))
        count += _SYLLABLE.fullmatch(toneless) is not None
    return count


def decode_text(data: bytes) -> tuple[str, str]:
    """(text in NFC, encoding) of a text file's bytes.

    Strict UTF-8 (BOM or not) first, UTF-16 by its BOM; otherwise Windows-1258, TCVN3 and UTF-8 with the bad
    bytes replaced compete on how many real Vietnamese syllables they yield, because charset detectors
    mistake both legacy Vietnamese encodings for Latin-1. Only text with no Vietnamese in any decoding is
    left to charset-normalizer.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as error:
            raise LoadError("undecodable", "UTF-16") from error
    if b"\x00" in data:
        raise LoadError("binary")
    try:
        text = data.decode("utf-8-sig")
        return unicodedata.normalize("NFC", text), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [
        # cp1258 writes tones as combining marks after the letter; NFC composes them
        (unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), "cp1258"),
        (unicodedata.normalize("NFC", decode_tcvn3(data)), "tcvn3"),
        (unicodedata.normalize("NFC", data.decode("utf-8", errors="replace")), "utf-8 (có byte lỗi)"),
    ]
    scores = [vietnamese_syllables(text) for text, _ in candidates]
    if max(scores) > 0:
        return candidates[scores.index(max(scores))]
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise LoadError("undecodable")
    return unicodedata.normalize("NFC", str(best)), best.encoding


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: only CR, LF and CRLF end a line (not form feeds or U+2028)."""
    lines = re.split(r"\r\n|\r|\n", text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def _control_ratio(text: str) -> float:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f")
    return controls / max(len(text), 1)


def _load_text(data: bytes) -> tuple[list[str], str]:
    text, encoding = decode_text(data)
    if _control_ratio(text) > 0.05:
        raise LoadError("binary")
    return split_lines(text), encoding


# --- docx and pdf -----------------------------------------------------------------------------------------
def _one_line(text: str) -> str:
    """A paragraph's soft line breaks (w:br) become spaces: one paragraph is one cited line."""
    return unicodedata.normalize("NFC", re.sub(r"[\r\n\v]+", " ", text))


def _load_docx(path: Path) -> list[str]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise LoadError("unreadable", type(error).__name__) from error
    lines: list[str] = []
    for item in document.iter_inner_content():  # paragraphs and tables in reading order
        if isinstance(item, Paragraph):
            text = _one_line(item.text)
            style = item.style.name if item.style is not None else None
            depth = re.fullmatch(r"Heading ([1-9])", style or "")
            level = int(depth.group(1)) if depth else 1 if style == "Title" else 0
            lines.append("#" * level + " " + text if level and text.strip() else text)
        elif isinstance(item, Table):
            for row in item.rows:
                cells = []
                previous = None
                for cell in row.cells:
                    # python-docx yields a horizontally merged cell once per grid column: same <w:tc> element
                    if cell._tc is not previous:
                        cells.append(_one_line(cell.text))
                    previous = cell._tc
                lines.append(" | ".join(cells))
    return lines


def _load_pdf(path: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    try:
        # pypdf opens owner-password-only PDFs itself (empty user password); others fail at page access
        pages = [page.extract_text() or "" for page in PdfReader(str(path)).pages]
    except FileNotDecryptedError as error:
        raise LoadError("unreadable", "PDF có mật khẩu") from error
    # malformed PDFs surface from deep inside pypdf as its own errors or as plain lookup/type errors
    except (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, OSError) as error:
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


# --- which files --------------------------------------------------------------------------------------------
def _walk(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        # a corpus folder describes itself in a README, sidecars carry metadata, "~$x.docx" is Word's lock file
        if path.name.lower() == "readme.md" or path.name.endswith(".meta.toml") or path.name.startswith("~$"):
            continue
        yield path


def iter_document_files(paths: list[Path]) -> list[Path]:
    """The files to ingest, sorted: given files as they are, folders walked.

    Unsupported files in a folder are kept, so the ingest report names them instead of hiding them.
    """
    files: set[Path] = set()
    for path in paths:
        files.update(p.resolve() for p in (_walk(path) if path.is_dir() else [path]))
    return sorted(files)
