"""Build the structured part of the question set from the corpus outline (deterministic, seeded).

``python -m eval.build_questions`` writes ``eval/questions/structured.jsonl``: for every field of a
project (Đối tượng, Kinh phí, Phân công thực hiện, Mục tiêu, Nội dung, Kết quả) and for the legal
basis of each plan, an officer-style question naming the place and year, with the field's first
sentence as verbatim evidence and the key fact (a figure, an office, a phrase) it must contain. Styles
rotate through normal, no diacritics, colloquial and typo. Hand-written questions (comparisons,
unanswerable ones, free phrasings) live in the other files of ``eval/questions``.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from core.settings import get_settings
from core.text import fold
from eval.dataset import QUESTION_DIR
from eval.gold import document_lines, locate
from ingest.models import Chunk, DocumentMeta
from ingest.pipeline import parse_document
from ingest.structure import field_of_text

_PROJECT = re.compile(r"(Tiểu dự án \d+|Dự án \d+)", re.IGNORECASE)
_FIGURE = re.compile(r"\d[\d.,]*\s*(?:triệu đồng|tỷ đồng|đồng|%|hộ|người|lớp|công trình|mô hình)")
_OFFICE = re.compile(
    r"((?:Phòng|Ủy ban nhân dân|UBND|Trung tâm|Ban|Hội|Văn phòng)[^,;.:()]{3,60}?)"
    r"(?=\s+(?:chủ trì|phối hợp|tham mưu|thực hiện|là cơ quan)|[,;.:])"
)
TEMPLATES: dict[str, tuple[str, list[str]]] = {
    "Đối tượng": (
        "beneficiaries",
        [
            "Đối tượng thụ hưởng của {proj} tại {place} năm {year} gồm những ai?",
            "{proj} ở {place} hỗ trợ cho những đối tượng nào?",
            "Những ai được hưởng lợi từ {proj} theo kế hoạch năm {year} của {place}?",
        ],
    ),
    "Kinh phí": (
        "budget",
        [
            "Nhu cầu vốn để thực hiện {proj} của {place} năm {year} là bao nhiêu?",
            "{place} dự kiến cần bao nhiêu kinh phí cho {proj}?",
            "Kinh phí thực hiện {proj} ở {place} năm {year} được bố trí thế nào?",
        ],
    ),
    "Phân công thực hiện": (
        "responsibility",
        [
            "Cơ quan nào chủ trì thực hiện {proj} ở {place}?",
            "Ở {place}, đơn vị nào chịu trách nhiệm triển khai {proj} năm {year}?",
            "Ai phụ trách {proj} theo kế hoạch của {place}?",
        ],
    ),
    "Mục tiêu": (
        "targets",
        [
            "Mục tiêu của {proj} tại {place} năm {year} là gì?",
            "{proj} ở {place} hướng tới mục tiêu gì?",
        ],
    ),
    "Nội dung": (
        "activities",
        [
            "{proj} ở {place} năm {year} có những nội dung hoạt động nào?",
            "Theo kế hoạch của {place}, {proj} sẽ hỗ trợ những hoạt động gì?",
        ],
    ),
    "Kết quả": (
        "results",
        [
            "Kết quả thực hiện {proj} ở {place} đạt được những gì?",
            "{place} đã làm được gì với {proj}?",
        ],
    ),
}
COLLOQUIAL = ["Cho hỏi, {q}", "Mình muốn biết {q}", "{q} Nhờ trợ lý xem giúp.", "Anh chị cho em hỏi {q}"]
LEGAL_BASIS = "Kế hoạch năm {year} của {place} được ban hành căn cứ vào những văn bản nào?"
PER_FIELD = 2  # questions per field of a project, each on a different sentence


def _project(chunk: Chunk) -> str | None:
    found = _PROJECT.findall(" › ".join(chunk.section_path))
    if not found:
        return None
    names = list(dict.fromkeys(f[0].upper() + f[1:].lower() for f in found))
    subproject = next((n for n in names if n.startswith("Tiểu")), None)
    project = next((n for n in names if not n.startswith("Tiểu")), None)
    return f"{subproject} của {project}" if subproject and project else (project or subproject)


def _evidences(chunk: Chunk, lines: tuple[str, ...]) -> list[str]:
    """The chunk's sentences that say something (not a bare label), shortened to ≤ 300 characters,
    and contiguous in the source (a sentence cut by a footnote is not a usable quote)."""
    found = []
    for sentence in chunk.sentences:
        label = re.sub(r"^[a-zđ]\)\s*", "", sentence.text)
        body = sentence.text.partition(":")[2].strip() if ":" in sentence.text[:60] else sentence.text
        if sentence.heading or len(body) <= 25 or (field_of_text(label) and not body.strip()):
            continue
        quote = sentence.text if len(sentence.text) <= 300 else sentence.text[:300].rsplit(" ", 1)[0]
        if locate(quote, lines) is not None:
            found.append(quote)
    return found


def _key_fact(field: str, quote: str) -> str | None:
    if field in ("Kinh phí", "Kết quả"):
        figure = _FIGURE.search(quote)
        if figure:
            return figure.group(0).strip()
    if field == "Phân công thực hiện":
        office = _OFFICE.search(quote)
        if office:
            return office.group(1).strip()
    body = re.sub(r"^[-+•–]\s*", "", quote)
    body = body.partition(":")[2].strip() if ":" in body[:60] else body
    clause = re.split(r"[,;(]", body)[0].strip()
    words = clause.split()[:6]
    return " ".join(words) if len(words) >= 3 else None


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(len(w) - 1)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _styled(question: str, style: str, rng: random.Random) -> str:
    if style == "no_diacritics":
        return fold(question).capitalize()
    if style == "colloquial":
        q = rng.choice(COLLOQUIAL).format(q=question[0].lower() + question[1:])
        return q[0].upper() + q[1:]
    if style == "typo":
        return _typo(question, rng)
    return question


def _place(meta: DocumentMeta) -> str:
    return f"{meta.locality_level or ''} {meta.locality or ''}".strip()


def build(corpus_dir: Path, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    styles = ["normal", "no_diacritics", "colloquial", "normal", "typo", "no_diacritics"]
    settings = get_settings()
    records: list[dict[str, object]] = []
    for path in sorted(corpus_dir.glob("0*.txt")):
        parsed = parse_document(path, settings)
        meta = parsed.meta
        year = max(meta.years) if meta.years else ""
        lines = document_lines(path)
        seen: set[tuple[str, str]] = set()
        for chunk in parsed.chunks:
            project = _project(chunk)
            if chunk.field not in TEMPLATES or project is None or (project, chunk.field) in seen:
                continue
            seen.add((project, chunk.field))
            category, templates = TEMPLATES[chunk.field]
            picked = rng.sample(templates, k=len(templates))
            quotes = [q for q in _evidences(chunk, lines) if _key_fact(chunk.field, q)][:PER_FIELD]
            for template, quote in zip(picked, quotes, strict=False):
                question = template.format(proj=project, place=_place(meta), year=year)
                style = styles[len(records) % len(styles)]
                records.append(
                    {
                        "id": f"S{len(records) + 1:03d}",
                        "question": _styled(question, style, rng),
                        "category": category,
                        "style": style,
                        "answer": quote,
                        "must_include": [_key_fact(chunk.field, quote)],
                        "evidence": [{"doc": path.name, "quote": quote}],
                    }
                )
        basis = next((c for c in parsed.chunks if any(s.text.startswith("Căn cứ") for s in c.sentences)), None)
        if basis is not None:
            sentence = next(s.text for s in basis.sentences if s.text.startswith("Căn cứ"))
            number = re.search(r"\d+/\d{4}/[A-ZĐ\-]+|\d+/[A-ZĐ][A-ZĐ\-]+", sentence)
            if number:
                quote = sentence if len(sentence) <= 300 else sentence[:300].rsplit(" ", 1)[0]
                records.append(
                    {
                        "id": f"S{len(records) + 1:03d}",
                        "question": LEGAL_BASIS.format(year=year, place=_place(meta)),
                        "category": "legal_basis",
                        "style": "normal",
                        "answer": quote,
                        "must_include": [number.group(0)],
                        "evidence": [{"doc": path.name, "quote": quote}],
                    }
                )
    return records


def main() -> None:
    records = build(get_settings().corpus_dir)
    out = QUESTION_DIR / "structured.jsonl"
    out.parent.mkdir(exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"{len(records)} câu hỏi → {out}")


if __name__ == "__main__":
    main()
