"""An evaluation run: every system over the question set, scored, aggregated and saved."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.progress import track

from assistant.service import AssistantService
from assistant.settings import Settings
from eval.dataset import Question
from eval.metrics import Score, aggregate, as_records, breakdown, score
from eval.systems import DenseOnly, LexicalOnly, NaiveLangChain, Ours, OursOverHttp, System

TOP_K = 10


@dataclass
class RunResult:
    config: dict[str, Any]
    systems: dict[str, dict[str, Any]]


def ensure_index(settings: Settings) -> AssistantService:
    service = AssistantService(settings)
    if not service.store.catalog.documents():
        from ingest.pipeline import IngestPipeline

        IngestPipeline(service.store).run([settings.corpus_dir])
    return service


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def evaluate(system: System, questions: list[Question], corpus_dir: Path) -> list[Score]:
    return [
        score(q, system.answer(q.question, TOP_K), corpus_dir)
        for q in track(questions, description=f"{system.name:>16}", transient=True)
    ]


def summarise(scores: list[Score]) -> dict[str, Any]:
    return {
        "overall": aggregate(scores),
        "by_category": breakdown(scores, "category"),
        "by_style": breakdown(scores, "style"),
        "questions": as_records(scores),
    }


def run(
    settings: Settings,
    questions: list[Question],
    question_files: list[Path],
    url: str | None = None,
    baselines: bool = True,
) -> RunResult:
    service = ensure_index(settings)
    systems: list[System] = [OursOverHttp(url) if url else Ours(service)]
    if baselines:
        systems += [LexicalOnly(service), DenseOnly(service), NaiveLangChain(service, settings.corpus_dir)]
    results = {s.name: summarise(evaluate(s, questions, settings.corpus_dir)) for s in systems}
    config = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "commit": git_commit(),
        "url": url,
        "settings": json.loads(settings.model_dump_json()),
        "question_files": {str(p): sha256(p) for p in question_files},
        "questions": len(questions),
    }
    return RunResult(config, results)
