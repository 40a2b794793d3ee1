"""All prompts, answer templates and user-facing messages, loaded from ``prompts/vi.toml``."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

PROMPTS_FILE = Path(__file__).with_name("vi.toml")


class AnswerTexts(BaseModel):
    intro: str
    refusal: str
    suggestions_intro: str
    unknown_place: str
    uncovered_year: str
    several_localities: str
    llm_fallback: str
    unverified_numbers: str


class ErrorTexts(BaseModel):
    question_empty: str
    question_too_long: str
    not_found_document: str
    not_found_passage: str
    not_found_conversation: str
    invalid_request: str
    unauthorized: str
    writes_disabled: str
    index_empty: str


class LLMPrompts(BaseModel):
    system: str
    user: str
    passage: str


class WebTexts(BaseModel):
    """What the web page says on its own; served as-is to the page (GET /api/web/texts)."""

    loading: str
    error: str
    refused_label: str
    suggestions_label: str
    citation_label: str
    lines_label: str
    copy_answer: str
    copied: str
    rate_up: str
    rate_down: str
    rate_up_label: str
    rate_down_label: str
    comment_label: str
    send_feedback: str
    feedback_saved: str
    document_untitled: str
    open_document: str
    answer_heading: str
    show_answer: str
    choice_label: str


class TrainingTexts(BaseModel):
    no_key_points: str
    unreadable_file: str
    key_points_heading: str
    quiz_heading: str
    answer_heading: str
    cite: str
    program: str
    sub_project_of: str
    choice_question: str
    correct_choice: str
    questions: dict[str, str] = Field(description="open question per field name, and 'other'")


class Prompts(BaseModel):
    answer: AnswerTexts
    errors: ErrorTexts
    llm: LLMPrompts
    web: WebTexts
    training: TrainingTexts


@lru_cache(maxsize=1)
def get_prompts() -> Prompts:
    return Prompts.model_validate(tomllib.loads(PROMPTS_FILE.read_text(encoding="utf-8")))
