"""Vietnamese text analysis for lexical search: folding, tokens, abbreviations.

Officers type without diacritics ("ho can ngheo") and in abbreviations ("phong LDTBXH"), so documents
and questions go through the same analysis: NFC, lower case, diacritics and "đ" folded, syllable
tokens plus syllable bigrams (Vietnamese words are mostly two syllables; bigrams stand in for word
segmentation at a fraction of its cost — ``mode="word"`` uses pyvi's segmenter instead, for
comparison), figures reduced to their digits (56.770 = 56770), and every glossary term present in
either form adding the other form's tokens.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "”": "'", "“": "'", "ʼ": "'", "`": "'"})
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without diacritics: "Hộ cận nghèo – Đắk Glei" → "ho can ngheo – dak glei"."""
    text = unicodedata.normalize("NFD", text.translate(_APOSTROPHES).lower().replace("đ", "d"))
    return unicodedata.normalize("NFC", "".join(ch for ch in text if unicodedata.category(ch) != "Mn"))


@dataclass(frozen=True)
class Term:
    short: tuple[str, ...]
    long: tuple[str, ...]

    @property
    def key(self) -> str:
        return "§" + re.sub(r"\W+", "", fold(self.short[0]))


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]


def load_glossary(path: Path) -> Glossary:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Glossary(tuple(Term(tuple(t["short"]), tuple(t["long"])) for t in data.get("term", [])))


def _alternation(forms: list[str]) -> re.Pattern[str] | None:
    if not forms:
        return None
    ordered = sorted(set(forms), key=len, reverse=True)
    return re.compile(r"(?<![\w&])(" + "|".join(re.escape(f) for f in ordered) + r")(?![\w&])")


class Analyzer:
    def __init__(self, glossary: Glossary, mode: Literal["syllable", "word"] = "syllable") -> None:
        self.mode = mode
        self._by_form: dict[str, Term] = {}
        folded_forms, exact_forms = [], []
        for term in glossary.terms:
            for form in term.long:
                self._by_form[fold(form)] = term
                folded_forms.append(fold(form))
            for form in term.short:
                # two-letter abbreviations ("TT", "KH") are ordinary syllables when folded: match as typed
                if len(re.sub(r"\W", "", form)) <= 2:
                    self._by_form[form] = term
                    exact_forms.append(form)
                else:
                    self._by_form[fold(form)] = term
                    folded_forms.append(fold(form))
        self._folded = _alternation(folded_forms)
        self._exact = _alternation(exact_forms)

    def terms_in(self, text: str) -> dict[Term, bool]:
        """Glossary terms in ``text`` → whether only the short form was found."""
        found: dict[Term, bool] = {}
        matches = [(self._by_form[m], m) for m in (self._folded.findall(fold(text)) if self._folded else [])]
        matches += [(self._by_form[m], m) for m in (self._exact.findall(text) if self._exact else [])]
        for term, form in matches:
            is_long = form in {fold(f) for f in term.long}
            found[term] = found.get(term, True) and not is_long
        return found

    def _base_tokens(self, text: str) -> list[str]:
        if self.mode == "word":
            from pyvi import ViTokenizer

            text = ViTokenizer.tokenize(text)
            return [re.sub(r"[.,']", "", fold(w)) if w[:1].isdigit() else fold(w) for w in text.split() if w.strip("_")]
        return [re.sub(r"[.,']", "", t) for t in _TOKEN.findall(fold(text))]

    def tokens(self, text: str) -> list[str]:
        base = self._base_tokens(text)
        tokens = list(base)
        if self.mode == "syllable":
            tokens.extend(f"{a}_{b}" for a, b in pairwise(base))
        for term, short_only in self.terms_in(text).items():
            tokens.append(term.key)
            # only the missing form is added, so a term written out in full is not counted twice
            expansion = self._base_tokens(term.long[0] if short_only else term.short[0])
            tokens.extend(expansion)
            if self.mode == "syllable":
                tokens.extend(f"{a}_{b}" for a, b in pairwise(expansion))
        return tokens
