"""Ingest jobs of uploaded documents: follow one, or cancel it. Like the upload, they need the API key."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from assistant.api.deps import PromptsDep, WorkerDep, WriteAccess
from assistant.api.errors import ERROR_RESPONSES
from assistant.jobs import PENDING, IngestWorker, Job
from prompts import Prompts, get_prompts

router = APIRouter(dependencies=[WriteAccess], tags=[get_prompts().api.tags["admin"]], responses=ERROR_RESPONSES)


def _job(worker: IngestWorker, prompts: Prompts, job_id: str) -> Job:
    job = worker.queue.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.errors.not_found_job.format(job_id=job_id))
    return job


@router.get("/api/jobs/{job_id}", response_model=Job)
def job_status(job_id: str, worker: WorkerDep, prompts: PromptsDep) -> Job:
    return _job(worker, prompts, job_id)


@router.delete("/api/jobs/{job_id}", response_model=Job, status_code=status.HTTP_202_ACCEPTED)
def cancel_job(job_id: str, worker: WorkerDep, prompts: PromptsDep) -> Job:
    """Cancel a queued or running ingest (a running parse is stopped); a finished job is returned as is."""
    job = _job(worker, prompts, job_id)
    if job.status in PENDING:
        worker.cancel(job_id)
    return worker.queue.get(job_id) or job
