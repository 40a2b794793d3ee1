"""Recover the outline of a plan, report or legal text from its normalised blocks.

Heading levels in these documents are not reliable (markdown depth and bold vary from project to
project), so levels come from the numbering style instead: the first style seen is the top level, a
new style nests under the current heading, and a style already on the stack closes everything below it.
Within a Dự án / Tiểu dự án the recurring fields (Mục tiêu, Đối tượng, Nội dung, Kinh phí, Phân công
thực hiện …) open a last level of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.verbatim import JOIN
from core.vocabulary import load_fields
from ingest.models import Block

PREAMBLE = "Phần mở đầu"
STRUCTURE_VERSION = "s5"  # part of the index fingerprint: bump when outlines change

# (style, pattern) in the order they are tried; the style names the numbering scheme, not a depth.
_PLAN_HEADINGS: list[tuple[str, re.Pattern[str]]] = [
    ("appendix", re.compile(r"^(?:Phụ lục|PHỤ LỤC)\b")),
    ("roman", re.compile(r"^[IVXL]+\s*[.\-–]\s+\S")),
    ("upper", re.compile(r"^[A-HJ-UWYZ]\.\s+\S")),
    ("num3", re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}\.?\s+\S")),
    ("num2", re.compile(r"^\d{1,2}\.\d{1,2}\.?\s+\S")),
    ("num", re.compile(r"^\d{1,2}\s*[.)]\s+\S")),
    ("letter", re.compile(r"^[a-zđ][.)]\s+\S")),
    ("subproject", re.compile(r"^(?:\*\s*|\(\d{1,2}\)\s*)?Tiểu\s+dự\s+án\s+\d+", re.IGNORECASE)),
    ("project", re.compile(r"^Dự\s+án\s+\d+")),
]
_LEGAL_HEADINGS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(r"^Phần\s+(?:thứ\s+\S+|[IVXLC\d]+)\b", re.IGNORECASE)),
    ("chapter", re.compile(r"^Chương\s+[IVXLC\d]+\b")),
    ("legal-section", re.compile(r"^Mục\s+\d+\b")),
    ("article", re.compile(r"^Điều\s+\d+[a-zđ]?\s*\.")),
]
_ARTICLE = _LEGAL_HEADINGS[-1][1]

# Fields open on a first-level bullet ("- Đối tượng:") or a bold line; "+" sub-bullets never do.
_FIELD_LABEL = re.compile(r"^[-–]?\s*(?P<label>[^:]{2,60}?)\s*(?::|$)")
MAX_TITLE = 90


@dataclass(frozen=True)
class PlacedBlock:
    block: Block
    section_path: tuple[str, ...]
    field: str | None


_PROJECT_LABEL = re.compile(r"(?:Tiểu\s+)?[Dd]ự\s+án\s+\d+\s*$")
_PROJECT = re.compile(r"(?:Tiểu\s+)?[Dd]ự\s+án\s+\d")
# Fields belong to projects: a section that names a Dự án, or gathers them ("2. Triển khai thực hiện các
# Dự án/Tiểu dự án", "V. Kết quả thực hiện các dự án, tiểu dự án"), not "- Kết quả hộ nghèo …:" elsewhere.
_PROJECT_CONTEXT = re.compile(r"\b[Dd]ự\s+án\b")
# a footnote's marker left on the word it follows: "²", "địa phương(1)", "Trung ương5"
_SUPERSCRIPTS = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
# "1. 1. Đối với Chính phủ": the number typed twice
_DOUBLED_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*\.)\s+\1\s+")


def title_end(text: str, lead_in: int = 0) -> int:
    """Where the heading of a block ends when body text follows on the same line: where the source's
    bold lead-in ends ("**2. Phạm vi thực hiện:** Tại 8 xóm …"), else a numbered paragraph "2. Phạm vi
    thực hiện: Kế hoạch … huyện." is headed by its label, a project "6. Dự án 6: Truyền thông …: Tổng
    nguồn vốn …" by its number and name. ``len(text)`` when the block is all heading."""
    if 0 < lead_in < len(text):
        return len(text[:lead_in].rstrip(": "))
    label, colon, rest = text.partition(":")
    if colon and _PROJECT_LABEL.search(label):  # the name follows the first colon
        name, colon, rest = rest.partition(":")
        label = f"{label}:{name}"
    if colon and (rest.rstrip().endswith(".") or len(text.strip()) > MAX_TITLE) and rest.strip():
        return len(label)
    return len(text)


def heading_title(text: str, lead_in: int = 0, markers: frozenset[str] = frozenset()) -> str:
    """A heading as it stands in a section path: a numbered paragraph gives only its label
    ("2. Phạm vi thực hiện: Kế hoạch … huyện." → "2. Phạm vi thực hiện"), a project its name; the
    number once, no list bullet, no closing stop, no footnote marker (superscripts, and the document's
    own ``markers`` where they stick to a word)."""
    text = text[: title_end(text, lead_in)].replace(JOIN, " ")
    text = _SUPERSCRIPTS.sub("", text)
    for marker in sorted(markers - {""}, key=len, reverse=True):
        text = re.sub(rf"(?<=[^\W\d_]){re.escape(marker)}(?=[\s,.;:)]|$)", "", text)
    text = re.sub(r"\s{2,}", " ", text)
    text = _DOUBLED_NUMBER.sub(r"\1 ", text.strip().lstrip("*").strip()).rstrip(":. ").strip()
    if len(text) <= MAX_TITLE or text.isupper():  # a title in capitals is never a paragraph: kept whole,
        return text  # with the year it names ("… ƯỚC THỰC HIỆN CẢ NĂM 2024")
    return text[: text.rfind(" ", 0, MAX_TITLE - 10)] + " …"


def _without_marker(text: str) -> str:
    return re.sub(r"^(?:[a-zđ]\)|\d{1,2}(?:\.\d{1,2})*\.?)\s+", "", text)


def field_of(block: Block) -> str | None:
    """The canonical field a bullet such as "- Đối tượng thụ hưởng:" (or a lettered heading such as
    "b) Đối tượng", or a plain paragraph led by its label: "Kết quả thực hiện: Tổng số …") opens, if any."""
    if block.kind not in ("bullet", "paragraph"):
        return None
    text = _without_marker(block.text)
    first_level = block.text.startswith(("-", "–")) or block.bold or text != block.text
    labelled = block.kind == "paragraph" and ":" in text[:61]  # a plain line opens a field only by its label
    return field_of_text(text) if first_level or labelled else None


def field_of_text(text: str) -> str | None:
    """The canonical field named by a label such as "- Đối tượng thụ hưởng:", if any."""
    match = _FIELD_LABEL.match(text)
    if not match:
        return None
    label = match.group("label")
    # the fields' headings are in corpus/fields.toml
    return next((f.name for f in load_fields().fields if f.heading.match(label)), None)


class StructureParser:
    """Pipeline step: blocks → blocks placed in the outline (section path and field)."""

    def run(self, blocks: list[Block]) -> list[PlacedBlock]:
        legal = sum(1 for b in blocks[:400] if b.kind == "paragraph" and _ARTICLE.match(b.text)) >= 2
        markers = frozenset(b.marker for b in blocks if b.kind == "footnote" and b.marker)
        styles = _LEGAL_HEADINGS if legal else _PLAN_HEADINGS
        stack: list[tuple[str, str]] = []  # (style, title)
        field: str | None = None
        placed: list[PlacedBlock] = []
        previous: Block | None = None
        for block in blocks:
            if legal and previous is not None and previous.kind == "heading" and block.text.isupper():
                block = block.model_copy(update={"kind": "heading"})  # "Chương I" then "QUY ĐỊNH CHUNG"
                placed.append(PlacedBlock(block, placed[-1].section_path, None))
                previous = block
                continue
            style = self._heading_style(block, styles)
            in_project = any(_PROJECT.search(title) for _, title in stack)
            if style in ("num", "letter") and in_project and field_of(block):
                style = None  # "b) Đối tượng" is a field of the project above, not a new section
            if style is not None:
                block = block.model_copy(update={"kind": "heading"})
                stack = self._push(stack, style, heading_title(block.text, block.lead_in, markers))
                field = None
            elif block.kind != "footnote" and not legal and any(_PROJECT_CONTEXT.search(t) for _, t in stack):
                field = field_of(block) or field
            path = tuple(title for _, title in stack) or (PREAMBLE,)
            placed.append(PlacedBlock(block, path, field if block.kind != "footnote" else None))
            previous = block
        return placed

    @staticmethod
    def _heading_style(block: Block, styles: list[tuple[str, re.Pattern[str]]]) -> str | None:
        if block.kind != "paragraph":
            return None
        text = block.text.lstrip("* ").strip() if block.text.startswith("*") else block.text
        for style, pattern in styles:
            if pattern.match(text):
                return style
        return None

    @staticmethod
    def _push(stack: list[tuple[str, str]], style: str, title: str) -> list[tuple[str, str]]:
        if style in ("appendix", "part"):
            return [(style, title)]
        for depth, (seen, _) in enumerate(stack):
            if seen == style:
                return [*stack[:depth], (style, title)]
        return [*stack, (style, title)]
