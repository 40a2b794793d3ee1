"""The domain vocabulary, loaded from data files once.

``corpus/vocabulary.toml``: the value vocabulary (units, "per what", funding sources, roles, office names,
asked-type cues), read by the fact extractor at ingest and by the question frame at question time, so a unit
added there is both extracted from documents and understood in questions.
``corpus/fields.toml``: the recurring fields of a project description (Mục tiêu, Đối tượng, …): how a
document's label opens one, which question cues ask about one, and their order in a handout.
``corpus/kinds.toml``: document kinds as a header prints them (heading, a number's type code).
``corpus/projects.toml``: the programme's Dự án / Tiểu dự án by the titles officers name them with.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.text import fold, has_phrase
from prompts import get_prompts

DEFAULT_VOCABULARY = Path(__file__).resolve().parent.parent / "corpus" / "vocabulary.toml"
DEFAULT_FIELDS = DEFAULT_VOCABULARY.with_name("fields.toml")
DEFAULT_KINDS = DEFAULT_VOCABULARY.with_name("kinds.toml")
DEFAULT_PROJECTS = DEFAULT_VOCABULARY.with_name("projects.toml")


@dataclass(frozen=True)
class Vocabulary:
    money_units: tuple[str, ...]
    count_units: tuple[str, ...]
    duration_units: tuple[str, ...]
    per: dict[str, str]  # folded cue → unit, longest cue first
    funding: dict[str, tuple[str, ...]]  # source → folded cues
    roles: dict[str, tuple[str, ...]]  # role → folded cues
    office_heads: tuple[str, ...]  # folded
    asked: dict[str, tuple[str, ...]]  # asked type → folded cues, in the order they are tried
    stop_words: frozenset[str]  # folded words that are not part of a question's focus
    stages: dict[str, tuple[str, ...]]  # what a sum is at (planned or paid out) → folded cues
    change_question: tuple[str, ...]  # folded cues of a question about a change or target of a rate
    change_before: tuple[str, ...]  # a value right after one of these is a change …
    change_level: tuple[str, ...]  # … unless one of these comes between ("giảm còn")

    def stages_in(self, folded: str) -> list[str]:
        return [stage for stage, cues in self.stages.items() if any(has_phrase(folded, c) for c in cues)]

    def stage_in(self, folded: str) -> str | None:
        """The one stage a text names ("bố trí bao nhiêu và giải ngân bao nhiêu" names two: none)."""
        named = self.stages_in(folded)
        return named[0] if len(named) == 1 else None

    def funding_in(self, folded: str) -> list[str]:
        return [source for source, cues in self.funding.items() if any(has_phrase(folded, cue) for cue in cues)]

    def role_in(self, folded: str) -> str | None:
        return next((role for role, cues in self.roles.items() if any(has_phrase(folded, cue) for cue in cues)), None)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(get_prompts().config.vocabulary_list.format(where=where))
    return tuple(value)


@dataclass(frozen=True)
class ProjectField:
    name: str  # canonical, as a section path and a handout show it
    heading: re.Pattern[str]  # matches the start of a document's label that opens this field
    cues: tuple[str, ...]  # folded question phrases that ask about this field


@dataclass(frozen=True)
class Fields:
    fields: tuple[ProjectField, ...]  # in the order a handout lists them
    cues: dict[str, tuple[str, ...]]  # field name → folded cues, in the order questions try them

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


@lru_cache(maxsize=4)
def load_fields(path: Path = DEFAULT_FIELDS) -> Fields:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    fields = tuple(
        ProjectField(
            name=entry["name"],
            heading=re.compile(entry["heading"]),
            cues=_strings(entry["cues"], f"field.{entry['name']}.cues") if "cues" in entry else (),
        )
        for entry in data.get("field", [])
    )
    by_name = {f.name: f for f in fields}
    order = _strings(data.get("cue_order"), "cue_order")
    unknown = [name for name in order if name not in by_name]
    unordered = [f.name for f in fields if f.cues and f.name not in order]
    if unknown or unordered:
        raise ValueError(get_prompts().config.vocabulary_cue_order.format(fields=unknown or unordered))
    return Fields(fields=fields, cues={name: by_name[name].cues for name in order})


def field_headings_identity(path: Path = DEFAULT_FIELDS) -> str:
    """What of corpus/fields.toml shapes an index: the headings that open a field (its question cues do not)."""
    headings = [(f.name, f.heading.pattern) for f in load_fields(path).fields]
    return hashlib.sha256(repr(headings).encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class DocumentKinds:
    headings: dict[str, str]  # a kind heading in capitals → the kind, in the order tried
    laws: frozenset[str]  # kinds whose heading carries the document's name
    codes: dict[str, str]  # a number's type code → the kind
    issuer_coded: str  # the kind of a number coded with its issuer's code


@dataclass(frozen=True)
class ProjectTitles:
    cues: tuple[tuple[str, str, str | None], ...]  # (folded cue, Dự án, Tiểu dự án or None), longest cue first

    def named(self, folded: str) -> tuple[str | None, str | None]:
        """The Dự án and Tiểu dự án a question names by title ("tieu du an cai thien dinh duong")."""
        return next(((p, s) for cue, p, s in self.cues if has_phrase(folded, cue)), (None, None))


@lru_cache(maxsize=4)
def load_projects(path: Path = DEFAULT_PROJECTS) -> ProjectTitles:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cues = [
        (fold(cue), entry["project"], entry.get("subproject"))
        for entry in data.get("project", [])
        for cue in _strings(entry.get("cues"), f"project.{entry.get('project')}.cues")
    ]
    return ProjectTitles(tuple(sorted(cues, key=lambda c: -len(c[0]))))


@lru_cache(maxsize=4)
def load_kinds(path: Path = DEFAULT_KINDS) -> DocumentKinds:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return DocumentKinds(
        headings=dict(data["headings"]),
        laws=frozenset(_strings(data.get("laws"), "laws")),
        codes=dict(data["codes"]),
        issuer_coded=data["issuer_coded"],
    )


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = DEFAULT_VOCABULARY) -> Vocabulary:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    units = data.get("units", {})
    return Vocabulary(
        money_units=_strings(units.get("money"), "units.money"),
        count_units=tuple(sorted(_strings(units.get("count"), "units.count"), key=len, reverse=True)),
        duration_units=_strings(units.get("duration"), "units.duration"),
        # longest cue first: "moi nguoi lao dong" is per worker, not per person
        per={fold(c): u for c, u in sorted(data.get("per", {}).items(), key=lambda item: -len(item[0]))},
        funding={source: _strings(cues, f"funding.{source}") for source, cues in data.get("funding", {}).items()},
        roles={role: _strings(cues, f"roles.{role}") for role, cues in data.get("roles", {}).items()},
        office_heads=_strings(data.get("offices", {}).get("heads"), "offices.heads"),
        asked={kind: _strings(cues, f"asked.{kind}") for kind, cues in data.get("asked", {}).items()},
        stop_words=frozenset(fold(w) for w in _strings(data.get("focus", {}).get("stop"), "focus.stop")),
        stages={stage: _strings(cues, f"stages.{stage}") for stage, cues in data.get("stages", {}).items()},
        change_question=_strings(data.get("change", {}).get("question"), "change.question"),
        change_before=_strings(data.get("change", {}).get("before"), "change.before"),
        change_level=_strings(data.get("change", {}).get("level"), "change.level"),
    )
