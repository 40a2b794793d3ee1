"""The fixed dev/test split of the hand-written questions: tune on dev, report both.

A question's side is decided by a stable hash of its id (a second turn by its first turn's id, so a
conversation never straddles the split); about one in three goes to test. The split is written to
``eval/splits/{dev,test}.txt`` (one id a line) by ``python -m eval split`` and read back from there, so
adding questions never moves the old ones; a test checks that the files are up to date. The generated
``structured.jsonl`` is not split: it is the retrieval smoke set, reported on its own.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from eval.dataset import GENERATED, QUESTION_DIR, Question

SPLIT_DIR = Path(__file__).with_name("splits")
Split = Literal["dev", "test"]
SPLITS: tuple[Split, ...] = ("dev", "test")
SMOKE = "smoke"


def side(question: Question) -> Split:
    root = question.previous or question.id
    return "test" if int(hashlib.sha256(root.encode("utf-8")).hexdigest()[:8], 16) % 3 == 0 else "dev"


def hand_written_files(directory: Path = QUESTION_DIR) -> list[Path]:
    return [p for p in sorted(directory.glob("*.jsonl")) if p.name != GENERATED]


def assign(questions: list[Question]) -> dict[Split, list[str]]:
    sides: dict[Split, list[str]] = {name: [] for name in SPLITS}
    for question in questions:
        sides[side(question)].append(question.id)
    return {name: sorted(ids) for name, ids in sides.items()}


def write(questions: list[Question], folder: Path = SPLIT_DIR) -> dict[Split, list[str]]:
    sides = assign(questions)
    folder.mkdir(parents=True, exist_ok=True)
    for name, ids in sides.items():
        (folder / f"{name}.txt").write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    return sides


def read(folder: Path = SPLIT_DIR) -> dict[str, Split]:
    """Question id → its side, as committed."""
    return {
        line.strip(): name
        for name in SPLITS
        if (folder / f"{name}.txt").exists()
        for line in (folder / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
    }


def select(split: str, corpus_dir: Path) -> tuple[list[Question], dict[str, str], list[Path]]:
    """The questions of ``split`` (dev, test, smoke or all), each id's label, and the files read.

    Hand-written questions missing from the split files (written since the last ``python -m eval split``)
    are labelled "unsplit": reported, never silently counted as dev or test.
    """
    from eval.dataset import load_files

    questions: list[Question] = []
    labels: dict[str, str] = {}
    files: list[Path] = []
    if split in (*SPLITS, "all"):
        sides = read()
        files = hand_written_files()
        written, _ = load_files(files, corpus_dir)
        labels = {q.id: sides.get(q.id, "unsplit") for q in written}
        questions = [q for q in written if split == "all" or labels[q.id] == split]
    if split in (SMOKE, "all"):
        files.append(QUESTION_DIR / GENERATED)
        smoke, _ = load_files(files[-1:], corpus_dir)
        labels |= {q.id: SMOKE for q in smoke}
        questions += smoke
    return questions, {q.id: labels[q.id] for q in questions}, files
