"""Upload jobs: a persistent queue in SQLite and the one worker thread that ingests them.

A hostile file must not take the server down, so the worker never runs inside a request: the upload
answers 202 once its file is on disk and its job is queued (``jobs.sqlite`` in the data dir, so a
restart loses nothing). The parse, the part that hostile input can make slow or large, runs in a
child process with a time and memory limit; cancelling a job or stopping the server kills that child.
Only embedding and indexing run under the write lock, and readers never take that lock.

Versions: an upload is written beside the current version (``uploads/<doc_id>/<job_id>/``). The catalog
switches to the new file and its chunks in one transaction when, and only when, its ingest succeeds;
the old version's folder is removed after that. A failed version is removed and the old one stays whole.

At start, jobs whose worker died are queued again, queued jobs whose file is gone fail visibly, and
version folders that neither the catalog nor a pending job knows are cleaned.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import filelock
from pydantic import BaseModel

from assistant.index.indexer import FileOutcome, IngestPipeline
from assistant.index.store import Store
from core.settings import ServerSettings, Settings
from ingest.loaders import LoadError
from ingest.pipeline import ParsedDocument, parse_document
from prompts import JobTexts, get_prompts

Status = Literal["queued", "running", "done", "failed", "cancelled"]
PENDING: tuple[Status, ...] = ("queued", "running")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, file TEXT NOT NULL, doc_id TEXT NOT NULL, version TEXT NOT NULL,
    status TEXT NOT NULL, chunks INTEGER NOT NULL DEFAULT 0, message TEXT, owner INTEGER,
    created_at TEXT NOT NULL DEFAULT (datetime('now')), updated_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs(status, created_at);
"""


class Job(BaseModel):
    job_id: str
    file: str
    status: Status
    doc_id: str | None = None
    chunks: int = 0
    message: str | None = None


class JobQueue:
    """Jobs in ``jobs.sqlite``; ``version`` is the job's file, relative to the data dir."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    def add(self, job: Job, version: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO jobs(job_id, file, doc_id, version, status) VALUES (?,?,?,?,?)",
                (job.job_id, job.file, job.doc_id, version, job.status),
            )

    def get(self, job_id: str) -> Job | None:
        with self._db() as db:
            row = db.execute(
                "SELECT job_id, file, status, doc_id, chunks, message FROM jobs WHERE job_id=?", (job_id,)
            ).fetchone()
        return (
            Job(**dict(zip(("job_id", "file", "status", "doc_id", "chunks", "message"), row, strict=True)))
            if row
            else None
        )

    def version(self, job_id: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT version FROM jobs WHERE job_id=?", (job_id,)).fetchone()
        return row[0] if row else None

    def finish(self, job_id: str, status: Status, chunks: int = 0, message: str | None = None) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET status=?, chunks=?, message=?, updated_at=datetime('now') WHERE job_id=?",
                (status, chunks, message, job_id),
            )

    def cancel_queued(self, job_id: str, message: str) -> bool:
        with self._db() as db:
            changed = db.execute(
                "UPDATE jobs SET status='cancelled', message=?, updated_at=datetime('now') "
                "WHERE job_id=? AND status='queued'",
                (message, job_id),
            ).rowcount
        return bool(changed)

    def claim(self) -> tuple[Job, str] | None:
        """The oldest queued job, marked running by this process (atomic across processes)."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT job_id, version FROM jobs WHERE status='queued' ORDER BY created_at, rowid LIMIT 1"
            ).fetchone()
            if row:
                db.execute("UPDATE jobs SET status='running', owner=? WHERE job_id=?", (os.getpid(), row[0]))
            db.execute("COMMIT")
        if not row:
            return None
        job = self.get(row[0])
        assert job is not None
        return job, row[1]

    def pending_doc(self, doc_id: str) -> bool:
        with self._db() as db:
            return (
                db.execute("SELECT 1 FROM jobs WHERE doc_id=? AND status IN ('queued','running')", (doc_id,)).fetchone()
                is not None
            )

    def pending_versions(self) -> set[str]:
        with self._db() as db:
            return {r[0] for r in db.execute("SELECT version FROM jobs WHERE status IN ('queued','running')")}

    def recover(self, data_dir: Path, missing_message: str) -> list[str]:
        """Requeue jobs whose worker process is gone; fail queued jobs whose file is gone. Returns job ids."""
        touched = []
        with self._db() as db:
            for job_id, owner, version, status in db.execute(
                "SELECT job_id, owner, version, status FROM jobs WHERE status IN ('queued','running')"
            ).fetchall():
                if status == "running" and owner is not None and _alive(owner):
                    continue  # another server process on the same data dir is working on it
                if not (data_dir / version).exists():
                    db.execute("UPDATE jobs SET status='failed', message=? WHERE job_id=?", (missing_message, job_id))
                elif status == "running":
                    db.execute("UPDATE jobs SET status='queued', owner=NULL WHERE job_id=?", (job_id,))
                else:
                    continue
                touched.append(job_id)
        return touched


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process is just starting: what it "ran" before was a previous life
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobCancelledError(Exception):
    pass


def parse_isolated(
    path: Path, settings: Settings, timeout_s: float, memory_mb: int, stop: Callable[[], bool]
) -> ParsedDocument:
    """``parse_document`` in a child process, killed past ``timeout_s`` or when ``stop()`` turns true."""
    with tempfile.TemporaryDirectory(prefix="gnbv-parse-") as folder:
        out, log, config = (Path(folder) / name for name in ("parsed.pickle", "stderr.txt", "settings.json"))
        config.write_text(settings.model_dump_json(), encoding="utf-8")  # a file, not argv: it holds the API key
        with log.open("wb") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "assistant.jobs", str(path), str(out), str(config), str(memory_mb)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + timeout_s
        try:
            while child.poll() is None:
                if stop():
                    raise JobCancelledError
                if time.monotonic() > deadline:
                    raise LoadError("unreadable", get_prompts().jobs.timed_out.format(seconds=f"{timeout_s:.0f}"))
                time.sleep(0.1)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if not out.exists():
            last = (log.read_text(errors="replace").strip().splitlines() or ["?"])[-1]
            raise LoadError("unreadable", get_prompts().jobs.out_of_memory if "MemoryError" in last else last[:300])
        outcome = pickle.loads(out.read_bytes())  # written just now by our own child
    if outcome[0] == "load":
        error = LoadError(outcome[1])
        error.message = outcome[2]
        error.args = (outcome[2],)
        raise error
    parsed: ParsedDocument = outcome[1]
    return parsed


def _child(path: str, out: str, settings: str, memory_mb: str) -> None:
    limit = int(memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        outcome: tuple[object, ...] = (
            "ok",
            parse_document(Path(path), Settings.model_validate_json(Path(settings).read_text(encoding="utf-8"))),
        )
    except LoadError as error:
        outcome = ("load", error.reason, error.message)
    Path(out).write_bytes(pickle.dumps(outcome))


class IngestWorker:
    """One thread taking jobs from the queue in order; ``stop()`` returns within seconds."""

    def __init__(self, store: Store, queue: JobQueue, server: ServerSettings, texts: JobTexts) -> None:
        self.store = store
        self.queue = queue
        self.server = server
        self.texts = texts
        self.data_dir = store.data_dir
        self.layout = store.settings.layout
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._cancel: set[str] = set()
        # held while an upload writes its version folder and queues its job, so a cleaning never takes
        # a folder whose job is about to exist
        self.files_lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="gnbv-ingest", daemon=True)

    # --- control -------------------------------------------------------------------------------------
    def start(self) -> None:
        self.queue.recover(self.data_dir, self.texts.missing)
        self.clean_orphans()
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout_s)  # an embedding batch cannot be interrupted; the thread is a daemon

    def wake(self) -> None:
        self._wake.set()

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False when it has already finished."""
        if self.queue.cancel_queued(job_id, self.texts.cancelled):
            self._remove_version(self.queue.version(job_id))
            return True
        job = self.queue.get(job_id)
        if job is None or job.status != "running":
            return False
        self._cancel.add(job_id)
        return True

    # --- work ----------------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            claimed = self.queue.claim()
            if claimed is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            self._run(*claimed)

    def _run(self, job: Job, version: str) -> None:
        path = self.data_dir / version
        stopped = lambda: self._stop.is_set() or job.job_id in self._cancel  # noqa: E731
        try:
            parsed = parse_isolated(
                path, self.store.settings, self.server.ingest_timeout_s, self.server.ingest_memory_mb, stopped
            )
            outcome = self._index(path, parsed, stopped)
        except JobCancelledError:
            if self._stop.is_set():
                return  # the server is stopping: the job stays "running" and is queued again at the next start
            self.queue.finish(job.job_id, "cancelled", message=self.texts.cancelled)
            self._remove_version(version)
            return
        except LoadError as error:
            self.queue.finish(job.job_id, "failed", message=self._shown(error.message))
            self._remove_version(version)
            return
        except Exception as error:  # the job reports it; the server goes on
            self.queue.finish(job.job_id, "failed", message=self._shown(f"{type(error).__name__}: {error}"))
            self._remove_version(version)
            return
        finally:
            self._cancel.discard(job.job_id)
        status: Status = "failed" if outcome.status == "failed" else "done"
        self.queue.finish(job.job_id, status, outcome.chunks, outcome.message and self._shown(outcome.message))
        if status == "failed":
            self._remove_version(version)
        else:
            self.clean_orphans()  # the previous version of this document

    def _index(self, path: Path, parsed: ParsedDocument, stopped: Callable[[], bool]) -> FileOutcome:
        lock = self.store.writer_lock
        while True:  # wait for a command-line ingest, but stay stoppable
            if stopped():
                raise JobCancelledError
            try:
                lock.acquire(timeout=1.0)
                break
            except filelock.Timeout:
                continue
        try:
            return IngestPipeline(self.store, parse=lambda *_: parsed).run([path]).outcomes[0]
        finally:
            lock.release()

    def _shown(self, message: str) -> str:
        """A job's message as the API shows it: paths relative to the data dir, server paths stay here."""
        for root in (str(self.data_dir.resolve()), str(self.data_dir)):
            message = message.replace(root + os.sep, "")
        return message

    # --- files ---------------------------------------------------------------------------------------
    def _remove_version(self, version: str | None) -> None:
        if version:
            folder = (self.data_dir / version).parent
            if self._uploads() in folder.resolve().parents:
                shutil.rmtree(folder, ignore_errors=True)
                with contextlib.suppress(OSError):
                    folder.parent.rmdir()  # the document's folder, once it holds no version at all

    def _uploads(self) -> Path:
        return self.layout.uploads.resolve()

    def clean_orphans(self) -> None:
        """Version folders that neither the catalog serves nor a pending job will ingest."""
        uploads = self._uploads()
        if not uploads.is_dir():
            return
        with self.files_lock:
            self._clean(uploads)

    def _clean(self, uploads: Path) -> None:
        live = {Path(p).resolve().parent for p in self.store.catalog.paths().values()}
        live |= {(self.data_dir / v).resolve().parent for v in self.queue.pending_versions()}
        for document in (d for d in uploads.iterdir() if d.is_dir()):
            for version in (v for v in document.iterdir() if v.is_dir()):
                if version.resolve() not in live:
                    shutil.rmtree(version, ignore_errors=True)
            with contextlib.suppress(OSError):
                document.rmdir()


if __name__ == "__main__":
    _child(*sys.argv[1:5])
