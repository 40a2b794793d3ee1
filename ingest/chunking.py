"""Cut a structured document into chunks that never cross a section boundary.

A section (or a field of a project) that fits stays whole, heading included; a long one is split on
block (bullet, paragraph) boundaries, and a block longer than a chunk on sentence boundaries. A section
that holds only its heading is carried into its first sub-section, so "2. Dự án 3: …" travels with the
"Tiểu dự án 1" text under it. Footnotes are attached to the chunks whose text carries their marker.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from itertools import groupby

from core.verbatim import JOIN
from ingest.models import Block, Chunk, DocumentMeta, Footnote, Sentence
from ingest.normalize import SENTENCE_END, SUPERSCRIPT_DIGITS, assemble, line_spans, segments_of
from ingest.structure import MAX_TITLE, PREAMBLE, PlacedBlock, title_end

CHUNKER_VERSION = "c3"  # part of the index fingerprint: bump when chunks change
_MARKER_ONLY = re.compile(r"^(?:[-+•–]\s*)?(?:\d{1,2}(?:\.\d{1,2})*|[IVXL]{1,5}|[A-Za-zđ])[.)]$")


@dataclass
class _Piece:
    text: str
    sentences: list[Sentence]

    @property
    def line_start(self) -> int:
        return self.sentences[0].line_start

    @property
    def line_end(self) -> int:
        return max(s.line_end for s in self.sentences)


@dataclass
class _Group:
    path: tuple[str, ...]
    field_name: str | None
    pieces: list[_Piece] = field(default_factory=list)
    heading_only: bool = True


def split_sentences(block: Block, lines: list[str]) -> list[Sentence]:
    """A block's sentences, each with the source lines it spans (and its verbatim runs when it skips a
    removed block: the ``JOIN`` the normaliser put there is no sentence end)."""
    spans = line_spans(block, lines)
    # a heading says nothing; the body after it on the same line ("1. Tổng nhu cầu vốn …: Dự kiến
    # 56.770 …") does, so it is split off as sentences of its own
    head = title_end(block.text, block.lead_in) if block.kind == "heading" else 0
    if head == len(block.text) and len(block.text) > MAX_TITLE:
        head = 0  # "3. Hộ nghèo chủ yếu tập trung …": a numbered paragraph, all body
    if head < len(block.text) and block.text[head] == ":":
        head += 1
    sentences: list[Sentence] = []
    start = 0
    joined_after = {j + len(JOIN) - 1 for j in block.joins}
    ends = [m.start() for m in SENTENCE_END.finditer(block.text) if m.start() not in joined_after]
    for boundary in sorted({*ends, *([head] if 0 < head < len(block.text) else []), len(block.text)}):
        text = block.text[start:boundary].strip()
        if _MARKER_ONLY.match(text) and boundary < len(block.text):
            continue  # "1." or "II." opens the sentence, it does not end one
        if text:
            covered = [n for a, b, n in spans if a < boundary and b > start] or [block.line_start]
            runs = segments_of(block, lines, start, boundary) if any(start < j < boundary for j in block.joins) else []
            sentences.append(
                Sentence(text=text, line_start=covered[0], line_end=covered[-1], heading=start < head, segments=runs)
            )
        start = boundary
    return sentences


def _as_text(note: Block, lines: list[str]) -> Block:
    """A note as a paragraph of its whole lines ("¹0" stays "¹0"), so its text stands in them verbatim."""
    text, joins = assemble(note.source_lines, [lines[n - 1] for n in note.source_lines], lines)
    return note.model_copy(update={"kind": "paragraph", "text": text, "joins": joins, "marker": None})


def _pack(pieces: list[_Piece], max_chars: int) -> list[list[_Piece]]:
    packs: list[list[_Piece]] = [[]]
    size = 0
    for piece in pieces:
        if packs[-1] and size + len(piece.text) + 1 > max_chars:
            packs.append([])
            size = 0
        packs[-1].append(piece)
        size += len(piece.text) + 1
    return [p for p in packs if p]


class Chunker:
    """Pipeline step: placed blocks of one document → chunks with exact line ranges."""

    def __init__(self, max_chars: int = 1200, min_chars: int = 120) -> None:
        self.max_chars = max_chars
        self.min_chars = min_chars

    def run(self, meta: DocumentMeta, placed: list[PlacedBlock], lines: list[str]) -> list[Chunk]:
        footnotes = [p.block for p in placed if p.block.kind == "footnote"]
        body = [p for p in placed if p.block.kind != "footnote"]
        if not body:  # nothing but notes: they are the text, markers and all, not an appendix to it
            body, footnotes = [PlacedBlock(_as_text(p.block, lines), p.section_path, None) for p in placed], []
        groups = self._groups(body, lines)
        chunks: list[Chunk] = []
        seen_ids: set[str] = set()
        for group in groups:
            for pack in _pack(group.pieces, self.max_chars):
                text = "\n".join(p.text for p in pack)
                chunk_id = self._chunk_id(meta.doc_id, group.path, text, seen_ids)
                chunks.append(
                    Chunk(
                        chunk_id=chunk_id,
                        doc_id=meta.doc_id,
                        source=meta.source,
                        title=meta.title,
                        section_path=[*group.path, *([group.field_name] if group.field_name else [])],
                        field=group.field_name,
                        text=text,
                        line_start=min(p.line_start for p in pack),
                        line_end=max(p.line_end for p in pack),
                        sentences=[s for p in pack for s in p.sentences],
                        ordinal=len(chunks),
                    )
                )
        self._attach_footnotes(chunks, footnotes, lines)
        return chunks

    def _groups(self, placed: list[PlacedBlock], lines: list[str]) -> list[_Group]:
        groups: list[_Group] = []
        for (path, field_name), members in groupby(placed, key=lambda p: (p.section_path, p.field)):
            group = _Group(path, field_name)
            for member in members:
                block = member.block
                if block.kind != "heading":
                    group.heading_only = False
                sentences = split_sentences(block, lines)
                if len(block.text) > self.max_chars:
                    group.pieces.extend(_Piece(s.text, [s]) for s in sentences)
                elif sentences:
                    group.pieces.append(_Piece(block.text, sentences))
            previous = groups[-1] if groups else None
            if previous and self._carried_down(previous, group):
                group.pieces = previous.pieces + group.pieces
                groups[-1] = group
            else:
                groups.append(group)
        return groups

    def _carried_down(self, previous: _Group, group: _Group) -> bool:
        """A bare heading travels with its first sub-section; so does a title-only preamble
        (a law's name before its first Điều)."""
        if previous.heading_only and group.path[: len(previous.path)] == previous.path:
            return True
        size = sum(len(p.text) for p in previous.pieces)
        return previous.path == (PREAMBLE,) and size < self.min_chars

    @staticmethod
    def _chunk_id(doc_id: str, path: tuple[str, ...], text: str, seen: set[str]) -> str:
        digest = hashlib.sha1("\x1f".join([doc_id, *path, text]).encode("utf-8")).hexdigest()
        chunk_id = f"{doc_id}:{digest[:12]}"
        suffix = 1
        while chunk_id in seen:  # the same text twice in one section
            suffix += 1
            chunk_id = f"{doc_id}:{digest[:12]}-{suffix}"
        seen.add(chunk_id)
        return chunk_id

    @staticmethod
    def _attach_footnotes(chunks: list[Chunk], footnotes: list[Block], lines: list[str]) -> None:
        """Each footnote goes to the nearest chunk before it that carries its marker, else to the
        chunk it sits in or after, so that no footnote line is lost."""
        if not chunks:
            return
        for note in footnotes:
            marker = note.marker or ""
            pattern = re.compile(
                rf"(?<![{SUPERSCRIPT_DIGITS}]){re.escape(marker)}(?![{SUPERSCRIPT_DIGITS}])"
                if marker[:1] in SUPERSCRIPT_DIGITS
                else rf"(?<![\d(]){re.escape(marker)}(?!\d)"
                if marker.startswith("(")
                else r"(?!x)x"  # plain-digit markers ("202513") cannot be told from figures
            )
            before = [c for c in chunks if c.line_start <= note.line_start]
            target = next((c for c in reversed(before) if pattern.search(c.text)), None)
            if target is None:
                target = before[-1] if before else chunks[0]
            target.footnotes.append(
                Footnote(
                    marker=marker,
                    text=note.text,
                    line_start=note.line_start,
                    line_end=note.line_end,
                    segments=segments_of(note, lines, 0, len(note.text)) if note.joins else [],
                )
            )
