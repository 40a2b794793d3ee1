"""The question sets in eval/questions and the loader that validates any set row by row."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any, get_args

import pytest
from openpyxl import Workbook

from eval.dataset import (
    ANSWERABLE,
    QUESTION_DIR,
    Category,
    Question,
    RowError,
    load_files,
    load_question_dir,
    load_questions,
    validate_cli,
)
from ingest.verbatim import normalize_for_match
from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.unit

KN = "000_73905b5b1f629f25.txt"
QUOTE = "Mức giảm tỷ lệ hộ nghèo: Giảm ít nhất 8%."
GOOD: dict[str, Any] = {
    "id": "G1",
    "question": "Ia H'Drai năm 2022 phấn đấu giảm tỷ lệ hộ nghèo bao nhiêu?",
    "category": "targets",
    "style": "normal",
    "answer": "Giảm ít nhất 8%.",
    "must_include": ["8%"],
    "evidence": [{"doc": "002_b8091ea745fe2cf1.txt", "quote": QUOTE}],
}


def _raw_rows() -> list[tuple[str, dict[str, Any]]]:
    """Every row of every committed set, read as plain JSON so the checks do not rely on the loader."""
    return [
        (path.name, json.loads(line))
        for path in sorted(QUESTION_DIR.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _errors_by_row(errors: list[RowError]) -> dict[int, str]:
    return {e.row: e.message for e in errors}


# --- the committed question sets -------------------------------------------------------------


def test_every_committed_question_loads_without_errors() -> None:
    questions, errors = load_question_dir(QUESTION_DIR, CORPUS_DIR)
    assert errors == [], "\n".join(map(str, errors))
    assert len(questions) == len(_raw_rows())


def test_every_quote_is_verbatim_in_its_document() -> None:
    texts = {p.name: normalize_for_match(p.read_text(encoding="utf-8")) for p in CORPUS_DIR.glob("0*.txt")}
    missing = [
        (name, row["id"], ev["quote"][:60])
        for name, row in _raw_rows()
        for ev in row["evidence"]
        if normalize_for_match(ev["quote"]) not in texts.get(ev["doc"], "")
    ]
    assert missing == []


def test_distribution_over_all_sets() -> None:
    rows = [row for _, row in _raw_rows()]
    categories = Counter(r["category"] for r in rows)
    assert categories["unanswerable"] >= 0.10 * len(rows), categories
    assert sum(r["style"] == "no_diacritics" for r in rows) >= 0.10 * len(rows)
    expected = set(get_args(Category)) - {"feedback"}  # feedback rows come from users, not from the sets
    assert expected <= set(categories), expected - set(categories)
    ids = Counter(r["id"] for r in rows)
    assert [i for i, n in ids.items() if n > 1] == []


def test_set_a_follows_the_writing_rules() -> None:
    rows = [json.loads(line) for line in (QUESTION_DIR / "set_a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert 100 <= len(rows) <= 150
    assert set(get_args(Category)) - {"feedback"} <= {r["category"] for r in rows}
    assert {e["doc"][:3] for r in rows for e in r["evidence"]} == {"000", "001", "002"}
    folded = [r["question"] for r in rows if r["style"] == "no_diacritics"]
    assert len(folded) >= 0.12 * len(rows)
    # "no diacritics" means plain ASCII letters: no combining marks and no đ left anywhere.
    assert [q for q in folded if re.search(r"[^\x00-\x7f]", unicodedata.normalize("NFD", q))] == []
    assert {"colloquial", "typo"} <= {r["style"] for r in rows}
    for row in rows:
        assert all(len(e["quote"]) <= 300 for e in row["evidence"]), row["id"]
        if row["category"] in ANSWERABLE:
            assert 1 <= len(row["must_include"]) <= 3 and row["answer"], row["id"]
    unanswerable = [r for r in rows if r["category"] == "unanswerable"]
    assert len(unanswerable) >= 12 and all(not r["evidence"] and not r["must_include"] for r in unanswerable)


# --- the loader on malformed sets -------------------------------------------------------------


def test_jsonl_reports_each_bad_row_by_line_and_keeps_the_good_ones(tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD, ensure_ascii=False),  # 1
        "",  # 2: blank lines are skipped but still counted
        '{"id": "X1", "question": ',  # 3
        json.dumps({k: v for k, v in GOOD.items() if k != "style"} | {"id": "X2"}),  # 4
        json.dumps(GOOD | {"id": "X3", "category": "weather"}),  # 5
        json.dumps(GOOD | {"id": "X4", "evidence": [{"doc": GOOD["evidence"][0]["doc"], "quote": "không có câu này"}]}),
        json.dumps(GOOD),  # 7: same id as line 1
        json.dumps(GOOD | {"id": "X5", "category": "unanswerable"}),  # 8: unanswerable yet with evidence
        json.dumps(GOOD | {"id": "X6", "must_include": ["12%"]}),  # 9: key fact not in the quote
        json.dumps(GOOD | {"id": "X7", "evidence": [{"doc": "999_khong_co.txt", "quote": QUOTE}]}),  # 10
        json.dumps(["not", "an", "object"]),  # 11
        json.dumps(GOOD | {"id": "G2", "question": "  Ia H'Drai giảm nghèo bao nhiêu?  "}),  # 12
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    questions, errors = load_questions(path, CORPUS_DIR)
    assert [q.id for q in questions] == ["G1", "G2"]
    assert questions[1].question == "Ia H'Drai giảm nghèo bao nhiêu?"
    by_row = _errors_by_row(errors)
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "JSON không hợp lệ" in by_row[3]
    assert "style: thiếu trường" in by_row[4]
    assert "category" in by_row[5] and "'weather'" in by_row[5]
    assert "nguyên văn" in by_row[6]
    assert "trùng với set.jsonl dòng 1" in by_row[7]
    assert "unanswerable" in by_row[8]
    assert "12%" in by_row[9]
    assert "không có tài liệu 999_khong_co.txt" in by_row[10]
    assert "đối tượng JSON" in by_row[11]
    assert all(e.file == "set.jsonl" for e in errors)


def _table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    header = list(GOOD)
    body = [[json.dumps(r[h], ensure_ascii=False) if isinstance(r[h], list) else r[h] for h in header] for r in rows]
    return [header, *body]


def test_csv_reports_bad_rows_by_spreadsheet_row(tmp_path: Path) -> None:
    table = _table([GOOD, GOOD | {"id": "X1", "style": "shouting"}, GOOD | {"id": "G2"}])
    table[3][5] = '["8%"'  # row 4: the must_include cell is broken JSON
    table.insert(3, [])  # a blank row 4 is skipped: the broken row is row 5
    table.append([*table[1][:-1], table[1][-1], "ô thừa"])  # row 6: more cells than columns
    path = tmp_path / "set.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table)
    questions, errors = load_questions(path, CORPUS_DIR)
    assert [q.id for q in questions] == ["G1"]
    by_row = _errors_by_row(errors)
    assert sorted(by_row) == [3, 5, 6]
    assert "style" in by_row[3] and "'shouting'" in by_row[3]
    assert "must_include: JSON không hợp lệ" in by_row[5]
    assert "nhiều ô" in by_row[6]


def test_xlsx_reads_typed_cells_and_reports_bad_rows(tmp_path: Path) -> None:
    unanswerable = GOOD | {"id": 7, "category": "unanswerable", "must_include": [], "evidence": []}
    table = _table([GOOD, GOOD | {"id": "X1", "question": ""}, unanswerable])
    table[3][4] = None  # an empty answer cell takes the default
    table[3][5] = table[3][6] = None  # empty list cells mean empty lists
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in table:
        sheet.append(row)
    path = tmp_path / "set.xlsx"
    book.save(path)
    questions, errors = load_questions(path, CORPUS_DIR)
    assert [(q.id, q.category, len(q.evidence), q.answer) for q in questions] == [
        ("G1", "targets", 1, "Giảm ít nhất 8%."),
        ("7", "unanswerable", 0, ""),
    ]
    assert [(e.row, "question" in e.message) for e in errors] == [(3, True)]


def test_header_without_required_columns_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text("id,question,style\nA1,Câu hỏi?,normal\n", encoding="utf-8")
    questions, errors = load_questions(path, CORPUS_DIR)
    assert questions == [] and [(e.row, "category" in e.message) for e in errors] == [(1, True)]


def test_unreadable_files(tmp_path: Path) -> None:
    broken = tmp_path / "set.xlsx"
    broken.write_bytes(b"not a zip")
    assert [e.row for e in load_questions(broken, CORPUS_DIR)[1]] == [0]
    with pytest.raises(ValueError, match="không hỗ trợ"):
        load_questions(tmp_path / "set.txt", CORPUS_DIR)


def test_ids_must_be_unique_across_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps(GOOD), encoding="utf-8")
    second.write_text(json.dumps(GOOD | {"id": "G2"}) + "\n" + json.dumps(GOOD), encoding="utf-8")
    questions, errors = load_files([first, second], CORPUS_DIR)
    assert [q.id for q in questions] == ["G1", "G2"]
    assert [(e.file, e.row) for e in errors] == [("b.jsonl", 2)] and "a.jsonl dòng 1" in errors[0].message


def test_the_model_checks_documents_only_when_given_a_corpus() -> None:
    row = GOOD | {"evidence": [{"doc": KN, "quote": QUOTE}]}  # the quote is from 002, not 000
    assert Question.model_validate(row).evidence[0].doc == KN
    with pytest.raises(ValueError, match="nguyên văn"):
        Question.model_validate(row, context={"corpus_dir": CORPUS_DIR})


def test_cli_prints_errors_and_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text(json.dumps(GOOD), encoding="utf-8")
    bad.write_text(json.dumps(GOOD | {"id": "B1", "style": "x"}), encoding="utf-8")
    assert validate_cli([str(good), "--corpus", str(CORPUS_DIR)]) == 0
    out = capsys.readouterr().out
    assert "1 câu hỏi hợp lệ, 0 lỗi" in out and "'targets': 1" in out and "'normal': 1" in out
    assert validate_cli([str(good), str(bad), "--corpus", str(CORPUS_DIR)]) == 1
    assert "bad.jsonl, dòng 1: style" in capsys.readouterr().out
