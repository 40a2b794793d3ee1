"""Evaluation runs, their answers and the evaluators' judgements, in SQLite in the data dir.

A run records the git commit and the settings fingerprint it was made with, and ours' answers question
by question with their automatic verdicts. A human judgement (correct / partly / wrong / should have
refused, with a note) belongs to an answer: it is keyed by the question and the answer's text, so a
later run that gives the same answer to the same question is judged already. Runs are compared question
by question: better, worse or the same.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from eval.harness import Graded, RunResult
from eval.metrics import Score
from prompts import get_prompts

Verdict = Literal["correct", "partly", "wrong", "should_refuse"]
Change = Literal["better", "worse", "same"]
Status = Literal["running", "done", "failed"]
CHECKS = ("hit@5", "key_facts", "key_facts_400", "refusal", "grounded", "numbers")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, created TEXT NOT NULL, set_name TEXT NOT NULL, split TEXT NOT NULL,
    commit_id TEXT NOT NULL, fingerprint TEXT NOT NULL, settings TEXT NOT NULL,
    status TEXT NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, message TEXT
);
CREATE TABLE IF NOT EXISTS answers (
    run_id TEXT NOT NULL REFERENCES runs(run_id), position INTEGER NOT NULL, question_id TEXT NOT NULL,
    question TEXT NOT NULL, previous_question TEXT, answer TEXT NOT NULL, score TEXT NOT NULL,
    answer_key TEXT NOT NULL, PRIMARY KEY (run_id, question_id)
);
CREATE TABLE IF NOT EXISTS judgements (
    answer_key TEXT PRIMARY KEY, verdict TEXT NOT NULL, note TEXT NOT NULL,
    run_id TEXT NOT NULL, question_id TEXT NOT NULL, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS question_sets (
    set_id TEXT PRIMARY KEY, name TEXT NOT NULL, created TEXT NOT NULL, questions TEXT NOT NULL
);
"""


class Run(BaseModel):
    run_id: str
    created: str
    set_name: str
    split: str
    commit_id: str
    fingerprint: str
    status: Status
    total: int
    done: int
    message: str | None = None


class Judgement(BaseModel):
    verdict: Verdict
    note: str = Field("", max_length=2000)


class AnswerRow(BaseModel):
    """One question of a run as the page and the exports show it."""

    question_id: str
    position: int
    question: dict[str, Any]
    previous_question: str | None
    answer: dict[str, Any]
    score: dict[str, Any]
    verdicts: dict[str, bool | None]
    correct: bool | None
    judgement: Judgement | None = None


class QuestionChange(BaseModel):
    question_id: str
    change: Change
    before: bool | None
    after: bool | None
    checks: dict[str, tuple[bool | None, bool | None]] = Field(
        default_factory=dict, description="the checks whose verdict changed: (before, after)"
    )


def answer_key(question: str, previous: str | None, answer: str) -> str:
    return hashlib.sha256("\x1f".join((previous or "", question, answer)).encode("utf-8")).hexdigest()


def _score(record: dict[str, Any]) -> Score:
    return Score(**record)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


class EvalStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # a connection per call: the page's background run and its requests use different threads
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    # --- runs ----------------------------------------------------------------------------------

    def create_run(
        self, set_name: str, split: str, commit: str, fingerprint: str, settings: dict[str, Any], total: int
    ) -> Run:
        run = Run(
            run_id=uuid.uuid4().hex[:12],
            created=_now(),
            set_name=set_name,
            split=split,
            commit_id=commit,
            fingerprint=fingerprint,
            status="running",
            total=total,
            done=0,
        )
        with self._connect() as db:
            db.execute(
                "INSERT INTO runs (run_id, created, set_name, split, commit_id, fingerprint, settings, status, total)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run.run_id, run.created, set_name, split, commit, fingerprint, json.dumps(settings), "running", total),
            )
        return run

    def add_answer(self, run_id: str, position: int, item: Graded, previous: str | None) -> None:
        answer = asdict(item.answer)
        key = answer_key(item.question.question, previous, item.answer.answer or "")
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    position,
                    item.question.id,
                    item.question.model_dump_json(),
                    previous,
                    json.dumps(answer, ensure_ascii=False),
                    json.dumps(asdict(item.score), ensure_ascii=False),
                    key,
                ),
            )
            db.execute("UPDATE runs SET done = done + 1 WHERE run_id = ?", (run_id,))

    def finish(self, run_id: str, status: Status, message: str | None = None) -> None:
        with self._connect() as db:
            db.execute("UPDATE runs SET status = ?, message = ? WHERE run_id = ?", (status, message, run_id))

    def fail_unfinished(self) -> None:
        """A server that restarts has lost the threads of the runs it was making."""
        with self._connect() as db:
            message = get_prompts().evaluation.server_restarted
            db.execute("UPDATE runs SET status = 'failed', message = ? WHERE status = 'running'", (message,))

    def runs(self) -> list[Run]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM runs ORDER BY rowid DESC").fetchall()
        return [Run.model_validate({k: r[k] for k in Run.model_fields}) for r in rows]

    def run(self, run_id: str) -> Run | None:
        return next((r for r in self.runs() if r.run_id == run_id), None)

    def previous(self, run: Run) -> Run | None:
        """The last finished run on the same set made before ``run``."""
        with self._connect() as db:
            row = db.execute(
                "SELECT run_id FROM runs WHERE set_name = ? AND status = 'done'"
                " AND rowid < (SELECT rowid FROM runs WHERE run_id = ?) ORDER BY rowid DESC LIMIT 1",
                (run.set_name, run.run_id),
            ).fetchone()
        return self.run(row["run_id"]) if row else None

    def answers(self, run_id: str, question_id: str | None = None) -> list[AnswerRow]:
        """A run's answers in question order (or the one answer to ``question_id``), with their judgements."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT a.*, j.verdict, j.note FROM answers a LEFT JOIN judgements j USING (answer_key)"
                " WHERE a.run_id = ? AND (? IS NULL OR a.question_id = ?) ORDER BY a.position",
                (run_id, question_id, question_id),
            ).fetchall()
        out = []
        for r in rows:
            score = _score(json.loads(r["score"]))
            judgement = Judgement(verdict=r["verdict"], note=r["note"]) if r["verdict"] else None
            out.append(
                AnswerRow(
                    question_id=r["question_id"],
                    position=r["position"],
                    question=json.loads(r["question"]),
                    previous_question=r["previous_question"],
                    answer=json.loads(r["answer"]),
                    score=asdict(score),
                    verdicts=score.verdicts(),
                    correct=score.correct,
                    judgement=judgement,
                )
            )
        return out

    # --- judgements ----------------------------------------------------------------------------

    def judge(self, run_id: str, question_id: str, judgement: Judgement) -> bool:
        with self._connect() as db:
            row = db.execute(
                "SELECT answer_key FROM answers WHERE run_id = ? AND question_id = ?", (run_id, question_id)
            ).fetchone()
            if row is None:
                return False
            db.execute(
                "INSERT OR REPLACE INTO judgements VALUES (?, ?, ?, ?, ?, ?)",
                (row["answer_key"], judgement.verdict, judgement.note, run_id, question_id, _now()),
            )
        return True

    # --- uploaded question sets ----------------------------------------------------------------

    def add_set(self, name: str, questions: list[dict[str, Any]]) -> str:
        set_id = uuid.uuid4().hex[:12]
        with self._connect() as db:
            db.execute(
                "INSERT INTO question_sets VALUES (?, ?, ?, ?)",
                (set_id, name, _now(), json.dumps(questions, ensure_ascii=False)),
            )
        return set_id

    def question_set(self, set_id: str) -> tuple[str, list[dict[str, Any]]] | None:
        with self._connect() as db:
            row = db.execute("SELECT name, questions FROM question_sets WHERE set_id = ?", (set_id,)).fetchone()
        return (row["name"], json.loads(row["questions"])) if row else None

    def sets(self) -> list[dict[str, Any]]:
        with self._connect() as db:
            rows = db.execute("SELECT set_id, name, created, questions FROM question_sets ORDER BY created DESC")
            return [
                {
                    "set_id": r["set_id"],
                    "name": r["name"],
                    "created": r["created"],
                    "n": len(json.loads(r["questions"])),
                }
                for r in rows.fetchall()
            ]


def _points(row: AnswerRow) -> int:
    return sum(bool(v) for v in row.verdicts.values())


def compare(before: list[AnswerRow], after: list[AnswerRow]) -> list[QuestionChange]:
    """Per question both runs answered: the overall verdict decides; if it holds, the number of passed checks."""
    earlier = {r.question_id: r for r in before}
    changes = []
    for row in after:
        old = earlier.get(row.question_id)
        if old is None:
            continue
        if old.correct != row.correct and row.correct is not None and old.correct is not None:
            change: Change = "better" if row.correct else "worse"
        else:
            delta = _points(row) - _points(old)
            change = "better" if delta > 0 else "worse" if delta < 0 else "same"
        moved = {k: (old.verdicts.get(k), v) for k, v in row.verdicts.items() if old.verdicts.get(k) != v}
        changes.append(
            QuestionChange(
                question_id=row.question_id, change=change, before=old.correct, after=row.correct, checks=moved
            )
        )
    return changes


def human_accuracy(rows: list[AnswerRow]) -> dict[str, float | int] | None:
    """Share judged correct (partly counts half) among the judged answers of a run; None if none is judged."""
    verdicts = Counter(r.judgement.verdict for r in rows if r.judgement)
    judged = sum(verdicts.values())
    if not judged:
        return None
    return {
        "judged": judged,
        **{v: verdicts[v] for v in ("correct", "partly", "wrong", "should_refuse")},
        "accuracy": round((verdicts["correct"] + 0.5 * verdicts["partly"]) / judged, 4),
    }


def record(store: EvalStore, result: RunResult, set_name: str) -> Run:
    """A finished CLI run's answers (ours), stored like the page's runs so the two compare."""
    config = result.config
    run = store.create_run(
        set_name, config["split"], config["commit"], config["fingerprint"], config["settings"], len(result.graded)
    )
    texts = {g.question.id: g.question.question for g in result.graded}
    for position, item in enumerate(result.graded):
        store.add_answer(run.run_id, position, item, texts.get(item.question.previous or ""))
    store.finish(run.run_id, "done")
    return store.run(run.run_id) or run


def changes_report(store: EvalStore, run: Run) -> str:
    """What `python -m eval run` prints after its tables: question by question against the previous run."""
    texts = get_prompts().evaluation
    rows = store.answers(run.run_id)
    lines = []
    previous = store.previous(run)
    if previous is None:
        lines.append(texts.no_previous_run.format(run_id=run.run_id, set_name=run.set_name))
    else:
        changes = compare(store.answers(previous.run_id), rows)
        tally = Counter(c.change for c in changes)
        lines.append(
            texts.against_previous.format(
                run_id=previous.run_id,
                created=previous.created,
                commit=previous.commit_id[:8],
                better=tally["better"],
                worse=tally["worse"],
                same=tally["same"],
            )
        )
        marks = {True: texts.passed, False: texts.failed, None: "–"}
        for change in changes:
            if change.change != "same":
                moved = ", ".join(f"{k} {marks[a]} → {marks[b]}" for k, (a, b) in change.checks.items())
                verdict = texts.verdict.format(before=marks[change.before], after=marks[change.after])
                lines.append(f"  {change.change:>6} {change.question_id}: {verdict}; {moved}")
    human = human_accuracy(rows)
    if human is None:
        lines.append(texts.no_human_judgement)
    else:
        lines.append(
            texts.human_judgement.format(
                judged=human["judged"],
                correct=human["correct"],
                partly=human["partly"],
                wrong=human["wrong"],
                should_refuse=human["should_refuse"],
                accuracy=human["accuracy"],
            )
        )
    return "\n".join(lines)
