"""One chat turn, the same for the API, the CLI and the evaluator: the conversation looked up (or opened) and
the question answered in its context (a follow-up inherits the previous turn's frame)."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.conversation import ConversationStore
from assistant.retrieval.frame import Scope
from assistant.retrieval.hybrid import SearchFilters
from assistant.service import AskOutcome, AssistantService, Mode


@dataclass
class ChatTurn:
    outcome: AskOutcome
    conversation_id: str


class ChatService:
    def __init__(self, service: AssistantService, conversations: ConversationStore) -> None:
        self.service = service
        self.conversations = conversations

    def turn(
        self,
        question: str,
        conversation_id: str | None = None,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        mode: Mode = "extractive",
        scope: Scope | None = None,
    ) -> ChatTurn:
        """An unknown or expired ``conversation_id`` opens a new conversation under that id's place."""
        conversation = self.conversations.get_or_create(conversation_id)
        outcome = self.service.ask(question, top_k, filters, mode, scope, conversation=conversation)
        return ChatTurn(outcome, conversation.conversation_id)
