"""The evaluator's page (``/static/eval.html``) and its API: sets, background runs, judgements, comparisons.

Reading runs needs what reading documents needs; uploading a set, starting a run and recording a
judgement change the server's state and need the write key, like every other write.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, HTTPException, UploadFile, status
from fastapi.responses import Response

from assistant.api.deps import EvaluatorDep, ReadAccess, WriteAccess
from assistant.api.errors import ERROR_RESPONSES
from assistant.api.evaluator import Evaluator, RunInProgressError
from assistant.api.schemas import QuestionSet, RunComparison, RunDetail, RunRequest, UploadResult
from eval.dataset import Question, load_questions
from eval.export import to_csv, to_xlsx
from eval.metrics import Score, aggregate
from eval.split import SMOKE, SPLITS, select
from eval.store import AnswerRow, Judgement, Run, compare, human_accuracy
from prompts import get_prompts

router = APIRouter(dependencies=[ReadAccess], tags=[get_prompts().api.tags["eval"]], responses=ERROR_RESPONSES)
MAX_SET_BYTES = 960 * 1024  # within the server's body limit (1 MB) with the multipart envelope
SET_SUFFIXES = (".jsonl", ".csv", ".xlsx")
BUILT_IN = (*SPLITS, SMOKE)
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _run_or_404(evaluator: Evaluator, run_id: str) -> Run:
    run = evaluator.store.run(run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, get_prompts().api.not_found_run.format(run_id=run_id))
    return run


def _without_passages(row: AnswerRow) -> AnswerRow:
    """The table needs no passage texts: they are most of a run's bytes."""
    return row.model_copy(update={"answer": {**row.answer, "passages": []}})


def _start(evaluator: Evaluator, set_name: str, questions: list[Question], labels: dict[str, str], split: str) -> Run:
    try:
        return evaluator.start(set_name, questions, labels, split)
    except RunInProgressError as busy:
        raise HTTPException(status.HTTP_409_CONFLICT, get_prompts().api.eval_busy) from busy


@router.get("/api/eval/sets", response_model=list[QuestionSet])
def sets(evaluator: EvaluatorDep) -> list[QuestionSet]:
    corpus = evaluator.service.settings.corpus_dir
    names = get_prompts().api.sets  # by set id: dev, test, smoke
    out = [QuestionSet(set_id=s, name=names[s], n=len(select(s, corpus)[0]), built_in=True) for s in BUILT_IN]
    uploaded = evaluator.store.sets()
    return out + [QuestionSet(set_id=s["set_id"], name=s["name"], n=s["n"], built_in=False) for s in uploaded]


@router.post("/api/eval/sets", response_model=UploadResult, dependencies=[WriteAccess])
async def upload_set(evaluator: EvaluatorDep, file: Annotated[UploadFile, File()]) -> UploadResult:
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SET_SUFFIXES:
        message = get_prompts().api.set_unsupported.format(name=name, suffixes=", ".join(SET_SUFFIXES))
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, message)
    data = await file.read(MAX_SET_BYTES + 1)
    if len(data) > MAX_SET_BYTES:
        message = get_prompts().api.set_too_large.format(max=MAX_SET_BYTES // 1024)
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, message)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"set{suffix}"
        path.write_bytes(data)
        questions, errors = load_questions(path, evaluator.service.settings.corpus_dir)
    errors = [e.model_copy(update={"file": name}) for e in errors]
    if not questions:
        detail = "; ".join(str(e) for e in errors[:20]) or get_prompts().api.set_no_questions
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, get_prompts().api.set_invalid.format(detail=detail))
    label = re.sub(r"\s+", " ", name)[:120]
    set_id = evaluator.store.add_set(label, [q.model_dump() for q in questions])
    return UploadResult(set=QuestionSet(set_id=set_id, name=label, n=len(questions), built_in=False), errors=errors)


@router.post("/api/eval/runs", response_model=Run, status_code=status.HTTP_202_ACCEPTED, dependencies=[WriteAccess])
def start_run(request: RunRequest, evaluator: EvaluatorDep) -> Run:
    if request.set_id in BUILT_IN:
        questions, labels, _ = select(request.set_id, evaluator.service.settings.corpus_dir)
        return _start(evaluator, f"built-in:{request.set_id}", questions, labels, request.set_id)
    found = evaluator.store.question_set(request.set_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, get_prompts().api.not_found_set.format(set_id=request.set_id))
    name, records = found
    questions = [Question.model_validate(r) for r in records]  # validated against the corpus on upload
    return _start(evaluator, f"upload:{request.set_id}:{name}", questions, {}, "upload")


@router.get("/api/eval/runs", response_model=list[Run])
def runs(evaluator: EvaluatorDep) -> list[Run]:
    return evaluator.store.runs()


@router.get("/api/eval/runs/{run_id}", response_model=RunDetail)
def run_detail(run_id: str, evaluator: EvaluatorDep) -> RunDetail:
    run = _run_or_404(evaluator, run_id)
    rows = evaluator.store.answers(run_id)
    summary = aggregate([Score(**r.score) for r in rows]) if rows else {}
    return RunDetail(run=run, summary=summary, human=human_accuracy(rows))


@router.get("/api/eval/runs/{run_id}/answers", response_model=list[AnswerRow])
def answers(run_id: str, evaluator: EvaluatorDep) -> list[AnswerRow]:
    _run_or_404(evaluator, run_id)
    return [_without_passages(r) for r in evaluator.store.answers(run_id)]


@router.get("/api/eval/runs/{run_id}/answers/{question_id}", response_model=AnswerRow)
def answer(run_id: str, question_id: str, evaluator: EvaluatorDep) -> AnswerRow:
    _run_or_404(evaluator, run_id)
    found = evaluator.store.answers(run_id, question_id)
    if not found:
        message = get_prompts().api.not_found_run_question.format(question_id=question_id)
        raise HTTPException(status.HTTP_404_NOT_FOUND, message)
    return found[0]


@router.put("/api/eval/runs/{run_id}/answers/{question_id}/judgement", dependencies=[WriteAccess])
def judge(run_id: str, question_id: str, judgement: Judgement, evaluator: EvaluatorDep) -> dict[str, Any]:
    _run_or_404(evaluator, run_id)
    if not evaluator.store.judge(run_id, question_id, judgement):
        message = get_prompts().api.not_found_run_question.format(question_id=question_id)
        raise HTTPException(status.HTTP_404_NOT_FOUND, message)
    return {"run_id": run_id, "question_id": question_id, **judgement.model_dump()}


@router.get("/api/eval/compare", response_model=RunComparison)
def compare_runs(before: str, after: str, evaluator: EvaluatorDep) -> RunComparison:
    first, second = _run_or_404(evaluator, before), _run_or_404(evaluator, after)
    changes = compare(evaluator.store.answers(before), evaluator.store.answers(after))
    tally = {kind: sum(c.change == kind for c in changes) for kind in ("better", "worse", "same")}
    return RunComparison(before=first, after=second, tally=tally, changes=changes)


@router.get("/api/eval/runs/{run_id}/export")
def export(run_id: str, evaluator: EvaluatorDep, format: Literal["xlsx", "csv"] = "xlsx") -> Response:
    run = _run_or_404(evaluator, run_id)
    rows = evaluator.store.answers(run_id)
    headers = {"Content-Disposition": f'attachment; filename="danh-gia-{run.run_id}.{format}"'}
    if format == "csv":
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)
    sheet = get_prompts().api.export_sheet.format(run_id=run.run_id)
    return Response(to_xlsx(rows, sheet), media_type=XLSX_MEDIA, headers=headers)
