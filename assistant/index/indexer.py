"""Ingest: files → chunks → vectors and catalog, incrementally and crash-safe.

Per file: load → normalise → structure → metadata → chunk → embed → index. A file whose bytes did
not change and that was indexed with the store's settings (its fingerprint) is skipped; a changed one
has its chunks replaced in one catalog transaction; a file that is gone is removed. When the settings
changed (another embedding model), documents ingested earlier from elsewhere are rebuilt too, from
their recorded paths, so that the whole index matches its settings again. New vectors are written
before the catalog switches to them and stale vectors are deleted after, so a crash at any point
leaves the previous version queryable and the next run finishes the job (vectors the catalog does
not list are ignored by retrieval and collected here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.index.store import Store
from core.settings import Settings
from ingest.loaders import LoadError, iter_document_files
from ingest.metadata import make_doc_id
from ingest.pipeline import ParsedDocument, parse_document
from prompts import get_prompts

Status = Literal["added", "updated", "unchanged", "deleted", "failed"]


@dataclass
class FileOutcome:
    path: str
    doc_id: str
    status: Status
    chunks: int = 0
    reason: str | None = None
    message: str | None = None


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def changed(self) -> bool:
        return any(o.status in ("added", "updated", "deleted") for o in self.outcomes)


ProgressCallback = Callable[[str, int, int], None]  # (file name, done, total)
Parser = Callable[[Path, Settings], ParsedDocument]


class IngestPipeline:
    def __init__(self, store: Store, parse: Parser = parse_document) -> None:
        # the API's job worker parses in a child process (time and memory bound) and passes the result here
        self.store = store
        self.parse = parse

    def run(self, paths: list[Path], rebuild: bool = False, progress: ProgressCallback | None = None) -> IngestReport:
        report = IngestReport()
        with self.store.writer_lock:
            catalog = self.store.catalog
            if rebuild:
                self.store.drop_vectors()
                for doc in catalog.documents():
                    catalog.delete_document(doc.doc_id)
            self.store.record_build()
            files = iter_document_files(paths)
            given = {make_doc_id(p) for p in files}
            files += [Path(p) for d, p in catalog.built_otherwise(self.store.fingerprint).items() if d not in given]
            present = self.store.vector_ids()  # a document is unchanged only while its vectors are there too
            for done, path in enumerate(files):
                if progress:
                    progress(path.name, done, len(files))
                report.outcomes.append(self._ingest_file(path, present))
            report.outcomes.extend(self._remove_missing(paths, given))
            self._collect_stale_vectors()
            self.store.drop_unused_builds()
            if report.changed or rebuild:
                self.store.rebuild_lexical()
            if progress:
                progress("", len(files), len(files))
        return report

    def _ingest_file(self, path: Path, present: set[str]) -> FileOutcome:
        doc_id = make_doc_id(path)
        try:
            parsed = self.parse(path, self.store.settings)
        except LoadError as error:
            return FileOutcome(str(path), doc_id, "failed", reason=error.reason, message=error.message)
        except (ValueError, OSError) as error:
            return FileOutcome(str(path), doc_id, "failed", reason="invalid", message=str(error))
        except Exception as error:  # a parser bug on one odd file must not stop the others
            detail = f"{type(error).__name__}: {error}"
            return FileOutcome(str(path), doc_id, "failed", reason="unreadable", message=detail)
        previous = self.store.catalog.stored(doc_id)
        if previous == (parsed.meta.sha256, parsed.meta.path, self.store.fingerprint):
            stored = self.store.catalog.chunk_ids_of({doc_id})
            if stored <= present:  # else the collection lost them (deleted, another Chroma): embed again
                return FileOutcome(str(path), doc_id, "unchanged", chunks=len(stored))
        if not parsed.chunks:
            message = get_prompts().ingest.no_text
            return FileOutcome(str(path), doc_id, "failed", reason="empty", message=message)
        old_ids = {c.chunk_id for c in self.store.catalog.chunks(doc_id)}
        vectors = self.store.embeddings.embed_documents([c.embed_text() for c in parsed.chunks])
        self.store.collection.upsert(
            ids=[c.chunk_id for c in parsed.chunks],
            embeddings=vectors,  # type: ignore[arg-type]
            metadatas=[{"doc_id": doc_id} for _ in parsed.chunks],
        )
        self.store.catalog.replace_document(parsed.meta, len(parsed.lines), parsed.chunks, self.store.fingerprint)
        stale = sorted(old_ids - {c.chunk_id for c in parsed.chunks})
        if stale:
            self.store.collection.delete(ids=stale)
        return FileOutcome(str(path), doc_id, "updated" if previous else "added", chunks=len(parsed.chunks))

    def delete(self, doc_id: str) -> None:
        """Remove one document: catalog first (queries stop seeing it), then its vectors."""
        with self.store.writer_lock:
            stale = [c.chunk_id for c in self.store.catalog.chunks(doc_id)]
            self.store.catalog.delete_document(doc_id)
            if stale:
                self.store.collection.delete(ids=stale)
            self.store.rebuild_lexical()

    def _remove_missing(self, roots: list[Path], present: set[str]) -> list[FileOutcome]:
        """Documents that lived under an ingested folder (or were an ingested file) and are gone."""
        outcomes = []
        resolved = [r.resolve() for r in roots]
        for doc_id, stored in self.store.catalog.paths().items():
            path = Path(stored)
            under_root = any(path == r or r in path.parents for r in resolved)
            if under_root and doc_id not in present and not path.exists():
                stale = [c.chunk_id for c in self.store.catalog.chunks(doc_id)]
                self.store.catalog.delete_document(doc_id)
                if stale:
                    self.store.collection.delete(ids=stale)
                outcomes.append(FileOutcome(stored, doc_id, "deleted"))
        return outcomes

    def _collect_stale_vectors(self) -> None:
        orphans = sorted(self.store.vector_ids() - self.store.catalog.chunk_ids())
        if orphans:
            self.store.collection.delete(ids=orphans)
