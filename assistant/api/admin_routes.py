"""Write routes: upload a document (ingested in the background), follow the job, delete a document.

Every route here needs the API key; with no key configured the server accepts no writes at all, so a
forgotten setting never leaves a district's collection open to changes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import uuid
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, File, HTTPException, Request, UploadFile, status
from pydantic import BaseModel

from assistant.api.deps import ServiceDep, require_write_key
from assistant.service import AssistantService
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.pipeline import IngestPipeline

router = APIRouter(dependencies=[Depends(require_write_key)], tags=["quản trị"])
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class Job(BaseModel):
    job_id: str
    file: str
    status: Literal["queued", "running", "done", "failed"]
    doc_id: str | None = None
    chunks: int = 0
    message: str | None = None


class JobStore:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def put(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.job_id] = job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)


def get_jobs(request: Request) -> JobStore:
    jobs: JobStore = request.app.state.jobs
    return jobs


JobsDep = Annotated[JobStore, Depends(get_jobs)]


def safe_name(name: str) -> str:
    """A file name that cannot leave the upload folder: no directories, no dots in front, ASCII-safe."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base).strip().lstrip(".")
    base = re.sub(r"[^\w.\- ]+", "_", base)[:120]
    return base or "tai-lieu.txt"


def _ingest(service: AssistantService, jobs: JobStore, job: Job, path: Path) -> None:
    jobs.put(job.model_copy(update={"status": "running"}))
    try:
        report = IngestPipeline(service.store).run([path])
        outcome = report.outcomes[0]
        final = "failed" if outcome.status == "failed" else "done"
        jobs.put(
            job.model_copy(
                update={
                    "status": final,
                    "doc_id": outcome.doc_id,
                    "chunks": outcome.chunks,
                    "message": outcome.message,
                }
            )
        )
    except Exception as error:  # the job reports it; the server goes on
        jobs.put(job.model_copy(update={"status": "failed", "message": f"{type(error).__name__}: {error}"}))


@router.post("/api/documents", response_model=Job, status_code=status.HTTP_202_ACCEPTED)
async def upload(
    service: ServiceDep, jobs: JobsDep, background: BackgroundTasks, file: Annotated[UploadFile, File()]
) -> Job:
    name = safe_name(file.filename or "")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"Định dạng không hỗ trợ: {name} (chỉ nhận .txt, .md, .docx, .pdf)"
        )
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "Tệp quá lớn (tối đa 20 MB).")
    if not data.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Tệp rỗng.")
    folder = service.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    temporary = target.with_name(f".{name}.part")
    temporary.write_bytes(data)
    temporary.replace(target)  # atomic: an ingest never reads half a file
    job = Job(job_id=uuid.uuid4().hex, file=name, status="queued")
    jobs.put(job)
    background.add_task(_ingest, service, jobs, job, target)
    return job


@router.get("/api/jobs/{job_id}", response_model=Job)
def job_status(job_id: str, jobs: JobsDep) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có công việc mã '{job_id}'.")
    return job


@router.delete("/api/documents/{doc_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(doc_id: str, service: ServiceDep) -> None:
    path = service.store.catalog.paths().get(doc_id)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có tài liệu mã '{doc_id}'.")
    IngestPipeline(service.store).delete(doc_id)
    uploads = (service.settings.data_dir / "uploads").resolve()
    if uploads in Path(path).resolve().parents:
        Path(path).unlink(missing_ok=True)
