"""A scored run as a table for evaluators: CSV (UTF-8 with BOM, so Excel reads the diacritics) or XLSX."""

from __future__ import annotations

import csv
import io
import json

from eval.store import CHECKS, AnswerRow
from prompts import get_prompts

_COLUMNS = get_prompts().evaluation.columns
_BEFORE_CHECKS = ("id", "category", "style", "previous", "question", "answer", "must_include", "response", "refused")
HEADER = [
    *(_COLUMNS[c] for c in (*_BEFORE_CHECKS, "citations", "correct")),
    *CHECKS,
    _COLUMNS["judgement"],
    _COLUMNS["note"],
]


def _mark(value: bool | None) -> str:
    texts = get_prompts().evaluation
    return "" if value is None else (texts.passed if value else texts.failed)


def rows(answers: list[AnswerRow]) -> list[list[str]]:
    texts = get_prompts().evaluation
    table = []
    for row in answers:
        question, answer = row.question, row.answer
        citations = "\n".join(
            texts.citation.format(
                n=c["n"], source=c["source"], start=c["line_start"], end=c["line_end"], quote=c["quote"]
            )
            for c in answer["citations"]
        )
        table.append(
            [
                row.question_id,
                question["category"],
                question["style"],
                row.previous_question or "",
                question["question"],
                question.get("answer", ""),
                json.dumps(question.get("must_include", []), ensure_ascii=False),
                answer.get("answer") or "",
                "" if answer.get("refused") is None else (texts.yes if answer["refused"] else texts.no),
                citations,
                _mark(row.correct),
                *(_mark(row.verdicts.get(check)) for check in CHECKS),
                row.judgement.verdict if row.judgement else "",
                row.judgement.note if row.judgement else "",
            ]
        )
    return table


def to_csv(answers: list[AnswerRow]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows(answers)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(answers: list[AnswerRow], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = title[:31]  # Excel's limit on sheet names
    sheet.append(HEADER)
    for cells in rows(answers):
        sheet.append(cells)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.data_type == "f":  # text starting with "=" is data here, not a formula for Excel to run
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJ", (8, 14, 12, 30, 40, 40, 20, 60, 8, 60), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
