"""The one definition of "this quote is the source's own words", shared by ingest, answers and eval.

Two texts match when they are equal after NFC, dropping markdown marks (``**``, ``#``, ``\\*``, ``_``)
and folding every run of white space (hard wraps included) into one space. Where a quote skips a
footnote body or a page number that interrupts a sentence it says so with " … " (``JOIN``): each run
between those marks must stand in the lines, in order. A check may also name lines to skip;
page-number lines (a bare 1–3 digit number) are always skippable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

JOIN = " … "  # stands where a quote skips a removed block (footnote body, page number)
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


def _in_order(runs: list[str], view: str) -> bool:
    position = 0
    for run in runs:
        found = view.find(run, position)
        if found < 0:
            return False
        position = found + len(run)
    return True


def is_verbatim(quote: str, lines: Sequence[str], line_start: int, line_end: int, skip: Iterable[int] = ()) -> bool:
    """True when ``quote`` stands in the source between the two lines (see the module doc)."""
    runs = [run for part in normalize_for_match(quote).split(JOIN) if (run := part.strip())]
    if not runs:
        return False
    skipped = set(skip)
    if _in_order(runs, source_view(lines, line_start, line_end, skipped)):
        return True
    pages = {n for n in range(line_start, line_end + 1) if 0 < n <= len(lines) and PAGE_NUMBER.match(lines[n - 1])}
    return bool(pages) and _in_order(runs, source_view(lines, line_start, line_end, skipped | pages))
