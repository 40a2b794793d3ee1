"""``python -m eval ranking``: the rankers side by side, on the hand-written set and on ALQAC, in one run.

Each ranker answers a question with ranked passages; a passage is one chunk, or a whole section (a law's
article, a project heading) for the section BM25. On the hand-written set (dev and test splits and the
outline-generated smoke set, first turns only: a second turn's search depends on the conversation) a passage is
a hit by the harness's definition (``eval.metrics.score``: it covers the gold lines or holds the gold quote); on
ALQAC (training questions, or any question file of that format) passages map to their distinct articles as in
``eval.alqac``. Latency is the ranker's own search time per question (question embedding included), its median.

The learned ranker (LambdaRank, ``assistant.retrieval.learned``) reorders the configured fusion's candidates.
Two training pools are compared: the dev split alone, and dev + the smoke set + ALQAC's training questions
(program documents and laws, hand-written and templated questions: the ranker the search ships). Each model is
fitted with a fixed seed and scored on what it was fitted on by 5-fold cross-validation only (a question is
never scored by a model fitted on it); the test split, and any other ALQAC file given, are scored by the model
fitted on the whole pool, which never saw them. The model the search uses (the data dir's own, else the one
shipped in corpus/ranker/) is scored by the real search on test, never on what it was fitted on.
``--save-ranker`` ships the model of the whole pool with its card, only when on the test split it beats the
configured fusion of the same run and on the smoke set (by CV) it keeps the fusion's hit@5.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import lightgbm
import numpy as np

from assistant.index.indexer import IngestPipeline
from assistant.index.store import Store
from assistant.retrieval.frame import FrameReader
from assistant.retrieval.hybrid import HybridSearch, ScoredChunk
from assistant.retrieval.learned import FEATURE_VERSION, FEATURES, RankerCard, card_path, features
from core.settings import RetrievalSettings, Settings
from eval.alqac import _ARTICLE, _scores, benchmark_dir
from eval.dataset import Question
from eval.metrics import aggregate, gold_spans, holds, score
from eval.split import SMOKE, select
from eval.systems import PassageRef, SystemAnswer
from ingest.embeddings import CachedEmbeddings
from ingest.models import Chunk
from prompts import get_prompts

TEXTS = get_prompts().evaluation
TOP_K = 10
ALQAC_PASSAGES = 40  # chunks read to find 10 distinct articles, as eval.alqac does
Passage = tuple[Chunk, ...]  # one chunk, or the chunks of one section in document order
Ranker = Callable[[str, int], list[Passage]]


@dataclass
class Variant:
    """A fusion configuration compared in the run: its name and the retrieval settings it changes."""

    name: str
    changes: dict[str, object]


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
    searches = {
        v.name: HybridSearch(store, retrieval.model_copy(update={"ranker": "fusion", **v.changes})) for v in VARIANTS
    }
    # the configured fusion without the learned model: on dev and ALQAC train that model is scored by CV only
    searches["fusion (configured)"] = HybridSearch(store, retrieval, apply_ranker=False)
    section_lists = searches["fusion (configured)"].section_lists

    def chunks(ids: Sequence[str]) -> list[Passage]:
        found = store.catalog.chunks_by_id(list(ids))
        return [(found[i],) for i in ids if i in found]

    def bm25_chunks(question: str, k: int) -> list[Passage]:
        return chunks([i for i, _ in store.lexical().search(question, k)])

    def bm25_sections(question: str, k: int) -> list[Passage]:
        index = section_lists.index(store.snapshot())
        ranked = [index.members[s] for s, _ in index.search(question, k)]
        found = store.catalog.chunks_by_id([i for members in ranked for i in members])
        return [tuple(found[i] for i in members if i in found) for members in ranked]

    def dense(question: str, k: int) -> list[Passage]:
        return chunks([i for i, _ in store.dense_search(store.embeddings.embed_query(question), k)])

    def fused(search: HybridSearch) -> Ranker:
        return lambda question, k: [(p.chunk,) for p in search.run(question, k).passages]

    out: dict[str, Ranker] = {"bm25 chunks": bm25_chunks, "bm25 sections": bm25_sections, "dense": dense}
    out |= {name: fused(search) for name, search in searches.items()}
    return {name: _cold(store, ranker) for name, ranker in out.items()}


def _forget_queries(store: Store) -> None:
    """The embedder keeps recent question vectors: emptied before each search, every ranker that embeds
    pays for it, not only the first one to see the question."""
    if isinstance(store.embeddings, CachedEmbeddings):
        store.embeddings._queries.clear()


def _cold(store: Store, ranker: Ranker) -> Ranker:
    def run(question: str, k: int) -> list[Passage]:
        _forget_queries(store)
        return ranker(question, k)

    return run


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


@dataclass
class Candidates:
    """One question's fused candidates (fusion order), their features and relevance, and the search time."""

    key: str  # the question's id, unique across every set of the run
    text: str
    passages: list[ScoredChunk]
    features: np.ndarray
    labels: np.ndarray
    latency_ms: float

    def ordered(self, predicted: np.ndarray, k: int) -> list[Passage]:
        order = sorted(range(len(self.passages)), key=lambda j: (-predicted[j], j))
        return [(self.passages[j].chunk,) for j in order[:k]]


def candidates(
    search: HybridSearch, key: str, text: str, relevant: Callable[[Chunk], bool], frames: FrameReader
) -> Candidates:
    _forget_queries(search.store)
    started = time.perf_counter()
    result = search.run(text, 10_000)  # every fused candidate
    latency = (time.perf_counter() - started) * 1000
    documents = {d.doc_id: d for d in search.store.catalog.documents()}
    rows = features(result.passages, result.intent, text, documents, frames.run(text, result.intent))
    labels = np.asarray([float(relevant(p.chunk)) for p in result.passages])
    return Candidates(key, text, result.passages, rows, labels, latency)


SEED = 0
ROUNDS = 150
# chosen on the dev split by cross-validation (7 leaves: dev hit@1 0.728 against 0.714 with 15)
PARAMS: dict[str, float | int | str | bool] = {
    "objective": "lambdarank",
    "learning_rate": 0.05,
    "num_leaves": 7,
    "min_data_in_leaf": 20,
    "lambdarank_truncation_level": 20,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "seed": SEED,
    "verbose": -1,
}


def fit(pool: Sequence[Candidates]) -> lightgbm.Booster:
    """LambdaRank over the pool, one query group per question; small trees, deterministic, one thread."""
    pool = [c for c in pool if c.passages]  # a question with no candidate teaches nothing
    data = lightgbm.Dataset(
        np.vstack([c.features for c in pool]),
        np.concatenate([c.labels for c in pool]),
        group=[len(c.passages) for c in pool],
        feature_name=list(FEATURES),
        free_raw_data=False,
    )
    return lightgbm.train(PARAMS, data, num_boost_round=ROUNDS)


def _fold(key: str, folds: int) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % folds


def cross_validated(pool: list[Candidates], folds: int = 5) -> dict[str, np.ndarray]:
    """Each question's candidate scores (by key) from the model fitted on the other folds (never on its own)."""
    out: dict[str, np.ndarray] = {}
    for fold in range(folds):
        held = [c for c in pool if _fold(c.key, folds) == fold]
        model = fit([c for c in pool if _fold(c.key, folds) != fold])
        out |= {c.key: _predict(model, c) for c in held}
    return out


def _predict(model: lightgbm.Booster, c: Candidates) -> np.ndarray:
    return np.asarray(model.predict(c.features)) if len(c.passages) else np.zeros(0)


def _replayed(pool: list[Candidates], predicted: dict[str, np.ndarray]) -> Ranker:
    """One set's questions ranked by the given scores (keyed by question id), looked up by their text."""
    by_text = {c.text: c for c in pool}
    return lambda text, k: by_text[text].ordered(predicted[by_text[text].key], k)


def _with_latency(figures: dict[str, float], pool: list[Candidates], model: lightgbm.Booster) -> dict[str, float]:
    """The replayed ranking takes no time: its latency is the fusion's search plus the model's scoring."""
    latencies = []
    for c in pool:
        started = time.perf_counter()
        _predict(model, c)
        latencies.append(c.latency_ms + (time.perf_counter() - started) * 1000)
    return figures | {"latency_p50_ms": statistics.median(latencies)}


def _shipped(store: Store, retrieval: RetrievalSettings) -> tuple[str, Ranker] | None:
    """The configured search with the learned model (the data dir's own, else the shipped one), if it loads."""
    search = HybridSearch(store, retrieval.model_copy(update={"ranker": "lambdarank"}))
    if search.ranker is None:
        return None
    name = f"lambdarank shipped ({search.ranker.version})"
    return name, _cold(store, lambda question, k: [(p.chunk,) for p in search.run(question, k).passages])


def _beats(learned: dict[str, float], fusion: dict[str, float]) -> bool:
    return learned["hit@1"] > fusion["hit@1"] and learned["mrr"] > fusion["mrr"]


def _keeps(learned: dict[str, float], fusion: dict[str, float], slack: float = 0.02) -> bool:
    return learned["hit@5"] >= fusion["hit@5"] - slack


def save(model: lightgbm.Booster, target: Path, trained_on: str, figures: dict[str, dict[str, float]]) -> None:
    """The model file and its card (feature version, training questions, seed, figures) side by side."""
    target.parent.mkdir(parents=True, exist_ok=True)
    model.save_model(str(target))
    card = RankerCard(
        feature_version=FEATURE_VERSION,
        features=list(FEATURES),
        trained_on=trained_on,
        seed=SEED,
        params=PARAMS,
        rounds=ROUNDS,
        figures={table: {k: round(v, 4) for k, v in row.items()} for table, row in figures.items()},
    )
    card_path(target).write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")


HAND_SPLITS = ("dev", "test", SMOKE)
ALQAC_TRAINING = "questions.jsonl"  # the benchmark's training questions; any other file given is held out


@dataclass
class Pool:
    """A training pool for the learned ranker: the sets it is fitted on (by their table titles)."""

    name: str
    sets: tuple[str, ...]


POOLS = [
    Pool("dev", ("hand-written dev",)),
    # what ships: program documents and laws, hand-written and templated questions
    Pool("dev+smoke+ALQAC", ("hand-written dev", "hand-written smoke", f"ALQAC {ALQAC_TRAINING}")),
]
SHIPPED_POOL = POOLS[-1]


def run_ranking(
    settings: Settings, alqac_settings: Settings, alqac_files: list[Path] | None = None, save_ranker: bool = False
) -> list[str]:
    """Tables: hand-written dev, test and smoke, then one per ALQAC question file (training by default)."""
    from eval.harness import ensure_index

    store = ensure_index(settings).store
    laws_store = Store(alqac_settings)
    IngestPipeline(laws_store).run([benchmark_dir(alqac_settings) / "laws"])
    laws = {d.doc_id: Path(d.source).stem for d in laws_store.catalog.documents()}
    hand = {
        f"hand-written {split}": [q for q in select(split, settings.corpus_dir)[0] if not q.follow_up]
        for split in HAND_SPLITS
    }
    training = benchmark_dir(alqac_settings) / ALQAC_TRAINING
    files = list(dict.fromkeys([training, *(alqac_files or [])]))
    alqac_sets = {f"ALQAC {path.name}": _read(path) for path in files}
    rows: dict[str, dict[str, dict[str, float]]] = {title: {} for title in [*hand, *alqac_sets]}

    def scored(title: str, ranker: Ranker) -> dict[str, float]:
        if title in hand:
            return hand_written(ranker, hand[title], settings.corpus_dir, title.split()[-1])
        return alqac(ranker, alqac_sets[title], laws)

    for name, ranker in rankers(store, settings.retrieval).items():
        for title in hand:
            rows[title][name] = scored(title, ranker)
    for name, ranker in rankers(laws_store, alqac_settings.retrieval).items():
        for title in alqac_sets:
            rows[title][name] = scored(title, ranker)
    # the shipped model by the real search, on the test split only: it was fitted on the rest
    if (shipped := _shipped(store, settings.retrieval)) is not None:
        rows["hand-written test"][shipped[0]] = scored("hand-written test", shipped[1])

    # models fitted now: candidates of the configured fusion, relevance by the same gold
    learned = {"ranker": "lambdarank"}
    search = HybridSearch(store, settings.retrieval.model_copy(update=learned), apply_ranker=False)
    law_search = HybridSearch(laws_store, alqac_settings.retrieval.model_copy(update=learned), apply_ranker=False)
    frames = FrameReader()
    pools = {
        title: [candidates(search, q.id, q.question, _holds_gold(q, settings.corpus_dir), frames) for q in items]
        for title, items in hand.items()
    } | {
        title: [
            candidates(law_search, f"{title}:{q.get('id', n)}", str(q["question"]), _in_gold(q, laws), frames)
            for n, q in enumerate(items)
        ]
        for title, items in alqac_sets.items()
    }
    models = {}
    for pool in POOLS:
        fitted_on = [c for title in pool.sets for c in pools[title]]
        models[pool.name] = model = fit(fitted_on)
        by_cv = cross_validated(fitted_on)
        for title, candidates_of in pools.items():
            if title in pool.sets:
                name, predicted = f"lambdarank {pool.name} (5-fold CV)", by_cv
            else:
                name, predicted = (
                    f"lambdarank {pool.name} (held out)",
                    {c.key: _predict(model, c) for c in candidates_of},
                )
            rows[title][name] = _with_latency(scored(title, _replayed(candidates_of, predicted)), candidates_of, model)
    counts = {title: len(items) for title, items in hand.items()} | {t: len(i) for t, i in alqac_sets.items()}
    tables = [table(f"{title} ({counts[title]} questions)", figures) for title, figures in rows.items()]
    if save_ranker:
        trained_on = ", ".join(f"{title} ({counts[title]})" for title in SHIPPED_POOL.sets)
        tables.append(_save(models[SHIPPED_POOL.name], settings, rows, trained_on))
    return tables


def _save(
    model: lightgbm.Booster, settings: Settings, rows: dict[str, dict[str, dict[str, float]]], trained_on: str
) -> str:
    """Ship the model of the whole pool only where, on the held-out test split, it beats the configured fusion
    of the same run, and on the templated smoke set (by CV) it keeps the fusion's hit@5."""
    target = settings.retrieval.shipped_ranker
    test, smoke = rows["hand-written test"], rows["hand-written smoke"]
    held, by_cv = f"lambdarank {SHIPPED_POOL.name} (held out)", f"lambdarank {SHIPPED_POOL.name} (5-fold CV)"
    if not _beats(test[held], test["fusion (configured)"]) or not _keeps(smoke[by_cv], smoke["fusion (configured)"]):
        return TEXTS.ranker_not_saved.format(target=target)
    figures = {f"{title}, fusion (configured)": row["fusion (configured)"] for title, row in rows.items()} | {
        f"{title}, lambdarank": row[held if held in row else by_cv] for title, row in rows.items()
    }
    save(model, target, trained_on, figures)
    return TEXTS.ranker_saved.format(target=target, card=card_path(target).name)


def _holds_gold(question: Question, corpus_dir: Path) -> Callable[[Chunk], bool]:
    spans = gold_spans(question, corpus_dir)
    return lambda chunk: any(holds(_as_ref((chunk,)), span, quote) for span, quote in spans)


def _in_gold(item: dict[str, object], laws: dict[str, str]) -> Callable[[Chunk], bool]:
    gold = {(str(g["law"]), int(g["article"])) for g in item["gold"]}  # type: ignore[attr-defined]
    return lambda chunk: _article((chunk,), laws) in gold


def _read(path: Path) -> list[dict[str, object]]:
    """ALQAC questions, one JSON object a line: {"question", "gold": [{"law", "article"}]}."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
