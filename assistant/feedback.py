"""👍/👎 and comments on answers, kept in SQLite in the data dir, exportable as a question set."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field


class FeedbackIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field(max_length=50_000)
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=2000)
    citations: list[dict[str, Any]] = Field(default_factory=list, max_length=50)


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, at TEXT DEFAULT (datetime('now')), "
                "question TEXT, answer TEXT, rating TEXT, comment TEXT, citations TEXT)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def add(self, item: FeedbackIn) -> int:
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback(question, answer, rating, comment, citations) VALUES (?,?,?,?,?)",
                (item.question, item.answer, item.rating, item.comment, json.dumps(item.citations, ensure_ascii=False)),
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
            citations = json.loads(r["citations"] or "[]")
            rows.append(
                {
                    "id": f"F{r['id']:04d}",
                    "question": r["question"],
                    "category": "feedback",
                    "style": "normal",
                    "answer": r["answer"],
                    "must_include": [],
                    "rating": r["rating"],
                    "comment": r["comment"],
                    "evidence": [{"doc": c.get("source", ""), "quote": c.get("quote", "")} for c in citations],
                }
            )
        return rows
