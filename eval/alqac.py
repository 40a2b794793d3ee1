"""ALQAC 2023 statute retrieval: our hybrid search over the laws vs BM25 over whole articles.

The laws are ingested into their own data dir; each retrieved passage maps to its article through the
"Điều N." element of its section path and its law (the file name). Recall@k counts questions whose
gold article is among the first k distinct articles; F2 is of the top-1 article.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import bm25s

from assistant.index.indexer import IngestPipeline
from assistant.index.store import Store
from assistant.retrieval.hybrid import HybridSearch
from core.analysis import Analyzer, load_glossary
from core.settings import Settings

_ARTICLE = re.compile(r"^Điều\s+(\d+)")
KS = (1, 5, 10)


def benchmark_dir(settings: Settings) -> Path:
    return settings.corpus_dir.parent / "benchmarks" / "alqac2023"


def _questions(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _scores(ranked: list[list[tuple[str, int]]], gold: list[set[tuple[str, int]]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for k in KS:
        out[f"recall@{k}"] = statistics.fmean(len(set(r[:k]) & g) / len(g) for r, g in zip(ranked, gold, strict=True))
    out["mrr@10"] = statistics.fmean(
        next((1 / i for i, a in enumerate(r[:10], start=1) if a in g), 0.0) for r, g in zip(ranked, gold, strict=True)
    )
    f2 = []
    for r, g in zip(ranked, gold, strict=True):
        hit = len(set(r[:1]) & g)
        precision, recall = (hit / 1 if r else 0.0), hit / len(g)
        f2.append(5 * precision * recall / (4 * precision + recall) if hit else 0.0)
    out["f2@1"] = statistics.fmean(f2)
    return out


def _ours(settings: Settings, questions: list[dict[str, object]]) -> list[list[tuple[str, int]]]:
    store = Store(settings)
    IngestPipeline(store).run([benchmark_dir(settings) / "laws"])
    laws = {d.doc_id: Path(d.source).stem for d in store.catalog.documents()}
    search = HybridSearch(store, settings.retrieval)
    ranked = []
    for q in questions:
        articles: list[tuple[str, int]] = []
        for passage in search.run(str(q["question"]), 40).passages:
            match = next((m for p in passage.chunk.section_path if (m := _ARTICLE.match(p))), None)
            article = (laws[passage.chunk.doc_id], int(match.group(1))) if match else None
            if article and article not in articles:
                articles.append(article)
        ranked.append(articles[:10])
    return ranked


def _bm25_articles(settings: Settings, questions: list[dict[str, object]]) -> list[list[tuple[str, int]]]:
    raw = json.loads((benchmark_dir(settings) / "raw" / "all_articles_2023.json").read_text(encoding="utf-8"))
    keys = sorted(raw)
    analyzer = Analyzer(load_glossary(settings.glossary_file))
    retriever = bm25s.BM25()
    retriever.index([analyzer.tokens(raw[k]) or ["∅"] for k in keys], show_progress=False)
    ranked = []
    for q in questions:
        scores = retriever.get_scores(analyzer.tokens(str(q["question"])))
        top = sorted(range(len(keys)), key=lambda i: -scores[i])[:10]
        ranked.append([(keys[i].rsplit("@", 1)[0], int(keys[i].rsplit("@", 1)[1])) for i in top])
    return ranked


def run_alqac(settings: Settings) -> str:
    questions = _questions(benchmark_dir(settings))
    gold = [{(str(g["law"]), int(g["article"])) for g in q["gold"]} for q in questions]  # type: ignore[attr-defined]
    rows = {
        "ours (hybrid, chunks)": _scores(_ours(settings, questions), gold),
        "BM25 over whole articles": _scores(_bm25_articles(settings, questions), gold),
    }
    header = ["system", *rows[next(iter(rows))]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join([name, *(f"{v:.3f}" for v in r.values())]) + " |" for name, r in rows.items()]
    return f"ALQAC 2023, {len(questions)} questions\n" + "\n".join(lines)
