"""👍/👎 and comments on answers, kept in SQLite in the data dir, exportable as a question set.

The export is the evaluation question-set format (``{id, question, category, style, answer,
must_include, evidence: [{doc, quote}]}``) with the answer and its citations as given, plus the rating
and comment, so an evaluator can correct a row and move it into ``eval/questions/``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field


class FeedbackCitation(BaseModel):
    """What the page sends of a citation (it sends the whole Citation; the rest is ignored)."""

    source: str = Field(max_length=500, description="file name of the cited document")
    quote: str = Field(max_length=10_000)
    section: str = Field("", max_length=2000)
    line_start: int | None = None
    line_end: int | None = None


class FeedbackIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field(max_length=50_000)
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=2000)
    citations: list[FeedbackCitation] = Field(default_factory=list, max_length=50)


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()  # one writer at a time; SQLite's own lock would make writers wait anyway
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, at TEXT DEFAULT (datetime('now')), "
                "question TEXT, answer TEXT, rating TEXT, comment TEXT, citations TEXT)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def add(self, item: FeedbackIn) -> int:
        citations = json.dumps([c.model_dump() for c in item.citations], ensure_ascii=False)
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback(question, answer, rating, comment, citations) VALUES (?,?,?,?,?)",
                (item.question, item.answer, item.rating, item.comment.strip(), citations),
            )
            return int(cursor.lastrowid or 0)

    def all(self) -> list[dict[str, Any]]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]

    def export_questions(self) -> list[dict[str, Any]]:
        """In the question-set format, for evaluators to review and keep."""
        rows = []
        for r in self.all():
            evidence: list[dict[str, str]] = []
            for c in json.loads(r["citations"] or "[]"):
                item = {"doc": c["source"], "quote": c["quote"]}
                if item not in evidence:  # one sentence cited twice is one piece of evidence
                    evidence.append(item)
            rows.append(
                {
                    "id": f"F{r['id']:04d}",
                    "question": r["question"],
                    "category": "feedback",
                    "style": "normal",
                    "answer": r["answer"],
                    "must_include": [],
                    "evidence": evidence,
                    "rating": r["rating"],
                    "comment": r["comment"],
                    "at": r["at"],
                }
            )
        return rows

    def export_jsonl(self) -> str:
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in self.export_questions())
