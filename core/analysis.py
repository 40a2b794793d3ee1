"""Vietnamese text analysis for lexical search: folding, tokens, abbreviations.

Officers type without diacritics ("ho can ngheo") and in abbreviations ("phong LDTBXH"), so documents
and questions go through the same analysis: NFC, lower case, diacritics and "đ" folded; syllable tokens
plus syllable bigrams (Vietnamese words are mostly two syllables, and on ALQAC the bigrams beat pyvi's
word segmentation, which needs diacritics — ``mode="word"`` keeps pyvi for comparison, see
``eval/lexical_choice.py``); figures in one canonical spelling (56.770 = 56770, 0.5 = 0,5, 02 = 2); and
every glossary term present in either form adding the other form's tokens.
"""

from __future__ import annotations

import hashlib
import re
import threading
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

from core.text import APOSTROPHES, fold
from prompts import get_prompts

Mode = Literal["syllable", "word"]

# footnote markers ("TB&XH¹⁶") count as letters to \w: they are separators here
_MARKERS = str.maketrans(dict.fromkeys("⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉", " "))
# a figure with its separators ("56.770", "0,5") or a run of letters with inner apostrophes ("H'Drai")
_SYLLABLE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*")
# pyvi's CRF tagger is one shared object whose thread safety is not documented
_PYVI_LOCK = threading.Lock()


def _number(token: str) -> str:
    """One spelling per figure: "." and "," group thousands when every later group has 3 digits
    (Vietnamese "56.770" = "56,770" = 56770); otherwise they mark decimals or section numbers ("0.5" =
    "0,5", "2.1"); leading zeros go ("02/04" = "2/4")."""
    head, *rest = re.split(r"[.,]", token)
    if rest and all(len(group) == 3 for group in rest):
        return str(int(head + "".join(rest)))
    return ",".join([str(int(head)), *rest])


def _syllables(text: str) -> list[str]:
    return _SYLLABLE.findall(unicodedata.normalize("NFC", text).translate(APOSTROPHES).translate(_MARKERS))


@lru_cache(maxsize=131072)
def _canonical(syllable: str) -> str:
    folded = fold(syllable)
    # "H'Drai" and "HDrai" are both typed; a figure keeps one spelling
    return _number(folded) if folded[0].isdigit() else folded.replace("'", "")


@dataclass(frozen=True)
class Term:
    short: tuple[str, ...]
    long: tuple[str, ...]

    @property
    def abbreviation(self) -> str:
        """The token every form of the term adds: "LĐ-TB&XH" → "ldtbxh"."""
        return re.sub(r"\W+", "", fold(self.short[0]))


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(repr(self.terms).encode("utf-8")).hexdigest()[:16]


def load_glossary(path: Path) -> Glossary:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    terms = []
    for number, entry in enumerate(data.get("term", []), 1):
        short, long = entry.get("short"), entry.get("long")
        if not short or not long or not all(isinstance(f, str) and f.strip() for f in [*short, *long]):
            raise ValueError(get_prompts().config.glossary_term.format(path=path, number=number))
        terms.append(Term(tuple(short), tuple(long)))
    return Glossary(tuple(terms))


@dataclass(frozen=True)
class _Form:
    term: int
    is_long: bool
    upper: tuple[bool, ...]  # per syllable: must be written in capitals to count

    def written_as(self, surfaces: list[str]) -> bool:
        return all(s.isupper() or not up for s, up in zip(surfaces, self.upper, strict=True))


class Analyzer:
    """Same tokens for questions and passages; ``tokens`` is safe to call from several threads."""

    def __init__(self, glossary: Glossary, mode: Mode = "syllable", bigrams: bool = True) -> None:
        self.glossary = glossary
        self.mode = mode
        self.bigrams = bigrams and mode == "syllable"
        self._forms: dict[tuple[str, ...], _Form] = {}
        for index, term in enumerate(glossary.terms):
            for form, is_long in [*((f, False) for f in term.short), *((f, True) for f in term.long)]:
                surfaces = _syllables(form)
                # one- and two-letter abbreviations ("TT", "KH", "SN") are ordinary syllables in lower case
                upper = tuple(not is_long and s.isupper() and len(s) <= 2 for s in surfaces)
                key = tuple(_canonical(s) for s in surfaces)
                if key in self._forms and self._forms[key].term != index:
                    raise ValueError(get_prompts().config.glossary_twice.format(form=form))
                self._forms.setdefault(key, _Form(index, is_long, upper))
        self._longest = max((len(k) for k in self._forms), default=0)

    @property
    def signature(self) -> str:
        """What an index built with this analyzer depends on (stored beside it, checked on load)."""
        return f"{self.mode}{'+bigrams' if self.bigrams else ''}:{self.glossary.fingerprint}"

    @cached_property
    def _expansions(self) -> list[tuple[list[str], list[str]]]:
        """Per term: tokens added when only the short form is seen, and when the long form is."""
        return [
            ([*self._base(term.long[0], None), term.abbreviation], [term.abbreviation]) for term in self.glossary.terms
        ]

    def _terms_in(self, text: str) -> dict[int, bool]:
        """Glossary terms in ``text`` (longest form first, left to right) → whether a long form was seen."""
        surfaces = _syllables(text)
        keys = [_canonical(s) for s in surfaces]
        found: dict[int, bool] = {}
        i = 0
        while i < len(keys):
            for size in range(min(self._longest, len(keys) - i), 0, -1):
                form = self._forms.get(tuple(keys[i : i + size]))
                if form and form.written_as(surfaces[i : i + size]):
                    found[form.term] = found.get(form.term, False) or form.is_long
                    i += size
                    break
            else:
                i += 1
        return dict(sorted(found.items()))

    def _base(self, text: str, correct: Callable[[str], str] | None) -> list[str]:
        if self.mode == "word":
            from pyvi import ViTokenizer

            # pyvi segments on the diacritic text ("hộ_nghèo"); its words are folded afterwards
            with _PYVI_LOCK:
                words = ViTokenizer.tokenize(unicodedata.normalize("NFC", text)).split()
            tokens = ["_".join(_canonical(s) for s in _syllables(w.replace("_", " "))) for w in words]
            tokens = [t for t in tokens if t]
        else:
            tokens = [_canonical(s) for s in _syllables(text)]
        if correct is not None:
            tokens = [correct(t) for t in tokens]
        if self.bigrams:
            tokens += [f"{a}_{b}" for a, b in pairwise(tokens)]
        return tokens

    def tokens(self, text: str, correct: Callable[[str], str] | None = None) -> list[str]:
        """Index/query tokens of ``text``; ``correct`` maps a query syllable to a known one (typos)."""
        tokens = self._base(text, correct)
        for term, seen_long in self._terms_in(text).items():
            # only the missing form is added, so a term written out in full is not counted twice
            tokens += self._expansions[term][1 if seen_long else 0]
        return tokens
