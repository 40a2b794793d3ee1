"""Document metadata read off the text, overridable by a sidecar ``<file>.meta.toml``.

Administrative documents announce themselves in a fixed header: "Số: 16/KH-UBND", "Trực Thái, ngày 02
tháng 04 năm 2024", the kind in capitals ("KẾ HOẠCH"), then the title. The locality comes from the
title ("trên địa bàn huyện Krông Nô") or the issuing committee ("Ủy ban nhân dân huyện Đắk Glei"), the
district and province from the first "huyện …" / "tỉnh …" the text names beside it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

from pydantic import ValidationError

from ingest.models import DocumentMeta, SourceText
from ingest.normalize import clean_markdown

KINDS = {
    "KẾ HOẠCH": "Kế hoạch",
    "BÁO CÁO": "Báo cáo",
    "QUYẾT ĐỊNH": "Quyết định",
    "THÔNG TƯ": "Thông tư",
    "NGHỊ ĐỊNH": "Nghị định",
    "NGHỊ QUYẾT": "Nghị quyết",
    "CÔNG VĂN": "Công văn",
    "HIẾN PHÁP": "Hiến pháp",
    "BỘ LUẬT": "Bộ luật",
    "LUẬT": "Luật",
    "CHỈ THỊ": "Chỉ thị",
    "THÔNG BÁO": "Thông báo",
}
_HEADER_LINES = 60
_NUMBER = re.compile(r"Số\s*:?\s*(\d+[^\s,;]*/[A-ZĐ][A-ZĐ0-9/&\-]*)")
# the place-and-date line of the header: "Trực Thái, ngày 02 tháng 04 năm 2024"
_DATE = re.compile(r"^[^,;]{2,40},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_LEVELS = ("xã", "huyện", "tỉnh")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "”": "'", "“": "'", "ʼ": "'"})


def make_doc_id(path: Path) -> str:
    """Stable, URL-safe id from the file name: diacritics folded, lower case, '-' between words."""
    stem = unicodedata.normalize("NFD", path.stem.replace("đ", "d").replace("Đ", "D"))
    stem = "".join(ch for ch in stem if unicodedata.category(ch) != "Mn").lower()
    return re.sub(r"[^a-z0-9_]+", "-", stem).strip("-") or "tai-lieu"


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.toml")


def _place_after(text: str, level: str) -> str | None:
    """The first capitalised name after "huyện"/"xã"/"tỉnh" (e.g. "Ia H'Drai"), if any."""
    for match in re.finditer(rf"(?<!\w){level}\s+(\S+(?:\s+\S+){{0,3}})", text):
        words = []
        for word in match.group(1).split():
            word = word.strip(",.;:()")
            if not word or not word[0].isupper() or (word.isupper() and len(word) > 4):
                break
            words.append(word)
        if words:
            return " ".join(words).translate(_APOSTROPHES)
    return None


def _kind(line: str) -> str | None:
    upper = line.strip().upper()
    for key, kind in KINDS.items():
        if upper == key or (kind in ("Luật", "Bộ luật") and upper.startswith(key + " ") and line.isupper()):
            return kind
    return None


def _years(kind: str | None, title: str, lines: list[str]) -> list[int]:
    single = [int(y) for y in re.findall(r"năm\s+(\d{4})", title)]
    span = re.search(r"giai\s+đoạn\s+(\d{4})\s*[-–]\s*(\d{4})", title)
    years = set(single)
    if not single and span:
        years.update(range(int(span.group(1)), int(span.group(2)) + 1))
    # a plan that also reports the year before it ("ĐÁNH GIÁ KẾT QUẢ … NĂM 2024") covers that year too
    for line in lines:
        result = re.search(r"KẾT QUẢ.*NĂM\s+(\d{4})", line)
        if result and kind == "Kế hoạch":
            years.add(int(result.group(1)))
    return sorted(years)


def extract_metadata(source: SourceText, doc_id: str) -> DocumentMeta:
    lines = [clean_markdown(line) for line in source.lines]
    text_lines = [line for line in lines if line]
    header = text_lines[:_HEADER_LINES]
    kind, title = None, ""
    for index, line in enumerate(header):
        kind = _kind(line)
        if kind is None:
            continue
        if kind in ("Luật", "Bộ luật", "Hiến pháp"):
            title = source.path.stem if source.path.stem.upper() == line.upper() else line.capitalize()
        else:
            parts = [header[index + 1]] if index + 1 < len(header) else []
            for following in header[index + 2 :]:
                if not following[:1].islower():
                    break
                parts.append(following)
            title = " ".join(parts)
        break
    title = title or (text_lines[0] if text_lines else source.path.stem)
    number = next((m.group(1) for line in header[:15] if (m := _NUMBER.search(line))), None)
    date = next(
        (
            f"{int(m.group(3)):04d}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
            for line in header[:15]
            if (m := _DATE.search(line.strip()))
        ),
        None,
    )
    body = " ".join(text_lines)
    level, locality = None, None
    for candidate in _LEVELS:
        name = _place_after(title, candidate)
        if name:
            level, locality = candidate, name
            break
    if locality is None:
        match = re.search(r"(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+(xã|huyện|tỉnh)\s", body)
        if match:
            level, locality = match.group(1), _place_after(body[match.start(1) :], match.group(1))
    district = _place_after(body, "huyện") if level == "xã" else None
    province = _place_after(body, "tỉnh") if level in ("xã", "huyện") else None
    meta = DocumentMeta(
        doc_id=doc_id,
        source=source.path.name,
        path=str(source.path),
        title=title.translate(_APOSTROPHES),
        kind=kind,
        number=number,
        issuer=f"UBND {level} {locality}" if level and locality else None,
        locality=locality,
        locality_level=level,
        district=district,
        province=province,
        date=date,
        years=_years(kind, title, text_lines),
        sha256=source.sha256,
    )
    return apply_sidecar(meta, source.path)


def apply_sidecar(meta: DocumentMeta, path: Path) -> DocumentMeta:
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        return meta
    try:
        overrides = tomllib.loads(sidecar.read_text(encoding="utf-8"))
        unknown = set(overrides) - set(DocumentMeta.model_fields) - {"doc_id", "sha256", "path", "source"}
        if unknown:
            raise ValueError(f"khoá không hợp lệ: {', '.join(sorted(unknown))}")
        return DocumentMeta.model_validate({**meta.model_dump(), **overrides})
    except (tomllib.TOMLDecodeError, ValidationError, ValueError) as error:
        raise ValueError(f"Tệp siêu dữ liệu {sidecar.name} không hợp lệ: {error}") from error
