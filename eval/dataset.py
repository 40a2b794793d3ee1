"""Question sets: JSONL, CSV or XLSX with the same columns, validated row by row.

``{id, question, category, style, answer, must_include, evidence: [{doc, quote}]}``; in CSV/XLSX the
list columns hold JSON text. A malformed row is reported with its row number and the rest load.
``python -m eval.dataset [FILES...]`` validates (exit 1 on any error) and counts per category/style.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from eval.gold import document_lines, locate

Category = Literal[
    "beneficiaries",
    "activities",
    "budget",
    "responsibility",
    "targets",
    "legal_basis",
    "results",
    "comparison",
    "unanswerable",
    "feedback",  # rows exported by `python -m assistant feedback export`, for evaluators to review
]
Style = Literal["normal", "no_diacritics", "colloquial", "typo"]
QUESTION_DIR = Path(__file__).with_name("questions")


class Evidence(BaseModel):
    doc: str
    quote: str = Field(min_length=3)


class Question(BaseModel):
    id: str = Field(min_length=1)
    question: str = Field(min_length=3)
    category: Category
    style: Style
    answer: str = ""
    must_include: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)

    @field_validator("question")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @property
    def answerable(self) -> bool:
        return self.category != "unanswerable"


class RowError(BaseModel):
    file: str
    row: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}, dòng {self.row}: {self.message}"


def _rows(path: Path) -> list[tuple[int, dict[str, Any] | str]]:
    """(row number, record or the reason it could not be read) for every data row."""
    suffix = path.suffix.lower()
    rows: list[tuple[int, dict[str, Any] | str]] = []
    if suffix == ".jsonl":
        for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                rows.append((number, record if isinstance(record, dict) else "không phải đối tượng JSON"))
            except json.JSONDecodeError as error:
                rows.append((number, f"JSON không hợp lệ ({error.msg})"))
        return rows
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            records: list[dict[str, Any]] = list(csv.DictReader(handle))
        return [(i, r) for i, r in enumerate(records, start=2)]  # row 1 is the header
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        values = list(sheet.iter_rows(values_only=True)) if sheet is not None else []
        header = [str(h) for h in values[0]] if values else []
        return [(i, dict(zip(header, row, strict=False))) for i, row in enumerate(values[1:], start=2) if any(row)]
    raise ValueError(f"Định dạng bộ câu hỏi không hỗ trợ: {path.name} (dùng .jsonl, .csv, .xlsx)")


def _decode_lists(record: dict[str, Any]) -> dict[str, Any]:
    record = {k: v for k, v in record.items() if v is not None}  # an empty spreadsheet cell takes the default
    for key in ("must_include", "evidence"):
        value = record.get(key)
        if isinstance(value, str):
            record[key] = json.loads(value) if value.strip() else []
        elif value is None:
            record[key] = []
    return record


def load_questions(path: Path, corpus_dir: Path) -> tuple[list[Question], list[RowError]]:
    questions: list[Question] = []
    errors: list[RowError] = []
    for row, record in _rows(path):
        if isinstance(record, str):
            errors.append(RowError(file=path.name, row=row, message=record))
            continue
        try:
            question = Question.model_validate(_decode_lists(dict(record)))
        except (ValidationError, json.JSONDecodeError) as error:
            errors.append(RowError(file=path.name, row=row, message=f"dữ liệu không hợp lệ: {error}"))
            continue
        problems = _evidence_problems(question, corpus_dir)
        if problems:
            errors.append(RowError(file=path.name, row=row, message="; ".join(problems)))
            continue
        questions.append(question)
    return questions, errors


def _evidence_problems(question: Question, corpus_dir: Path) -> list[str]:
    problems = []
    if question.answerable and not question.evidence:
        problems.append("câu hỏi có đáp án nhưng thiếu bằng chứng (evidence)")
    for evidence in question.evidence:
        path = corpus_dir / evidence.doc
        if not path.exists():
            problems.append(f"không có tài liệu {evidence.doc}")
        elif locate(evidence.quote, document_lines(path)) is None:
            problems.append(f"trích dẫn không có nguyên văn trong {evidence.doc}: {evidence.quote[:60]!r}")
    return problems


def load_question_dir(directory: Path, corpus_dir: Path) -> tuple[list[Question], list[RowError]]:
    questions: list[Question] = []
    errors: list[RowError] = []
    for path in sorted(directory.glob("*.jsonl")):
        more, problems = load_questions(path, corpus_dir)
        questions.extend(more)
        errors.extend(problems)
    return questions, errors


def main(argv: list[str]) -> int:
    from assistant.settings import get_settings

    corpus = get_settings().corpus_dir
    paths = [Path(a) for a in argv] or sorted(QUESTION_DIR.glob("*.jsonl"))
    questions: list[Question] = []
    errors: list[RowError] = []
    for path in paths:
        more, problems = load_questions(path, corpus)
        questions.extend(more)
        errors.extend(problems)
    for error in errors:
        print(error)
    print(f"{len(questions)} câu hỏi hợp lệ, {len(errors)} lỗi")
    print("theo loại:", dict(Counter(q.category for q in questions)))
    print("theo kiểu:", dict(Counter(q.style for q in questions)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
