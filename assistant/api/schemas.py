"""The HTTP contract. Evaluation tools rely on these field names: change them only with a version."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.answer.models import AnswerLine, Citation, Suggestion
from assistant.api.errors import lone_surrogate
from assistant.outline import OutlineEntry
from assistant.retrieval.frame import AskedType, QuestionFrame, Scope
from assistant.retrieval.hybrid import ScoredChunk, SearchFilters
from core.settings import ServerSettings
from ingest.models import DocumentMeta, Fact, Footnote, Sentence
from prompts import get_prompts


class Filters(SearchFilters):
    # a misspelt filter ("localty") must not quietly give an unfiltered answer
    model_config = ConfigDict(extra="forbid")


class RequestScope(Scope):
    model_config = ConfigDict(extra="forbid")


class AskRequest(BaseModel):
    question: str = Field(description="câu hỏi, có hoặc không dấu")
    top_k: int = Field(5, ge=1, le=50)
    filters: Filters | None = None
    mode: Literal["extractive", "llm"] = "extractive"
    scope: RequestScope | None = Field(
        None, description="what the user set explicitly (place, year, project, field…): wins over the question's words"
    )

    @field_validator("question")
    @classmethod
    def _question_fits(cls, value: str) -> str:
        errors = get_prompts().errors
        value = value.strip()
        if not value:
            raise ValueError(errors.question_empty)
        return value  # the length limit is the app's own: see ``question_too_long``

    @model_validator(mode="before")
    @classmethod
    def _encodable(cls, data: object) -> object:
        # JSON's "\ud800" decodes to half a surrogate pair, which no encoder accepts: refuse it here, as a 422
        position = lone_surrogate(data)
        if position is not None:
            raise ValueError(get_prompts().errors.lone_surrogate.format(position=position))
        return data


def question_too_long(question: str, server: ServerSettings) -> str | None:
    """The message for a question over the limit of the app's own settings (checked where they are known,
    not here from the process-wide defaults: an app built with its own Settings keeps its own limit)."""
    limit = server.max_question_chars
    if len(question) <= limit:
        return None
    return get_prompts().errors.question_too_long.format(max=limit, length=len(question))


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


class FrameView(BaseModel):
    """What was understood: shown as "Đang hỏi: Kinh phí · Dự án 4 · Ia H'Drai · 2025" and editable."""

    asked: AskedType
    focus: str
    per: str | None = None
    role: str | None = None
    scope: Scope
    label: str

    @classmethod
    def of(cls, frame: QuestionFrame) -> FrameView:
        return cls(**frame.model_dump(), label=frame.label)


class AskResponse(BaseModel):
    answer: str
    refused: bool
    citations: list[Citation]
    passages: list[Passage]
    suggestions: list[Suggestion] = []
    direct: list[AnswerLine] = Field([], description="the asked value(s) first, each citing its quotes [n]")
    nearby: list[AnswerLine] = Field([], description="refused: what the documents do say about the topic")
    contradiction: bool = Field(False, description="the documents differ; direct gives both readings")
    frame: FrameView | None = None
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
    facts: list[Fact] = Field([], description="typed values the passage states: amounts, rates, dates, offices …")
    context_before: list[str] = Field(description="source lines just before the passage")
    context_after: list[str] = Field(description="source lines just after the passage")


class Health(BaseModel):
    status: Literal["ok"]
    documents: int
    chunks: int
    embedding_model: str
    store: str
