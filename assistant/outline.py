"""A document's outline: every section path prefix, in reading order, with its chunk count."""

from __future__ import annotations

import re

from pydantic import BaseModel

from ingest.models import Chunk
from ingest.structure import field_of_text, heading_title

_LETTER = re.compile(r"^[a-zđ][.)]\s+")


class OutlineEntry(BaseModel):
    path: list[str]
    title: str
    depth: int
    chunks: int
    line_start: int
    line_end: int


def outline(chunks: list[Chunk]) -> list[OutlineEntry]:
    """One entry per run of chunks under a path prefix: a field that comes back later under the same
    section ("- Đối tượng:" twice in 001's 2.1) is a second entry, not one spanning the field between."""
    entries: list[OutlineEntry] = []
    current: list[OutlineEntry] = []  # the open entry at each depth
    for chunk in chunks:
        path = chunk.section_path
        kept = 0
        while kept < min(len(path), len(current)) and current[kept].path == path[: kept + 1]:
            kept += 1
        current = current[:kept]
        for entry in current:
            entry.chunks += 1
            entry.line_end = max(entry.line_end, chunk.line_end)
        starts = _heading_lines(chunk, kept)
        for depth in range(kept + 1, len(path) + 1):
            entry = OutlineEntry(
                path=path[:depth],
                title=path[depth - 1],
                depth=depth,
                chunks=1,
                line_start=starts[depth - kept - 1],
                line_end=chunk.line_end,
            )
            entries.append(entry)
            current.append(entry)
    return entries


def _heading_lines(chunk: Chunk, kept: int) -> list[int]:
    """The line each path level after the first ``kept`` starts on. A heading with nothing of its own
    travels in its first sub-section's chunk (ingest/chunking.py), so a level starts at the sentence
    that opens it, not where the chunk does ("1. Mục đích" on its own line, not on "I. MỤC ĐÍCH")."""
    path, sentences = chunk.section_path, chunk.sentences
    sections = len(path) - (1 if chunk.field else 0)
    lines: list[int] = []
    at = 0
    for depth in range(kept + 1, len(path) + 1):
        title, is_field = path[depth - 1], depth > sections
        found = next((i for i in range(at, len(sentences)) if _opens(sentences[i].text, title, is_field)), None)
        if found is None and lines and at < len(sentences):
            found = at  # a field whose label is worded otherwise starts after the headings above it
        if found is None:  # "Phần mở đầu" has no heading of its own
            lines.append(chunk.line_start)
            continue
        lines.append(sentences[found].line_start)
        at = found + 1
    return lines


def _opens(text: str, title: str, is_field: bool) -> bool:
    """Whether a sentence is the heading a title was made from (the title drops doubled numbers,
    footnote markers and a long tail, so the two are compared on their first letters and digits), or
    the label of the field it names ("- Đối tượng thụ hưởng:" for "Đối tượng")."""
    if is_field:
        return field_of_text(_LETTER.sub("", text)) == title
    said, named = _letters(heading_title(text)), _letters(title.removesuffix(" …"))
    size = min(len(said), len(named), 24)
    return size >= min(len(named), 6) and said[:size] == named[:size]


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())
