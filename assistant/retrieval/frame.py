"""The question frame: what is asked (a kind of value), of what and per what (the focus), and where
(the scope: place, year, Dự án / Tiểu dự án, field, funding source).

An answer is only right when it states a value of the asked kind for the asked focus and scope: "bao
nhiêu phần trăm chi phí học ngoại ngữ" is not answered by a sentence saying "một phần chi phí", "mức
hỗ trợ mỗi hộ" not by a model's total. The frame is what the answer stage checks facts against, what a
follow-up inherits, and what the page shows as "Đang hỏi: Kinh phí · Dự án 4 · Ia H'Drai · 2025".
Cues come from ``corpus/vocabulary.toml`` and the field cues of the query analyser.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from assistant.retrieval.query import QueryIntent
from core.text import fold, has_phrase
from core.vocabulary import ProjectTitles, Vocabulary, load_projects, load_vocabulary
from ingest.facts import FactExtractor
from prompts import get_prompts

AskedType = Literal[
    "amount",
    "percent",
    "count",
    "number",
    "duration",
    "date",
    "document",
    "office",
    "list",
    "yesno",
    "comparison",
    "text",
]
# the asked types whose answer is one value: these must be found as a typed fact, or the answer is refused
VALUE_TYPES: frozenset[str] = frozenset(
    {"amount", "percent", "count", "number", "duration", "date", "document", "office"}
)
_ORDER = ("comparison", "percent", "duration", "date", "document", "office", "count", "amount", "yesno", "list")
_QUANTITY = re.compile(r"(?<!\w)(?:bao nhieu|bao nhiu|bn|may|tong so|tong cong)(?!\w)")
_YES_NO = re.compile(r"(?<!\w)(?:khong|ko|k|hok|chua)\s*\??\s*(?:a|vay|nhi|nhe)?\s*\??\s*$")
_GIVEN = {
    "amount": re.compile(r"\d[\d.,]*\s*(?:trieu dong|ty dong|nghin dong|dong)(?!\w)"),
    "percent": re.compile(r"\d[\d.,]*\s*%"),
}
_WHAT = re.compile(r"(?<!\w)(?:nao|gi|nhu the nao|the nao|ra sao)(?!\w)")
_ABBREVIATED_PROJECT = re.compile(r"\b(T?DA)\s?(\d{1,2})\b")


class Scope(BaseModel):
    locality: str | None = Field(None, description="the place asked about, e.g. Ia H'Drai")
    year: int | None = Field(None, description="the year asked about")
    project: str | None = Field(None, description="e.g. Dự án 4")
    subproject: str | None = Field(None, description="e.g. Tiểu dự án 3")
    field: str | None = Field(None, description="the field of a project: Đối tượng, Kinh phí, Phân công thực hiện …")
    funding: str | None = Field(None, description="vốn đầu tư, vốn sự nghiệp, ngân sách trung ương …")

    def merged_over(self, previous: Scope) -> Scope:
        """This scope, with what it leaves open taken from ``previous`` (a follow-up's inheritance)."""
        mine = self.model_dump()
        return Scope.model_validate({k: v if v is not None else getattr(previous, k) for k, v in mine.items()})


class QuestionFrame(BaseModel):
    asked: AskedType
    focus: str = Field(description="what the value is of, in the question's words (after the asked cue)")
    topic: str = Field("", description="all content words of the question: what a matching passage is about")
    per: str | None = Field(None, description="the unit the value is asked per: hộ, người, tháng …")
    role: str | None = Field(None, description="for offices: chủ trì or phối hợp")
    units: list[str] = Field(
        default_factory=list,
        description="for counts: what is counted ('hộ', 'lao động'), each unit asked ('bao nhiêu mô hình, bao "
        "nhiêu đối tượng')",
    )
    also: list[AskedType] = Field(
        default_factory=list, description="other kinds of value asked at once ('bao nhiêu hộ, tỷ lệ bao nhiêu')"
    )
    scope: Scope = Field(default_factory=Scope)
    stage: str | None = Field(None, description="for money: kế hoạch vốn or giải ngân, when the question says")
    change: bool = Field(
        False, description="for rates: the question asks about a change or a target ('giảm', 'chỉ tiêu'), not a level"
    )
    offices: list[str] = Field(
        default_factory=list,
        description="offices the question names, as written, without their place ('Phòng Dân tộc')",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unit(self) -> str | None:
        """The first count unit asked: what the page shows."""
        return self.units[0] if self.units else None

    @property
    def label(self) -> str:
        """ "Kinh phí · Dự án 4 › Tiểu dự án 2 · Ia H'Drai · 2025"."""
        s = self.scope
        what = s.field or get_prompts().answer.frame_labels[self.asked]
        project = " › ".join(p for p in (s.project, s.subproject) if p)
        parts = [what, project, s.funding, s.locality, str(s.year) if s.year else None]
        return " · ".join(p for p in parts if p)


def _display_project(folded: str) -> tuple[str | None, str | None]:
    project = subproject = None
    for kind, number in re.findall(r"\b(tieu du an|du an)\s+(\d+)", folded):
        if kind == "tieu du an":
            subproject = subproject or f"Tiểu dự án {int(number)}"
        else:
            project = project or f"Dự án {int(number)}"
    return project, subproject


def project_of(section_path: list[str]) -> tuple[str | None, str | None]:
    """ "Dự án 4", "Tiểu dự án 2" of a section path ("d) Dự án 4: …" › "(2) Tiểu dự án 2: …")."""
    return _display_project(fold(" ".join(section_path)))


def expand_abbreviations(question: str) -> str:
    """ "DA4", "TDA 3" as officers type them → "Dự án 4", "Tiểu dự án 3" (upper case only: "da" is a word)."""
    return _ABBREVIATED_PROJECT.sub(
        lambda m: f"{'Tiểu dự án' if m.group(1) == 'TDA' else 'Dự án'} {m.group(2)}", question
    )


# where an office's own name ends in a question: its place ("Phòng Dân tộc huyện Đắk Glei"), or the
# first word of the question after it ("Trung tâm … được giao", "Hội … có nhiệm vụ")
_AFTER_OFFICE = {"huyen", "xa", "tinh", "thi", "thon", "xom", "buon", "cap", "co", "duoc", "tham", "trien", "giao"}


def _place_words(intent: QueryIntent) -> set[str]:
    """The folded words of the places a question names ("ia", "hdrai")."""
    return {w for place in intent.localities for w in fold(place).replace("'", "").split()}


def _without_place(name: str, places: set[str]) -> str:
    """ "Hội Liên hiệp Phụ nữ xã Trực Thái có" → "Hội Liên hiệp Phụ nữ"."""
    kept: list[str] = []
    for word in name.split():
        bare = fold(word).replace("'", "")
        if kept and (bare in _AFTER_OFFICE or bare in places):
            break
        kept.append(word)
    return " ".join(kept)


class FrameReader:
    """Pipeline step: question + its QueryIntent → QuestionFrame."""

    def __init__(self, vocabulary: Vocabulary | None = None, projects: ProjectTitles | None = None) -> None:
        self.vocabulary = vocabulary or load_vocabulary()
        self.projects = projects or load_projects()
        self.extractor = FactExtractor(self.vocabulary)  # its office names, read off the question
        missing = [kind for kind in _ORDER if kind not in self.vocabulary.asked]
        if missing:
            raise ValueError(get_prompts().config.vocabulary_asked.format(kinds=", ".join(missing)))

    def asked(self, folded: str) -> tuple[AskedType, int]:
        """The asked type and where its cue ends in the folded question (0 when no cue is there).

        A money or count word asks for a figure only with a quantity word: "vốn đầu tư để làm gì?" and
        "kinh phí lấy từ những nguồn nào?" ask what, not how much. A quantity word with no typed cue
        ("mức phạt là bao nhiêu?", "giảm bao nhiêu?") asks for a figure of any kind."""
        cues = self.vocabulary.asked
        quantity = _QUANTITY.search(folded)
        for kind in _ORDER:
            for cue in cues[kind]:
                if m := re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", folded):
                    if kind in ("amount", "count") and quantity is None and _WHAT.search(folded):
                        return "list", m.end()
                    if kind in ("amount", "count") and quantity is None and _YES_NO.search(folded):
                        return "yesno", 0  # "có được giao kinh phí không?" asks whether, not how much
                    if kind == "list" and _YES_NO.search(folded):
                        return "yesno", 0
                    return kind, m.end()  # type: ignore[return-value]  # _ORDER holds AskedType values
        if quantity is not None:
            return "number", quantity.end()
        if _YES_NO.search(folded):
            return "yesno", 0
        return "text", 0

    def titled_project(self, question: str) -> tuple[str | None, str | None]:
        """The Dự án / Tiểu dự án a question names by its title, not its number: "tiểu dự án cải thiện dinh
        dưỡng" is Dự án 3 › Tiểu dự án 2; "Dự án 4 giáo dục nghề nghiệp" names Dự án 4 by its own title, not
        its Tiểu dự án 1. Only a follow-up inherits it: the plans do not always file a figure under the
        sub-project's heading, so it does not narrow which facts may answer the question itself."""
        folded = fold(expand_abbreviations(question))
        if not has_phrase(folded, "du an"):
            return None, None
        project, subproject = _display_project(folded)
        titled, titled_sub = self.projects.named(folded)
        if subproject is not None or (project is not None and project != titled):
            return project, subproject
        return titled, titled_sub if has_phrase(folded, "tieu du an") else None

    def value_kinds(self, folded: str) -> list[AskedType]:
        """Every kind of value a cue of the question asks for, in the order tried."""
        kinds: list[AskedType] = []
        for kind in _ORDER:
            if kind in VALUE_TYPES and any(
                re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", folded) for cue in self.vocabulary.asked[kind]
            ):
                kinds.append(kind)  # type: ignore[arg-type]  # _ORDER holds AskedType values
        return kinds

    def run(self, question: str, intent: QueryIntent) -> QuestionFrame:
        folded = fold(expand_abbreviations(question))
        project, subproject = _display_project(folded)
        asked, cue_end = self.asked(folded)
        # a value the question itself gives ("Với 726 triệu đồng …, hỗ trợ bao nhiêu hộ?") is not asked
        given = {kind for kind, pattern in _GIVEN.items() if pattern.search(folded)}
        also = [kind for kind in self.value_kinds(folded) if kind != asked and kind not in given]
        per = next(
            (unit for cue, unit in self.vocabulary.per.items() if re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", folded)),
            None,
        )
        funding = self.vocabulary.funding_in(folded)
        role = self.vocabulary.role_in(folded) if asked == "office" else None
        scope = Scope(
            locality=intent.localities[0] if intent.localities else None,
            year=intent.years[0] if intent.years else None,
            project=project,
            subproject=subproject,
            field=intent.field,
            funding=funding[0] if funding else None,
        )
        topic = self.content(question, intent)
        # "bao nhiêu phần trăm [chi phí học ngoại ngữ]": what follows the cue is what the value is of
        after = self.content(expand_abbreviations(question)[cue_end:], intent) if cue_end else ""
        focus = after if len(after.split()) >= 2 else topic
        units = self.counted(folded) if "count" in (asked, *also) else []
        places = _place_words(intent)
        offices = [
            _without_place(name, places) for _, name in self.extractor.office_names(expand_abbreviations(question))
        ]
        return QuestionFrame(
            asked=asked,
            focus=focus,
            topic=topic,
            per=per,
            role=role,
            units=units,
            also=also,
            scope=scope,
            offices=offices,
            stage=self.vocabulary.stage_in(folded),
            change=any(has_phrase(folded, cue) for cue in self.vocabulary.change_question),
        )

    def counted(self, folded: str) -> list[str]:
        """ "bao nhiêu hộ nghèo" counts "hộ": the count unit right after each quantity word, in order."""
        units: list[str] = []
        for m in _QUANTITY.finditer(folded):
            after = folded[m.end() :].lstrip()
            # the units are longest first: "người lao động" before "người"
            unit = next(
                (u for u in self.vocabulary.count_units if re.match(rf"{re.escape(fold(u))}(?!\w)", after)), None
            )
            if unit is not None and unit not in units:
                units.append(unit)
        return units

    def content(self, question: str, intent: QueryIntent) -> str:
        """The question's own content words, without places, years, project numbers and question words."""
        places = _place_words(intent)
        words = []
        for word in question.split():
            bare = fold(word).strip("?,.;:!()\"'").replace("'", "")
            if bare and bare not in self.vocabulary.stop_words and bare not in places and not bare.isdigit():
                words.append(word.strip("?,.;:!"))
        return " ".join(words)
