"""A follow-up's frame: what it changes replaces, what it leaves open comes from the previous turn.

"còn kinh phí thì sao?" after "Dự án 4 ở Ia H'Drai hỗ trợ những ai?" changes the field: it keeps the
project and the place, but not the previous topic's words (searching for beneficiaries again would
answer beneficiaries again). "thế còn ở Krông Nô?" changes the place: it keeps the asked field and
topic; the year goes with the place, since each place's plan covers its own years.
"""

from __future__ import annotations

from assistant.conversation import Conversation, effective_question, strip_places, strip_years
from assistant.retrieval.frame import QuestionFrame
from assistant.retrieval.query import QueryIntent
from core.text import fold

_FIGURES = ("amount", "count", "percent")


def _missing(question: str, names: list[str | None]) -> list[str]:
    folded = fold(question)
    return [name for name in names if name and fold(name) not in folded]


def resolve_follow_up(
    conversation: Conversation, question: str, frame: QuestionFrame, intent: QueryIntent
) -> tuple[str, QuestionFrame]:
    """(the question to search for, the frame to answer) given the conversation so far."""
    inherited = effective_question(conversation, question, intent)
    previous = conversation.turns[-1] if conversation.turns else None
    if previous is None or previous.frame is None or inherited == question:
        return inherited, frame
    before = previous.frame
    if frame.asked == "number" and before.asked in _FIGURES and frame.scope.field is None:
        # "sang năm 2025 thì cần bao nhiêu?" after "được phân bổ bao nhiêu?": the same figure, another year
        frame = frame.model_copy(update={"asked": before.asked, "units": before.units, "per": before.per})
    scope = frame.scope.merged_over(before.scope)
    new_place = frame.scope.locality is not None and frame.scope.locality != before.scope.locality
    changes_field = (frame.scope.field is not None and frame.scope.field != before.scope.field) or (
        frame.asked != "text" and frame.asked != before.asked
    )
    if changes_field and frame.scope.field is None:
        # "khi nào thì tập huấn?" after a budget question asks a date, not the budget's date: a field the
        # earlier question implied does not carry over to another kind of question
        scope = scope.model_copy(update={"field": None})
    if new_place and frame.scope.year is None:
        scope = scope.model_copy(update={"year": None})
    if changes_field:
        resolved = frame.model_copy(update={"scope": scope})
        context: list[str | None] = [scope.project, scope.subproject, scope.locality]
        context.append(f"năm {scope.year}" if scope.year else None)
        return " ".join([question, *_missing(question, context)]), resolved
    # the stage of a sum is the follow-up's own: "sang năm 2025 thì dự kiến cần bao nhiêu?" after "được phân bổ
    # bao nhiêu?" asks a need, and next year's figures are needs whatever the first turn asked
    resolved = before.model_copy(update={"scope": scope, "stage": frame.stage})
    figures = [kind for kind in before.also if kind in _FIGURES]
    if before.asked == "yesno" and figures:
        # "còn 2024 thì sao?" after "năm 2022 có được giao kinh phí không?": another year's figure, if any
        resolved = resolved.model_copy(update={"asked": figures[0], "also": figures[1:]})
    topic = strip_places(previous.effective, previous.localities)
    new_year = frame.scope.year is not None and frame.scope.year != before.scope.year
    if new_place or new_year:  # the old year would pull the search back to the old year's lines
        topic = strip_years(topic)
    place = [] if frame.scope.locality else _missing(question, [scope.locality])
    room = max(conversation.max_chars - len(question) - 1, 0)
    topic = " ".join(topic.split())[:room]
    return " ".join(part for part in (question, topic, *place) if part), resolved
