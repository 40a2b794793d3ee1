"""What every command shares: the console, the data-dir option, the settings it selects, a figures table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.settings import Settings, get_settings
from prompts import get_prompts

console = Console()
TEXTS = get_prompts().cli  # read when the commands are declared: their option help is in it

DataDir = Annotated[Path | None, typer.Option("--data-dir", help=TEXTS.help["data_dir"])]


def settings_for(data_dir: Path | None) -> Settings:
    try:
        return get_settings().with_data_dir(data_dir)
    except ValueError as error:  # a misspelt GNBV_ variable, protect_reads without a key: say so, plainly
        typer.echo(TEXTS.invalid_settings.format(error=error), err=True)
        raise typer.Exit(2) from error


def print_figures(title: str, figures: dict[str, float]) -> None:
    table = Table(title=title)
    table.add_column(TEXTS.columns["figure"])
    table.add_column(TEXTS.columns["value"], justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:.1f}" if abs(value) >= 10 else f"{value:.4g}")  # cosines need 4 digits
    console.print(table)
