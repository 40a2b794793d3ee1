"""What an answer is made of: the text, its citations and, when refused, the nearest sections."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Citation(BaseModel):
    n: int = Field(description="the [n] marker in the answer text")
    doc_id: str
    source: str = Field(description="file name of the document")
    title: str
    section: str
    quote: str = Field(description="verbatim from the source file")
    line_start: int
    line_end: int
    chunk_id: str
    locality: str | None = None


class Suggestion(BaseModel):
    doc_id: str
    title: str
    section: str
    chunk_id: str
    locality: str | None = None


class Answer(BaseModel):
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    mode: str = "extractive"
    warnings: list[str] = Field(default_factory=list)
