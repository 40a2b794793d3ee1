"""``ask`` (one question, printed or as /api/ask's JSON) and ``chat`` (turns in the terminal, through the same
ChatService as /api/chat)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.common import TEXTS, DataDir, console, settings_for

if TYPE_CHECKING:
    from assistant.service import AskOutcome


def _print_answer(outcome: AskOutcome) -> None:
    answer = outcome.answer
    if answer.frame is not None:  # what was understood, so a misread question is seen at once
        console.print(f"[dim]{TEXTS.asking.format(label=answer.frame.label)}[/dim]", highlight=False)
    console.print(answer.answer, style="yellow" if answer.refused else None, highlight=False)
    for warning in answer.warnings:
        console.print(f"[red]{warning}[/red]")


def ask(
    question: Annotated[str, typer.Argument(help=TEXTS.help["ask.question"])],
    data_dir: DataDir = None,
    top_k: Annotated[int, typer.Option(min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help=TEXTS.help["ask.json"])] = False,
    mode: Annotated[str, typer.Option(help=TEXTS.help["ask.mode"])] = "extractive",
) -> None:
    """One question; its answer printed with citations."""
    from assistant.api.schemas import AskRequest, AskResponse, question_too_long
    from assistant.service import AssistantService

    settings = settings_for(data_dir)
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


def chat(data_dir: DataDir = None) -> None:
    """Several turns in the terminal (Ctrl-D ends)."""
    from assistant.chat import ChatService
    from assistant.conversation import ConversationStore
    from assistant.service import AssistantService

    chat_service = ChatService(AssistantService(settings_for(data_dir)), ConversationStore())
    conversation_id = None
    while True:
        try:
            question = console.input(f"[bold]{TEXTS.chat_prompt}[/bold] ").strip()
        except (EOFError, KeyboardInterrupt):
            return
        if not question:
            continue
        turn = chat_service.turn(question, conversation_id)
        conversation_id = turn.conversation_id
        _print_answer(turn.outcome)
