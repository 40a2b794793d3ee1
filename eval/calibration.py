"""Calibrating the value gate (``answer.min_fact_score``) on the dev split, and the saved result.

A value question ("bao nhiêu phần trăm…") is answered only when a typed fact of the asked kind fits the
frame and carries enough of its focus. The sweep replays each dev question once with the gate open,
records its best fact score, and reports for each threshold the refusal recall on unanswerable questions
and the false refusals on answerable ones. The chosen threshold maximises recall minus false refusals;
``--save`` writes it to ``eval/calibration.json``, and a test keeps the setting's default equal to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.service import AssistantService
from eval.dataset import Question

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
THRESHOLDS = (0.0, 0.03, 0.05, 0.08, 0.1, 0.12, 0.15, 0.18, 0.2, 0.25, 0.3)


@dataclass(frozen=True)
class GateReplay:
    answerable: bool
    refused_anyway: bool  # refused by a rule that no threshold changes
    best_fact: float | None  # None: not a value question, the threshold does not apply


@dataclass(frozen=True)
class GatePoint:
    threshold: float
    refusal_recall: float
    false_refusals: float


def replay(service: AssistantService, questions: list[Question]) -> list[GateReplay]:
    """Each question asked with the gate open (``min_fact_score`` 0, no learned gate): its best fitting fact's
    score (the replay of ``eval.gate``, which also reads the learned gate's features)."""
    from eval.gate import replay as asked_open

    return [GateReplay(r.answerable, r.refused_anyway, r.best_fact) for r in asked_open(service, questions)]


def sweep(replays: list[GateReplay], thresholds: tuple[float, ...] = THRESHOLDS) -> list[GatePoint]:
    points = []
    for t in thresholds:
        refused = [r.refused_anyway or (r.best_fact is not None and r.best_fact < t) for r in replays]
        unanswerable = [ref for r, ref in zip(replays, refused, strict=True) if not r.answerable]
        answerable = [ref for r, ref in zip(replays, refused, strict=True) if r.answerable]
        points.append(
            GatePoint(
                t,
                sum(unanswerable) / len(unanswerable) if unanswerable else 0.0,
                sum(answerable) / len(answerable) if answerable else 0.0,
            )
        )
    return points


def best(points: list[GatePoint]) -> GatePoint:
    """The threshold with the most refusal recall net of false refusals (ties: the lower threshold)."""
    return max(points, key=lambda p: (round(p.refusal_recall - p.false_refusals, 6), -p.threshold))


def save(point: GatePoint, split: str, path: Path = CALIBRATION_FILE) -> None:
    record = {
        "min_fact_score": point.threshold,
        "split": split,
        "refusal_recall": round(point.refusal_recall, 3),
        "false_refusals": round(point.false_refusals, 3),
    }
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def saved(path: Path = CALIBRATION_FILE) -> dict[str, float | str]:
    data: dict[str, float | str] = json.loads(path.read_text(encoding="utf-8"))
    return data
