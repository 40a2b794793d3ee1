"""Feedback: stored in SQLite, open to readers, exported (write key) in the question-set format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.cli import app as cli
from assistant.feedback import FeedbackCitation, FeedbackIn, FeedbackStore
from core.settings import Settings, get_settings
from eval.gold import document_lines, locate
from tests.conftest import CORPUS_DIR, Parsed

pytestmark = pytest.mark.unit


def _citations(doc: Parsed, n: int) -> list[FeedbackCitation]:
    chunk = next(c for c in doc.chunks if c.field == "Đối tượng")
    return [
        FeedbackCitation(source=doc.path.name, quote=s.text, section=chunk.section, line_start=s.line_start)
        for s in chunk.sentences[:n]
    ]


def _settings(tmp_path: Path, key: str | None) -> Settings:
    base = get_settings()
    server = base.server.model_copy(update={"api_key": key})
    return base.model_copy(update={"data_dir": tmp_path, "server": server})


def test_export_is_a_question_set_whose_evidence_is_in_the_corpus(tmp_path: Path, corpus: dict[str, Parsed]) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    cited = _citations(corpus["000"], 2)
    first = store.add(FeedbackIn(question="Đối tượng?", answer="… [1] [2]", rating="up", citations=[*cited, cited[0]]))
    second = store.add(FeedbackIn(question="Kinh phí?", answer="Không tìm thấy.", rating="down", comment=" sai "))
    assert (first, second) == (1, 2)
    rows = [json.loads(line) for line in store.export_jsonl().splitlines()]
    assert [r["id"] for r in rows] == ["F0001", "F0002"]
    for row in rows:
        assert {"id", "question", "category", "style", "answer", "must_include", "evidence"} <= row.keys()
        assert (row["category"], row["style"], row["must_include"]) == ("feedback", "normal", [])
    assert len(rows[0]["evidence"]) == 2  # the sentence cited twice counts once
    for evidence in rows[0]["evidence"]:
        assert locate(evidence["quote"], document_lines(CORPUS_DIR / evidence["doc"])) is not None
    assert (rows[1]["rating"], rows[1]["comment"], rows[1]["evidence"]) == ("down", "sai", [])


def test_readers_give_feedback_but_only_the_write_key_exports_it(tmp_path: Path) -> None:
    client = TestClient(create_app(_settings(tmp_path, "khoa-bi-mat")))
    item = {"question": "Ai?", "answer": "Hộ nghèo [1]", "rating": "down", "comment": "thiếu ý"}
    assert client.post("/api/feedback", json=item).status_code == 201  # no key: readers may rate
    assert client.get("/api/feedback/export").status_code == 401
    assert client.get("/api/feedback/export", headers={"X-API-Key": "sai"}).status_code == 401
    exported = client.get("/api/feedback/export", headers={"X-API-Key": "khoa-bi-mat"})
    assert exported.status_code == 200 and json.loads(exported.text)["comment"] == "thiếu ý"
    bad = client.post("/api/feedback", json={**item, "rating": "meh"})
    assert bad.status_code == 422 and "không hợp lệ" in bad.json()["message"]
    assert (tmp_path / "feedback.sqlite").exists()
    no_key = TestClient(create_app(_settings(tmp_path / "open", None)))
    assert no_key.get("/api/feedback/export").status_code == 403  # no key configured: no writes at all


def test_cli_exports_to_a_file(tmp_path: Path) -> None:
    FeedbackStore(tmp_path / "feedback.sqlite").add(FeedbackIn(question="Ai?", answer="x", rating="up"))
    out = tmp_path / "f.jsonl"
    result = CliRunner().invoke(cli, ["feedback", "export", "--data-dir", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["question"] == "Ai?"
