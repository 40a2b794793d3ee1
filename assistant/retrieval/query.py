"""What a question says beyond its words: the place, the year, the project and the field asked about.

Officers name a locality ("huyện Ia H'Drai", often as "ia hdrai") and a year, and ask about one field
of a project ("đối tượng", "kinh phí", "ai chủ trì"). Matching is on folded text, so it works without
diacritics. A place that is a province of Viet Nam but has no document here is reported, because no
answer about it can come from this collection.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from core.text import fold, has_phrase
from core.vocabulary import load_fields
from ingest.models import DocumentMeta

# What kind of phrase answers the question: a duration, a figure, a date (folded question cues).
ANSWER_SHAPES: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        re.compile(r"\bbao lau\b|\bmay thang\b|\bmay nam\b|\btrong vong bao\b|\bthoi gian bao\b"),
        re.compile(r"\d+\s*(?:tháng|năm|ngày)\b"),
    ),
    (
        re.compile(r"\bkhi nao\b|\bngay nao\b|\bthoi han\b|\bluc nao\b"),
        re.compile(r"(?:ngày|tháng|năm)\s+\d+|\d{1,2}/\d{1,2}/\d{4}"),
    ),
    (
        re.compile(
            r"\bcan cu\b|\bvan ban nao\b|\b(?:quyet dinh|nghi dinh|thong tu|nghi quyet|ke hoach) nao\b|\bquy dinh o\b"
        ),
        re.compile(r"(?:Quyết định|Nghị định|Thông tư|Nghị quyết|Kế hoạch|Công văn)\s+(?:số\s+)?\d+"),
    ),
    (re.compile(r"\bbao nhieu\b|\bmay\b|\bty le\b|\btong so\b|\bso luong\b"), re.compile(r"\d")),
]
_PROJECT = re.compile(r"\b(tieu du an|du an)\s+(\d+)")
# a year the question is about: "năm 2024", or a bare year that is not one end of a period "2021-2025"
_YEAR = re.compile(r"(?<![\d\-–/])(20[0-4]\d)(?!\s*[\-–]\s*20\d\d)\b")
_CAPITALISED = r"[A-ZĐÀ-Ỹ][\w'’]*"
_NAMED_PLACE = re.compile(
    # the level word with or without diacritics ("huyện", "huyen"), then the capitalised name
    rf"\b([Hh]uy[eệ]n|[Xx][aã]|[Tt][iỉ]nh|[Tt]h[aà]nh ph[oố]|[Tt]h[iị] x[aã]|[Tt]h[iị] tr[aấ]n)\s+"
    rf"({_CAPITALISED}(?:\s+{_CAPITALISED}){{0,3}})"
)
_DIACRITIC = re.compile(r"[^\x00-\x7f]")


@dataclass
class QueryIntent:
    folded: str
    doc_ids: set[str] | None = None  # documents of the locality named, if any
    localities: list[str] = field(default_factory=list)
    unknown_places: list[str] = field(default_factory=list)
    own_places: list[str] = field(default_factory=list)  # named places that are a document's own locality
    years: list[int] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)  # folded "du an 3", "tieu du an 1"
    field: str | None = None
    answer_shape: re.Pattern[str] | None = None  # a pattern the answer's text should contain
    has_diacritics: bool = True  # typed with Vietnamese diacritics (dense retrieval is weak without)
    uncovered_years: list[int] = dataclasses.field(default_factory=list)  # named, no document covers them


def names_project(text: str, name: str) -> bool:
    """ "Dự án 3" is named in "d) Dự án 3: …", but not in "Dự án 31", nor in "Tiểu dự án 3" (a sub-project of
    any Dự án); "Tiểu dự án 3" is named in "Dự án 4 › Tiểu dự án 3"."""
    folded = fold(name)
    other_level = "(?<!tieu )" if folded.startswith("du an") else ""
    return re.search(rf"(?<!\w){other_level}{re.escape(folded)}(?!\d)", fold(text)) is not None


def mentions_field(folded_text: str, field_name: str) -> bool:
    """Whether folded text (a section path) is about ``field_name`` by the same cues questions use."""
    return any(has_phrase(folded_text, cue) for cue in load_fields().cues.get(field_name, ()))


def _place_names(doc: DocumentMeta) -> set[str]:
    return {name for name in (doc.locality, doc.district, doc.province) if name}


def _contains(haystack: str, needle: str) -> bool:
    return bool(needle) and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


def _fold_place(name: str) -> str:
    # "Ia H'Drai" is typed "ia hdrai", "ia h drai" or "ia h'drai": compare without apostrophes
    return re.sub(r"\s+", " ", fold(name).replace("'", "")).strip()


class QueryAnalyzer:
    """Pipeline step: question → QueryIntent, against the documents of the collection."""

    def __init__(self, documents: list[DocumentMeta], provinces_file: Path) -> None:
        self.years = {year for doc in documents for year in doc.years}
        self.places: dict[str, set[str]] = {}  # folded place → doc ids
        self.own = {_fold_place(doc.locality) for doc in documents if doc.locality}
        self.doc_years = {doc.doc_id: set(doc.years) for doc in documents}
        self.display: dict[str, str] = {}
        for doc in documents:
            for name in _place_names(doc):
                key = _fold_place(name)
                self.places.setdefault(key, set()).add(doc.doc_id)
                self.display.setdefault(key, name)
        self.provinces = {
            _fold_place(line): line.strip()
            for line in provinces_file.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }

    def _named_places(self, question: str) -> list[str]:
        """Places named with their level and capitals ("huyện Mường Tè") that no document is about."""
        named = []
        for match in _NAMED_PLACE.finditer(question):
            name = match.group(2)
            key = _fold_place(name)
            if not any(_contains(k, key) or _contains(key, k) for k in self.places):
                named.append(name)
        return named

    def run(self, question: str) -> QueryIntent:
        folded = fold(question)
        plain = _fold_place(question)
        intent = QueryIntent(folded=folded, has_diacritics=bool(_DIACRITIC.search(question)))
        for key, doc_ids in self.places.items():
            if _contains(plain, key):
                intent.localities.append(self.display[key])
                intent.doc_ids = (intent.doc_ids or set()) | doc_ids
                if key in self.own:
                    intent.own_places.append(self.display[key])
        intent.unknown_places = [
            name
            for key, name in self.provinces.items()
            if key not in self.places and _contains(plain, key) and not any(key in k or k in key for k in self.places)
        ]
        intent.unknown_places += [p for p in self._named_places(question) if p not in intent.unknown_places]
        intent.years = sorted({int(y) for y in _YEAR.findall(folded)})
        intent.uncovered_years = [y for y in intent.years if y not in self.years]
        intent.projects = [f"{kind} {number}" for kind, number in _PROJECT.findall(folded)]
        intent.answer_shape = next((shape for cue, shape in ANSWER_SHAPES if cue.search(folded)), None)
        # the field cues are in corpus/fields.toml, in the order they are tried
        intent.field = next(
            (name for name, cues in load_fields().cues.items() if any(has_phrase(folded, c) for c in cues)), None
        )
        return intent
