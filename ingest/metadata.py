"""Document metadata read off the text, overridable by a sidecar ``<file>.meta.toml``.

Administrative documents announce themselves in a fixed header: the committee ("ỦY BAN NHÂN DÂN /
HUYỆN IA H’DRAI"), "Số: 16/KH-UBND", "Trực Thái, ngày 02 tháng 04 năm 2024", the kind in capitals
("KẾ HOẠCH"), then the title. Laws (ALQAC) open with "LUẬT DU LỊCH" and nothing else.

Places: the locality is the place the title is about ("trên địa bàn xã Trực Thái"), else the issuing
committee's. The committee comes from the header block or the sentence that issues the document
("Ủy ban nhân dân huyện Krông Nô ban hành …"), never from a "Căn cứ" line citing the province. District
and province come from the text ("UBND tỉnh Kon Tum"), checked against known names so a typo printed
more often ("Đăk Glei") does not win; ``corpus/localities.toml`` fills in what the text does not say.
A huyện document's district is the locality itself, a tỉnh document's province likewise, so filtering
by district finds district and commune documents alike.

Years covered: the years the title names ("… năm 2025"), else its first period ("giai đoạn 2021-2024");
a plan also covers the year whose results it reports in a heading ("ĐÁNH GIÁ KẾT QUẢ … NĂM 2024"). The
later period of "đề xuất … cho giai đoạn 2026 – 2030" is excluded: the report proposes, it holds no
results or plans for those years, and a question about them should not be answered from it. With no
year in the title, the year of issue. Laws cover no particular year.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from core.text import fold
from core.vocabulary import load_kinds
from ingest.models import DocumentMeta, SourceText
from ingest.normalize import clean_markdown
from prompts import get_prompts

Level = Literal["xã", "huyện", "tỉnh"]
Place = tuple[Level, str]

# document kinds (headings, a number's type codes, the laws) are in corpus/kinds.toml
_HEADER_LINES = 60
_NUMBER = re.compile(r"\bSố\s*:?\s*(\d[\w.\-]*(?:/[\w.\-&]+)+)")  # blank "Số:   /KH-UBND" has no digit
_DATE = re.compile(r",\s*ngày\s+(\d{1,2})?\s*tháng\s+(\d{1,2})?\s*năm\s+(\d{4})")
_TITLE_YEAR = re.compile(r"\bnăm\s+(\d{4})\b")
_PERIOD = re.compile(r"giai\s+đoạn\s+(\d{4})\s*[-–]\s*(\d{4})")
_RESULTS_HEADING = re.compile(r"KẾT QUẢ.*NĂM\s+(\d{4})")
_WORDS = r"[^\W\d_][\w'’]*(?: [^\W\d_][\w'’]*){0,3}"  # a place name is at most four words
_LEVEL_NAME = re.compile(rf"(?<!\w)(xã|huyện|tỉnh)\s+({_WORDS})")
# at a sentence's start: "… của UBND tỉnh Kon Tum ban hành" in a "Căn cứ" line cites, it does not issue
_ISSUING = re.compile(
    rf"(?:^|[.;:]\s+)(?:(?:Ủy|Uỷ) ban nhân dân|UBND)\s+(xã|huyện|tỉnh)\s+({_WORDS})"
    r"\s+(?:ban hành|báo cáo|xây dựng|quyết định)\b",
    re.MULTILINE,
)
_CAPS_COMMITTEE = re.compile(r"^(?:ỦY|UỶ) BAN NHÂN DÂN$|^UBND$")
_CAPS_COMMITTEE_WORDS = re.compile(r"(?:ỦY|UỶ) BAN NHÂN DÂN")
_CAPS_PLACE = re.compile(r"^(?:(?:ỦY|UỶ) BAN NHÂN DÂN |UBND )?(XÃ|HUYỆN|TỈNH) (.+)$")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "”": "'", "“": "'", "ʼ": "'"})
_SIDECAR_FIXED = {"doc_id", "source", "path", "sha256"}  # set from the file itself by the pipeline


@dataclass(frozen=True)
class Places:
    """Known names, keyed folded (no diacritics, lower case): provinces and districts as spelled, the
    province of a district, the district of a commune."""

    provinces: dict[str, str]
    districts: dict[str, str]
    district_province: dict[str, str]
    commune_district: dict[str, str]


@lru_cache(maxsize=4)
def load_places(localities_file: Path, provinces_file: Path) -> Places:
    table = tomllib.loads(localities_file.read_text(encoding="utf-8")) if localities_file.exists() else {}
    names = [line.strip() for line in provinces_file.read_text(encoding="utf-8").splitlines()]
    return Places(
        provinces={fold(name): name for name in names if name and not name.startswith("#")},
        districts={fold(k): k for k in table.get("districts", {})},
        district_province={fold(k): v for k, v in table.get("districts", {}).items()},
        commune_district={fold(k): v for k, v in table.get("communes", {}).items()},
    )


def make_doc_id(path: Path) -> str:
    """Stable, URL-safe id from the file name: diacritics folded, lower case, '-' between words."""
    return re.sub(r"[^a-z0-9_]+", "-", fold(path.stem)).strip("-") or "tai-lieu"


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.toml")


def extract_metadata(source: SourceText, doc_id: str, places: Places) -> DocumentMeta:
    """``places``: the known names, from the caller's settings (``load_places``)."""
    lines = [text for text in map(clean_markdown, source.lines) if text]
    found = next(((i, kind) for i, line in enumerate(lines[:_HEADER_LINES]) if (kind := _kind(line))), None)
    index, kind = found if found else (None, None)
    header = lines[:index] if index is not None else lines[:15]
    number = next((m.group(1) for line in header if (m := _NUMBER.search(line))), None)
    kind = kind or _kind_of_number(number)
    date, year_issued = _date(header)
    title = _title(lines, index, kind, source.path)
    body = " ".join(lines)
    laws = load_kinds().laws
    issuer = None if kind in laws else _committee(header, body) or _issuing("\n".join(lines))
    place = None if kind in laws else _first_place(title) or issuer
    if issuer is None and _signed_by_committee(lines, number):
        issuer = place  # a committee signs for its own area ("TM. ỦY BAN NHÂN DÂN" under a district's plan)
    district, province = _district_province(place, body, places)
    meta = DocumentMeta(
        doc_id=doc_id,
        source=source.path.name,
        path=str(source.path),
        title=title,
        kind=kind,
        number=number,
        issuer=f"UBND {issuer[0]} {issuer[1]}" if issuer else None,
        locality=place[1] if place else None,
        locality_level=place[0] if place else None,
        district=district,
        province=province,
        date=date,
        years=[] if kind in laws else _years(kind, title, lines, year_issued),
        sha256=source.sha256,
    )
    return apply_sidecar(meta, source.path)


def _kind(line: str) -> str | None:
    upper = line.strip(" .:")
    kinds = load_kinds()
    for key, kind in kinds.headings.items():
        if upper == key or (kind in kinds.laws and upper.startswith(key + " ") and upper.isupper()):
            return kind
    return None


def _kind_of_number(number: str | None) -> str | None:
    if number is None:
        return None
    code = number.rsplit("/", 1)[-1]
    kinds = load_kinds()
    return kinds.codes.get(code.split("-")[0], kinds.issuer_coded if "-" in code else None)


def _date(header: list[str]) -> tuple[str | None, int | None]:
    """ISO date of "Trực Thái, ngày 02 tháng 04 năm 2024", and the year even when day and month are blank."""
    match = next((m for line in header if (m := _DATE.search(line))), None)
    if match is None:
        return None, None
    day, month, year = match.groups()
    try:
        return dt.date(int(year), int(month), int(day)).isoformat(), int(year)
    except (TypeError, ValueError):  # blank or impossible day/month
        return None, int(year)


def _title(lines: list[str], index: int | None, kind: str | None, path: Path) -> str:
    if index is None:  # no kind heading: the first line that is not part of the header ("V/v …" of a công văn)
        header = (line for line in lines[:15] if not (line.isupper() or _NUMBER.search(line) or _DATE.search(line)))
        return next(header, lines[0] if lines else path.stem)
    if kind in load_kinds().laws:  # "LUẬT DU LỊCH": the file name when it says the same, else sentence case
        heading = lines[index]
        return path.stem if fold(path.stem) == fold(heading) else heading[:1] + heading[1:].lower()
    parts = lines[index + 1 : index + 2]
    for line in lines[index + 2 :]:  # a hard-wrapped title continues in lower case
        if not line[:1].islower():
            break
        parts.append(line)
    return " ".join(parts) or path.stem


def _name(words: str) -> str | None:
    """The capitalised words a place name is made of: "Ia H’Drai", "Kon Tum" (of "Kon Tum11 và")."""
    kept = []
    for word in words.split(" "):
        bare = word.rstrip("0123456789¹²³⁴⁵⁶⁷⁸⁹⁰")  # a footnote marker glued to the name ends it
        if not bare[:1].isupper() or (len(bare) > 1 and bare.isupper()):  # "UBND" is no part of a name
            break
        kept.append(bare)
        if bare != word:
            break
    return " ".join(kept).translate(_APOSTROPHES) or None


def _places(text: str, level: Level) -> list[str]:
    return [n for m in _LEVEL_NAME.finditer(text) if m.group(1) == level and (n := _name(m.group(2)))]


def _first_place(text: str) -> Place | None:
    for level in ("xã", "huyện", "tỉnh"):  # the most specific the text names
        if names := _places(text, level):
            return level, names[0]
    return None


def _committee(header: list[str], body: str) -> Place | None:
    """The header block "ỦY BAN NHÂN DÂN / HUYỆN IA H’DRAI", spelled as the running text spells it."""
    for previous, line in zip(["", *header], header, strict=False):
        match = _CAPS_PLACE.match(line)
        if match and (_CAPS_COMMITTEE.match(previous) or line.startswith(("ỦY", "UỶ", "UBND"))):
            level: Level = "xã" if match.group(1) == "XÃ" else "huyện" if match.group(1) == "HUYỆN" else "tỉnh"
            caps = match.group(2).translate(_APOSTROPHES).casefold()
            same = (name for name in _places(body, level) if name.casefold() == caps)
            return level, next(same, match.group(2).title().translate(_APOSTROPHES))
    return None


def _issuing(body: str) -> Place | None:
    """The committee of "Ủy ban nhân dân huyện Krông Nô ban hành Kế hoạch …"."""
    for match in _ISSUING.finditer(body):
        name = _name(match.group(2))
        if name and name == match.group(2).translate(_APOSTROPHES):
            level: Level = "xã" if match.group(1) == "xã" else "huyện" if match.group(1) == "huyện" else "tỉnh"
            return level, name
    return None


def _signed_by_committee(lines: list[str], number: str | None) -> bool:
    signed = any(line.isupper() and _CAPS_COMMITTEE_WORDS.search(line) for line in lines)
    return signed or (number is not None and number.endswith("UBND"))


def _district_province(place: Place | None, body: str, places: Places) -> tuple[str | None, str | None]:
    if place is None:
        return None, None
    level, name = place
    if level == "tỉnh":
        return None, places.provinces.get(fold(name), name)
    district: str | None = name
    if level == "xã":
        # a known district in its right spelling ("Trục Ninh" is a typo of "Trực Ninh"), else as named
        named = _places(body, "huyện")
        known = [places.districts[f] for n in named if (f := fold(n)) in places.districts]
        district = next(iter(known or named), None) or places.commune_district.get(fold(name))
    # the province the text names most often, among real provinces (a typo is not one)
    named_provinces = [places.provinces[f] for n in _places(body, "tỉnh") if (f := fold(n)) in places.provinces]
    if named_provinces:
        return district, Counter(named_provinces).most_common(1)[0][0]
    return district, places.district_province.get(fold(district)) if district else None


def _years(kind: str | None, title: str, lines: list[str], year_issued: int | None) -> list[int]:
    years = {int(year) for year in _TITLE_YEAR.findall(title)}
    if not years and (period := _PERIOD.search(title)):
        years = set(range(int(period.group(1)), int(period.group(2)) + 1))
    if kind == "Kế hoạch":
        years |= {int(m.group(1)) for line in lines if line.isupper() and (m := _RESULTS_HEADING.search(line))}
    if not years and year_issued:
        years = {year_issued}
    return sorted(years)


def apply_sidecar(meta: DocumentMeta, path: Path) -> DocumentMeta:
    """``<file>.meta.toml`` keys replace the extracted fields (e.g. ``number = "16/KH-UBND"``)."""
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        return meta
    texts = get_prompts().ingest
    try:
        overrides: dict[str, Any] = tomllib.loads(sidecar.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(texts.sidecar_syntax.format(file=sidecar, error=error)) from error
    for key, value in overrides.items():
        if key not in DocumentMeta.model_fields or key in _SIDECAR_FIXED:
            raise ValueError(texts.sidecar_key.format(file=sidecar, key=key))
        if key == "date":
            overrides[key] = _iso_date(value, sidecar)
    try:
        return DocumentMeta.model_validate({**meta.model_dump(), **overrides})
    except ValidationError as error:
        first = error.errors()[0]
        reason = texts.sidecar_errors.get(first["type"]) or texts.sidecar_invalid.format(detail=first["msg"])
        key = ".".join(str(part) for part in first["loc"])
        raise ValueError(texts.sidecar_value.format(file=sidecar, key=key, reason=reason)) from error


def _iso_date(value: object, sidecar: Path) -> str:
    # TOML has a date type (date = 2024-04-02); a string must be an ISO date too
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError as error:
        raise ValueError(get_prompts().ingest.sidecar_date.format(file=sidecar)) from error
