"""Where a gold quote stands in its document, and the checks that compare answers against gold."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from core.text import split_lines
from core.verbatim import normalize_for_match

_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[.,](?=\d)")


@lru_cache(maxsize=64)
def document_lines(path: Path) -> tuple[str, ...]:
    return tuple(split_lines(path.read_text(encoding="utf-8-sig")))


def locate(quote: str, lines: tuple[str, ...]) -> tuple[int, int] | None:
    """The 1-based line range holding ``quote`` (normalised match, white space folded), if any."""
    needle = normalize_for_match(quote)
    if not needle:
        return None
    joined = ""
    starts: list[tuple[int, int]] = []  # (offset in `joined`, line number) of each line with text
    for number, line in enumerate(lines, start=1):
        text = normalize_for_match(line)
        if text:
            starts.append((len(joined), number))
            joined += text + " "
    position = joined.find(needle)
    if position < 0:
        return None
    end = position + len(needle)
    first = max(n for offset, n in starts if offset <= position)
    last = max(n for offset, n in starts if offset < end)
    return first, last


def fact_form(text: str) -> str:
    """Compare figures the way a reader does: 0,5% = 0.5%, 56.770 = 56770; case and spacing ignored."""
    return _DIGIT_SEPARATOR.sub("", normalize_for_match(text)).lower()


def has_fact(answer: str, fact: str) -> bool:
    return fact_form(fact) in fact_form(answer)
