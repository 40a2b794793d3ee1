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

from core.verbatim import JOIN, PAGE_NUMBER, normalize_for_match
from ingest.models import Block, BlockKind, Segment, SourceText

# Part of the index fingerprint: bump when a change here changes any block, so indexes re-ingest.
NORMALIZER_VERSION = "n5"
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
        [a-zđ][.)]\s |                                 # a)  a.
        (?:\(\d{1,2}\)\s*)?(?:Tiểu\s+)?[Dd]ự\s+án\s+\d |   # Dự án 3 / (1) Tiểu dự án 1
        (?:Điều|Chương|Mục|Phần)\s+[\dIVXLC]+ |
        (?:Phụ\s+lục|PHỤ\s+LỤC)\b |
        \*\*
    )""",
    re.VERBOSE,
)
_PROJECT_HEADING = re.compile(
    r"^(?:[\dIVXL]+(?:\.\d+)*[.)]|[a-zđ][.)]|\(\d{1,2}\)|\*)?\s*(?:Tiểu\s+)?[Dd]ự\s+án\s+\d+\s*[.:,]"
)
_TERMINAL = re.compile(r"[.;:!?…](?:[\"”’)*\s]|[" + SUPERSCRIPT_DIGITS + r"])*$")
# a sentence closed for good (";" and ":" leave a list open)
_CLOSED = re.compile(r"[.!?…](?:[\"”’)*\s]|[" + SUPERSCRIPT_DIGITS + r"])*$")
# "**2. Phạm vi thực hiện:** Tại 8 xóm …": the source marks where a heading ends and its body begins
_LEAD_IN = re.compile(r"^\s*(?:#{1,6}\s+)?\*\*([^*]+)\*\*\s*[^\s*]")
_MD_HEADING = re.compile(r"^\s*(#{1,6})\s+")
_BOLD_LINE = re.compile(r"^\s*(?:#{1,6}\s+)?\*\*.+\*\*\s*$")
_SPACES = re.compile(r"[ \t\u00a0]+")
# a backslash escape ("\\*" is a literal star) or a run of emphasis characters
_MARKUP = re.compile(r"\\(?P<escaped>[\\`*_{}\[\]()#+\-.!|~<>])|\*+|_+")


def _is_markup(text: str, start: int, end: int) -> bool:
    """Whether the run of ``*`` or ``_`` at ``text[start:end]`` is emphasis (bold, italic, a list bullet)
    rather than content: "2*3", "(*)", "a * b", "Quyet_dinh", the blanks of a form ("Số: ____/KH").
    ``text`` is the stripped line."""
    run = text[start:end]
    before, after = text[start - 1 : start], text[end : end + 1]
    if len(run) > 2 and run == text:
        return True  # a rule across the page ("____"), no words
    if run[0] == "_" and len(run) > 2:
        return False
    if before.isalnum() and after.isalnum():
        return False  # inside a word or a formula; italics in these documents open and close at word edges
    if (before + after) in ("()", "[]"):
        return False
    if not before.strip() and not after.strip():
        return start == 0 and run == "*"  # a list bullet "* …", else a star standing alone
    return True


def clean_markdown(text: str) -> str:
    """The cited form of a line: markdown marks removed, the words untouched, a literal ``*`` or ``_``
    kept. Emphasis is judged on the line alone because italics often open on one hard-wrapped line and
    close on the next ("(*không có sinh kế" ⏎ "ổn định*)")."""
    text = _MD_HEADING.sub("", text).strip()
    kept: list[str] = []
    position = 0
    for match in _MARKUP.finditer(text):
        kept.append(text[position : match.start()])
        if match.group("escaped"):
            kept.append(match.group("escaped"))
        elif not _is_markup(text, match.start(), match.end()):
            kept.append(match.group())
        position = match.end()
    kept.append(text[position:])
    cleaned = _SPACES.sub(" ", "".join(kept)).strip()
    return cleaned if normalize_for_match(cleaned) else ""  # marks and nothing else ("\\", "* *") say nothing


# A sentence ends at . ; ! ? … followed by a space and a capital, a bullet or a digit.
SENTENCE_END = re.compile(r"(?<=[.;!?…])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9+\-])")


def _segment_join(previous: str, following: str) -> bool:
    """Whether the gap between two verbatim runs falls inside a sentence (and so needs a visible mark)."""
    return SENTENCE_END.match(f"{previous} {following}", len(previous)) is None


def assemble(numbers: list[int], raw_lines: list[str], lines: list[str], note: bool = False) -> tuple[str, list[int]]:
    """Block text and its joins: each line cleaned and joined by one space, except where a removed line
    (footnote body, page number) sits between two of them inside a sentence: there ``JOIN`` stands, so
    a quote never passes off two separated runs as one (``line_spans`` relies on this). A note carried
    over a page is always marked where the body's text stood between its runs."""
    text, joins, previous = "", [], 0
    for number, raw in zip(numbers, raw_lines, strict=True):
        cleaned = clean_markdown(raw)
        if not cleaned:
            continue
        if text:
            removed = any(lines[n - 1].strip() for n in range(previous + 1, number))
            if removed and (note or _segment_join(text, cleaned)):
                joins.append(len(text))
                text += JOIN
            else:
                text += " "
        text += cleaned
        previous = number
    return text, joins


def line_spans(block: Block, lines: list[str]) -> list[tuple[int, int, int]]:
    """(start, end, line number) of each source line's share of ``block.text``."""
    spans: list[tuple[int, int, int]] = []
    offset = 0
    joins = set(block.joins)
    for number in block.source_lines:
        raw = lines[number - 1]
        if block.kind == "footnote" and number == block.line_start and block.marker:
            raw = raw.split(block.marker, 1)[1]
        cleaned = clean_markdown(raw)
        if cleaned:
            if spans:
                offset += len(JOIN) if offset in joins else 1
            spans.append((offset, offset + len(cleaned), number))
            offset += len(cleaned)
    return spans


def segments_of(block: Block, lines: list[str], start: int, end: int) -> list[Segment]:
    """The verbatim runs of ``block.text[start:end]`` between its joins, each with its lines."""
    spans = line_spans(block, lines)
    cuts = [start, *(j for j in block.joins if start < j < end), end]
    runs = []
    for a, b in pairwise(cuts):
        a = a + len(JOIN) if a != start else a
        text = block.text[a:b].strip()
        covered = [n for x, y, n in spans if x < b and y > a]
        if text and covered:
            runs.append(Segment(text=text, line_start=covered[0], line_end=covered[-1]))
    return runs


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


def _next_text_lines(lines: list[str]) -> list[int | None]:
    """For each line, the number of the next line that has text (None at the end)."""
    following: list[int | None] = [None] * len(lines)
    upcoming: int | None = None
    for index in range(len(lines) - 1, -1, -1):
        following[index] = upcoming
        if lines[index].strip():
            upcoming = index + 1
    return following


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
        following = _next_text_lines(lines)
        in_footnotes = False  # inside a PDF footnote area (after its rule line)
        previous_blank = True

        for number, raw in enumerate(lines, start=1):
            stripped = raw.strip()
            if not stripped or not clean_markdown(raw):  # marks alone ("#", "\\") are a blank line too
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
            note = next((u for u in reversed(units) if u.kind == "footnote"), None)
            if not structural and self._continues_note(note, last_text, raw, following[number - 1], lines):
                assert note is not None
                note.add(number, raw)  # the tail of a note carried over from the page before
                previous_blank = False
                continue
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

        return [self._to_block(unit, lines) for unit in units]

    @staticmethod
    def _continues_note(
        note: _Unit | None, body: _Unit | None, raw: str, following: int | None, lines: list[str]
    ) -> bool:
        """A page broke mid-sentence and its footnote area opens with the tail of a note begun on the
        page before ("…năm 2022;" ⏎ … ⏎ "Quyết định số 68/QĐ-UBND …" ⏎ "¹³ …"). Decided by the open
        sentences: the body's sentence is left open, the note's too, the line is no lower-case
        continuation of the body and the next text line is a note. The body's sentence then goes on
        after the notes; body text is never attached to a note."""
        if note is None or body is None or following is None or _starts_lowercase(raw):
            return False
        if not _SUPERSCRIPT_FOOTNOTE.match(lines[following - 1]):
            return False
        return not _TERMINAL.search(body.texts[-1].rstrip()) and not _CLOSED.search(note.texts[-1].rstrip())

    @staticmethod
    def _continues(
        unit: _Unit, raw: str, previous_blank: bool, hard_wrapped: bool, full_line: int, units: list[_Unit]
    ) -> bool:
        lowercase = _starts_lowercase(raw)
        if not lowercase and _PROJECT_HEADING.match(clean_markdown(unit.texts[0])):
            return False  # "5. Dự án 5. Hỗ trợ nhà ở …" ⏎ "Hiện nay, …": a project's name wraps in lower case only
        if units[-1] is unit and not previous_blank:
            return not unit.bold  # a markdown line break inside a paragraph
        if lowercase:
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
    def _to_block(unit: _Unit, lines: list[str]) -> Block:
        text, joins = assemble(unit.lines, unit.texts, lines, note=unit.kind == "footnote")
        lead_in = _LEAD_IN.match(unit.texts[0])
        return Block(
            lead_in=len(clean_markdown(lead_in.group(1))) if lead_in and unit.kind != "footnote" else 0,
            kind=unit.kind,
            text=text,
            joins=joins,
            line_start=unit.lines[0],
            line_end=unit.lines[-1],
            source_lines=unit.lines,
            marker=unit.marker,
            heading_level=unit.heading_level,
            bold=unit.bold,
        )
