"""Typed records passed between the ingest steps: load → normalise → structure → chunk → index."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from core.verbatim import JOIN

SECTION_SEPARATOR = " › "

BlockKind = Literal["heading", "paragraph", "bullet", "table_row", "footnote"]


class SourceText(BaseModel):
    """A loaded file: its text as lines, numbered as cited (line 1 = ``lines[0]``).

    For .txt/.md these are the file's own lines; for .docx one line per paragraph or table row;
    for .pdf the text layer's (or OCR's) lines, page after page; for tables one line per row.
    """

    path: Path
    lines: list[str]
    encoding: str
    sha256: str = Field(description="hash of the file's bytes; drives incremental ingest")
    pages: list[int] = Field(default_factory=list, description="PDF: the line where each page begins")
    ocr_confidence: float | None = Field(None, description="mean word confidence (0–100) of OCR'd pages")

    def page_of(self, line: int) -> int | None:
        """The PDF page (1-based) a cited line is on."""
        return sum(1 for start in self.pages if start <= line) or None


class Segment(BaseModel):
    """A run of a quote that stands verbatim in its lines."""

    text: str
    line_start: int
    line_end: int


class _Quoted(BaseModel):
    text: str = Field(description=f"the source's words; where a removed block interrupts them, {JOIN!r}")
    line_start: int
    line_end: int
    segments: list[Segment] = Field(
        default_factory=list, description="the verbatim runs when the text skips a removed block (else empty)"
    )

    def parts(self) -> list[Segment]:
        """The verbatim runs of the text, each with its own lines (one run when nothing was skipped)."""
        return self.segments or [Segment(text=self.text, line_start=self.line_start, line_end=self.line_end)]


class Footnote(_Quoted):
    marker: str = Field(description="as printed in the text: ¹, ¹⁴, 13 or (1)")


class Sentence(_Quoted):
    """The unit an answer quotes: a sentence or a short bullet, with the lines it spans."""

    heading: bool = False


class Block(BaseModel):
    """One logical unit of text after normalisation: a heading, a paragraph, a bullet, a table row
    or a footnote body, with hard-wrapped lines rejoined and interrupting footnotes moved out."""

    kind: BlockKind
    text: str
    line_start: int
    line_end: int
    source_lines: list[int] = Field(description="the lines whose text the block carries, in order")
    marker: str | None = Field(None, description="footnote marker, for footnote blocks")
    heading_level: int | None = Field(None, description="markdown heading depth when the source gave one")
    bold: bool = Field(False, description="the whole block was bold in the source (a likely heading)")
    lead_in: int = Field(0, description="length of the bold words the block opens with ('**2. Phạm vi:** Tại …')")
    joins: list[int] = Field(
        default_factory=list, description=f"offsets in text where {JOIN!r} marks a removed block skipped"
    )


class DocumentMeta(BaseModel):
    doc_id: str
    source: str = Field(description="file name")
    path: str
    title: str
    kind: str | None = Field(None, description="Kế hoạch, Báo cáo, Quyết định, Thông tư, Luật …")
    number: str | None = Field(None, description="e.g. 16/KH-UBND")
    issuer: str | None = Field(None, description="e.g. UBND xã Trực Thái")
    locality: str | None = Field(None, description="the most specific place, e.g. Trực Thái")
    locality_level: Literal["xã", "huyện", "tỉnh"] | None = None
    district: str | None = None
    province: str | None = None
    date: str | None = Field(None, description="ISO date when printed in full")
    years: list[int] = Field(default_factory=list, description="years the document covers")
    pages: list[int] = Field(default_factory=list, description="PDF: the line where each page begins")

    def page_of(self, line: int) -> int | None:
        """The page a cited line is on (PDFs), so a citation can say "trang 2"."""
        return sum(1 for start in self.pages if start <= line) or None

    sha256: str = ""


FactKind = Literal["amount", "percent", "count", "duration", "date", "document", "office"]


class Fact(BaseModel):
    """A typed value stated in one sentence, found at ingest so answers can match what is asked."""

    kind: FactKind
    value: str = Field(description="as written: '1.642 triệu đồng', '50%', '36 tháng', 'Thông tư số 04/2022/TT-…'")
    number: str | None = Field(None, description="the figure in one spelling ('1642'), to compare values")
    unit: str | None = Field(None, description="triệu đồng, %, tháng, hộ …")
    per: str | None = Field(None, description="the unit the value is per: hộ, người, tháng …")
    subject: str = Field("", description="the words of the clause before the value: what the value is of")
    funding: list[str] = Field(default_factory=list, description="vốn đầu tư, vốn sự nghiệp, ngân sách trung ương …")
    role: str | None = Field(None, description="for offices: chủ trì or phối hợp")
    date: str | None = Field(None, description="for document references: the date printed with the number")
    text: str = Field(description="the sentence that states it, verbatim")
    line_start: int
    line_end: int


class Chunk(BaseModel):
    chunk_id: str
    doc_id: str
    source: str
    title: str
    section_path: list[str]
    field: str | None = Field(None, description="Mục tiêu, Đối tượng, Nội dung, Kinh phí, Phân công …")
    text: str = Field(description="the cited text: the source's words, markdown marks removed")
    line_start: int
    line_end: int
    footnotes: list[Footnote] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list, description="the text, sentence by sentence")
    ordinal: int = Field(description="position of the chunk in its document")
    facts: list[Fact] = Field(default_factory=list, description="typed values its sentences state")

    @property
    def section(self) -> str:
        return SECTION_SEPARATOR.join(self.section_path)

    def embed_text(self) -> str:
        """What is embedded and indexed: the text with the context it needs to be found."""
        head = SECTION_SEPARATOR.join([self.title, *self.section_path])
        notes = "".join(f"\n{note.marker} {note.text}" for note in self.footnotes)
        return f"{head}\n{self.text}{notes}"
