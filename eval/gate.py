"""``python -m eval gate [--save]``: the learned answerability gate trained on dev, scored next to today's.

Every hand-written question of dev and test is asked once with the gate open (no model, every fitting fact
kept, ``answer.min_fact_score`` 0): what the rules refuse whatever a gate says, the best fact's score (the
lexical gate's signal) and the features of ``assistant/answer/gate.py``. The model only adds refusals to the
lexical gate's (a value it lets through was never stated by it before), so the classifier is LightGBM on the
dev questions the lexical gate answers; its threshold is chosen on out-of-fold probabilities of repeated
stratified cross-validation on dev (refusal recall ≥ 0.90 at false refusals ≤ 0.05 when reachable, else
the most recall at no more false refusals than today's gate on dev), then the model is trained on all of
dev and scored once on test. ``--save`` writes the model and its record (feature version, threshold, seed,
dev CV figures) to ``corpus/gate/``, where ``answer.gate_dir`` points by default.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer.gate import FEATURE_VERSION, FEATURES, META_FILE, MODEL_FILE, features
from assistant.conversation import ConversationStore
from assistant.retrieval.frame import VALUE_TYPES
from eval.dataset import Question
from prompts import get_prompts

if TYPE_CHECKING:
    import lightgbm

    from assistant.service import AssistantService

SEED = 13
FOLDS, REPEATS = 5, 3
TARGET_RECALL, MAX_FALSE = 0.90, 0.05
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 3,  # 341 questions: shallow trees, or the model learns the questions by heart
    "min_data_in_leaf": 15,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "verbose": -1,
}
ROUNDS = 100
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


@dataclass(frozen=True)
class GateRow:
    id: str
    answerable: bool
    refused_anyway: bool  # by a rule, or no fact of the asked kind: nothing a gate decides
    best_fact: float | None  # None: not a value question (the lexical threshold does not apply)
    refused_lexically: bool  # refused anyway, or its best fact under answer.min_fact_score: the model adds to it
    features: tuple[float, ...]


@dataclass(frozen=True)
class Figures:
    threshold: float
    refusal_recall: float
    false_refusals: float


def replay(service: AssistantService, questions: list[Question], min_fact_score: float = 0.0) -> list[GateRow]:
    """Each question asked with the gate open; a second turn after its first, in one conversation. The
    features read the facts the lexical gate keeps (``min_fact_score``), as the composer's model sees them."""
    answer = service.settings.answer
    if answer.min_fact_score != 0 or service.composer().gate.learned:
        raise ValueError("replay needs a service with answer.min_fact_score = 0 and no gate model")
    by_id = {q.id: q for q in questions}
    rows = []
    for question in questions:
        conversation = ConversationStore().get_or_create(None)
        if question.previous and question.previous in by_id:
            service.ask(by_id[question.previous].question, conversation=conversation)
        outcome = service.ask(question.question, conversation=conversation)
        frame, search, asked = outcome.answer.frame, outcome.search, outcome.effective_question
        if frame is None or search is None:
            raise ValueError(f"{question.id}: no frame or search result")
        composer = service.composer()
        value = frame.asked in VALUE_TYPES and answer.typed_facts
        matches = []
        if value and not outcome.answer.refused:
            pool = composer.value_pool(search, service.scope_chunks(asked, frame, search))
            matches = composer.facts.run(asked, frame, pool, service.documents())
        kept = [m for m in matches if m.score >= min_fact_score]
        row = tuple(features(asked, frame, search, kept, composer.scorer)[n] for n in FEATURES)
        best = (matches[0].score if matches else 0.0) if value and not outcome.answer.refused else None
        lexically = outcome.answer.refused or (best is not None and best < min_fact_score)
        rows.append(GateRow(question.id, question.answerable, outcome.answer.refused, best, lexically, row))
    return rows


def figures(rows: Sequence[GateRow], refused: Sequence[bool], threshold: float) -> Figures:
    unanswerable = [r for row, r in zip(rows, refused, strict=True) if not row.answerable]
    answerable = [r for row, r in zip(rows, refused, strict=True) if row.answerable]
    return Figures(
        threshold,
        sum(unanswerable) / len(unanswerable) if unanswerable else 0.0,
        sum(answerable) / len(answerable) if answerable else 0.0,
    )


def lexical(rows: Sequence[GateRow], min_fact_score: float) -> Figures:
    """Today's gate: the rules, then a value question refused when its best fact scores below the threshold."""
    refused = [r.refused_anyway or (r.best_fact is not None and r.best_fact < min_fact_score) for r in rows]
    return figures(rows, refused, min_fact_score)


def learned(rows: Sequence[GateRow], probabilities: Sequence[float], threshold: float) -> Figures:
    refused = [r.refused_lexically or p >= threshold for r, p in zip(rows, probabilities, strict=True)]
    return figures(rows, refused, threshold)


def _open(rows: Sequence[GateRow]) -> tuple[np.ndarray, np.ndarray]:
    kept = [r for r in rows if not r.refused_lexically]
    return np.asarray([r.features for r in kept], dtype=np.float64), np.asarray([not r.answerable for r in kept])


def train(rows: Sequence[GateRow], seed: int = SEED) -> lightgbm.Booster:
    """The classifier on the questions the lexical gate answers (1: the documents cannot answer)."""
    import lightgbm

    x, y = _open(rows)
    data = lightgbm.Dataset(x, y.astype(int), feature_name=list(FEATURES))
    return lightgbm.train({**PARAMS, "seed": seed}, data, ROUNDS)


def cross_validated(rows: Sequence[GateRow], seed: int = SEED) -> list[float]:
    """Out-of-fold refusal probabilities of every row (repeated stratified folds; a lexical refusal: 1)."""
    from sklearn.model_selection import StratifiedKFold

    open_rows = [r for r in rows if not r.refused_lexically]
    x, y = _open(rows)
    summed = np.zeros(len(open_rows))
    for repeat in range(REPEATS):
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed + repeat)
        for fit, held in folds.split(x, y):
            model = train([open_rows[i] for i in fit], seed + repeat)
            summed[held] += model.predict(x[held])
    by_id = dict(zip((r.id for r in open_rows), summed / REPEATS, strict=True))
    return [1.0 if r.refused_lexically else float(by_id[r.id]) for r in rows]


def choose(points: Sequence[Figures], today: Figures) -> Figures:
    """The target (recall ≥ 0.90 at false refusals ≤ 0.05) with the most recall when reachable; else the most
    recall at no more false refusals than the target's or today's gate's, whichever is higher (the model only
    adds refusals, and a false refusal hides a value the documents state). Ties: the higher threshold."""
    reached = [p for p in points if p.refusal_recall >= TARGET_RECALL and p.false_refusals <= MAX_FALSE]
    ceiling = max(MAX_FALSE, today.false_refusals)
    within = reached or [p for p in points if p.false_refusals <= ceiling] or [max(points, key=lambda p: p.threshold)]
    return max(within, key=lambda p: (p.refusal_recall, p.threshold))


def save(model: lightgbm.Booster, record: dict[str, object], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    model.save_model(str(folder / MODEL_FILE))
    meta = {"feature_version": FEATURE_VERSION, "features": list(FEATURES), **record}
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def report(dev: list[GateRow], test: list[GateRow], min_fact_score: float, folder: Path | None) -> list[str]:
    """Dev CV and test figures of the learned gate next to today's lexical gate; the model saved to
    ``folder`` when given."""
    texts = get_prompts().evaluation
    probabilities = cross_validated(dev)
    points = [learned(dev, probabilities, t) for t in THRESHOLDS]
    chosen = choose(points, lexical(dev, min_fact_score))
    model = train(dev)
    on_test = learned(test, [float(p) for p in model.predict(np.asarray([r.features for r in test]))], chosen.threshold)
    unanswerable = sum(not r.answerable for r in dev)
    lines = [texts.gate_sizes.format(dev=len(dev), unanswerable=unanswerable, test=len(test))]
    for p in points:
        lines.append(
            texts.gate_point.format(threshold=p.threshold, recall=p.refusal_recall, false_rate=p.false_refusals)
        )
    for split, f in (("dev", lexical(dev, min_fact_score)), ("test", lexical(test, min_fact_score))):
        line = texts.gate_lexical.format(
            threshold=min_fact_score, split=split, recall=f.refusal_recall, false_rate=f.false_refusals
        )
        lines.append(line)
    for split, f in (("dev CV", chosen), ("test", on_test)):
        line = texts.gate_learned.format(
            threshold=chosen.threshold, split=split, recall=f.refusal_recall, false_rate=f.false_refusals
        )
        lines.append(line)
    if folder is not None:
        record = {
            "threshold": chosen.threshold,
            "seed": SEED,
            "split": "dev",
            "questions": len(dev),
            "params": PARAMS,
            "rounds": ROUNDS,
            "dev_cv": {
                "folds": FOLDS,
                "repeats": REPEATS,
                "refusal_recall": round(chosen.refusal_recall, 3),
                "false_refusals": round(chosen.false_refusals, 3),
            },
        }
        save(model, record, folder)
        lines.append(texts.saved.format(path=folder))
    return lines
