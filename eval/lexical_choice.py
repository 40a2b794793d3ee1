"""Which tokenisation the lexical index uses: syllables, syllables + bigrams, or pyvi words, on ALQAC 2023.

Whole articles are indexed; each of the 100 labelled questions is asked as written, with its diacritics
stripped, and stripped with one typo in about every fourth word (fixed seed), with the index's typo
correction on and off. Run: ``python -m eval.lexical_choice [--alqac DIR]`` (pyvi indexing takes ~1 min).
"""

from __future__ import annotations

import argparse
import json
import random
import string
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from assistant.index.lexical import LexicalIndex
from core.analysis import Analyzer, Mode, load_glossary
from core.settings import get_settings
from core.text import fold

VARIANTS: dict[str, tuple[Mode, bool]] = {
    "syllable": ("syllable", False),
    "syllable+bigram": ("syllable", True),
    "word (pyvi)": ("word", False),
}


def with_typo(text: str, rng: random.Random) -> str:
    """One edit (drop, swap, replace or add a letter) in about every fourth word of four letters or more."""
    words = text.split()
    for i, word in enumerate(words):
        if len(word) < 4 or not word.isalpha() or rng.random() > 0.25:
            continue
        at = rng.randrange(1, len(word) - 1)
        letter = rng.choice(string.ascii_lowercase)
        words[i] = rng.choice(
            [
                word[:at] + word[at + 1 :],
                word[:at] + word[at + 1] + word[at] + word[at + 2 :],
                word[:at] + letter + word[at + 1 :],
                word[:at] + letter + word[at:],
            ]
        )
    return " ".join(words)


def query_sets(questions: list[dict[str, str]]) -> dict[str, list[str]]:
    rng = random.Random(2023)
    return {
        "as written": [q["question"] for q in questions],
        "no diacritics": [fold(q["question"]) for q in questions],
        "no diacritics + typos": [with_typo(fold(q["question"]), rng) for q in questions],
    }


def ranked(index: LexicalIndex, query: str) -> list[str]:
    return [i for i, _ in index.search(query, 10)]


def measure(search: Callable[[str], list[str]], queries: list[str], gold: list[str]) -> dict[str, float]:
    ranks = []
    for query, target in zip(queries, gold, strict=True):
        hits = search(query)
        ranks.append(hits.index(target) + 1 if target in hits else None)
    return {
        "r@1": sum(r == 1 for r in ranks) / len(ranks),
        "r@10": sum(r is not None and r <= 10 for r in ranks) / len(ranks),
        "mrr@10": sum(1 / r for r in ranks if r is not None) / len(ranks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alqac", type=Path, default=get_settings().corpus_dir.parent / "benchmarks" / "alqac2023")
    args = parser.parse_args()
    articles: dict[str, str] = json.loads((args.alqac / "raw" / "all_articles_2023.json").read_text("utf-8"))
    lines = (args.alqac / "questions.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    gold = [f"{q['gold'][0]['law']}@{q['gold'][0]['article']}" for q in questions]
    sets = query_sets(questions)
    glossary = load_glossary(get_settings().glossary_file)

    print(f"{len(articles)} articles, {len(questions)} questions")
    print(f"{'variant':<17} {'queries':<22} {'typo fix':<8} {'r@1':>5} {'r@10':>5} {'mrr@10':>6}")
    for name, (mode, bigrams) in VARIANTS.items():
        started = time.perf_counter()
        index = LexicalIndex.build(list(articles), list(articles.values()), Analyzer(glossary, mode, bigrams))
        print(f"# {name}: indexed in {time.perf_counter() - started:.1f}s")
        for set_name, queries in sets.items():
            for typo_min_len in (0, 4):
                index.typo_min_len = typo_min_len
                figures = measure(partial(ranked, index), queries, gold)
                fix = "on" if typo_min_len else "off"
                print(f"{name:<17} {set_name:<22} {fix:<8} " + " ".join(f"{v:>5.2f}" for v in figures.values()))


if __name__ == "__main__":
    main()
