"""The one definition of "this quote is the source's own words", shared by ingest, answers and eval.

Two texts match when they are equal after NFC, dropping markdown marks (``**``, ``#``, ``\\*``, ``_``)
and folding every run of white space (hard wraps included) into one space. Footnote bodies and page
numbers that interrupt a sentence are moved out by the normaliser, so a check may name the lines to
skip; page-number lines (a bare 1–3 digit number) are always skippable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

_MARKDOWN = re.compile(r"[*#_`\\]+")
_SPACE = re.compile(r"\s+")
PAGE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")


def normalize_for_match(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _MARKDOWN.sub("", text)
    return _SPACE.sub(" ", text).strip()


def source_view(lines: Sequence[str], line_start: int, line_end: int, skip: Iterable[int] = ()) -> str:
    """Normalised text of 1-based lines ``line_start..line_end``, leaving out the ``skip`` lines."""
    skipped = set(skip)
    kept = (lines[n - 1] for n in range(max(1, line_start), min(len(lines), line_end) + 1) if n not in skipped)
    return normalize_for_match("\n".join(kept))


def is_verbatim(quote: str, lines: Sequence[str], line_start: int, line_end: int, skip: Iterable[int] = ()) -> bool:
    """True when ``quote`` stands in the source between the two lines (see the module doc)."""
    needle = normalize_for_match(quote)
    if not needle:
        return False
    skipped = set(skip)
    if needle in source_view(lines, line_start, line_end, skipped):
        return True
    pages = {n for n in range(line_start, line_end + 1) if 0 < n <= len(lines) and PAGE_NUMBER.match(lines[n - 1])}
    return bool(pages) and needle in source_view(lines, line_start, line_end, skipped | pages)
