"""Multi-turn chat: a follow-up inherits the previous turn's topic and locality.

"còn huyện Ia H'Drai thì sao?" after a question about Krông Nô asks the same thing of another place;
"kinh phí bao nhiêu?" after a question about Dự án 3 asks about Dự án 3's money. A short question, or
one that opens with a follow-up cue, is read together with the previous effective question; a place it
names replaces the places of the previous one.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from assistant.retrieval.frame import QuestionFrame
from assistant.retrieval.query import QueryIntent
from core.text import fold

_FOLLOW_UP = re.compile(
    r"^(con|the con|vay|the|thi sao|con ve|nhu vay|sang nam)\b|\bthi sao\b|\bthe nao\b"
    # "năm 2023 thì được bao nhiêu": a year, then the question, leans on the previous turn's topic
    r"|^(?:nam\s+)?20[0-4]\d\s+thi\b"
    # "đối tượng của tiểu dự án này", "dự án đó": the project of the previous turn
    r"|\b(?:du an|tieu du an|chuong trinh|noi dung|hoat dong|mo hinh|khoan|ke hoach)\s+(?:nay|do|tren)\b"
)
_SHORT = 7  # words; shorter questions lean on the previous turn


@dataclass
class Turn:
    question: str
    effective: str
    localities: list[str]
    frame: QuestionFrame | None = None  # what was understood, for the next turn to inherit


@dataclass
class Conversation:
    """One conversation; it keeps its last ``max_turns`` turns, and what a follow-up inherits from them is
    at most ``max_chars`` long with the question (else 200 follow-ups would search a 4,000-character text)."""

    conversation_id: str
    turns: list[Turn] = field(default_factory=list)
    max_turns: int = 20
    max_chars: int = 600

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        del self.turns[: -self.max_turns]


class ConversationStore:
    """In-memory conversations, the oldest dropped past ``capacity`` (a server restart forgets them)."""

    def __init__(self, capacity: int = 1000, turns: int = 20, chars: int = 600) -> None:
        self.capacity = capacity
        self.turns = turns
        self.chars = chars
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_create(self, conversation_id: str | None) -> Conversation:
        with self._lock:
            if conversation_id and conversation_id in self._items:
                self._items.move_to_end(conversation_id)
                return self._items[conversation_id]
            conversation = Conversation(conversation_id or uuid.uuid4().hex, max_turns=self.turns, max_chars=self.chars)
            self._items[conversation.conversation_id] = conversation
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
            return conversation


_YEAR = re.compile(r"(?:năm\s+|nam\s+)?\b20[0-4]\d\b", re.IGNORECASE)


def strip_years(text: str) -> str:
    """``text`` without the years it names ("năm 2024", "2024"), diacritics or not."""
    return _YEAR.sub(" ", text)


def strip_places(text: str, places: list[str]) -> str:
    """``text`` without the place names (and the "huyện"/"xã"/"tỉnh" before them), diacritics or not."""
    words = text.split()
    folded = [fold(w).strip("?,.;:!") for w in words]
    drop: set[int] = set()
    for place in places:
        target = fold(place).replace("'", "").split()
        for i in range(len(words) - len(target) + 1):
            if [w.replace("'", "") for w in folded[i : i + len(target)]] == target:
                drop.update(range(i, i + len(target)))
                if i > 0 and folded[i - 1] in ("huyen", "xa", "tinh", "thi tran", "o", "tai", "cua"):
                    drop.add(i - 1)
    return " ".join(w for i, w in enumerate(words) if i not in drop)


def effective_question(conversation: Conversation, question: str, intent: QueryIntent) -> str:
    """The question to search for, given what was asked before."""
    if not conversation.turns:
        return question
    previous = conversation.turns[-1]
    folded = fold(question)
    if len(folded.split()) > _SHORT and not _FOLLOW_UP.search(folded):
        return question
    topic = strip_places(previous.effective, previous.localities)
    places = "" if intent.localities else " ".join(previous.localities)
    # the newest context comes first in `topic`; what does not fit is the oldest
    room = conversation.max_chars - len(question) - len(places) - 2
    topic = topic[:room].rsplit(" ", 1)[0] if len(topic) > room else topic
    return " ".join(part for part in (question, topic if room > 0 else "", places) if part)
