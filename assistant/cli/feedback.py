"""``feedback export``: readers' judgements as a question set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import TEXTS, DataDir, console, settings_for

app = typer.Typer(help=TEXTS.feedback_app)


@app.command("export", help=TEXTS.commands["feedback export"])
def feedback_export(
    data_dir: DataDir = None,
    out: Annotated[Path | None, typer.Option(help=TEXTS.help["feedback.out"])] = None,
) -> None:
    """Readers' feedback as a question set (JSONL)."""
    from assistant.feedback import FeedbackStore

    text = FeedbackStore(settings_for(data_dir).layout.feedback).export_jsonl()
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(TEXTS.feedback_written.format(count=len(text.splitlines()), file=out))
    else:
        typer.echo(text, nl=False)
