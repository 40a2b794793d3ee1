"""The HTTP contract, every request and response model of the API in one place (the domain models the
routes return as they are — jobs, feedback, training handouts, evaluation runs — stay with their code).
Evaluation tools rely on these field names: change them only with a version."""

from __future__ import annotations

from typing import Literal

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.answer.models import AnswerLine, Citation, Suggestion
from assistant.api.errors import lone_surrogate
from assistant.outline import OutlineEntry
from assistant.retrieval.frame import AskedType, QuestionFrame, Scope
from assistant.retrieval.hybrid import ScoredChunk, SearchFilters
from assistant.service import AskOutcome
from assistant.training import KeyPoint, QuizQuestion
from core.settings import ServerSettings
from eval.dataset import RowError
from eval.store import QuestionChange, Run
from ingest.models import DocumentMeta, Fact, Footnote, Sentence
from prompts import get_prompts


class Filters(SearchFilters):
    # a misspelt filter ("localty") must not quietly give an unfiltered answer
    model_config = ConfigDict(extra="forbid")


class RequestScope(Scope):
    model_config = ConfigDict(extra="forbid")


class AskRequest(BaseModel):
    question: str = Field(description=get_prompts().api.question)
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


def check_question_length(request: AskRequest, server: ServerSettings) -> None:
    """The app's question limit, answered as the 422 the other field errors get."""
    message = question_too_long(request.question, server)
    if message is not None:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "question"), "msg": message, "input": request.question}]
        )


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

    @classmethod
    def of(cls, outcome: AskOutcome) -> AskResponse:
        a = outcome.answer
        return cls(
            answer=a.answer,
            refused=a.refused,
            citations=a.citations,
            passages=[Passage.of(p) for p in outcome.passages],
            suggestions=a.suggestions,
            direct=a.direct,
            nearby=a.nearby,
            contradiction=a.contradiction,
            frame=FrameView.of(a.frame) if a.frame else None,
            mode=a.mode,
            warnings=a.warnings,
            timings_ms={k: round(v, 2) for k, v in outcome.timings_ms.items()},
        )


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
    ranker: str = Field(
        description="what orders the passages: 'lambdarank <model hash>-f<feature version> (<file>)' or 'fusion'"
    )


class DocumentText(BaseModel):
    doc_id: str
    lines: list[str] = Field(description="the document's lines, numbered as cited (line 1 = lines[0])")


# the web page


class WebConfig(BaseModel):
    max_question_chars: int = Field(description="the longest question /api/ask and /api/chat accept")
    labels: dict[str, str] = Field(description="doc_id → the document as cited: 'Kế hoạch 16/KH-UBND, xã Trực Thái'")


FilterKey = Literal["locality", "year", "kind", "doc_id"]


class FilterProblem(BaseModel):
    key: FilterKey | None = Field(description="the filter to drop; None when only the combination of filters is empty")
    message: str


class FilterCheckRequest(BaseModel):
    question: str = Field("", max_length=10_000)
    filters: SearchFilters


class FilterCheck(BaseModel):
    problems: list[FilterProblem]


# training


class KeyPoints(BaseModel):
    doc_id: str
    path: list[str]
    project: str
    points: list[KeyPoint]


class QuizRequest(BaseModel):
    doc_id: str = Field(max_length=200)
    path: list[str] = Field(default_factory=list, max_length=20, description="the project's section path")
    n: int = Field(5, ge=1, le=50)


class Quiz(BaseModel):
    doc_id: str
    path: list[str]
    project: str
    questions: list[QuizQuestion]


# evaluation


class QuestionSet(BaseModel):
    set_id: str = Field(description="dev, test, smoke, or the id of an uploaded set")
    name: str
    n: int
    built_in: bool


class UploadResult(BaseModel):
    set: QuestionSet
    errors: list[RowError]


class RunRequest(BaseModel):
    set_id: str = Field(max_length=64)


class RunDetail(BaseModel):
    run: Run
    summary: dict[str, float | None]
    human: dict[str, float | int] | None


class RunComparison(BaseModel):
    before: Run
    after: Run
    tally: dict[str, int]
    changes: list[QuestionChange]
