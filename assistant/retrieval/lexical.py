"""BM25 over analysed Vietnamese text (bm25s), persisted beside Chroma, which has no local keyword search."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import bm25s
import numpy as np

from assistant.retrieval.analysis import Analyzer


class LexicalIndex:
    def __init__(self, retriever: bm25s.BM25, ids: list[str], analyzer: Analyzer) -> None:
        self.retriever = retriever
        self.ids = ids
        self.position = {chunk_id: i for i, chunk_id in enumerate(ids)}
        self.analyzer = analyzer

    @classmethod
    def build(cls, ids: list[str], texts: list[str], analyzer: Analyzer) -> LexicalIndex:
        retriever = bm25s.BM25()
        # an empty collection still gets a valid (empty) index: bm25s needs one token
        corpus = [analyzer.tokens(t) or ["∅"] for t in texts] or [["∅"]]
        retriever.index(corpus, show_progress=False)
        return cls(retriever, ids, analyzer)

    def search(self, query: str, k: int, allowed_ids: set[str] | None = None) -> list[tuple[str, float]]:
        tokens = self.analyzer.tokens(query)
        if not tokens or not self.ids:
            return []
        scores = np.asarray(self.retriever.get_scores(tokens), dtype=np.float64)[: len(self.ids)]
        if allowed_ids is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[[self.position[i] for i in allowed_ids if i in self.position]] = True
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, directory: Path) -> None:
        """Atomic: written next to the target, then swapped in."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
        self.retriever.save(str(work), show_progress=False)
        (work / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        old = directory.with_name(f".{directory.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        work.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, analyzer: Analyzer) -> LexicalIndex:
        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        return cls(retriever, ids, analyzer)
