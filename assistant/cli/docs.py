"""``docs list`` and ``docs show``: what the index holds, read from its catalog alone (no model is loaded)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from assistant.cli.common import TEXTS, DataDir, console, settings_for

if TYPE_CHECKING:
    from assistant.index.catalog import Catalog
    from ingest.models import DocumentMeta

app = typer.Typer(help=TEXTS.docs_app)
_WIDE = 120  # the table needs this many columns; below, the plain layout


@app.command("list", help=TEXTS.commands["docs list"])
def docs_list(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help=TEXTS.help["docs.json"])] = False,
) -> None:
    """The ingested documents."""
    from assistant.index.catalog import Catalog

    documents = Catalog(settings_for(data_dir).layout.catalog).documents()
    if as_json:
        typer.echo(json.dumps([d.model_dump(mode="json") for d in documents], ensure_ascii=False, indent=2))
        return
    width = console.width if console.is_terminal else 80
    if width >= _WIDE:
        table = Table(title=TEXTS.docs_title)
        for column in ("doc_id", "kind", "number", "locality", "date", "years"):
            table.add_column(TEXTS.columns[column], no_wrap=True)
        table.add_column(TEXTS.columns["title"], no_wrap=True, overflow="ellipsis", ratio=1)
        for d in documents:
            table.add_row(d.doc_id, d.kind or "", d.number or "", d.locality or "", d.date or "", _years(d), d.title)
        console.print(table)
        return
    # narrow or not a terminal: one line of facts and one of title per document, never wrapped
    for d in documents:
        facts = "  ".join(part for part in (d.doc_id, d.kind, d.number, d.locality, d.date, _years(d)) if part)
        typer.echo(_fit(facts, width))
        typer.echo(_fit("  " + d.title, width))


def _years(meta: DocumentMeta) -> str:
    return ",".join(map(str, meta.years))


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _find_document(catalog: Catalog, name: str) -> DocumentMeta | None:
    """A document by its id, its file name (``003_d7b9b51839828f5a.txt``) or its path, as a user types it."""
    from ingest.metadata import make_doc_id

    path = Path(name).expanduser()
    found = catalog.document(name) or catalog.document(make_doc_id(path))
    if found is not None:
        return found
    resolved = str(path.resolve())
    return next((d for d in catalog.documents() if d.path == resolved or d.source == path.name), None)


@app.command("show", help=TEXTS.commands["docs show"])
def docs_show(
    doc: Annotated[str, typer.Argument(help=TEXTS.help["docs.doc"])],
    data_dir: DataDir = None,
) -> None:
    """A document's outline: its sections and their chunk counts."""
    from assistant.index.catalog import Catalog
    from assistant.outline import outline

    catalog = Catalog(settings_for(data_dir).layout.catalog)
    meta = _find_document(catalog, doc)
    if meta is None:
        console.print(f"[red]{TEXTS.no_document.format(doc=doc)}[/red]")
        raise typer.Exit(2)
    about = ", ".join(part for part in (" ".join(filter(None, (meta.kind, meta.number))), meta.locality) if part)
    console.print(f"[bold]{meta.title}[/bold]  ({about})", highlight=False)
    for entry in outline(catalog.chunks(meta.doc_id)):
        indent = "  " * (entry.depth - 1)
        where = TEXTS.outline_entry.format(chunks=entry.chunks, start=entry.line_start, end=entry.line_end)
        console.print(f"{indent}{entry.title}  [dim]({where})[/dim]", highlight=False)
