"""Normalise a loaded file into logical blocks without losing the way back to its lines.

Real plans and reports come as PDF text (hard-wrapped, a blank line between physical lines, page
numbers, footnote bodies in the middle of a sentence) or as markdown (bold marks, ``#`` headings,
superscript footnotes at page breaks). This step rejoins what the page layout cut apart and moves
footnote bodies out of the paragraphs they interrupt. Every block keeps the source lines it came from.
No library does this for Vietnamese administrative text, hence the hand-written rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from ingest.models import Block, BlockKind, SourceText
from ingest.verbatim import PAGE_NUMBER

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPT_FOOTNOTE = re.compile(rf"^\s*([{SUPERSCRIPT_DIGITS}]+)\s*\S")
# A PDF footnote area opens with a rule, extracted as a long run of spaces.
_FOOTNOTE_RULE = re.compile(r"^[ \t]{20,}$")
_PLAIN_FOOTNOTE = re.compile(r"^\s*(\(\d{1,2}\)|\d{1,2})\s+\S")
# Lines that begin a new unit by their marker: bullets, numbered or lettered items, roman headings,
# program headings and legal divisions. Such a line never continues the line before it.
_STRUCTURAL = re.compile(
    r"""^\s*(?:
        [-+•*–]\s |                                     # bullets
        \\?\*\s |
        \#{1,6}\s |                                     # markdown heading
        (?:[IVXL]+|[A-Z]|\d+(?:\.\d+)*)\s*[.)]\s |       # I.  A.  1.  2.1.  1)
        [a-zđ]\)\s |                                    # a)
        (?:Tiểu\s+)?[Dd]ự\s+án\s+\d |                   # Dự án 3 / Tiểu dự án 1
        (?:Điều|Chương|Mục|Phần)\s+[\dIVXLC]+ |
        (?:Phụ\s+lục|PHỤ\s+LỤC)\b |
        \*\*
    )""",
    re.VERBOSE,
)
_TERMINAL = re.compile(r"[.;:!?…](?:[\"”’)*\s]|[" + SUPERSCRIPT_DIGITS + r"])*$")
_MD_HEADING = re.compile(r"^\s*(#{1,6})\s+")
_BOLD_LINE = re.compile(r"^\s*(?:#{1,6}\s+)?\*\*.+\*\*\s*$")
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_markdown(text: str) -> str:
    """The cited form of a line: markdown marks removed, the words untouched."""
    text = _MD_HEADING.sub("", text)
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"(?<!\\)\*", "", text).replace("\\*", "*")
    text = text.replace("\\", "")
    return _SPACES.sub(" ", text).strip()


def join_cleaned(raw_lines: list[str]) -> str:
    """Block text: each line cleaned, joined by one space (``line_spans`` relies on this)."""
    return " ".join(c for c in map(clean_markdown, raw_lines) if c)


def line_spans(block: Block, lines: list[str]) -> list[tuple[int, int, int]]:
    """(start, end, line number) of each source line's share of ``block.text``."""
    spans, offset = [], 0
    for number in block.source_lines:
        raw = lines[number - 1]
        if block.kind == "footnote" and number == block.line_start and block.marker:
            raw = raw.split(block.marker, 1)[1]
        cleaned = clean_markdown(raw)
        if cleaned:
            spans.append((offset, offset + len(cleaned), number))
            offset += len(cleaned) + 1
    return spans


def _starts_lowercase(text: str) -> bool:
    first = clean_markdown(text)[:1]
    return first.isalpha() and first.islower()


@dataclass
class _Unit:
    kind: BlockKind
    lines: list[int]
    marker: str | None = None
    heading_level: int | None = None
    bold: bool = False
    texts: list[str] = field(default_factory=list)

    def add(self, number: int, raw: str) -> None:
        self.lines.append(number)
        self.texts.append(raw)


def _is_hard_wrapped(lines: list[str]) -> bool:
    """PDF text: many lines end mid-sentence and the next text line starts in lower case."""
    text_lines = [ln for ln in lines if ln.strip()]
    if len(text_lines) < 20:
        return False
    continued = sum(1 for _, b in pairwise(text_lines) if _starts_lowercase(b))
    return continued / len(text_lines) > 0.2


def _wrap_width(lines: list[str]) -> int:
    lengths = sorted(len(ln.rstrip()) for ln in lines if ln.strip())
    return lengths[int(len(lengths) * 0.9)] if lengths else 0


class Normalizer:
    """Pipeline step: SourceText → list[Block] (paragraphs, bullets, footnotes) in reading order."""

    def run(self, source: SourceText) -> list[Block]:
        lines = source.lines
        hard_wrapped = _is_hard_wrapped(lines)
        full_line = int(_wrap_width(lines) * 0.8)
        units: list[_Unit] = []
        last_text: _Unit | None = None  # the unit a continuation line would extend
        in_footnotes = False  # inside a PDF footnote area (after its rule line)
        previous_blank = True

        for number, raw in enumerate(lines, start=1):
            stripped = raw.strip()
            if not stripped:
                in_footnotes = in_footnotes or bool(_FOOTNOTE_RULE.match(raw))
                previous_blank = True
                continue
            if hard_wrapped and PAGE_NUMBER.match(raw):
                in_footnotes = False  # a page number closes the page, footnotes included
                previous_blank = True
                continue

            sup = _SUPERSCRIPT_FOOTNOTE.match(raw)
            if sup:
                units.append(_Unit("footnote", [number], marker=sup.group(1), texts=[raw[sup.end(1) :]]))
                previous_blank = False
                continue
            structural = bool(_STRUCTURAL.match(raw))
            if in_footnotes:
                plain = _PLAIN_FOOTNOTE.match(raw)
                if plain:
                    units.append(_Unit("footnote", [number], marker=plain.group(1), texts=[raw[plain.end(1) :]]))
                    continue
                if not structural and units and units[-1].kind == "footnote":
                    units[-1].add(number, raw)
                    continue
                in_footnotes = False

            if (
                last_text is not None
                and not structural
                and self._continues(last_text, raw, previous_blank, hard_wrapped, full_line, units)
            ):
                last_text.add(number, raw)
            else:
                heading = _MD_HEADING.match(raw)
                last_text = _Unit(
                    "bullet" if re.match(r"^\s*(?:#{1,6}\s+)?(?:\*\*)?\s*[-+•–]\s", raw) else "paragraph",
                    [],
                    heading_level=len(heading.group(1)) if heading else None,
                    bold=bool(_BOLD_LINE.match(raw)),
                )
                last_text.add(number, raw)
                units.append(last_text)
            previous_blank = False

        return [self._to_block(unit) for unit in units]

    @staticmethod
    def _continues(
        unit: _Unit, raw: str, previous_blank: bool, hard_wrapped: bool, full_line: int, units: list[_Unit]
    ) -> bool:
        if units[-1] is unit and not previous_blank:
            return not unit.bold  # a markdown line break inside a paragraph
        if _starts_lowercase(raw):
            return True  # a sentence cut by a page break, a footnote area or a hard wrap
        last_line = unit.texts[-1].rstrip()
        if raw.isupper() and last_line.isupper() and not _TERMINAL.search(last_line):
            return True  # an upper-case heading wrapped over two lines
        if not hard_wrapped or PAGE_NUMBER.match(raw):
            return False
        joined = " ".join(unit.texts)
        if joined.count("(") > joined.count(")") or (raw.lstrip()[:1].isdigit() and not last_line.endswith(".")):
            return True  # "(vốn đầu tư phát triển:" ⏎ "39.120 triệu đồng, …"
        return len(last_line) >= full_line and not _TERMINAL.search(last_line)

    @staticmethod
    def _to_block(unit: _Unit) -> Block:
        return Block(
            kind=unit.kind,
            text=join_cleaned(unit.texts),
            line_start=unit.lines[0],
            line_end=unit.lines[-1],
            source_lines=unit.lines,
            marker=unit.marker,
            heading_level=unit.heading_level,
            bold=unit.bold,
        )
