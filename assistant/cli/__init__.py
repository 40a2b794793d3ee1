"""Command line: ``python -m assistant …`` (also installed as ``gnbv``), one module per command group."""

from __future__ import annotations

import typer

from assistant.cli import ask, bench, docs, feedback, ingest, serve
from assistant.cli.common import TEXTS, console

app = typer.Typer(help=TEXTS.app)
for command in (ingest.ingest, ask.ask, ask.chat, serve.serve, bench.bench, bench.loadtest, bench.scalebench):
    app.command(help=TEXTS.commands[command.__name__])(command)
app.add_typer(docs.app, name="docs")
app.add_typer(feedback.app, name="feedback")


def main() -> None:
    from assistant.index.catalog import IndexMismatchError

    try:
        app()
    except IndexMismatchError as error:  # from any command that reads the index (serve, ask, chat …)
        console.print(f"[red]{error}[/red]", highlight=False)
        raise SystemExit(2) from error
