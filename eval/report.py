"""Saving a run (results.json, report.md, plots) and comparing two runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from eval.harness import RunResult, sha256
from prompts import get_prompts

BASELINE_FILE = Path(__file__).with_name("baseline.json")
GATED = ("hit@5", "key_fact_accuracy", "grounding")

SUMMARY = ["hit@1", "hit@3", "hit@5", "hit@10", "mrr", "facts_in_top5", "latency_p50_ms"]
OURS_ONLY = [
    "accuracy",
    "key_fact_accuracy",
    "key_facts_in_400",
    "numbers_verified",
    "citation_precision",
    "grounding",
    "refusal_precision",
    "refusal_recall",
    "false_refusal_rate",
    "latency_p95_ms",
]


def _cell(value: Any) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def _figure(metric: str, value: Any) -> Any:
    """Counts as integers and milliseconds to one decimal; rates keep _cell's three decimals."""
    if value is None:
        return None
    if metric == "n":
        return int(value)
    return f"{value:.1f}" if metric.endswith("_ms") else value


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(result: RunResult) -> str:
    systems = result.systems
    parts = [
        f"# Evaluation run {result.config['time']}",
        "",
        f"commit `{result.config['commit']}`, {result.config['questions']} questions",
        "",
        "## Systems (answerable questions for retrieval metrics)",
        "",
        _table(
            ["system", *SUMMARY],
            [[name, *(_figure(m, s["overall"].get(m)) for m in SUMMARY)] for name, s in systems.items()],
        ),
    ]
    ours = systems.get("ours")
    if ours:
        parts += [
            "",
            "## Ours: answers",
            "",
            _table(["metric", "value"], [[m, _figure(m, ours["overall"].get(m))] for m in OURS_ONLY]),
        ]
        for key, title in (("by_category", "category"), ("by_style", "style")):
            names = sorted(ours[key])
            rows = []
            for name in names:
                row: list[Any] = [name, _figure("n", ours[key][name]["n"])]
                row += [systems[s][key].get(name, {}).get("hit@5") for s in systems]
                row += [ours[key][name].get("key_fact_accuracy"), ours[key][name].get("refusal_recall")]
                rows.append(row)
            header = [title, "n", *[f"hit@5 {s}" for s in systems], "key facts (ours)", "refusal recall (ours)"]
            parts += ["", f"## By {title}", "", _table(header, rows)]
        parts += _split_tables(ours)
    return "\n".join(parts) + "\n"


SPLIT_COLUMNS = [
    "hit@5",
    "accuracy",
    "key_fact_accuracy",
    "key_facts_in_400",
    "refusal_recall",
    "false_refusal_rate",
    "grounding",
    "numbers_verified",
]


def _split_tables(ours: dict[str, Any]) -> list[str]:
    """Ours per split (dev, test, the smoke set) and, within each, per category: tune on dev, report all."""
    splits = ours.get("by_split", {})
    if not splits:
        return []
    header = ["split", "n", *SPLIT_COLUMNS]
    parts = [
        "",
        "## Ours by split",
        "",
        _table(header, [[n, _figure("n", g["n"]), *(g.get(m) for m in SPLIT_COLUMNS)] for n, g in splits.items()]),
    ]
    turns = ours.get("by_turn", {})
    if len(turns) > 1:  # follow-ups asked as the second turn of a conversation, against the rest
        rows = [[n, _figure("n", g["n"]), *(g.get(m) for m in SPLIT_COLUMNS)] for n, g in turns.items()]
        parts += ["", "## Ours by turn", "", _table(["turn", "n", *SPLIT_COLUMNS], rows)]
    for name, categories in ours.get("by_split_category", {}).items():
        rows = [[c, _figure("n", g["n"]), *(g.get(m) for m in SPLIT_COLUMNS)] for c, g in categories.items()]
        parts += [
            "",
            f"## Ours on {name or 'unlabelled'}, by category",
            "",
            _table(["category", "n", *SPLIT_COLUMNS], rows),
        ]
    return parts


def _grouped_bars(path: Path, title: str, labels: list[str], series: dict[str, list[float]]) -> Path:
    figure, axis = plt.subplots(figsize=(max(8, len(labels)), 4))
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        axis.bar([x + i * width for x in range(len(labels))], values, width, label=name)
    axis.set_xticks([x + 0.4 - width / 2 for x in range(len(labels))], labels, rotation=30)
    axis.set_ylim(0, 1)
    axis.legend()
    axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def plots(result: RunResult, out: Path) -> list[Path]:
    systems = result.systems
    metrics = ["hit@1", "hit@5", "hit@10", "mrr", "facts_in_top5"]
    files = [
        _grouped_bars(
            out / "systems.png",
            "System against system",
            metrics,
            {n: [s["overall"].get(k) or 0 for k in metrics] for n, s in systems.items()},
        )
    ]
    ours = systems.get("ours")
    if ours:
        categories = sorted(ours["by_category"])
        series = {n: [s["by_category"].get(c, {}).get("hit@5") or 0 for c in categories] for n, s in systems.items()}
        files.append(_grouped_bars(out / "by_category.png", "hit@5 by category", categories, series))
    return files


def save(result: RunResult, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps({"config": result.config, "systems": result.systems}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (out / "report.md").write_text(markdown(result), encoding="utf-8")
    plots(result, out)
    return out


def compare(run_a: Path, run_b: Path) -> str:
    loaded = [json.loads((run / "results.json").read_text(encoding="utf-8")) for run in (run_a, run_b)]
    a, b = (run["systems"] for run in loaded)
    # deltas over different questions measure the questions, not the system: say so
    files = [sorted(run["config"].get("question_files", {}).values()) for run in loaded]
    warning = "" if files[0] == files[1] else get_prompts().evaluation.different_sets + "\n\n"
    rows = []
    for system in sorted(set(a) & set(b)):
        for metric in [*SUMMARY, *OURS_ONLY]:
            va, vb = a[system]["overall"].get(metric), b[system]["overall"].get(metric)
            if va is not None and vb is not None:
                rows.append([system, metric, va, vb, round(vb - va, 4)])
    return warning + _table(["system", "metric", run_a.name, run_b.name, "Δ"], rows)


def write_baseline(result: RunResult, question_files: list[Path], path: Path) -> None:
    """Commit ours' gated metrics with the question files they were measured on: the gate compares like with like."""
    overall = result.systems["ours"]["overall"]
    baseline = {
        "note": "Committed regression baseline (`python -m eval run --save-baseline`, ours). "
        "tests/test_eval.py fails when a metric falls more than 0.02 below, or when a question file changed.",
        "question_files": {p.name: sha256(p) for p in question_files},
        **{metric: overall[metric] for metric in GATED},
    }
    path.write_text(json.dumps(baseline, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
