"""Question sets: JSONL, CSV or XLSX with the same columns, validated row by row.

``{id, question, category, style, answer, must_include, evidence: [{doc, quote}], previous?, nearby?}``;
in CSV/XLSX the list columns hold JSON text. ``previous`` makes the item the second turn of a conversation
whose first turn is the item with that id (same file); ``nearby`` holds, for an unanswerable near-miss,
verbatim quotes of what the documents do say on the topic. A malformed row (bad JSON, missing field,
unknown category or style, a quote that is not the document's own words, a duplicate id, a second turn
without its first) becomes a ``RowError`` with its 1-based row number and a Vietnamese message, and the
other rows still load. ``python -m eval validate [FILES...]`` also rejects questions copied from a source
(exit 1 on any error) and counts per category and style.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator, model_validator

from core.text import APOSTROPHES, fold
from core.verbatim import normalize_for_match
from prompts import get_prompts

Category = Literal[
    "beneficiaries",
    "activities",
    "budget",
    "responsibility",
    "targets",
    "legal_basis",
    "results",
    "comparison",
    "contradiction",  # the documents disagree with themselves: the answer states both figures
    "unanswerable",
    "feedback",  # rows exported by `python -m assistant feedback export`, for evaluators to review
]
Style = Literal["normal", "no_diacritics", "colloquial", "typo"]
# Categories whose questions the documents answer: they need evidence and key facts to score against.
ANSWERABLE: frozenset[str] = frozenset(get_args(Category)) - {"unanswerable", "feedback"}
COLUMNS = ("id", "question", "category", "style", "answer", "must_include", "evidence", "previous", "nearby")
LIST_COLUMNS = ("must_include", "evidence", "nearby")
REQUIRED = ("id", "question", "category", "style")
QUESTION_DIR = Path(__file__).with_name("questions")
GENERATED = "structured.jsonl"  # written by eval/build_questions.py from the outline: a retrieval smoke set
COPY_RUN = 10  # words: a question holding this many consecutive words of a source is copied, not paraphrased


def has_diacritics(text: str) -> bool:
    return fold(text) != unicodedata.normalize("NFC", text).translate(APOSTROPHES).lower()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


@lru_cache(maxsize=4)
def _corpus_runs(corpus_dir: Path) -> frozenset[tuple[str, ...]]:
    """Every run of COPY_RUN words of every document, folded: a copy without diacritics is still a copy."""
    runs: set[tuple[str, ...]] = set()
    for path in sorted(corpus_dir.glob("*.txt")):
        words = _words(path.read_text(encoding="utf-8-sig").replace("**", ""))
        runs.update(tuple(words[i : i + COPY_RUN]) for i in range(len(words) - COPY_RUN + 1))
    return frozenset(runs)


def copied_run(question: str, corpus_dir: Path) -> str | None:
    """The first run of COPY_RUN consecutive words the question shares with a document, if any."""
    words, runs = _words(question), _corpus_runs(corpus_dir)
    return next(
        (
            " ".join(words[i : i + COPY_RUN])
            for i in range(len(words) - COPY_RUN + 1)
            if tuple(words[i : i + COPY_RUN]) in runs
        ),
        None,
    )


@lru_cache(maxsize=32)
def _document_text(path: Path) -> str:
    return normalize_for_match(path.read_text(encoding="utf-8-sig"))


class Evidence(BaseModel):
    doc: str = Field(min_length=1)
    quote: str = Field(min_length=3)

    @model_validator(mode="after")
    def _in_corpus(self, info: ValidationInfo) -> Evidence:
        """With ``context={"corpus_dir": ...}`` the document must exist and hold the quote verbatim."""
        corpus_dir = (info.context or {}).get("corpus_dir")
        if corpus_dir is None:
            return self
        path = Path(corpus_dir) / self.doc
        if not path.is_file():
            raise ValueError(get_prompts().dataset.no_document.format(doc=self.doc))
        if normalize_for_match(self.quote) not in _document_text(path):
            raise ValueError(get_prompts().dataset.quote_not_verbatim.format(doc=self.doc, quote=self.quote[:60]))
        return self


class Question(BaseModel):
    id: str = Field(min_length=1)
    question: str = Field(min_length=3)
    category: Category
    style: Style
    answer: str = ""
    must_include: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    previous: str | None = Field(None, description="id of the first turn when this item is the second one")
    nearby: list[Evidence] = Field(default_factory=list, description="unanswerable: what the documents do say")

    @field_validator("id", "question", "answer")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("previous")
    @classmethod
    def _no_blank_previous(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        texts = get_prompts().dataset
        if self.category == "unanswerable" and (self.evidence or self.must_include):
            raise ValueError(texts.unanswerable_with_evidence)
        if self.category in ANSWERABLE:
            if not self.evidence:
                raise ValueError(texts.no_evidence)
            if not self.must_include:
                raise ValueError(texts.no_must_include)
        if self.category == "contradiction" and len(self.evidence) < 2:
            raise ValueError(texts.contradiction_one_side)
        if self.nearby and self.category != "unanswerable":
            raise ValueError(texts.nearby_answerable)
        if self.previous == self.id:
            raise ValueError(texts.previous_self)
        if self.style == "no_diacritics" and has_diacritics(self.question):
            raise ValueError(texts.diacritics_left)
        # A key fact the quotes do not contain cannot be checked against the source: the key would be unfounded.
        quotes = " ".join(normalize_for_match(e.quote) for e in self.evidence)
        missing = [fact for fact in self.must_include if normalize_for_match(fact) not in quotes]
        if self.evidence and missing:
            raise ValueError(texts.must_include_unquoted.format(missing=missing))
        return self

    @property
    def answerable(self) -> bool:
        return self.category != "unanswerable"

    @property
    def follow_up(self) -> bool:
        return self.previous is not None


class RowError(BaseModel):
    """Row 0 means the whole file (unreadable, or a header without the required columns)."""

    row: int
    message: str
    file: str = ""

    def __str__(self) -> str:
        texts = get_prompts().dataset
        if self.file:
            return texts.file_row.format(file=self.file, row=self.row, message=self.message)
        return texts.row.format(row=self.row, message=self.message)


def _vietnamese(error: ValidationError) -> str:
    """pydantic's messages are English; officers who fix the sheet read Vietnamese."""
    texts = get_prompts().dataset
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        kind, ctx = item["type"], item.get("ctx", {})
        if kind == "missing":
            text = texts.missing_field
        elif kind == "literal_error":
            text = texts.not_one_of.format(value=item["input"], expected=ctx.get("expected"))
        elif kind == "string_too_short":
            text = texts.too_short
        elif kind == "value_error":
            text = str(ctx.get("error", item["msg"]))
        elif kind.endswith("_type"):
            text = texts.wrong_type.format(kind=kind.removesuffix("_type"))
        else:
            text = item["msg"]
        parts.append(f"{where}: {text}" if where else text)
    return "; ".join(parts)


Row = tuple[int, dict[str, Any] | str]  # (1-based row number, record or why it could not be read)


def _jsonl_rows(path: Path) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            rows.append((number, get_prompts().dataset.json_invalid.format(error=error.msg, column=error.colno)))
            continue
        rows.append((number, record if isinstance(record, dict) else get_prompts().dataset.not_an_object.format()))
    return rows


def _table_rows(table: Iterable[Sequence[Any]]) -> list[Row]:
    """Rows of a sheet whose first row is the header; cells become text as a spreadsheet shows them."""
    rows: list[Row] = []
    header: list[str] = []
    for number, cells in enumerate(table, start=1):
        values = ["" if c is None else str(c) for c in cells]
        if not any(v.strip() for v in values):
            continue
        if not header:
            header = [v.strip() for v in values]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                return [(number, get_prompts().dataset.header_missing.format(columns=", ".join(missing)))]
            continue
        if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
            rows.append((number, get_prompts().dataset.too_many_cells))
            continue
        rows.append((number, {h: v for h, v in zip(header, values, strict=False) if h and v.strip()}))
    return rows


def _rows(path: Path) -> list[Row]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl_rows(path)
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _table_rows(csv.reader(handle))
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.active
            return _table_rows(sheet.iter_rows(values_only=True)) if sheet is not None else []
        finally:
            book.close()  # read-only workbooks keep the file open until closed
    raise ValueError(get_prompts().dataset.unsupported.format(name=path.name, suffixes=".jsonl, .csv, .xlsx"))


def _decode_lists(record: dict[str, Any]) -> dict[str, Any]:
    """In CSV/XLSX the list columns hold JSON text; an empty cell means an empty list."""
    for key in LIST_COLUMNS:
        value = record.get(key)
        if isinstance(value, str):
            try:
                record[key] = json.loads(value) if value.strip() else []
            except json.JSONDecodeError as error:
                raise ValueError(get_prompts().dataset.cell_json_invalid.format(key=key, error=error.msg)) from error
    return record


def load_questions(path: Path, corpus_dir: Path) -> tuple[list[Question], list[RowError]]:
    return _load(path, corpus_dir, {})


def _load(path: Path, corpus_dir: Path, taken: dict[str, str]) -> tuple[list[Question], list[RowError]]:
    """``taken`` maps the ids already loaded to where they stand, so duplicates are caught across files."""
    questions: list[Question] = []
    errors: list[RowError] = []
    rows_of: dict[str, int] = {}
    try:
        rows = _rows(path)
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, csv.Error) as error:
        return [], [RowError(file=path.name, row=0, message=get_prompts().dataset.unreadable.format(error=error))]
    for row, record in rows:
        if isinstance(record, str):
            errors.append(RowError(file=path.name, row=row, message=record))
            continue
        try:
            question = Question.model_validate(_decode_lists(dict(record)), context={"corpus_dir": corpus_dir})
        except ValidationError as error:
            errors.append(RowError(file=path.name, row=row, message=_vietnamese(error)))
            continue
        except ValueError as error:
            errors.append(RowError(file=path.name, row=row, message=str(error)))
            continue
        if question.id in taken:
            message = get_prompts().dataset.duplicate_id.format(id=question.id, first=taken[question.id])
            errors.append(RowError(file=path.name, row=row, message=message))
            continue
        taken[question.id] = get_prompts().dataset.where.format(file=path.name, row=row)
        questions.append(question)
        rows_of[question.id] = row
    return _pairs_checked(path, questions, errors, rows_of)


def _pairs_checked(
    path: Path, questions: list[Question], errors: list[RowError], rows_of: dict[str, int]
) -> tuple[list[Question], list[RowError]]:
    """A second turn needs its first turn in the same file, and that first turn must open the conversation."""
    by_id = {q.id: q for q in questions}
    kept = []
    for question in questions:
        first = by_id.get(question.previous) if question.previous else None
        message = None
        if question.previous and first is None:
            message = get_prompts().dataset.no_previous.format(previous=question.previous, file=path.name)
        elif first is not None and first.previous:
            message = get_prompts().dataset.previous_is_second.format(id=first.id)
        if message:
            errors.append(RowError(file=path.name, row=rows_of[question.id], message=message))
        else:
            kept.append(question)
    errors.sort(key=lambda e: e.row)
    return kept, errors


def load_files(paths: Iterable[Path], corpus_dir: Path) -> tuple[list[Question], list[RowError]]:
    """Several files as one set: ids must also be unique across the files."""
    questions: list[Question] = []
    errors: list[RowError] = []
    taken: dict[str, str] = {}
    for path in paths:
        loaded, problems = _load(path, corpus_dir, taken)
        questions.extend(loaded)
        errors.extend(problems)
    return questions, errors


def load_question_dir(directory: Path, corpus_dir: Path) -> tuple[list[Question], list[RowError]]:
    return load_files(sorted(directory.glob("*.jsonl")), corpus_dir)


def counts(questions: list[Question]) -> dict[str, Any]:
    """What the quotas are stated in: per category, per style, follow-up pairs."""
    return {
        "questions": len(questions),
        "by_category": dict(sorted(Counter(q.category for q in questions).items())),
        "by_style": dict(sorted(Counter(q.style for q in questions).items())),
        "follow_up_pairs": sum(q.follow_up for q in questions),
        "with_nearby": sum(bool(q.nearby) for q in questions),
    }


def validate_cli(argv: Sequence[str] | None = None) -> int:
    texts = get_prompts().dataset
    parser = argparse.ArgumentParser(prog="python -m eval validate", description=texts.validate_description)
    parser.add_argument("files", nargs="*", type=Path, help=texts.validate_files)
    parser.add_argument("--corpus", type=Path, default=None, help=texts.validate_corpus)
    args = parser.parse_args(argv)
    if args.corpus is None:
        from core.settings import get_settings

        args.corpus = get_settings().corpus_dir
    paths = args.files or sorted(QUESTION_DIR.glob("*.jsonl"))
    questions, errors = load_files(paths, args.corpus)
    copied = [(q.id, run) for q in questions if (run := copied_run(q.question, args.corpus))]
    for error in errors:
        print(error)
    for question_id, run in copied:
        print(texts.copied.format(id=question_id, words=COPY_RUN, run=run))
    print(texts.summary.format(questions=len(questions), errors=len(errors) + len(copied)))
    summary = counts(questions)
    print(texts.by_category, summary["by_category"])
    print(texts.by_style, summary["by_style"])
    print(texts.pairs.format(pairs=summary["follow_up_pairs"], nearby=summary["with_nearby"]))
    return 1 if errors or copied else 0


if __name__ == "__main__":
    sys.exit(validate_cli())
