"""The HTTP contract. Evaluation tools rely on these field names: change them only with a version."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from assistant.answer.models import Citation, Suggestion
from assistant.outline import OutlineEntry
from assistant.retrieval.hybrid import ScoredChunk, SearchFilters
from assistant.settings import get_settings
from ingest.models import DocumentMeta, Footnote, Sentence
from prompts import get_prompts


class AskRequest(BaseModel):
    question: str = Field(description="câu hỏi, có hoặc không dấu")
    top_k: int = Field(5, ge=1, le=50)
    filters: SearchFilters | None = None
    mode: Literal["extractive", "llm"] = "extractive"

    @field_validator("question")
    @classmethod
    def _question_fits(cls, value: str) -> str:
        errors = get_prompts().errors
        value = value.strip()
        if not value:
            raise ValueError(errors.question_empty)
        limit = get_settings().server.max_question_chars
        if len(value) > limit:
            raise ValueError(errors.question_too_long.format(max=limit, length=len(value)))
        return value


class ChatRequest(AskRequest):
    conversation_id: str | None = Field(None, max_length=64)
    stream: bool = False


class Passage(BaseModel):
    chunk_id: str
    doc_id: str
    source: str
    title: str
    section: str
    text: str
    score: float
    line_start: int
    line_end: int

    @classmethod
    def of(cls, scored: ScoredChunk) -> Passage:
        c = scored.chunk
        return cls(
            chunk_id=c.chunk_id,
            doc_id=c.doc_id,
            source=c.source,
            title=c.title,
            section=c.section,
            text=c.text,
            score=round(scored.score, 6),
            line_start=c.line_start,
            line_end=c.line_end,
        )


class AskResponse(BaseModel):
    answer: str
    refused: bool
    citations: list[Citation]
    passages: list[Passage]
    suggestions: list[Suggestion] = []
    mode: str = "extractive"
    warnings: list[str] = []
    timings_ms: dict[str, float]


class ChatResponse(AskResponse):
    conversation_id: str
    effective_question: str


class DocumentSummary(DocumentMeta):
    chunks: int


class DocumentDetail(DocumentSummary):
    outline: list[OutlineEntry]


class PassageDetail(BaseModel):
    chunk_id: str
    doc_id: str
    source: str
    title: str
    section: str
    section_path: list[str]
    field: str | None
    text: str
    line_start: int
    line_end: int
    sentences: list[Sentence]
    footnotes: list[Footnote]
    context_before: list[str] = Field(description="source lines just before the passage")
    context_after: list[str] = Field(description="source lines just after the passage")


class Health(BaseModel):
    status: Literal["ok"]
    documents: int
    chunks: int
    embedding_model: str
    store: str
