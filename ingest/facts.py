"""Typed facts: the amounts, percentages, counts, durations, dates, document references and offices a
chunk's sentences state, each with what it is of (the clause before it), per what, its funding source
and its role.

An answer must state the asked *kind* of value: "bao nhiêu phần trăm" wants a percentage, "mỗi hộ" an
amount per household, not a project's total. Typing the values once at ingest lets the answer stage
match a question's frame against values instead of against words, and refuse when no value of the
asked kind is there. Extraction is by patterns over the documents' own spelling (the vocabulary lives
in ``corpus/vocabulary.toml``); nothing is inferred beyond what the sentence prints.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from core.text import fold
from core.vocabulary import DEFAULT_VOCABULARY, Vocabulary, load_vocabulary
from ingest.models import Chunk, Fact, Sentence

FACTS_VERSION = "f4"  # part of the index fingerprint, with the vocabulary file: bump when extraction changes

_NUMBER = r"\d{1,3}(?:[.,]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_DATE = r"\d{1,2}/\d{1,2}/\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
_DOCUMENT = re.compile(
    r"(Luật|Nghị định|Nghị quyết|Quyết định|Thông tư(?: liên tịch)?|Kế hoạch|Công văn|Chỉ thị|Hướng dẫn|Báo cáo)"
    r"\s+(?:số\s+)?(\d+/[\wĐđ./&-]*[\wĐđ])"
    rf"(?:\s*,?\s*ngày\s+({_DATE}))?"
)
_PERCENT = re.compile(rf"({_NUMBER})\s*%")
_CLAUSE_BREAK = re.compile(r"[;:,.()]|\s[-–]\s")
# values that are not quantities: section numbers, years, dates
_NOT_QUANTITY = re.compile(r"(?:năm|ngày|tháng|giai đoạn|số|Điều|Khoản|mục|Mục)\s*$")
_OPEN_FOLLOW = re.compile(r"\s*(?:[/\-–]\s*)?\d")
_OFFICE_WORDS = {"-", "–", "&", "và", "nhân", "dân", "huyện", "xã", "tỉnh", "các", "thị", "trấn", "cấp", "nông", "thôn"}
_NAME_TAIL = {"-", "–", "&", "và", "các", "về", "với"}


def facts_identity() -> str:
    """What the stored facts depend on: this extractor's version and the vocabulary it reads."""
    return f"{FACTS_VERSION}:{hashlib.sha256(DEFAULT_VOCABULARY.read_bytes()).hexdigest()[:12]}"


def canonical_number(text: str) -> str:
    """One spelling per figure, as Vietnamese prints them: "." and "," group thousands when every later
    group has three digits ("1.642" = 1642), otherwise the last one marks decimals ("49,7", "1.234,5")."""
    head, *rest = re.split(r"[.,]", text)
    if rest and all(len(group) == 3 for group in rest):
        return str(int(head + "".join(rest)))
    if rest:
        return f"{int(head + ''.join(rest[:-1]))}.{rest[-1]}"
    return str(int(head))


def _aligned_fold(text: str) -> str:
    """The folded text, its positions those of the text (else the lower-cased text)."""
    folded = fold(text)
    return folded if len(folded) == len(text) else text.lower()


class FactExtractor:
    """Pipeline step: a chunk → the same chunk with ``facts`` filled from its sentences."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary or load_vocabulary()
        v = self.vocabulary
        units = "|".join(re.escape(u) for u in v.money_units)
        self._money = re.compile(rf"({_NUMBER})\s*({units})(?!\w)")
        # "Kinh phí (triệu đồng) – NSTW: 1.000" — a table row as the loaders write it, cells "header: value"
        self._money_cell = re.compile(rf"\(({units})\)[^:|]*:\s*({_NUMBER})(?=\s*(?:\||$))")
        counts = "|".join(re.escape(u) for u in v.count_units)
        self._count = re.compile(rf"(?<![\w.,/])({_NUMBER})\s+({counts})(?!\w)")
        durations = "|".join(re.escape(u) for u in v.duration_units)
        self._duration = re.compile(rf"(?<![\w.,/])(\d{{1,3}})\s+({durations})(?!\w)(?!\s+\d)")
        self._date = re.compile(rf"(?:ngày\s+)?({_DATE})")
        heads = "|".join(re.escape(h) for h in sorted(v.office_heads, key=len, reverse=True))
        self._office = re.compile(rf"(?<!\w)(?:{heads})(?!\w)")

    def run(self, chunks: Iterable[Chunk]) -> list[Chunk]:
        return [chunk.model_copy(update={"facts": self.facts(chunk)}) for chunk in chunks]

    def facts(self, chunk: Chunk) -> list[Fact]:
        heading_office = self._heading_office(chunk.section_path)
        found: list[Fact] = []
        for sentence in chunk.sentences:
            found += self.sentence_facts(sentence, heading_office)
        return found

    def sentence_facts(self, sentence: Sentence, heading_office: str | None = None) -> list[Fact]:
        text = sentence.text
        folded = _aligned_fold(text)
        facts: list[Fact] = []
        taken: list[tuple[int, int]] = []

        def add(kind: str, start: int, end: int, **fields: object) -> None:
            if any(start < e and s < end for s, e in taken):
                return
            taken.append((start, end))
            subject = self._subject(text, start)
            tail = _CLAUSE_BREAK.search(folded, end)
            window = fold(subject) + " " + folded[end : tail.end() if tail else end + 40]
            facts.append(
                Fact.model_validate(
                    {
                        "kind": kind,
                        "value": text[start:end],
                        "subject": subject,
                        "per": fields.pop("per", None) or self._per(folded, end, fold(subject)),
                        "funding": self.vocabulary.funding_in(window) or self.vocabulary.funding_in(folded),
                        "text": text,
                        "line_start": sentence.line_start,
                        "line_end": sentence.line_end,
                        **fields,
                    }
                )
            )

        for m in _DOCUMENT.finditer(text):
            add("document", m.start(), m.end(), number=m.group(2), unit=m.group(1), date=m.group(3))
        for m in self._date.finditer(text):
            add("date", m.start(), m.end(), number=m.group(1))
        for m in self._money.finditer(text):
            add("amount", m.start(), m.end(), number=canonical_number(m.group(1)), unit=m.group(2))
        for m in self._money_cell.finditer(text):  # a table cell whose header carries the unit
            add("amount", m.start(2), m.end(2), number=canonical_number(m.group(2)), unit=m.group(1))
        for m in _PERCENT.finditer(text):
            add("percent", m.start(), m.end(), number=canonical_number(m.group(1)), unit="%")
        for m in self._duration.finditer(text):
            if not _NOT_QUANTITY.search(text[: m.start()]):
                add("duration", m.start(), m.end(), number=str(int(m.group(1))), unit=m.group(2))
        for m in self._count.finditer(text):
            if not _NOT_QUANTITY.search(text[: m.start()]) and not _OPEN_FOLLOW.match(text, m.end()):
                add("count", m.start(), m.end(), number=canonical_number(m.group(1)), unit=m.group(2))
        facts += self._offices(sentence, folded, heading_office)
        facts.sort(key=lambda f: text.find(f.value))
        return facts

    def _offices(self, sentence: Sentence, folded: str, heading_office: str | None) -> list[Fact]:
        role = self.vocabulary.role_in(folded)
        if role is None:
            return []
        text = sentence.text
        named = self.office_names(text, folded)
        # "- Chủ trì, phối hợp với …" under "2. Phòng giao dịch NHCSXH huyện:": the heading is the subject
        opens_with_role = self.vocabulary.role_in(folded.lstrip("-+*• ")[:12]) is not None
        if heading_office and (opens_with_role or not named):
            named = [(-1, heading_office), *named]
        facts = []
        for start, name in named:
            before = folded[max(0, start - 16) : start] if start >= 0 else ""
            facts.append(
                Fact(
                    kind="office",
                    value=name,
                    subject=name,
                    role="phối hợp" if "phoi hop" in before or "voi" in before.split()[-1:] else role,
                    text=text,
                    line_start=sentence.line_start,
                    line_end=sentence.line_end,
                )
            )
        return facts

    @property
    def office_head(self) -> re.Pattern[str]:
        """How an office's name starts, on folded text ("phong", "trung tam" …)."""
        return self._office

    def office_names(self, text: str, folded: str | None = None) -> list[tuple[int, str]]:
        """The offices a text names, with where each starts: "Phòng Văn hóa và Thông tin", "Hội Liên hiệp Phụ nữ"."""
        folded = _aligned_fold(text) if folded is None else folded
        # an office is written with a capital ("Phòng", "Ủy ban"); "hội" inside "Xã hội" is not one
        named = [
            (m.start(), self._office_name(text, m.start()))
            for m in self._office.finditer(folded)
            if text[m.start()].isupper()
        ]
        return [(start, name) for start, name in named if len(name.split()) >= 2]

    @staticmethod
    def _office_name(text: str, start: int) -> str:
        """An office's name runs while its words are capitalised ("Phòng Lao động - Thương binh và Xã
        hội"), or are the lower-case words of a level ("Ủy ban nhân dân các xã, thị trấn")."""
        kept: list[str] = []
        for word in text[start:].split():
            bare = word.strip(",;:.()")
            follows_capital = bool(kept) and kept[-1][:1].isupper()
            if kept and not (bare[:1].isupper() or bare in _OFFICE_WORDS or follows_capital):
                break
            kept.append(bare)
            if bare != word or len(kept) >= 12:
                break
        while kept and kept[-1] in _NAME_TAIL:
            kept.pop()
        return " ".join(kept)

    def _heading_office(self, section_path: list[str]) -> str | None:
        for title in reversed(section_path):
            cleaned = re.sub(r"^[\dIVXivx]+[.)]\s*|[*:]", "", title).strip()
            if self._office.match(fold(cleaned)):
                return cleaned
        return None

    @staticmethod
    def _subject(text: str, start: int) -> str:
        """The clause before a value; when it is a word or two ("Khoảng"), the clause before that too."""
        head = text[:start]
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(head)]
        cut = breaks[-1] if breaks else 0
        if len(head[cut:].split()) < 3 and breaks:
            cut = breaks[-2] if len(breaks) > 1 else 0
        words = head[cut:].split()
        return " ".join(words[-14:])

    def _per(self, folded: str, end: int, subject: str) -> str | None:
        """The unit named right after the value ("/hộ", "mỗi hộ"), nearest first, else in its subject."""
        after = folded[end : end + 24]
        found: list[tuple[int, str]] = []
        for cue, unit in self.vocabulary.per.items():
            if cue.startswith("/"):
                if after.lstrip().startswith(cue):
                    found.append((0, unit))
                continue
            pattern = rf"(?<!\w){re.escape(cue)}(?!\w)"
            if m := re.search(pattern, after):
                found.append((m.start() + 1, unit))
            elif re.search(pattern, subject[-30:]):
                found.append((100, unit))
        return min(found)[1] if found else None
