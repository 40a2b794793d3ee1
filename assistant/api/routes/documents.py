"""The collection's documents: list, detail with outline, full text; upload (ingested by the job worker) and delete.

Reading follows the read rule; uploading and deleting need the API key, and with no key configured the
server accepts no writes at all, so a forgotten setting never leaves a district's collection open to
changes. The key is checked before the body is read: the upload route declares no body parameter
(FastAPI would read and spool the form before any dependency runs) and parses the form itself once the
key has passed.

Uploaded documents live in their own namespace (``tl-…`` ids, from the file's full name and a hash of
it), so an upload never lands on a corpus document, and ``x.txt``/``x.pdf`` or ``a b.txt``/``a-b.txt``
stay distinct. Uploading a name that already exists is a 409 unless ``replace=true``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Annotated, Any

import filelock
from fastapi import APIRouter, HTTPException, Query, Request, status
from starlette.datastructures import UploadFile

from assistant.api.deps import PromptsDep, ReadAccess, ServiceDep, WorkerDep, WriteAccess, known_document
from assistant.api.errors import ERROR_RESPONSES, retry_after
from assistant.api.schemas import DocumentDetail, DocumentSummary, DocumentText
from assistant.jobs import Job
from assistant.outline import outline
from core.settings import Settings
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError
from ingest.metadata import make_doc_id
from ingest.models import DocumentMeta
from prompts import Prompts, get_prompts

router = APIRouter(responses=ERROR_RESPONSES)
UPLOAD_PREFIX = "tl-"  # "tải lên": corpus ids are file stems, never this prefix plus a hash
_MAX_NAME = 120


def _shown(settings: Settings, meta: DocumentMeta) -> DocumentMeta:
    """The document with its path relative to the corpus or the data dir: server paths stay on the server."""
    path = Path(meta.path)
    for root in (settings.corpus_dir, settings.data_dir):
        if path.is_relative_to(root.resolve()):
            return meta.model_copy(update={"path": path.relative_to(root.resolve()).as_posix()})
    return meta.model_copy(update={"path": path.name})


_DOCUMENTS, _ADMIN = get_prompts().api.tags["documents"], get_prompts().api.tags["admin"]


@router.get("/api/documents", response_model=list[DocumentSummary], dependencies=[ReadAccess], tags=[_DOCUMENTS])
def documents(service: ServiceDep) -> list[DocumentSummary]:
    counts = service.chunk_counts()
    return [
        DocumentSummary(**_shown(service.settings, d).model_dump(), chunks=counts[d.doc_id])
        for d in service.documents().values()
    ]


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, dependencies=[ReadAccess], tags=[_DOCUMENTS])
def document(doc_id: str, service: ServiceDep, prompts: PromptsDep) -> DocumentDetail:
    meta = known_document(service, prompts, doc_id)
    chunks = service.chunks(doc_id)
    return DocumentDetail(**_shown(service.settings, meta).model_dump(), chunks=len(chunks), outline=outline(chunks))


@router.get("/api/documents/{doc_id}/text", response_model=DocumentText, dependencies=[ReadAccess], tags=[_DOCUMENTS])
def document_text(doc_id: str, service: ServiceDep, prompts: PromptsDep) -> DocumentText:
    known_document(service, prompts, doc_id)
    try:
        lines = service.document_lines(doc_id) or []
    except (LoadError, OSError) as error:
        raise HTTPException(status.HTTP_410_GONE, prompts.training.unreadable_file.format(detail=error)) from error
    return DocumentText(doc_id=doc_id, lines=lines)


def safe_name(name: str) -> str:
    """A file name that cannot leave the upload folder: no directories, no dots in front, ASCII-safe;
    a long one is shortened in its stem, so its extension (which decides the loader) is kept."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base).strip().lstrip(".")
    base = re.sub(r"[^\w.\- ]+", "_", base)
    suffix = Path(base).suffix[:10]
    stem = base[: len(base) - len(suffix)] if suffix else base
    base = stem[: _MAX_NAME - len(suffix)] + suffix
    return base or "tai-lieu.txt"


def upload_doc_id(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{UPLOAD_PREFIX}{make_doc_id(Path(name))[:60].strip('-')}-{digest}"


_MULTIPART: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


async def _uploaded_file(request: Request, limit: int, prompts: Prompts) -> tuple[str, bytes]:
    errors = prompts.errors
    try:
        form = await request.form(max_files=1, max_fields=10)
    except HTTPException as error:
        if error.status_code != status.HTTP_400_BAD_REQUEST:
            raise  # 413 from the body limit
        detail = errors.validation["body_unreadable"]
        raise HTTPException(error.status_code, errors.invalid_request.format(detail=detail)) from error
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, errors.upload_no_file)
    name = safe_name(file.filename or "")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, errors.unsupported_format.format(name=name))
    data = await file.read(limit + 1)
    await form.close()
    if len(data) > limit:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, errors.upload_too_large.format(max=limit // (1024 * 1024))
        )
    if not data.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, errors.upload_empty)
    return name, data


@router.post(
    "/api/documents",
    response_model=Job,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=_MULTIPART,
    dependencies=[WriteAccess],
    tags=[_ADMIN],
)
async def upload(
    request: Request,
    service: ServiceDep,
    worker: WorkerDep,
    prompts: PromptsDep,
    replace: Annotated[bool, Query(description=get_prompts().api.replace)] = False,
) -> Job:
    errors, settings = prompts.errors, service.settings
    name, data = await _uploaded_file(request, settings.server.max_upload_bytes, prompts)
    doc_id = upload_doc_id(name)
    uploads = (settings.layout.uploads).resolve()
    current = service.document_path(doc_id)
    if current is not None and uploads not in current.resolve().parents:
        raise HTTPException(status.HTTP_409_CONFLICT, errors.document_protected.format(doc_id=doc_id))
    if (current is not None or worker.queue.pending_doc(doc_id)) and not replace:
        raise HTTPException(status.HTTP_409_CONFLICT, errors.document_exists.format(doc_id=doc_id, file=name))
    job = Job(job_id=uuid.uuid4().hex, file=name, status="queued", doc_id=doc_id)
    version = f"uploads/{doc_id}/{job.job_id}/{doc_id}{Path(name).suffix.lower()}"
    target = settings.data_dir / version
    with worker.files_lock:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.part")
        temporary.write_bytes(data)
        temporary.replace(target)  # atomic: an ingest never reads half a file
        worker.queue.add(job, version)
    worker.wake()
    return job


@router.delete(
    "/api/documents/{doc_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WriteAccess], tags=[_ADMIN]
)
def delete(doc_id: str, service: ServiceDep, worker: WorkerDep, prompts: PromptsDep) -> None:
    try:
        deleted = service.delete_document(doc_id)
    except filelock.Timeout as busy:
        wait = service.settings.server.write_lock_timeout_s
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            prompts.errors.busy.format(seconds=round(wait)),
            headers=retry_after(wait),
        ) from busy
    if not deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.errors.not_found_document.format(doc_id=doc_id))
    worker.clean_orphans()  # its version folder, if it was an upload
