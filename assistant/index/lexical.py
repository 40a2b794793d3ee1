"""BM25 over analysed Vietnamese text (bm25s), persisted beside Chroma, which has no local keyword search.

bm25s builds its vocabulary from a Python ``set``, whose order changes with the string hash seed, so the
index is built here from token ids over a sorted vocabulary: the same passages give the same files.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np

from core.analysis import Analyzer
from ingest.models import SECTION_SEPARATOR, Chunk
from prompts import get_prompts

_ARTICLE = re.compile(r"^Điều\s+\d+")
_EMPTY = "∅"  # bm25s cannot index nothing: an empty collection holds one placeholder passage
_META = "lexical.json"


class StaleIndexError(ValueError):
    """The stored index was made by another analyzer (glossary, mode) or format: rebuild it from the passages."""


def _variants(token: str) -> set[str]:
    """The token and every spelling with one letter dropped (symmetric-delete spelling correction)."""
    return {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}


class LexicalIndex:
    """Read-only once built, so concurrent ``search`` calls need no lock."""

    def __init__(self, retriever: bm25s.BM25, ids: list[str], analyzer: Analyzer, typo_min_len: int = 4) -> None:
        """``typo_min_len``: shortest unknown query syllable that is corrected (0 turns correction off)."""
        self.retriever = retriever
        self.ids = ids
        self.position = {chunk_id: i for i, chunk_id in enumerate(ids)}
        self.analyzer = analyzer
        self.typo_min_len = typo_min_len
        vocab: dict[str, int] = retriever.vocab_dict
        indptr = retriever.scores["indptr"]
        # passages holding a token = stored scores in its column (BM25 scores of present tokens are > 0)
        self._df = {token: int(indptr[i + 1] - indptr[i]) for token, i in vocab.items() if i + 1 < len(indptr)}
        self._near: dict[str, list[str]] = defaultdict(list)
        for token in sorted(self._df):
            if token.isalpha() and len(token) >= typo_min_len - 1:
                for variant in _variants(token):
                    self._near[variant].append(token)

    @classmethod
    def build(cls, ids: list[str], texts: list[str], analyzer: Analyzer) -> LexicalIndex:
        if len(ids) != len(texts) or len(set(ids)) != len(ids):
            raise ValueError(get_prompts().index.lexical_ids)
        corpus = [analyzer.tokens(t) for t in texts] or [[_EMPTY]]
        vocab = {token: i for i, token in enumerate(sorted({t for doc in corpus for t in doc} | {_EMPTY}))}
        retriever = bm25s.BM25()
        retriever.index(([[vocab[t] for t in doc] for doc in corpus], vocab), show_progress=False)
        return cls(retriever, list(ids), analyzer)

    def correct(self, token: str) -> str:
        """A query syllable unknown to the index → the most frequent indexed syllable one edit away."""
        if not self.typo_min_len or token in self._df or len(token) < self.typo_min_len or not token.isalpha():
            return token
        candidates = {t for v in _variants(token) for t in self._near.get(v, ())}
        return min(candidates, key=lambda t: (-self._df[t], t), default=token)

    def search(self, query: str, k: int, allowed_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """Best first, at most ``k`` passages with a positive score, only among ``allowed_ids`` if given."""
        tokens = self.analyzer.tokens(query, correct=self.correct)
        if not tokens or not self.ids or k <= 0:
            return []
        scores = np.asarray(self.retriever.get_scores(tokens), dtype=np.float64)[: len(self.ids)]
        if allowed_ids is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[[self.position[i] for i in allowed_ids if i in self.position]] = True
            scores = np.where(mask, scores, 0.0)
        if k < len(scores):  # partition first: a full sort of 100k scores per query is wasted work
            keep = np.argpartition(-scores, k - 1)[:k]
            cutoff = scores[keep].min()
            candidates = np.flatnonzero(scores >= cutoff)
        else:
            candidates = np.arange(len(scores))
        # stable on index order: ties keep passage order, runs are repeatable
        top = candidates[np.argsort(-scores[candidates], kind="stable")][:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, directory: Path) -> None:
        """Written into a temporary sibling, then swapped in by renames (a reader never sees half an index)."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
        try:
            self.retriever.save(str(work), show_progress=False)
            meta = {"ids": self.ids, "analyzer": self.analyzer.signature}
            (work / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        old = directory.with_name(f".{directory.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        work.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, analyzer: Analyzer) -> LexicalIndex:
        meta_file = directory / _META
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        if meta.get("analyzer") != analyzer.signature:
            # tokens of another glossary or mode would not match the stored ones: the caller must rebuild
            raise StaleIndexError(get_prompts().index.lexical_stale.format(directory=directory))
        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        return cls(retriever, meta["ids"], analyzer)


def section_of(chunk: Chunk) -> tuple[str, ...]:
    """The whole section a passage belongs to: in a law its article ("Điều N." and the headings above it);
    in a programme document its heading without the field leaf, so that the objectives, beneficiaries,
    contents and budget of one project ("Dự án 2 › Đối tượng", "Dự án 2 › Kinh phí") form one section."""
    path = chunk.section_path
    article = next((i for i, part in enumerate(path) if _ARTICLE.match(part)), None)
    if article is not None:
        return tuple(path[: article + 1])
    if chunk.field and len(path) > 1 and path[-1] == chunk.field:
        return tuple(path[:-1])
    return tuple(path)


class SectionIndex:
    """BM25 over whole sections (articles of a law, project headings of a programme), beside the chunk
    BM25: a question worded like the section as a whole (its title, terms spread over its clauses) finds
    it even when no single chunk holds enough of the words. Built in memory from the catalog's chunks."""

    def __init__(self, index: LexicalIndex, members: dict[str, tuple[str, ...]], docs: dict[str, str]) -> None:
        self.index = index
        self.members = members  # section id → its chunk ids in document order
        self.docs = docs  # section id → document id
        self.section = {chunk_id: s for s, chunk_ids in members.items() for chunk_id in chunk_ids}

    @classmethod
    def build(cls, chunks: Iterable[Chunk], analyzer: Analyzer) -> SectionIndex:
        groups: dict[str, list[Chunk]] = {}
        for chunk in sorted(chunks, key=lambda c: (c.doc_id, c.ordinal)):
            groups.setdefault(cls.key(chunk), []).append(chunk)
        texts = [
            "\n".join([SECTION_SEPARATOR.join([group[0].title, *section_of(group[0])]), *(c.text for c in group)])
            for group in groups.values()
        ]
        members = {key: tuple(c.chunk_id for c in group) for key, group in groups.items()}
        docs = {key: group[0].doc_id for key, group in groups.items()}
        return cls(LexicalIndex.build(list(groups), texts, analyzer), members, docs)

    @staticmethod
    def key(chunk: Chunk) -> str:
        return "\x1f".join([chunk.doc_id, *section_of(chunk)])

    def search(self, query: str, k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """(section id, BM25), best first, at most ``k``, only sections of ``doc_ids`` if given."""
        allowed = None if doc_ids is None else {s for s, d in self.docs.items() if d in doc_ids}
        return self.index.search(query, k, allowed)

    def by_best_passage(self, passages: Iterable[str]) -> list[str]:
        """Sections in the order of their best passage among ``passages`` (ranked ids): chunk scores
        aggregated to their section, so a law's article ranks by its best-matching clause."""
        return list(dict.fromkeys(self.section[p] for p in passages if p in self.section))
