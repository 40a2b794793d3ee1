"""``bench``, ``loadtest`` and ``scalebench``: latency, load and scale figures measured on this machine."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.common import TEXTS, DataDir, console, print_figures, settings_for


def bench(
    data_dir: DataDir = None,
    questions: Annotated[int, typer.Option(min=5, help=TEXTS.help["bench.questions"])] = 100,
    embedding_only: Annotated[bool, typer.Option("--embedding-only", help=TEXTS.help["bench.embedding_only"])] = False,
) -> None:
    """/api/ask latency (p50/p95, real HTTP) against search alone, and the two embedding backends, in one run."""
    from assistant.bench import api_latency, embedding_backends, question_texts
    from assistant.index.catalog import Catalog
    from core.settings import PROJECT_ROOT

    settings = settings_for(data_dir)
    question_dir = PROJECT_ROOT / "eval" / "questions"
    if not embedding_only:
        figures = api_latency(settings, question_texts(question_dir, questions))
        print_figures(TEXTS.latency_title, figures)
    chunks = Catalog(settings.layout.catalog).chunks()  # what the index holds, all of it
    figures = embedding_backends(settings, chunks, question_dir)
    print_figures(TEXTS.embedding_title, figures)


def loadtest(
    data_dir: DataDir = None,
    clients: Annotated[int, typer.Option(min=1, max=256)] = 32,
    requests: Annotated[int, typer.Option(min=1, max=100_000)] = 2000,
    url: Annotated[str | None, typer.Option(help=TEXTS.help["loadtest.url"])] = None,
    soak: Annotated[bool, typer.Option(help=TEXTS.help["loadtest.soak"])] = False,
    key: Annotated[str | None, typer.Option(envvar="GNBV_SERVER__API_KEY", help=TEXTS.help["loadtest.key"])] = None,
    duration: Annotated[float, typer.Option(min=1, help=TEXTS.help["loadtest.duration"])] = 900,
) -> None:
    """Concurrent questions (and a hostile upload, given a key): errors, p50/p95, server memory."""
    from assistant.bench import ServerThread, question_texts
    from assistant.loadtest import run
    from core.settings import PROJECT_ROOT

    questions = question_texts(PROJECT_ROOT / "eval" / "questions", 10_000)
    if url:
        figures, result = run(url.rstrip("/"), questions, clients, requests, key if soak else None, duration)
    else:
        with ServerThread(settings_for(data_dir)) as server:
            figures, result = run(server.url, questions, clients, requests, key if soak else None, duration)
    for kind, count in result.errors.most_common():
        console.print(f"[red]{TEXTS.load_errors.format(count=count, kind=kind)}[/red]", highlight=False)
    if result.upload:
        console.print(TEXTS.hostile_upload.format(result=result.upload), highlight=False)
    if result.rss:
        console.print(TEXTS.rss.format(values=" ".join(f"{m:.0f}" for m in result.rss)), highlight=False)
    print_figures(TEXTS.loadtest_title, figures)


def scalebench(
    data_dir: DataDir = None,
    sizes: Annotated[list[int] | None, typer.Option("--size", help=TEXTS.help["scalebench.size"])] = None,
) -> None:
    """Query latency and memory at 1k, 10k, 100k chunks (synthetic sets made from the real documents)."""
    from assistant.bench import question_texts
    from assistant.scalebench import measure
    from core.settings import PROJECT_ROOT

    questions = question_texts(PROJECT_ROOT / "eval" / "questions", 100)
    for row in measure(settings_for(data_dir), questions, sizes or [1000, 10_000, 100_000]):
        print_figures(TEXTS.scale_title.format(chunks=int(row["chunks"])), row)
