"""All prompts, answer templates and user-facing messages, loaded from ``prompts/vi.toml``."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

PROMPTS_FILE = Path(__file__).with_name("vi.toml")


class AnswerTexts(BaseModel):
    refusal: str
    suggestions_intro: str
    unknown_place: str
    unnamed_office: str
    uncovered_year: str
    uncovered_place_year: str
    several_localities: str
    llm_fallback: str
    unverified_numbers: str
    sources_heading: str
    line: str
    lines: str
    page: str
    related_heading: str
    no_value: str = Field(description="a refusal's reason: {asked} of {focus} is not stated")
    nearby_intro: str
    document_kind: str
    contradiction: str
    asked: dict[str, str] = Field(description="how a refusal names each asked type ('amount' → 'số tiền')")
    per: str = Field(description="' cho mỗi {unit}' after the asked type when a value per unit is asked")
    frame_labels: dict[str, str] = Field(description="frame.asked → how frame.label names it")


class ErrorTexts(BaseModel):
    question_empty: str
    question_too_long: str
    not_found_document: str
    not_found_passage: str
    invalid_request: str
    unauthorized: str
    writes_disabled: str
    index_empty: str
    body_too_large: str
    upload_too_large: str
    upload_empty: str
    upload_no_file: str
    unsupported_format: str
    document_exists: str
    document_protected: str
    not_found_job: str
    busy: str
    llm_not_configured: str
    lone_surrogate: str
    not_found: str
    method_not_allowed: str
    http_error: str
    server_error: str
    validation: dict[str, str] = Field(description="Vietnamese text per pydantic error type ({ctx} fields)")


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
    line_label: str
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
    direct_heading: str
    sources_heading: str
    nearby_heading: str
    contradiction_label: str
    scope_heading: str
    scope_any: str
    reask: str
    scope_locality: str
    scope_year: str
    scope_project: str
    scope_field: str
    scope_asked: str
    question_empty: str
    question_too_long: str
    question_counter: str
    stream_failed: str
    retry: str
    filter_conflict_place: str
    filter_conflict_year: str
    filter_empty: str
    filter_document: str
    filter_drop: str
    filter_drop_all: str
    filter_keep: str
    passage_label: str
    doc_search_label: str
    doc_search_count: str
    doc_search_none: str
    doc_search_next: str
    doc_search_prev: str
    outline_heading: str
    key_prompt: str
    key_submit: str
    compare_field: str
    compare_missing: str
    asked_types: dict[str, str] = Field(description="frame.asked → its name on the page")


class TrainingTexts(BaseModel):
    no_key_points: str
    unreadable_file: str
    key_points_heading: str
    quiz_heading: str
    answer_heading: str
    cite: str = Field(description="{document} (kind, number, place), {section}, {lines}")
    line: str
    lines: str
    file_prefix: str = Field(description="first words of a handout's file name")
    program: str
    sub_project_of: str
    choice_question: str
    correct_choice: str
    compare_title: str
    compare_field: str
    compare_missing: str
    compare_sources: str
    compare_alone: str
    questions: dict[str, str] = Field(description="open question per field name, and 'other'")


class JobTexts(BaseModel):
    missing: str
    cancelled: str
    timed_out: str
    out_of_memory: str


class IngestTexts(BaseModel):
    """Why a file was not ingested."""

    no_text: str
    limit: str
    tool_install: str
    tool_timeout: str
    doc_not_converted: str
    pdf_password: str
    not_words: str
    utf8_with_errors: str
    sidecar_syntax: str
    sidecar_key: str
    sidecar_value: str
    sidecar_invalid: str
    sidecar_date: str
    reasons: dict[str, str] = Field(description="the sentence of each LoadError reason")
    limits: dict[str, str] = Field(description="what each loader bound counts ({name}: an archive's part)")
    sidecar_errors: dict[str, str] = Field(description="a sidecar value's error, by pydantic error type")


class IndexTexts(BaseModel):
    lexical_ids: str
    lexical_stale: str
    mismatch: str
    settings: str
    joined: str
    ranker_no_card: str
    ranker_version: str
    ranker_card_mismatch: str
    ranker_fallback: str
    gate_features: str
    gate_threshold: str
    parts: dict[str, str] = Field(description="the parts of an index's identity a mismatch names")


class CliTexts(BaseModel):
    """What the command line says."""

    app: str
    docs_app: str
    feedback_app: str
    invalid_settings: str
    asking: str
    chat_prompt: str
    not_found_paths: str
    ingesting: str
    ingesting_name: str
    ingesting_file: str
    ingest_title: str
    docs_title: str
    no_document: str
    outline_entry: str
    feedback_written: str
    workers_need_chroma: str
    serving_index: str  # {fingerprint}, {ranker}: what the index was built with and what ranks
    latency_title: str
    embedding_title: str
    load_errors: str
    hostile_upload: str
    rss: str
    loadtest_title: str
    scale_title: str
    upload_unfinished: str
    commands: dict[str, str] = Field(description="what each command does, as --help lists it")
    help: dict[str, str] = Field(description="help of each option and argument, by 'command.option'")
    columns: dict[str, str] = Field(description="table headings")
    ingest_status: dict[str, str] = Field(description="a file's ingest status (FileOutcome.status)")


class ApiTexts(BaseModel):
    """The API's own description, and the evaluator's errors."""

    title: str
    description: str
    question: str
    replace: str
    not_found_run: str
    not_found_set: str
    not_found_run_question: str
    eval_busy: str
    set_unsupported: str
    set_too_large: str
    set_no_questions: str
    set_invalid: str
    export_sheet: str
    tags: dict[str, str] = Field(description="each router's tag in the API description")
    responses: dict[int, str] = Field(description="what each documented error status means")
    sets: dict[str, str] = Field(description="the built-in question sets' names")
    filters: dict[str, str] = Field(description="the search filters' descriptions")


class ConfigTexts(BaseModel):
    """Settings, data files or components set up wrongly."""

    protect_reads_without_key: str
    unknown_environment: str
    did_you_mean: str
    vocabulary_list: str
    vocabulary_cue_order: str
    vocabulary_asked: str
    glossary_term: str
    glossary_twice: str
    fact_matcher: str
    embedding_backend: str
    onnx_dir: str


class DatasetTexts(BaseModel):
    """What is wrong with a question set, and the validator's summary."""

    no_document: str
    quote_not_verbatim: str
    unanswerable_with_evidence: str
    no_evidence: str
    no_must_include: str
    contradiction_one_side: str
    nearby_answerable: str
    previous_self: str
    diacritics_left: str
    must_include_unquoted: str
    row: str
    file_row: str
    missing_field: str
    not_one_of: str
    too_short: str
    wrong_type: str
    json_invalid: str
    not_an_object: str
    header_missing: str
    too_many_cells: str
    unsupported: str
    cell_json_invalid: str
    unreadable: str
    duplicate_id: str
    where: str
    no_previous: str
    previous_is_second: str
    validate_description: str
    validate_files: str
    validate_corpus: str
    copied: str
    summary: str
    by_category: str
    by_style: str
    pairs: str


class EvaluationTexts(BaseModel):
    """What the evaluation tells evaluators: run reports, the export, stored runs."""

    server_restarted: str
    no_previous_run: str
    against_previous: str
    passed: str
    failed: str
    verdict: str
    no_human_judgement: str
    human_judgement: str
    different_sets: str
    yes: str
    no: str
    citation: str
    app: str
    skipped: str
    unsplit: str
    written: str
    split_size: str
    threshold: str
    proposed: str
    proposed_fact_score: str
    saved: str
    gate_sizes: str
    gate_point: str
    gate_lexical: str
    gate_learned: str
    gate_no_dir: str
    ranker_saved: str
    ranker_not_saved: str
    commands: dict[str, str] = Field(description="what each python -m eval command does")
    help: dict[str, str] = Field(description="help of python -m eval's options, by 'command.option'")
    columns: dict[str, str] = Field(description="the export's headings, the automatic checks' names aside")


class Prompts(BaseModel):
    answer: AnswerTexts
    errors: ErrorTexts
    jobs: JobTexts
    ingest: IngestTexts
    index: IndexTexts
    cli: CliTexts
    api: ApiTexts
    config: ConfigTexts
    dataset: DatasetTexts
    evaluation: EvaluationTexts
    llm: LLMPrompts
    web: WebTexts
    training: TrainingTexts


@lru_cache(maxsize=1)
def get_prompts() -> Prompts:
    return Prompts.model_validate(tomllib.loads(PROMPTS_FILE.read_text(encoding="utf-8")))
