"""``serve``: the API and the web page, checked first against the index it will answer from."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.common import TEXTS, DataDir, console, settings_for
from assistant.cli.ingest import ingest


def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help=TEXTS.help["serve.host"])] = None,
    port: Annotated[int | None, typer.Option(help=TEXTS.help["serve.port"])] = None,
    ingest_first: Annotated[bool, typer.Option("--ingest/--no-ingest", help=TEXTS.help["serve.ingest"])] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help=TEXTS.help["serve.workers"])] = 1,
) -> None:
    """The API server and the web page."""
    import os

    import uvicorn

    from assistant.api.app import create_app
    from assistant.index.store import Store
    from assistant.retrieval.learned import RankerLoader

    settings = settings_for(data_dir)
    if workers > 1 and settings.chroma.mode == "embedded":
        # embedded Chroma is single-process: several writers corrupt it ("readonly database" errors)
        console.print(f"[red]{TEXTS.workers_need_chroma}[/red]")
        raise typer.Exit(2)
    if ingest_first:
        ingest(None, data_dir, False)
    # an index built with other settings (another embedding model) must not answer: say so and stop
    store = Store(settings)
    store.verify()
    # the ranker is no part of the index fingerprint (a new model re-ranks without re-embedding): shown beside it
    ranker = RankerLoader(settings.retrieval, settings.data_dir).describe()
    console.print(TEXTS.serving_index.format(fingerprint=store.fingerprint, ranker=ranker))
    host, port = host or settings.server.host, port or settings.server.port
    if workers > 1:
        os.environ["GNBV_DATA_DIR"] = str(settings.data_dir)  # each worker builds its app from the environment
        uvicorn.run("assistant.api.app:app", host=host, port=port, workers=workers, timeout_graceful_shutdown=5)
    else:
        # SIGTERM: requests in flight get 5 s, the ingest worker stops its parse; nothing waits longer
        uvicorn.run(create_app(settings), host=host, port=port, timeout_graceful_shutdown=5)
