"""``ingest``: documents into the index, only new or changed files unless asked to rebuild."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.cli.common import TEXTS, DataDir, console, settings_for


def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help=TEXTS.help["ingest.paths"])] = None,
    data_dir: DataDir = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help=TEXTS.help["ingest.rebuild"])] = False,
) -> None:
    """Documents into the index (only new or changed files)."""
    from assistant.index.indexer import IngestPipeline
    from assistant.index.store import Store

    settings = settings_for(data_dir)
    targets = paths or [settings.corpus_dir]
    missing = [p for p in targets if not p.exists()]
    if missing:
        console.print(f"[red]{TEXTS.not_found_paths.format(paths=', '.join(map(str, missing)))}[/red]")
        raise typer.Exit(2)
    store = Store(settings)
    if not console.is_terminal:  # a log (`make run`, a service): one line per file, since a bar shows nothing there

        def logged(name: str, done: int, total: int) -> None:
            if name:
                typer.echo(TEXTS.ingesting_file.format(done=done + 1, total=total, name=name))

        report = IngestPipeline(store).run(targets, rebuild=rebuild, progress=logged)
    else:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(TEXTS.ingesting, total=None)

            def progress(name: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=TEXTS.ingesting_name.format(name=name))

            report = IngestPipeline(store).run(targets, rebuild=rebuild, progress=progress)
    table = Table(title=TEXTS.ingest_title)
    for column in ("file", "doc_id", "status", "chunks", "reason"):
        table.add_column(TEXTS.columns[column])
    labels = TEXTS.ingest_status
    for o in report.outcomes:
        style = "red" if o.status == "failed" else None
        reason = f"{o.reason}: {o.message}" if o.reason else ""
        table.add_row(Path(o.path).name, o.doc_id, labels[o.status], str(o.chunks), reason, style=style)
    console.print(table)
    if report.failed:
        raise typer.Exit(1)
