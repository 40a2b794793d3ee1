"""``python -m eval ranking``: the rankers side by side, on the hand-written set and on ALQAC, in one run.

Each ranker answers a question with ranked passages; a passage is one chunk, or a whole section (a law's
article, a project heading) for the section BM25. On the hand-written set (dev and test splits, first turns
only: a second turn's search depends on the conversation) a passage is a hit by the harness's definition
(``eval.metrics.score``: it covers the gold lines or holds the gold quote); on ALQAC (training questions, or
any question file of that format) passages map to their distinct articles as in ``eval.alqac``. Latency is
the ranker's own search time per question (question embedding included), its median.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.retrieval.hybrid import HybridSearch
from assistant.settings import RetrievalSettings, Settings
from eval.alqac import _ARTICLE, _scores, benchmark_dir
from eval.dataset import Question
from eval.metrics import aggregate, score
from eval.split import select
from eval.systems import PassageRef, SystemAnswer
from ingest.models import Chunk
from ingest.pipeline import IngestPipeline
from ingest.store import Store

TOP_K = 10
ALQAC_PASSAGES = 40  # chunks read to find 10 distinct articles, as eval.alqac does
Passage = tuple[Chunk, ...]  # one chunk, or the chunks of one section in document order
Ranker = Callable[[str, int], list[Passage]]


@dataclass
class Variant:
    """A fusion configuration compared in the run: its name and the retrieval settings it changes."""

    name: str
    changes: dict[str, float]


# today's fusion first: every other row is read against it
VARIANTS = [
    Variant("fusion (today)", {"section_weight": 0.0, "section_best_weight": 0.0}),
    Variant("fusion + sections 0.5", {"section_weight": 0.5, "section_best_weight": 0.0}),
    Variant("fusion + sections 1.0", {"section_weight": 1.0, "section_best_weight": 0.0}),
    Variant("fusion + best-chunk sections 0.5", {"section_weight": 0.0, "section_best_weight": 0.5}),
    Variant("fusion + both 0.5", {"section_weight": 0.5, "section_best_weight": 0.5}),
]


def rankers(store: Store, retrieval: RetrievalSettings) -> dict[str, Ranker]:
    """BM25 over chunks, BM25 over whole sections, dense alone, the fusion variants and the configured one."""
    searches = {v.name: HybridSearch(store, retrieval.model_copy(update=v.changes)) for v in VARIANTS}
    searches["fusion (configured)"] = HybridSearch(store, retrieval)
    sections = searches["fusion (configured)"].sections

    def chunks(ids: Sequence[str]) -> list[Passage]:
        found = store.catalog.chunks_by_id(list(ids))
        return [(found[i],) for i in ids if i in found]

    def bm25_chunks(question: str, k: int) -> list[Passage]:
        return chunks([i for i, _ in store.lexical().search(question, k)])

    def bm25_sections(question: str, k: int) -> list[Passage]:
        index = sections()
        ranked = [index.members[s] for s, _ in index.search(question, k)]
        found = store.catalog.chunks_by_id([i for members in ranked for i in members])
        return [tuple(found[i] for i in members if i in found) for members in ranked]

    def dense(question: str, k: int) -> list[Passage]:
        return chunks([i for i, _ in store.dense_search(store.embeddings.embed_query(question), k)])

    def fused(search: HybridSearch) -> Ranker:
        return lambda question, k: [(p.chunk,) for p in search.run(question, k).passages]

    out: dict[str, Ranker] = {"bm25 chunks": bm25_chunks, "bm25 sections": bm25_sections, "dense": dense}
    return out | {name: fused(search) for name, search in searches.items()}


def _timed(ranker: Ranker, question: str, k: int) -> tuple[list[Passage], float]:
    started = time.perf_counter()
    passages = ranker(question, k)
    return passages, (time.perf_counter() - started) * 1000


def _as_ref(passage: Passage) -> PassageRef:
    first = passage[0]
    return PassageRef(
        first.source,
        min(c.line_start for c in passage),
        max(c.line_end for c in passage),
        "\n".join(c.text for c in passage),
    )


def hand_written(ranker: Ranker, questions: list[Question], corpus_dir: Path, split: str) -> dict[str, float]:
    scores = []
    for question in questions:
        passages, latency = _timed(ranker, question.question, TOP_K)
        scores.append(score(question, SystemAnswer([_as_ref(p) for p in passages], latency), corpus_dir, split))
    figures = aggregate(scores)
    keys = ("hit@1", "hit@5", "hit@10", "mrr", "latency_p50_ms")
    return {key: float(figures[key] or 0.0) for key in keys}


def _article(passage: Passage, laws: dict[str, str]) -> tuple[str, int] | None:
    first = passage[0]
    match = next((m for part in first.section_path if (m := _ARTICLE.match(part))), None)
    return (laws[first.doc_id], int(match.group(1))) if match else None


def alqac(ranker: Ranker, questions: list[dict[str, object]], laws: dict[str, str]) -> dict[str, float]:
    ranked, latencies = [], []
    for q in questions:
        passages, latency = _timed(ranker, str(q["question"]), ALQAC_PASSAGES)
        articles = [a for p in passages if (a := _article(p, laws)) is not None]
        ranked.append(list(dict.fromkeys(articles))[:TOP_K])
        latencies.append(latency)
    gold = [{(str(g["law"]), int(g["article"])) for g in q["gold"]} for q in questions]  # type: ignore[attr-defined]
    figures = _scores(ranked, gold)
    return {
        "recall@1": figures["recall@1"],
        "recall@5": figures["recall@5"],
        "recall@10": figures["recall@10"],
        "mrr": figures["mrr@10"],
        "latency_p50_ms": statistics.median(latencies),
    }


def table(title: str, rows: dict[str, dict[str, float]]) -> str:
    header = ["ranker", *next(iter(rows.values()))]
    lines = [f"{title}", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, figures in rows.items():
        cells = [f"{v:.1f}" if key.startswith("latency") else f"{v:.3f}" for key, v in figures.items()]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    return "\n".join(lines)


def run_ranking(settings: Settings, alqac_settings: Settings, alqac_files: list[Path] | None = None) -> list[str]:
    """Tables: hand-written dev, hand-written test, then one per ALQAC question file (training by default)."""
    from eval.harness import ensure_index

    store = ensure_index(settings).store
    tables = []
    ranked_by = rankers(store, settings.retrieval)
    for split in ("dev", "test"):
        questions = [q for q in select(split, settings.corpus_dir)[0] if not q.follow_up]
        rows = {name: hand_written(r, questions, settings.corpus_dir, split) for name, r in ranked_by.items()}
        tables.append(table(f"Hand-written {split} ({len(questions)} first turns)", rows))

    laws_store = Store(alqac_settings)
    IngestPipeline(laws_store).run([benchmark_dir(alqac_settings) / "laws"])
    laws = {d.doc_id: Path(d.source).stem for d in laws_store.catalog.documents()}
    on_laws = rankers(laws_store, alqac_settings.retrieval)
    for path in alqac_files or [benchmark_dir(alqac_settings) / "questions.jsonl"]:
        items = _read(path)
        rows = {name: alqac(r, items, laws) for name, r in on_laws.items()}
        tables.append(table(f"ALQAC {path.name} ({len(items)} questions, article level)", rows))
    return tables


def _read(path: Path) -> list[dict[str, object]]:
    """ALQAC questions, one JSON object a line: {"question", "gold": [{"law", "article"}]}."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
