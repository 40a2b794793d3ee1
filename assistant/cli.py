"""Command line: ``python -m assistant …`` (also installed as ``gnbv``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.settings import Settings, get_settings

if TYPE_CHECKING:
    from assistant.index.catalog import Catalog
    from assistant.service import AskOutcome
    from ingest.models import DocumentMeta

app = typer.Typer(help="Trợ lý GNBV — hỏi đáp có trích dẫn về Chương trình MTQG giảm nghèo bền vững.")
docs_app = typer.Typer(help="Xem các tài liệu đã nạp.")
app.add_typer(docs_app, name="docs")
console = Console()

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Thư mục dữ liệu của bộ tài liệu (mặc định GNBV_DATA_DIR).")
]


def _settings(data_dir: Path | None) -> Settings:
    try:
        return get_settings().with_data_dir(data_dir)
    except ValueError as error:  # a misspelt GNBV_ variable, protect_reads without a key: say so, plainly
        typer.echo(f"Thiết lập không hợp lệ: {error}", err=True)
        raise typer.Exit(2) from error


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Tệp hoặc thư mục; mặc định: bộ tài liệu chuẩn.")] = None,
    data_dir: DataDir = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Xây lại toàn bộ chỉ mục.")] = False,
) -> None:
    """Nạp tài liệu vào chỉ mục (chỉ xử lý tệp mới hoặc đã thay đổi)."""
    from assistant.index.indexer import IngestPipeline
    from assistant.index.store import Store

    settings = _settings(data_dir)
    targets = paths or [settings.corpus_dir]
    missing = [p for p in targets if not p.exists()]
    if missing:
        console.print(f"[red]Không tìm thấy: {', '.join(map(str, missing))}[/red]")
        raise typer.Exit(2)
    store = Store(settings)
    if not console.is_terminal:  # a log (`make run`, a service): one line per file, since a bar shows nothing there

        def logged(name: str, done: int, total: int) -> None:
            if name:
                typer.echo(f"Đang nạp {done + 1}/{total}: {name}")

        report = IngestPipeline(store).run(targets, rebuild=rebuild, progress=logged)
    else:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("Đang nạp", total=None)

            def progress(name: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=f"Đang nạp {name}")

            report = IngestPipeline(store).run(targets, rebuild=rebuild, progress=progress)
    table = Table(title="Kết quả nạp tài liệu")
    for column in ("Tệp", "Mã", "Trạng thái", "Số đoạn", "Lý do"):
        table.add_column(column)
    labels = {"added": "mới", "updated": "cập nhật", "unchanged": "không đổi", "deleted": "đã xoá", "failed": "LỖI"}
    for o in report.outcomes:
        style = "red" if o.status == "failed" else None
        reason = f"{o.reason}: {o.message}" if o.reason else ""
        table.add_row(Path(o.path).name, o.doc_id, labels[o.status], str(o.chunks), reason, style=style)
    console.print(table)
    if report.failed:
        raise typer.Exit(1)


@docs_app.command("list")
def docs_list(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="In danh sách dạng JSON (cho máy đọc).")] = False,
) -> None:
    """Liệt kê tài liệu đã nạp."""
    from assistant.index.catalog import Catalog

    documents = Catalog(_settings(data_dir).data_dir / "catalog.sqlite").documents()
    if as_json:
        typer.echo(json.dumps([d.model_dump(mode="json") for d in documents], ensure_ascii=False, indent=2))
        return
    width = console.width if console.is_terminal else 80
    if width >= _WIDE:
        table = Table(title="Tài liệu")
        for column in ("Mã", "Loại", "Số", "Địa phương", "Ngày", "Năm"):
            table.add_column(column, no_wrap=True)
        table.add_column("Tiêu đề", no_wrap=True, overflow="ellipsis", ratio=1)
        for d in documents:
            table.add_row(d.doc_id, d.kind or "", d.number or "", d.locality or "", d.date or "", _years(d), d.title)
        console.print(table)
        return
    # narrow or not a terminal: one line of facts and one of title per document, never wrapped
    for d in documents:
        facts = "  ".join(part for part in (d.doc_id, d.kind, d.number, d.locality, d.date, _years(d)) if part)
        typer.echo(_fit(facts, width))
        typer.echo(_fit("  " + d.title, width))


_WIDE = 120  # the table needs this many columns; below, the plain layout


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


@docs_app.command("show")
def docs_show(
    doc: Annotated[str, typer.Argument(help="Mã tài liệu (xem `docs list`), tên tệp hoặc đường dẫn.")],
    data_dir: DataDir = None,
) -> None:
    """Dàn ý của một tài liệu: các mục và số đoạn trong mỗi mục."""
    from assistant.index.catalog import Catalog
    from assistant.outline import outline

    catalog = Catalog(_settings(data_dir).data_dir / "catalog.sqlite")
    meta = _find_document(catalog, doc)
    if meta is None:
        console.print(
            f"[red]Không có tài liệu '{doc}' (theo mã, tên tệp hay đường dẫn). "
            "Xem `python -m assistant docs list`.[/red]"
        )
        raise typer.Exit(2)
    about = ", ".join(part for part in (" ".join(filter(None, (meta.kind, meta.number))), meta.locality) if part)
    console.print(f"[bold]{meta.title}[/bold]  ({about})", highlight=False)
    for entry in outline(catalog.chunks(meta.doc_id)):
        indent = "  " * (entry.depth - 1)
        console.print(
            f"{indent}{entry.title}  [dim]({entry.chunks} đoạn, dòng {entry.line_start}–{entry.line_end})[/dim]",
            highlight=False,
        )


def _print_answer(outcome: AskOutcome) -> None:
    answer = outcome.answer
    if answer.frame is not None:  # what was understood, so a misread question is seen at once
        console.print(f"[dim]Đang hỏi: {answer.frame.label}[/dim]", highlight=False)
    console.print(answer.answer, style="yellow" if answer.refused else None, highlight=False)
    for warning in answer.warnings:
        console.print(f"[red]{warning}[/red]")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Câu hỏi, có hoặc không dấu.")],
    data_dir: DataDir = None,
    top_k: Annotated[int, typer.Option(min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON như /api/ask.")] = False,
    mode: Annotated[str, typer.Option(help="extractive hoặc llm")] = "extractive",
) -> None:
    """Hỏi một câu và in câu trả lời có trích dẫn."""
    from assistant.api.schemas import AskRequest, AskResponse, question_too_long
    from assistant.service import AssistantService

    settings = _settings(data_dir)
    try:
        request = AskRequest(question=question, top_k=top_k, mode=mode)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    if (too_long := question_too_long(request.question, settings.server)) is not None:
        console.print(f"[red]{too_long}[/red]")
        raise typer.Exit(2)
    outcome = AssistantService(settings).ask(request.question, request.top_k, None, request.mode)
    if as_json:
        typer.echo(AskResponse.of(outcome).model_dump_json(indent=2))
    else:
        _print_answer(outcome)


@app.command()
def chat(data_dir: DataDir = None) -> None:
    """Hỏi đáp nhiều lượt trong cửa sổ dòng lệnh (Ctrl-D để thoát)."""
    from assistant.chat import ChatService
    from assistant.conversation import ConversationStore
    from assistant.service import AssistantService

    chat_service = ChatService(AssistantService(_settings(data_dir)), ConversationStore())
    conversation_id = None
    while True:
        try:
            question = console.input("[bold]Hỏi:[/bold] ").strip()
        except (EOFError, KeyboardInterrupt):
            return
        if not question:
            continue
        turn = chat_service.turn(question, conversation_id)
        conversation_id = turn.conversation_id
        _print_answer(turn.outcome)


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Địa chỉ lắng nghe.")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng.")] = None,
    ingest_first: Annotated[bool, typer.Option("--ingest/--no-ingest", help="Nạp bộ tài liệu chuẩn trước.")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Số tiến trình; >1 cần máy chủ Chroma.")] = 1,
) -> None:
    """Chạy máy chủ API và trang web."""
    import os

    import uvicorn

    from assistant.api.app import create_app

    settings = _settings(data_dir)
    if workers > 1 and settings.chroma.mode == "embedded":
        # embedded Chroma is single-process: several writers corrupt it ("readonly database" errors)
        console.print(
            "[red]Không thể chạy nhiều tiến trình với kho Chroma nhúng. Hãy chạy máy chủ Chroma "
            "(chroma run) và đặt GNBV_CHROMA__MODE=http, GNBV_CHROMA__HOST, GNBV_CHROMA__PORT.[/red]"
        )
        raise typer.Exit(2)
    if ingest_first:
        ingest(None, data_dir, False)
    from assistant.index.store import Store

    # an index built with other settings (another embedding model) must not answer: say so and stop
    Store(settings).verify()
    host, port = host or settings.server.host, port or settings.server.port
    if workers > 1:
        os.environ["GNBV_DATA_DIR"] = str(settings.data_dir)  # each worker builds its app from the environment
        uvicorn.run("assistant.api.app:app", host=host, port=port, workers=workers, timeout_graceful_shutdown=5)
    else:
        # SIGTERM: requests in flight get 5 s, the ingest worker stops its parse; nothing waits longer
        uvicorn.run(create_app(settings), host=host, port=port, timeout_graceful_shutdown=5)


@app.command()
def bench(
    data_dir: DataDir = None,
    questions: Annotated[int, typer.Option(min=5, help="Số câu hỏi lấy từ bộ câu hỏi đánh giá.")] = 100,
    embedding_only: Annotated[
        bool, typer.Option("--embedding-only", help="Chỉ so hai cách nhúng (torch fp32 và ONNX int8).")
    ] = False,
) -> None:
    """Đo độ trễ /api/ask (p50/p95, HTTP thật) so với chỉ tìm kiếm, và so hai cách nhúng, trong cùng một lần chạy."""
    from assistant.bench import api_latency, embedding_backends, question_texts
    from assistant.index.catalog import Catalog
    from core.settings import PROJECT_ROOT

    settings = _settings(data_dir)
    question_dir = PROJECT_ROOT / "eval" / "questions"
    if not embedding_only:
        figures = api_latency(settings, question_texts(question_dir, questions))
        _print_figures("Độ trễ (ms, trung vị của máy dùng chung)", figures)
    chunks = Catalog(settings.data_dir / "catalog.sqlite").chunks()  # what the index holds, all of it
    figures = embedding_backends(settings, chunks, question_dir)
    _print_figures("Nhúng: torch fp32 và ONNX int8 (e5-small, 2 lõi)", figures)


@app.command()
def loadtest(
    data_dir: DataDir = None,
    clients: Annotated[int, typer.Option(min=1, max=256)] = 32,
    requests: Annotated[int, typer.Option(min=1, max=100_000)] = 2000,
    url: Annotated[str | None, typer.Option(help="Máy chủ đang chạy; mặc định: khởi động một máy chủ cục bộ.")] = None,
    soak: Annotated[bool, typer.Option(help="Tải lên thêm một tệp độc hại trong lúc hỏi (cần khoá API).")] = False,
    key: Annotated[str | None, typer.Option(envvar="GNBV_SERVER__API_KEY", help="Khoá API cho --soak.")] = None,
    duration: Annotated[float, typer.Option(min=1, help="Thời gian tối đa (giây).")] = 900,
) -> None:
    """Kiểm thử tải: hỏi đồng thời (và tải lên một tệp độc hại nếu có khoá); lỗi, p50/p95, bộ nhớ máy chủ."""
    from assistant.bench import ServerThread, question_texts
    from assistant.loadtest import run
    from core.settings import PROJECT_ROOT

    questions = question_texts(PROJECT_ROOT / "eval" / "questions", 10_000)
    if url:
        figures, result = run(url.rstrip("/"), questions, clients, requests, key if soak else None, duration)
    else:
        with ServerThread(_settings(data_dir)) as server:
            figures, result = run(server.url, questions, clients, requests, key if soak else None, duration)
    for kind, count in result.errors.most_common():
        console.print(f"[red]lỗi ×{count}: {kind}[/red]", highlight=False)
    if result.upload:
        console.print(f"Tệp độc hại: {result.upload}", highlight=False)
    if result.rss:
        console.print("RSS (MB, mỗi giây): " + " ".join(f"{m:.0f}" for m in result.rss), highlight=False)
    _print_figures("Kiểm thử tải", figures)


@app.command()
def scalebench(
    data_dir: DataDir = None,
    sizes: Annotated[list[int] | None, typer.Option("--size", help="Số đoạn của mỗi bộ tổng hợp.")] = None,
) -> None:
    """Độ trễ truy vấn và bộ nhớ ở 1k, 10k, 100k đoạn (bộ tổng hợp từ tài liệu thật)."""
    from assistant.bench import question_texts
    from assistant.scalebench import measure
    from core.settings import PROJECT_ROOT

    questions = question_texts(PROJECT_ROOT / "eval" / "questions", 100)
    for row in measure(_settings(data_dir), questions, sizes or [1000, 10_000, 100_000]):
        _print_figures(f"{int(row['chunks'])} đoạn", row)


def _print_figures(title: str, figures: dict[str, float]) -> None:
    table = Table(title=title)
    table.add_column("Chỉ số")
    table.add_column("Giá trị", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:.1f}" if abs(value) >= 10 else f"{value:.4g}")  # cosines need 4 digits
    console.print(table)


feedback_app = typer.Typer(help="Góp ý của người dùng.")
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    data_dir: DataDir = None,
    out: Annotated[Path | None, typer.Option(help="Tệp JSONL (mặc định: in ra màn hình).")] = None,
) -> None:
    """Xuất góp ý theo định dạng bộ câu hỏi đánh giá (JSONL)."""
    from assistant.feedback import FeedbackStore

    text = FeedbackStore(_settings(data_dir).data_dir / "feedback.sqlite").export_jsonl()
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"Đã ghi {len(text.splitlines())} góp ý vào {out}")
    else:
        typer.echo(text, nl=False)


def main() -> None:
    from assistant.index.catalog import IndexMismatchError

    try:
        app()
    except IndexMismatchError as error:  # from any command that reads the index (serve, ask, chat …)
        console.print(f"[red]{error}[/red]", highlight=False)
        raise SystemExit(2) from error


if __name__ == "__main__":
    main()
