"""``python -m eval run | split | validate | compare | calibrate | alqac | ranking``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from core.settings import Settings, get_settings
from eval.dataset import QUESTION_DIR, Question, load_files
from prompts import get_prompts

TEXTS = get_prompts().evaluation  # read when the commands are declared: their option help is in it
app = typer.Typer(help=TEXTS.app)
console = Console()
RUNS = Path(__file__).with_name("runs")


SplitChoice = Literal["all", "dev", "test", "smoke"]


def _questions(files: list[Path] | None) -> tuple[list[Question], list[Path]]:
    paths = files or sorted(QUESTION_DIR.glob("*.jsonl"))
    questions, errors = load_files(paths, get_settings().corpus_dir)
    for error in errors:
        console.print(f"[yellow]{TEXTS.skipped.format(error=error)}[/yellow]")
    return questions, paths


@app.command(help=TEXTS.commands["run"])
def run(
    questions: Annotated[list[Path] | None, typer.Option("--questions", help=TEXTS.help["run.questions"])] = None,
    split: Annotated[SplitChoice, typer.Option(help=TEXTS.help["run.split"])] = "all",
    url: Annotated[str | None, typer.Option(help=TEXTS.help["run.url"])] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
    out: Annotated[Path | None, typer.Option(help=TEXTS.help["run.out"])] = None,
    baselines: Annotated[bool, typer.Option("--baselines/--no-baselines")] = True,
    save_baseline: Annotated[bool, typer.Option("--save-baseline", help=TEXTS.help["run.save_baseline"])] = False,
) -> None:
    """Run questions against the three baselines and write the report; each question against the previous run."""
    from eval.harness import run as run_eval
    from eval.report import BASELINE_FILE, markdown, save, write_baseline
    from eval.split import select
    from eval.store import EvalStore, changes_report, record

    settings = get_settings().with_data_dir(data_dir)
    labels: dict[str, str] = {}
    if questions:
        loaded, files = _questions(questions)
        set_name, split = ", ".join(p.name for p in files), "all"
    else:
        loaded, labels, files = select(split, settings.corpus_dir)
        set_name = f"built-in:{split}"
        unsplit = sorted(i for i, label in labels.items() if label == "unsplit")
        if unsplit:
            console.print(f"[yellow]{TEXTS.unsplit.format(count=len(unsplit))}[/yellow]")
    result = run_eval(settings, loaded, files, url, baselines, labels, split)
    folder = save(result, out or RUNS / time.strftime("%Y%m%d-%H%M%S"))
    console.print(markdown(result))
    console.print(TEXTS.written.format(path=folder))
    store = EvalStore(settings.layout.eval_runs)
    console.print(changes_report(store, record(store, result, set_name)))
    if save_baseline:
        write_baseline(result, files, BASELINE_FILE)
        console.print(TEXTS.written.format(path=BASELINE_FILE))


@app.command("split", help=TEXTS.commands["split"])
def split_command() -> None:
    """Write eval/splits/{dev,test}.txt: the hand-written questions split by the hash of their ids (≈ 2:1)."""
    from collections import Counter

    from eval.split import SPLIT_DIR, hand_written_files, write

    loaded, _ = _questions(hand_written_files())
    sides = write(loaded, SPLIT_DIR)
    category = {q.id: q.category for q in loaded}
    for name, ids in sides.items():
        by_category = dict(sorted(Counter(category[i] for i in ids).items()))
        console.print(TEXTS.split_size.format(name=name, count=len(ids)), by_category)


@app.command(
    help=TEXTS.commands["validate"], context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def validate(context: typer.Context) -> None:
    """Check question sets: verbatim quotes, key facts, follow-up pairs, no copied sentence; counts by kind."""
    from eval.dataset import validate_cli

    raise typer.Exit(validate_cli(context.args))


@app.command(help=TEXTS.commands["compare"])
def compare(run_a: Path, run_b: Path) -> None:
    """Compare two runs."""
    from eval.report import compare as compare_runs

    console.print(compare_runs(run_a, run_b))


@app.command(help=TEXTS.commands["calibrate"])
def calibrate(
    questions: Annotated[list[Path] | None, typer.Option("--questions", help=TEXTS.help["calibrate.questions"])] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
    facts_split: Annotated[str, typer.Option("--facts-split", help=TEXTS.help["calibrate.facts_split"])] = "dev",
    save: Annotated[bool, typer.Option("--save", help=TEXTS.help["calibrate.save"])] = False,
) -> None:
    """Choose the refusal threshold: sweep the evidence score, report recall and false refusals."""
    from eval.harness import ensure_index
    from eval.metrics import GateCase, best_threshold, refusal_sweep

    settings = get_settings().with_data_dir(data_dir)
    # the learned gate off: the sweep is of the lexical evidence score
    opened = settings.answer.model_copy(update={"min_evidence_score": 0.0, "gate_dir": None})
    settings = settings.model_copy(update={"answer": opened})
    service = ensure_index(settings)
    composer, documents = service.composer(), service.documents()
    loaded, _ = _questions(questions)
    scores: list[GateCase] = []
    for q in loaded:
        result = service.search.run(q.question, settings.retrieval.top_k)  # what a served question sees
        forced = composer.run(q.question, result, documents).refused  # with the gate off: refused by rules
        scores.append(GateCase(q.answerable, composer.evidence_score(q.question, result), forced))
    sweep = refusal_sweep(scores)
    for t in sweep:
        console.print(TEXTS.threshold.format(threshold=t.threshold, recall=t.recall, false_rate=t.false_rate))
    best = best_threshold(sweep)
    if best:
        proposed = TEXTS.proposed.format(threshold=best.threshold, recall=best.recall, false_rate=best.false_rate)
        console.print(f"[bold]{proposed}[/bold]")
    _calibrate_facts(get_settings().with_data_dir(data_dir), facts_split, save)


def _calibrate_facts(settings: Settings, split: str, save: bool) -> None:
    """The value gate: replay the split with it open, sweep min_fact_score (see eval/calibration.py)."""
    from eval import calibration
    from eval.harness import ensure_index
    from eval.split import select

    gate_open = {"min_fact_score": 0.0, "gate_dir": None}
    opened = settings.model_copy(update={"answer": settings.answer.model_copy(update=gate_open)})
    loaded, _, _ = select(split, settings.corpus_dir)
    points = calibration.sweep(calibration.replay(ensure_index(opened), loaded))
    for p in points:
        figures = f"refusal recall {p.refusal_recall:.3f}, false refusals {p.false_refusals:.3f}"
        console.print(f"min_fact_score {p.threshold:.2f}: {figures}")
    chosen = calibration.best(points)
    console.print(f"[bold]{TEXTS.proposed_fact_score.format(split=split, threshold=chosen.threshold)}[/bold]")
    if save:
        calibration.save(chosen, split)
        console.print(TEXTS.saved.format(path=calibration.CALIBRATION_FILE))


@app.command(help=TEXTS.commands["gate"])
def gate(
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
    save: Annotated[bool, typer.Option("--save", help=TEXTS.help["gate.save"])] = False,
) -> None:
    """The learned answerability gate: trained on dev, cross-validated, next to the lexical gate on dev and test."""
    from eval import gate as answerability
    from eval.harness import ensure_index
    from eval.split import select

    settings = get_settings().with_data_dir(data_dir)
    # the gate open: no model, every fitting fact kept (its score is a feature, and the lexical gate's signal)
    opened = settings.answer.model_copy(update={"min_fact_score": 0.0, "gate_dir": None})
    service = ensure_index(settings.model_copy(update={"answer": opened}))
    floor = settings.answer.min_fact_score
    dev, test = (answerability.replay(service, select(s, settings.corpus_dir)[0], floor) for s in ("dev", "test"))
    folder = settings.answer.gate_dir if save else None
    if save and folder is None:
        raise typer.BadParameter(TEXTS.gate_no_dir)
    for line in answerability.report(dev, test, settings.answer.min_fact_score, folder):
        console.print(line)


@app.command(help=TEXTS.commands["alqac"])
def alqac(data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None) -> None:
    """ALQAC 2023: recall@1/5/10, MRR, F2 per article, against BM25 over whole articles."""
    from eval.alqac import run_alqac

    settings = get_settings()
    console.print(run_alqac(settings.with_data_dir(data_dir or settings.layout.alqac)))


@app.command(help=TEXTS.commands["ranking"])
def ranking(
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
    alqac_data_dir: Annotated[
        Path | None, typer.Option("--alqac-data-dir", help=TEXTS.help["ranking.alqac_data_dir"])
    ] = None,
    alqac_questions: Annotated[
        list[Path] | None, typer.Option("--alqac-questions", help=TEXTS.help["ranking.alqac_questions"])
    ] = None,
    save_ranker: Annotated[bool, typer.Option("--save-ranker", help=TEXTS.help["ranking.save_ranker"])] = False,
) -> None:
    """Compare the rankers: hit@1/5/10, MRR, p50 latency on the hand-written set (dev, test) and ALQAC."""
    from eval.ranking import run_ranking

    settings = get_settings().with_data_dir(data_dir)
    laws = get_settings().with_data_dir(alqac_data_dir or settings.layout.alqac)
    for text in run_ranking(settings, laws, alqac_questions, save_ranker):
        console.print(text, soft_wrap=True)  # table rows unwrapped, whatever the terminal's width


if __name__ == "__main__":
    app()
