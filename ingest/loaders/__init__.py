"""Load a document file as numbered lines: .txt/.md (any Vietnamese encoding), .docx, .doc, .pdf (text
layer or scanned), .xlsx/.xls tables and saved .html pages.

Lines are kept exactly as in the file (citations are by line number); for formats that are not lines
already (a scan, a table, a web page) the loader's lines are the text a reader opens, so a citation
points into what they can see. Every file is bounded (size, inflated size, lines, characters, pages);
a bad file raises ``LoadError`` with a reason code and a Vietnamese message, and never stops the other
files of an ingest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from core.settings import LoaderSettings, Settings
from ingest.loaders.base import SUPPORTED_SUFFIXES, LoadError, Reason, too_large
from ingest.loaders.html import load_html
from ingest.loaders.office import load_doc, load_docx, load_xls, load_xlsx
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import (
    _TCVN3_CODES,
    _TCVN3_LETTERS,
    check_language,
    decode_tcvn3,
    decode_text,
    load_text,
    vietnamese_syllables,
)
from ingest.models import SourceText

__all__ = [
    "SUPPORTED_SUFFIXES",
    "_TCVN3_CODES",
    "_TCVN3_LETTERS",
    "DocumentLoader",
    "LoadError",
    "Reason",
    "collection_loader",
    "decode_tcvn3",
    "decode_text",
    "iter_document_files",
    "load",
    "vietnamese_syllables",
]

_MB = 1024 * 1024


class DocumentLoader:
    """Pipeline step: a file's path → ``SourceText``, within ``settings``' bounds.

    ``cache_dir`` keeps what is costly to derive (OCR text), so that reading a document again for a
    reader gives the indexed lines at once; without it, the derivation is repeated.
    """

    def __init__(self, settings: LoaderSettings, cache_dir: Path | None = None) -> None:
        self.settings = settings
        self.cache_dir = cache_dir

    def run(self, path: Path) -> SourceText:
        settings = self.settings
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise LoadError("unsupported", suffix or path.name)
        try:
            size = path.stat().st_size
            if size > settings.max_file_mb * _MB:
                raise too_large("file_size", size / _MB, settings.max_file_mb, " MB")
            data = path.read_bytes()
        except OSError as error:
            raise LoadError("unreadable", error.strerror or "") from error
        if not data.strip():
            raise LoadError("empty")
        encoding = suffix.lstrip(".")
        pages: list[int] = []
        confidence: float | None = None
        if suffix in (".txt", ".md"):
            lines, encoding = load_text(data)
        elif suffix == ".docx":
            lines = load_docx(path, settings)
        elif suffix == ".doc":
            lines = load_doc(path, settings)
        elif suffix == ".xlsx":
            lines = load_xlsx(path, settings)
        elif suffix == ".xls":
            lines = load_xls(path, settings)
        elif suffix in (".html", ".htm"):
            lines, encoding = load_html(data), "html"
        else:
            pdf = load_pdf(path, data, settings, self.cache_dir)
            lines, pages, confidence = pdf.lines, pdf.pages, pdf.ocr_confidence
            encoding = "pdf+ocr" if pdf.ocr_pages else "pdf"
        if len(lines) > settings.max_lines:
            raise too_large("lines", len(lines), settings.max_lines)
        chars = sum(len(line) for line in lines)
        if chars > settings.max_chars:
            raise too_large("characters", chars, settings.max_chars)
        if not any(line.strip() for line in lines):
            raise LoadError("empty")
        check_language(lines)
        return SourceText(
            path=path,
            lines=lines,
            encoding=encoding,
            sha256=hashlib.sha256(data).hexdigest(),
            pages=pages,
            ocr_confidence=confidence,
        )


def load(path: Path, settings: LoaderSettings | None = None, cache_dir: Path | None = None) -> SourceText:
    """One file with the given bounds (the defaults when none are given, as in tests and tools)."""
    return DocumentLoader(settings or LoaderSettings(), cache_dir).run(path)


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


def collection_loader(settings: Settings) -> DocumentLoader:
    """The loader of one collection: its bounds, and its derived texts (OCR) kept in its data dir, so ingest,
    ``docs show`` and ``/api/documents/{id}/text`` all read the same lines."""
    return DocumentLoader(settings.loader, settings.layout.derived_text)
