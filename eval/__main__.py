"""``python -m eval run | compare | calibrate | alqac``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.settings import get_settings
from eval.dataset import QUESTION_DIR, Question, load_questions

app = typer.Typer(help="Đánh giá Trợ lý GNBV trên bộ câu hỏi.")
console = Console()
RUNS = Path(__file__).with_name("runs")


def _questions(files: list[Path] | None) -> tuple[list[Question], list[Path]]:
    paths = files or sorted(QUESTION_DIR.glob("*.jsonl"))
    questions: list[Question] = []
    for path in paths:
        loaded, errors = load_questions(path, get_settings().corpus_dir)
        for error in errors:
            console.print(f"[yellow]bỏ qua {error}[/yellow]")
        questions.extend(loaded)
    return questions, paths


@app.command()
def run(
    questions: Annotated[list[Path] | None, typer.Option("--questions", help="JSONL, CSV hoặc XLSX")] = None,
    url: Annotated[str | None, typer.Option(help="đánh giá máy chủ đang chạy thay vì trong tiến trình")] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
    out: Annotated[Path | None, typer.Option(help="thư mục kết quả")] = None,
    baselines: Annotated[bool, typer.Option("--baselines/--no-baselines")] = True,
    save_baseline: Annotated[
        bool, typer.Option("--save-baseline", help="ghi số đo của hệ thống vào eval/baseline.json (cổng hồi quy)")
    ] = False,
) -> None:
    """Chạy bộ câu hỏi, so với ba hệ thống cơ sở, ghi báo cáo."""
    from eval.harness import run as run_eval
    from eval.report import BASELINE_FILE, markdown, save, write_baseline

    loaded, files = _questions(questions)
    result = run_eval(get_settings().with_data_dir(data_dir), loaded, files, url, baselines)
    folder = save(result, out or RUNS / time.strftime("%Y%m%d-%H%M%S"))
    console.print(markdown(result))
    console.print(f"Đã ghi {folder}")
    if save_baseline:
        write_baseline(result, files, BASELINE_FILE)
        console.print(f"Đã ghi {BASELINE_FILE}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def validate(context: typer.Context) -> None:
    """Kiểm tra bộ câu hỏi: trích dẫn nguyên văn, ý bắt buộc, cặp hỏi tiếp, không chép câu; đếm theo loại/kiểu."""
    from eval.dataset import validate_cli

    raise typer.Exit(validate_cli(context.args))


@app.command()
def compare(run_a: Path, run_b: Path) -> None:
    """So sánh hai lần chạy."""
    from eval.report import compare as compare_runs

    console.print(compare_runs(run_a, run_b))


@app.command()
def calibrate(
    questions: Annotated[list[Path] | None, typer.Option("--questions", help="JSONL, CSV hoặc XLSX")] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
) -> None:
    """Chọn ngưỡng từ chối: quét ngưỡng trên điểm bằng chứng, báo recall và tỷ lệ từ chối nhầm."""
    from eval.harness import ensure_index
    from eval.metrics import GateCase, best_threshold, refusal_sweep

    settings = get_settings().with_data_dir(data_dir)
    settings = settings.model_copy(update={"answer": settings.answer.model_copy(update={"min_evidence_score": 0.0})})
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
        console.print(f"ngưỡng {t.threshold:.2f}: refusal recall {t.recall:.3f}, false refusals {t.false_rate:.3f}")
    best = best_threshold(sweep)
    if best:
        figures = f"recall {best.recall:.3f}, từ chối nhầm {best.false_rate:.3f}"
        console.print(f"[bold]Ngưỡng đề xuất {best.threshold:.2f}: {figures}[/bold]")


@app.command()
def alqac(data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None) -> None:
    """ALQAC 2023: recall@1/5/10, MRR, F2 theo điều luật, so với BM25 trên toàn điều."""
    from eval.alqac import run_alqac

    settings = get_settings()
    console.print(run_alqac(settings.with_data_dir(data_dir or settings.data_dir / "alqac")))


if __name__ == "__main__":
    app()
