"""All prompts, answer templates and user-facing messages, loaded from ``prompts/vi.toml``."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

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


class Prompts(BaseModel):
    answer: AnswerTexts
    errors: ErrorTexts
    llm: LLMPrompts


@lru_cache(maxsize=1)
def get_prompts() -> Prompts:
    return Prompts.model_validate(tomllib.loads(PROMPTS_FILE.read_text(encoding="utf-8")))
