"""PDF: the text layer where a page has one, Tesseract's Vietnamese model where the page is a scan.

Most signed decisions reach a commune as scans. A page with no text but an image is rasterised by
pdftoppm and read by ``tesseract … tsv``, whose words come with their line, paragraph and confidence:
one OCR line is one cited line, a blank line between paragraphs. The recognised text is cached by the
file's hash, so the text a reader opens (``/api/documents/{id}/text``) is the text that was indexed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import LoaderSettings
from ingest.loaders.base import LoadError, find_tool, missing_tool, run_tool, too_large
from prompts import get_prompts


@dataclass
class PdfText:
    lines: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)  # line number (1-based) where each page begins
    ocr_pages: list[int] = field(default_factory=list)  # page numbers (1-based) read by OCR
    ocr_confidence: float | None = None  # mean word confidence of the OCR pages, 0–100


def _has_image(page: Any) -> bool:
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
    return bool(xobjects)


def load_pdf(path: Path, data: bytes, settings: LoaderSettings, cache_dir: Path | None) -> PdfText:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    try:
        # pypdf opens owner-password-only PDFs itself (empty user password); others fail at page access
        reader = PdfReader(io.BytesIO(data))
        if len(reader.pages) > settings.max_pages:
            raise too_large("pages", len(reader.pages), settings.max_pages)
        texts = [page.extract_text() or "" for page in reader.pages]
        scanned = [i for i, page in enumerate(reader.pages) if not texts[i].strip() and _has_image(page)]
    except FileNotDecryptedError as error:
        raise LoadError("unreadable", get_prompts().ingest.pdf_password) from error
    # malformed PDFs surface from deep inside pypdf as its own errors or as plain lookup/type errors
    except (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, OSError) as error:
        raise LoadError("unreadable", type(error).__name__) from error
    ocr: dict[int, tuple[list[str], list[float]]] = {}
    if scanned:
        ocr = _recognise(path, data, scanned, settings, cache_dir)
    result = PdfText()
    confidences: list[float] = []
    for index, text in enumerate(texts):
        result.pages.append(len(result.lines) + 1)
        if index in ocr:
            lines, words = ocr[index]
            result.ocr_pages.append(index + 1)
            confidences += words
        else:
            lines = [unicodedata.normalize("NFC", line) for line in text.splitlines()]
        result.lines += lines
    if scanned:
        result.ocr_confidence = round(sum(confidences) / len(confidences), 1) if confidences else 0.0
    if not any(line.strip() for line in result.lines):
        raise LoadError("no_text_layer")
    return result


def _recognise(
    path: Path, data: bytes, pages: list[int], settings: LoaderSettings, cache_dir: Path | None
) -> dict[int, tuple[list[str], list[float]]]:
    """OCR of the given page indexes: {index: (lines, word confidences)}, from the cache when it has them."""
    if len(pages) > settings.max_ocr_pages:
        raise too_large("ocr_pages", len(pages), settings.max_ocr_pages)
    # keyed by the bytes and how the engine was asked, not by its version: after an upgrade of tesseract
    # the indexed text and the text a reader opens must stay the same until the file is ingested anew
    recipe = f"{settings.ocr_languages}|{settings.ocr_dpi}|{pages}"
    key = hashlib.sha256(data).hexdigest()[:32] + "-" + hashlib.sha256(recipe.encode()).hexdigest()[:12]
    cached = cache_dir / "ocr" / f"{key}.json" if cache_dir else None
    if cached is not None and cached.exists():
        stored = json.loads(cached.read_text(encoding="utf-8"))
        return {int(k): (v["lines"], v["confidences"]) for k, v in stored.items()}
    tesseract, pdftoppm = find_tool(settings.tesseract), find_tool(settings.pdftoppm)
    if tesseract is None or pdftoppm is None:
        raise missing_tool(*(role for role, found in [("tesseract", tesseract), ("pdftoppm", pdftoppm)] if not found))
    result: dict[int, tuple[list[str], list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="gnbv-ocr-") as work:
        for index in pages:
            number = str(index + 1)
            prefix = str(Path(work, "page"))
            raster = [pdftoppm, "-r", str(settings.ocr_dpi), "-gray", "-png", "-singlefile", "-f", number, "-l", number]
            run_tool([*raster, str(path), prefix], settings, "pdftoppm")
            recognise = [tesseract, prefix + ".png", "-", "-l", settings.ocr_languages, "tsv"]
            tsv = run_tool(recognise, settings, "tesseract")
            result[index] = _tsv_lines(tsv.decode("utf-8", errors="replace"))
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(".tmp")
        payload = {str(k): {"lines": v[0], "confidences": v[1]} for k, v in result.items()}
        temporary.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        temporary.replace(cached)  # atomic: a reader never sees half a cache entry
    return result


def _tsv_lines(tsv: str) -> tuple[list[str], list[float]]:
    """Tesseract's TSV (one row per word, with block/paragraph/line numbers) as lines, a blank line
    between paragraphs, and the confidence of every word."""
    lines: list[str] = []
    confidences: list[float] = []
    current: tuple[str, str, str] | None = None
    paragraph: tuple[str, str] | None = None
    words: list[str] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        line_key = (row["block_num"], row["par_num"], row["line_num"])
        if line_key != current:
            if words:
                lines.append(" ".join(words))
            words = []
            if paragraph is not None and line_key[:2] != paragraph:
                lines.append("")
            current, paragraph = line_key, line_key[:2]
        words.append(unicodedata.normalize("NFC", row["text"].strip()))
        confidences.append(max(float(row["conf"]), 0.0))
    if words:
        lines.append(" ".join(words))
    return lines, confidences
