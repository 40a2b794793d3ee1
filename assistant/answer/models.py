"""What an answer is made of: the text, its citations and, when refused, the nearest sections."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.retrieval.frame import QuestionFrame
from ingest.models import Chunk, Sentence


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
    page: int | None = Field(None, description="the page of a PDF the quote starts on")

    @classmethod
    def of(
        cls, n: int, chunk: Chunk, sentence: Sentence, locality: str | None = None, page: int | None = None
    ) -> Citation:
        return cls(
            n=n,
            doc_id=chunk.doc_id,
            source=chunk.source,
            title=chunk.title,
            section=chunk.section,
            quote=sentence.text,
            line_start=sentence.line_start,
            line_end=sentence.line_end,
            chunk_id=chunk.chunk_id,
            locality=locality,
            page=page,
        )


class Suggestion(BaseModel):
    doc_id: str
    title: str
    section: str
    chunk_id: str
    locality: str | None = None


class AnswerLine(BaseModel):
    """One line of the direct answer (or of what the documents say nearby), in the documents' words."""

    text: str
    citations: list[int] = Field(default_factory=list, description="the [n] of the quotes it rests on")
    scope: str = Field("", description="which project / sub-project and document the line is about")


class Answer(BaseModel):
    answer: str
    refused: bool
    direct: list[AnswerLine] = Field(default_factory=list, description="the asked value(s), stated first")
    nearby: list[AnswerLine] = Field(default_factory=list, description="for refusals: what the documents do say")
    contradiction: bool = Field(False, description="the documents give different values; both are in direct")
    frame: QuestionFrame | None = None
    citations: list[Citation] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    mode: str = "extractive"
    warnings: list[str] = Field(default_factory=list)
