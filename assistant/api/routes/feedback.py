"""Readers' judgements of answers, and their export as a question set."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import Response

from assistant.api.deps import FeedbackDep, ReadAccess, WriteAccess
from assistant.api.errors import ERROR_RESPONSES
from assistant.feedback import FeedbackIn
from prompts import get_prompts

# open to readers on purpose: the officers reading answers are the ones who can judge them
router = APIRouter(dependencies=[ReadAccess], tags=[get_prompts().api.tags["feedback"]], responses=ERROR_RESPONSES)


@router.post("/api/feedback", status_code=status.HTTP_201_CREATED)
def feedback(item: FeedbackIn, store: FeedbackDep) -> dict[str, int]:
    return {"id": store.add(item)}


@router.get("/api/feedback/export", dependencies=[WriteAccess])
def feedback_export(store: FeedbackDep) -> Response:
    """Every feedback as a question-set JSONL: it holds what users asked, so it needs the write key."""
    return Response(store.export_jsonl(), media_type="application/x-ndjson; charset=utf-8")
