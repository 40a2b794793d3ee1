"""The value gate's calibration: the sweep's arithmetic, and the default setting equal to the saved result."""

from __future__ import annotations

from core.settings import AnswerSettings
from eval.calibration import GateReplay, best, saved, sweep


def test_sweep_counts_refusals_per_threshold() -> None:
    replays = [
        GateReplay(answerable=False, refused_anyway=True, best_fact=None),
        GateReplay(answerable=False, refused_anyway=False, best_fact=0.05),
        GateReplay(answerable=True, refused_anyway=False, best_fact=0.3),
        GateReplay(answerable=True, refused_anyway=False, best_fact=0.08),
    ]
    points = {p.threshold: p for p in sweep(replays, (0.0, 0.1, 0.5))}
    assert (points[0.0].refusal_recall, points[0.0].false_refusals) == (0.5, 0.0)
    assert (points[0.1].refusal_recall, points[0.1].false_refusals) == (1.0, 0.5)
    assert (points[0.5].refusal_recall, points[0.5].false_refusals) == (1.0, 1.0)
    assert best(list(points.values())).threshold == 0.0  # 0.5 net at 0.0 and at 0.1: the lower wins


def test_default_value_gate_is_the_saved_dev_calibration() -> None:
    record = saved()
    assert record["split"] == "dev"
    assert AnswerSettings().min_fact_score == record["min_fact_score"]
