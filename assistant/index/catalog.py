"""The catalog: documents and their chunks in SQLite, the source of truth of a collection.

Chroma holds the vectors and the lexical index is derived, but what a document *is* right now is
what the catalog says: a document's chunks are replaced in one transaction, so a reader sees the old
version or the new one, never a mix, and vectors of chunks the catalog no longer lists are ignored
(and collected at the next ingest). SQLite in WAL mode lets readers go on while the one writer writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.models import Chunk, DocumentMeta

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, meta TEXT NOT NULL,
    line_count INTEGER NOT NULL, ingested_at TEXT NOT NULL DEFAULT (datetime('now')),
    built_with TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS builds (fingerprint TEXT PRIMARY KEY, identity TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, ordinal);
"""


class IndexMismatchError(RuntimeError):
    """The index on disk was built with other settings than the reader's; its message says what to run."""


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        with self._connect() as db:
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
            if "built_with" not in columns:  # a catalog from before fingerprints: nothing in it matches one
                db.execute("ALTER TABLE documents ADD COLUMN built_with TEXT NOT NULL DEFAULT ''")

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # one connection per thread: sqlite3 connections are not shared across threads
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def stored(self, doc_id: str) -> tuple[str, str, str] | None:
        """(sha256 of the file, its path, fingerprint of the index settings that built it) of a document."""
        row = (
            self._connect()
            .execute("SELECT sha256, path, built_with FROM documents WHERE doc_id=?", (doc_id,))
            .fetchone()
        )
        return (row[0], row[1], row[2]) if row else None

    def replace_document(self, meta: DocumentMeta, line_count: int, chunks: list[Chunk], built_with: str) -> None:
        """``built_with``: the fingerprint of the index settings the chunks and their vectors were made with."""
        with self.transaction() as db:
            db.execute("DELETE FROM documents WHERE doc_id=?", (meta.doc_id,))
            db.execute(
                "INSERT INTO documents(doc_id, path, sha256, meta, line_count, built_with) VALUES (?,?,?,?,?,?)",
                (meta.doc_id, meta.path, meta.sha256, meta.model_dump_json(), line_count, built_with),
            )
            db.executemany(
                "INSERT INTO chunks(chunk_id, doc_id, ordinal, body) VALUES (?,?,?,?)",
                [(c.chunk_id, c.doc_id, c.ordinal, c.model_dump_json()) for c in chunks],
            )

    def record_build(self, fingerprint: str, identity: str) -> None:
        """What a fingerprint stands for (the settings as JSON), to say what changed when one does not match."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO builds(fingerprint, identity) VALUES (?,?)", (fingerprint, identity))

    def builds(self) -> dict[str, str | None]:
        """Fingerprint → identity JSON (None when unrecorded) of every build the documents come from."""
        rows = self._connect().execute(
            "SELECT DISTINCT d.built_with, b.identity FROM documents d "
            "LEFT JOIN builds b ON b.fingerprint = d.built_with"
        )
        return dict(rows.fetchall())

    def unused_builds(self, current: str) -> dict[str, str]:
        """Fingerprint → identity JSON of the recorded builds, other than ``current``, no document comes from."""
        rows = self._connect().execute(
            "SELECT fingerprint, identity FROM builds WHERE fingerprint != ? "
            "AND fingerprint NOT IN (SELECT built_with FROM documents)",
            (current,),
        )
        return dict(rows.fetchall())

    def forget_build(self, fingerprint: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM builds WHERE fingerprint=?", (fingerprint,))

    def built_otherwise(self, fingerprint: str) -> dict[str, str]:
        """doc_id → path of the documents built with other settings than ``fingerprint``'s."""
        rows = self._connect().execute("SELECT doc_id, path FROM documents WHERE built_with != ?", (fingerprint,))
        return dict(rows.fetchall())

    def delete_document(self, doc_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))

    def documents(self) -> list[DocumentMeta]:
        rows = self._connect().execute("SELECT meta FROM documents ORDER BY doc_id").fetchall()
        return [DocumentMeta.model_validate_json(r[0]) for r in rows]

    def document(self, doc_id: str) -> DocumentMeta | None:
        row = self._connect().execute("SELECT meta FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return DocumentMeta.model_validate_json(row[0]) if row else None

    def paths(self) -> dict[str, str]:
        return dict(self._connect().execute("SELECT doc_id, path FROM documents").fetchall())

    def chunks(self, doc_id: str | None = None) -> list[Chunk]:
        sql = "SELECT body FROM chunks" + (" WHERE doc_id=?" if doc_id else "") + " ORDER BY doc_id, ordinal"
        rows = self._connect().execute(sql, (doc_id,) if doc_id else ()).fetchall()
        return [Chunk.model_validate_json(r[0]) for r in rows]

    def chunk(self, chunk_id: str) -> Chunk | None:
        row = self._connect().execute("SELECT body FROM chunks WHERE chunk_id=?", (chunk_id,)).fetchone()
        return Chunk.model_validate_json(row[0]) if row else None

    def chunks_by_id(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._connect().execute(f"SELECT body FROM chunks WHERE chunk_id IN ({marks})", chunk_ids)
        return {c.chunk_id: c for c in (Chunk.model_validate_json(r[0]) for r in rows)}

    def chunk_ids_of(self, doc_ids: set[str]) -> set[str]:
        marks = ",".join("?" * len(doc_ids))
        rows = self._connect().execute(f"SELECT chunk_id FROM chunks WHERE doc_id IN ({marks})", sorted(doc_ids))
        return {r[0] for r in rows}

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self._connect().execute("SELECT chunk_id FROM chunks")}

    def version(self) -> str:
        """Changes whenever the set of chunks changes; caches derived from the catalog key on it."""
        row = (
            self._connect()
            .execute(
                "SELECT count(*), coalesce(max(ingested_at), ''), "
                "coalesce(group_concat(sha256, ','), '') FROM (SELECT * FROM documents ORDER BY doc_id)"
            )
            .fetchone()
        )
        return json.dumps(row)
