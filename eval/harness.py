"""An evaluation run: every system over the question set, scored, aggregated and saved.

A follow-up item is asked after its first turn, in one conversation; only the second turn is scored.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import track

from assistant.retrieval.learned import model_version, ranker_file
from assistant.service import AssistantService
from core.settings import Settings
from eval.dataset import Question
from eval.metrics import Score, aggregate, as_records, breakdown, score
from eval.systems import DenseOnly, LexicalOnly, NaiveLangChain, Ours, OursOverHttp, System, SystemAnswer

TOP_K = 10


@dataclass
class Graded:
    question: Question
    answer: SystemAnswer
    score: Score


@dataclass
class RunResult:
    config: dict[str, Any]
    systems: dict[str, dict[str, Any]]
    graded: list[Graded] = field(default_factory=list)  # ours, question by question


def ensure_index(settings: Settings) -> AssistantService:
    service = AssistantService(settings)
    if not service.store.catalog.documents():
        from assistant.index.indexer import IngestPipeline

        IngestPipeline(service.store).run([settings.corpus_dir])
    return service


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def settings_record(settings: Settings) -> dict[str, Any]:
    """The settings a run was made with, without the secrets (API keys) that must not land in a report, and
    the learned ranker's model (its file's hash and feature version): it decides the order, not a setting."""
    record: dict[str, Any] = json.loads(settings.model_dump_json(exclude={"server": {"api_key"}, "llm": {"api_key"}}))
    model = ranker_file(settings.retrieval, settings.data_dir)
    record["ranker_model"] = model_version(model) if model is not None else None
    return record


def fingerprint(settings: Settings) -> str:
    """What decides the answers: every setting but where the data lives and how the server listens."""
    record = settings_record(settings)
    for key in ("data_dir", "models_dir", "server", "chroma"):
        record.pop(key, None)
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:12]


def graded(
    system: System, questions: list[Question], corpus_dir: Path, labels: dict[str, str] | None = None
) -> Iterator[Graded]:
    """Each question answered and scored, in order; a second turn after its first, in one conversation."""
    by_id = {q.id: q for q in questions}
    for question in questions:
        previous = by_id[question.previous].question if question.previous else None
        answer = system.answer(question.question, TOP_K, previous)
        yield Graded(question, answer, score(question, answer, corpus_dir, (labels or {}).get(question.id, "")))


def evaluate(
    system: System, questions: list[Question], corpus_dir: Path, labels: dict[str, str] | None = None
) -> list[Graded]:
    items = graded(system, questions, corpus_dir, labels)
    return list(track(items, total=len(questions), description=f"{system.name:>16}", transient=True))


def summarise(scores: list[Score]) -> dict[str, Any]:
    splits: dict[str, list[Score]] = {}
    for s in scores:
        splits.setdefault(s.split, []).append(s)
    return {
        "overall": aggregate(scores),
        "by_split": breakdown(scores, "split"),
        "by_split_category": {name: breakdown(group, "category") for name, group in sorted(splits.items())},
        "by_category": breakdown(scores, "category"),
        "by_style": breakdown(scores, "style"),
        "by_turn": {
            ("second turn" if k == "True" else "first or only"): v for k, v in breakdown(scores, "follow_up").items()
        },
        "questions": as_records(scores),
    }


def run(
    settings: Settings,
    questions: list[Question],
    question_files: list[Path],
    url: str | None = None,
    baselines: bool = True,
    labels: dict[str, str] | None = None,
    split: str = "all",
) -> RunResult:
    service = ensure_index(settings)
    systems: list[System] = [OursOverHttp(url) if url else Ours(service)]
    if baselines:
        # the composer as it was before typed facts, on the same index: what the answer stage adds
        answer = settings.answer.model_copy(update={"typed_facts": False})
        sentences_only = AssistantService(settings.model_copy(update={"answer": answer}))
        systems += [Ours(sentences_only, "composer_without_facts")]
        systems += [LexicalOnly(service), DenseOnly(service), NaiveLangChain(service, settings.corpus_dir)]
    results: dict[str, dict[str, Any]] = {}
    ours: list[Graded] = []
    for system in systems:
        items = evaluate(system, questions, settings.corpus_dir, labels)
        results[system.name] = summarise([g.score for g in items])
        ours = ours or items
    config = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "commit": git_commit(),
        "url": url,
        "split": split,
        "settings": settings_record(settings),
        "fingerprint": fingerprint(settings),
        "question_files": {str(p): sha256(p) for p in question_files},
        "questions": len(questions),
    }
    return RunResult(config, results, ours)
