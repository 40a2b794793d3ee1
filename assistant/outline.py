"""A document's outline: every section path prefix, in reading order, with its chunk count."""

from __future__ import annotations

from pydantic import BaseModel

from ingest.models import Chunk


class OutlineEntry(BaseModel):
    path: list[str]
    title: str
    depth: int
    chunks: int
    line_start: int
    line_end: int


def outline(chunks: list[Chunk]) -> list[OutlineEntry]:
    entries: dict[tuple[str, ...], OutlineEntry] = {}
    for chunk in chunks:
        for depth in range(1, len(chunk.section_path) + 1):
            key = tuple(chunk.section_path[:depth])
            entry = entries.get(key)
            if entry is None:
                entries[key] = OutlineEntry(
                    path=list(key),
                    title=key[-1],
                    depth=depth,
                    chunks=1,
                    line_start=chunk.line_start,
                    line_end=chunk.line_end,
                )
            else:
                entry.chunks += 1
                entry.line_start = min(entry.line_start, chunk.line_start)
                entry.line_end = max(entry.line_end, chunk.line_end)
    return list(entries.values())
