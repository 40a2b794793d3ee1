"""The evaluator's page (``/static/eval.html``) and its API: sets, background runs, judgements, comparisons.

A run goes on in a thread of the server, one at a time (the machine is shared with the officers'
questions), and writes every answer to ``eval.sqlite`` in the data dir as it goes: closing the page does
not stop it, and reopening the page finds it by its id. Reading runs needs what reading documents
needs; uploading a set, starting a run and recording a judgement change the server's state and need
the write key, like every other write.
"""

from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from assistant.api.deps import ReadAccess, ServiceDep, WriteAccess
from assistant.service import AssistantService
from eval.dataset import Question, RowError, load_questions
from eval.export import to_csv, to_xlsx
from eval.harness import fingerprint, git_commit, graded, settings_record
from eval.metrics import Score, aggregate
from eval.split import SMOKE, SPLITS, select
from eval.store import AnswerRow, EvalStore, Judgement, QuestionChange, Run, compare, human_accuracy
from eval.systems import Ours

router = APIRouter(dependencies=[ReadAccess], tags=["đánh giá"])
MAX_SET_BYTES = 960 * 1024  # within the server's body limit (1 MB) with the multipart envelope
SET_SUFFIXES = (".jsonl", ".csv", ".xlsx")
BUILT_IN = (*SPLITS, SMOKE)
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Evaluator:
    """The store and the one background run of an app."""

    def __init__(self, service: AssistantService) -> None:
        self.service = service
        self.store = EvalStore(service.settings.data_dir / "eval.sqlite")
        self.store.fail_unfinished()
        self._busy = threading.Lock()

    def start(self, set_name: str, questions: list[Question], labels: dict[str, str], split: str) -> Run:
        if not self._busy.acquire(blocking=False):
            raise HTTPException(status.HTTP_409_CONFLICT, "Đang có một lần chạy đánh giá; hãy chờ nó xong.")
        settings = self.service.settings
        try:
            run = self.store.create_run(
                set_name, split, git_commit(), fingerprint(settings), settings_record(settings), len(questions)
            )
            threading.Thread(target=self._run, args=(run, questions, labels), daemon=True).start()
        except BaseException:
            self._busy.release()  # the run never started: the next one may
            raise
        return run

    def _run(self, run: Run, questions: list[Question], labels: dict[str, str]) -> None:
        try:
            texts = {q.id: q.question for q in questions}
            system = Ours(self.service)
            for position, item in enumerate(graded(system, questions, self.service.settings.corpus_dir, labels)):
                self.store.add_answer(run.run_id, position, item, texts.get(item.question.previous or ""))
            self.store.finish(run.run_id, "done")
        except Exception as error:  # the run reports it; the server goes on
            self.store.finish(run.run_id, "failed", f"{type(error).__name__}: {error}")
        finally:
            self._busy.release()


_lock = threading.Lock()


def get_evaluator(request: Request, service: ServiceDep) -> Evaluator:
    # made on first use so that registering the router is all the app has to do
    with _lock:
        evaluator: Evaluator | None = getattr(request.app.state, "evaluator", None)
        if evaluator is None:
            evaluator = request.app.state.evaluator = Evaluator(service)
    return evaluator


EvaluatorDep = Annotated[Evaluator, Depends(get_evaluator)]


class QuestionSet(BaseModel):
    set_id: str = Field(description="dev, test, smoke, or the id of an uploaded set")
    name: str
    n: int
    built_in: bool


class UploadResult(BaseModel):
    set: QuestionSet
    errors: list[RowError]


class RunRequest(BaseModel):
    set_id: str = Field(max_length=64)


class RunDetail(BaseModel):
    run: Run
    summary: dict[str, float | None]
    human: dict[str, float | int] | None


class Comparison(BaseModel):
    before: Run
    after: Run
    tally: dict[str, int]
    changes: list[QuestionChange]


def _run_or_404(evaluator: Evaluator, run_id: str) -> Run:
    run = evaluator.store.run(run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có lần chạy mã '{run_id}'.")
    return run


def _without_passages(row: AnswerRow) -> AnswerRow:
    """The table needs no passage texts: they are most of a run's bytes."""
    return row.model_copy(update={"answer": {**row.answer, "passages": []}})


@router.get("/api/eval/sets", response_model=list[QuestionSet])
def sets(evaluator: EvaluatorDep) -> list[QuestionSet]:
    corpus = evaluator.service.settings.corpus_dir
    names = {"dev": "Bộ phát triển (dev)", "test": "Bộ kiểm tra (test)", SMOKE: "Bộ sinh tự động (smoke)"}
    out = [QuestionSet(set_id=s, name=names[s], n=len(select(s, corpus)[0]), built_in=True) for s in BUILT_IN]
    uploaded = evaluator.store.sets()
    return out + [QuestionSet(set_id=s["set_id"], name=s["name"], n=s["n"], built_in=False) for s in uploaded]


@router.post("/api/eval/sets", response_model=UploadResult, dependencies=[WriteAccess])
async def upload_set(evaluator: EvaluatorDep, file: Annotated[UploadFile, File()]) -> UploadResult:
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SET_SUFFIXES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"Định dạng không hỗ trợ: {name} (chỉ nhận .jsonl, .csv, .xlsx)"
        )
    data = await file.read(MAX_SET_BYTES + 1)
    if len(data) > MAX_SET_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "Tệp quá lớn (tối đa 960 KB).")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"set{suffix}"
        path.write_bytes(data)
        questions, errors = load_questions(path, evaluator.service.settings.corpus_dir)
    errors = [e.model_copy(update={"file": name}) for e in errors]
    if not questions:
        detail = "; ".join(str(e) for e in errors[:20]) or "tệp không có câu hỏi nào"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"Không có câu hỏi hợp lệ: {detail}")
    label = re.sub(r"\s+", " ", name)[:120]
    set_id = evaluator.store.add_set(label, [q.model_dump() for q in questions])
    return UploadResult(set=QuestionSet(set_id=set_id, name=label, n=len(questions), built_in=False), errors=errors)


@router.post("/api/eval/runs", response_model=Run, status_code=status.HTTP_202_ACCEPTED, dependencies=[WriteAccess])
def start_run(request: RunRequest, evaluator: EvaluatorDep) -> Run:
    if request.set_id in BUILT_IN:
        questions, labels, _ = select(request.set_id, evaluator.service.settings.corpus_dir)
        return evaluator.start(f"built-in:{request.set_id}", questions, labels, request.set_id)
    found = evaluator.store.question_set(request.set_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có bộ câu hỏi mã '{request.set_id}'.")
    name, records = found
    questions = [Question.model_validate(r) for r in records]  # validated against the corpus on upload
    return evaluator.start(f"upload:{request.set_id}:{name}", questions, {}, "upload")


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
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Lần chạy không có câu hỏi mã '{question_id}'.")
    return found[0]


@router.put("/api/eval/runs/{run_id}/answers/{question_id}/judgement", dependencies=[WriteAccess])
def judge(run_id: str, question_id: str, judgement: Judgement, evaluator: EvaluatorDep) -> dict[str, Any]:
    _run_or_404(evaluator, run_id)
    if not evaluator.store.judge(run_id, question_id, judgement):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Lần chạy không có câu hỏi mã '{question_id}'.")
    return {"run_id": run_id, "question_id": question_id, **judgement.model_dump()}


@router.get("/api/eval/compare", response_model=Comparison)
def compare_runs(before: str, after: str, evaluator: EvaluatorDep) -> Comparison:
    first, second = _run_or_404(evaluator, before), _run_or_404(evaluator, after)
    changes = compare(evaluator.store.answers(before), evaluator.store.answers(after))
    tally = {kind: sum(c.change == kind for c in changes) for kind in ("better", "worse", "same")}
    return Comparison(before=first, after=second, tally=tally, changes=changes)


@router.get("/api/eval/runs/{run_id}/export")
def export(run_id: str, evaluator: EvaluatorDep, format: Literal["xlsx", "csv"] = "xlsx") -> Response:
    run = _run_or_404(evaluator, run_id)
    rows = evaluator.store.answers(run_id)
    headers = {"Content-Disposition": f'attachment; filename="danh-gia-{run.run_id}.{format}"'}
    if format == "csv":
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(to_xlsx(rows, f"Lần chạy {run.run_id}"), media_type=XLSX_MEDIA, headers=headers)
