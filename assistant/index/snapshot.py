"""The index as one catalog version sees it, with everything derived from it.

Documents, chunks, the BM25 index, and what the layers above derive from them (the question analyser over the
documents' places, BM25 over whole sections, the composer's document frequencies) live on one snapshot. A new
catalog version gets a new snapshot, so nothing derived outlives the documents it was built from, and there is
one cache with one lock instead of one per stage.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from assistant.index.catalog import Catalog
from assistant.index.lexical import LexicalIndex
from ingest.models import Chunk, DocumentMeta

T = TypeVar("T")


class IndexSnapshot:
    def __init__(self, version: str, catalog: Catalog, lexical: Callable[[], LexicalIndex]) -> None:
        self.version = version
        self._catalog = catalog
        self._lexical = lexical
        self._derived: dict[Hashable, Any] = {}
        self._guard = threading.RLock()  # re-entrant: a derived object may derive from another

    def derived(self, key: Hashable, build: Callable[[IndexSnapshot], T]) -> T:
        """``build(self)`` once per snapshot; ``key`` names it (include whatever else ``build`` depends on)."""
        with self._guard:
            if key not in self._derived:
                self._derived[key] = build(self)
            return cast(T, self._derived[key])

    @property
    def documents(self) -> dict[str, DocumentMeta]:
        return self.derived("documents", lambda s: {d.doc_id: d for d in s._catalog.documents()})

    @property
    def chunks(self) -> list[Chunk]:
        return self.derived("chunks", lambda s: s._catalog.chunks())

    @property
    def lexical(self) -> LexicalIndex:
        return self.derived("lexical", lambda s: s._lexical())
