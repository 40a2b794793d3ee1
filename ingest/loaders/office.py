"""Office files: .docx, legacy .doc, and .xlsx/.xls tables, each bounded before it is parsed.

A .docx or .xlsx is a zip of XML. A 62 KB file can inflate to millions of empty paragraphs, and
python-docx then spends minutes on it, so the zip directory and the count of paragraphs or rows are
checked first, streaming, and the file is refused before any parser builds its tree.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from core.settings import LoaderSettings
from core.text import split_lines
from ingest.loaders.base import LoadError, find_tool, missing_tool, run_tool, too_large
from prompts import get_prompts

_MB = 1024 * 1024
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MAX_MEMBERS = 10_000


def _open_zip(path: Path, settings: LoaderSettings) -> zipfile.ZipFile:
    """The archive, once its directory shows no bomb: total inflated size and each large member's ratio.

    The sizes in the directory cannot lie to us: zipfile stops inflating a member at its declared size.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise LoadError("unreadable", type(error).__name__) from error
    members = archive.infolist()
    if len(members) > _MAX_MEMBERS:
        archive.close()
        raise too_large("zip_parts", len(members), _MAX_MEMBERS)
    inflated = sum(m.file_size for m in members)
    if inflated > settings.max_expanded_mb * _MB:
        archive.close()
        raise too_large("unzipped", inflated / _MB, settings.max_expanded_mb, " MB")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _MB and ratio > settings.max_zip_ratio:
            archive.close()
            raise too_large("zip_ratio", ratio, settings.max_zip_ratio, ":1", name=member.filename)
    return archive


def _count_elements(archive: zipfile.ZipFile, member: str, tags: set[str], limit: int, what: str) -> None:
    """Stream one XML member and stop at ``limit`` elements of ``tags``, before any tree is built."""
    from lxml import etree

    try:
        stream = archive.open(member)
    except KeyError:
        return  # a missing part is for the parser to report
    count = 0
    with stream:
        try:
            for _, element in etree.iterparse(stream, events=("end",), resolve_entities=False, no_network=True):
                if element.tag in tags:
                    count += 1
                    if count > limit:
                        raise too_large(what, count, limit)
                element.clear(keep_tail=False)  # counting only: nothing kept
        except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError) as error:
            raise LoadError("unreadable", type(error).__name__) from error


def _one_line(text: str) -> str:
    """A paragraph's soft line breaks (w:br) become spaces: one paragraph is one cited line."""
    return unicodedata.normalize("NFC", re.sub(r"[\r\n\v]+", " ", text))


def load_docx(path: Path, settings: LoaderSettings) -> list[str]:
    with _open_zip(path, settings) as archive:
        _count_elements(archive, "word/document.xml", {_W + "p", _W + "tr"}, settings.max_lines, "docx_paragraphs")
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise LoadError("unreadable", type(error).__name__) from error
    # python-docx looks a paragraph's style up by an XPath over all styles (≈ 0.75 ms each): once here instead
    style_names = {s.style_id: s.name for s in document.styles}
    lines: list[str] = []
    for item in document.iter_inner_content():  # paragraphs and tables in reading order
        if isinstance(item, Paragraph):
            text = _one_line(item.text)
            style = style_names.get(item._p.style or "")
            depth = re.fullmatch(r"Heading ([1-9])", style or "")
            level = int(depth.group(1)) if depth else 1 if style == "Title" else 0
            lines.append("#" * level + " " + text if level and text.strip() else text)
        elif isinstance(item, Table):
            for row in item.rows:
                cells = []
                previous = None
                for cell in row.cells:
                    # python-docx yields a horizontally merged cell once per grid column: same <w:tc> element
                    if cell._tc is not previous:
                        cells.append(_one_line(cell.text))
                    previous = cell._tc
                lines.append(" | ".join(cells))
    return lines


# --- legacy .doc ------------------------------------------------------------------------------------------
def load_doc(path: Path, settings: LoaderSettings) -> list[str]:
    """Word 97–2003: antiword (fast, one paragraph a line), else LibreOffice converts it to .docx."""
    antiword = find_tool(settings.antiword)
    if antiword:
        try:
            # -w 0: no hard wrap, so a paragraph stays one cited line; UTF-8 keeps Vietnamese letters
            text = run_tool([antiword, "-m", "UTF-8.txt", "-w", "0", str(path)], settings, "antiword")
            return split_lines(unicodedata.normalize("NFC", text.decode("utf-8", errors="replace")))
        except LoadError:
            pass  # antiword rejects some Word versions that LibreOffice reads
    soffice = find_tool(settings.soffice)
    if soffice is None:
        raise missing_tool("antiword", "soffice")
    with tempfile.TemporaryDirectory(prefix="gnbv-doc-") as work:
        # a private profile: a second LibreOffice (or the user's own) must not block or share this one
        profile = Path(work, "profile").as_uri()
        args = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "docx"]
        run_tool([*args, "--outdir", work, str(path)], settings, "soffice")
        converted = Path(work, path.stem + ".docx")
        if not converted.exists():
            raise LoadError("unreadable", get_prompts().ingest.doc_not_converted)
        return load_docx(converted, settings)


# --- spreadsheets -------------------------------------------------------------------------------------------
Cell = str | int | float | bool | dt.date | dt.time | dt.timedelta | None


def cell_text(value: Cell) -> str:
    """A cell as a Vietnamese document writes it: 1.493 (thousands), 6,766 (decimal comma), 22/4/2024."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int | float):
        if float(value).is_integer():
            return f"{int(value):,}".replace(",", ".")
        whole, _, fraction = f"{value:,.6f}".rstrip("0").partition(".")
        return whole.replace(",", ".") + ("," + fraction if fraction else "")
    if isinstance(value, dt.datetime):
        shown = f"{value.day}/{value.month}/{value.year}"
        return shown if value.time() == dt.time() else f"{shown} {value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.day}/{value.month}/{value.year}"
    return _one_line(str(value)).strip()


def _is_number(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def table_lines(title: str, rows: Iterable[list[Cell]]) -> list[str]:
    """One sheet as cited lines: its name as a heading, the header row as printed, then each row with
    its column names ("Nội dung: Dự án 4 | Kinh phí – NSTW: 1.493") so that one row quoted alone still
    says what its figures are. Header rows are the rows above the first row with a number (at most 3;
    the first row alone when the top rows have no number); in all but the last, an empty cell continues
    the merged cell on its left ("Kinh phí" over NSTW, NSĐP). Rows are separated by blank lines: each is
    its own block for the chunker.
    """
    filled_rows = ((row, _trimmed([cell_text(v) for v in row])) for row in rows)
    stream = ((row, cells) for row, cells in filled_rows if cells)
    top = [next(stream, None) for _ in range(4)]
    first = [x for x in top if x is not None]
    width = max((len(cells) for _, cells in first), default=0)
    depth = 0
    for row, cells in first[:3]:
        # a header row has no figure and fills half the width at least ("I | VỐN SỰ NGHIỆP" is a group title)
        if any(_is_number(v) for v in row) or 2 * sum(1 for c in cells if c) < width:
            break
        depth += 1
    if depth == len(first) and len(first) > 1:
        depth = 1  # no figure anywhere on top: a list whose first row names the columns
    header_rows = [cells for _, cells in first[:depth]]
    names = _column_names(header_rows, width)
    lines = [f"# {title}"]
    if header_rows:
        lines += ["", " | ".join(n for n in names if n)]
    for _, cells in [*first[depth:], *stream]:
        names += [""] * (len(cells) - len(names))
        filled = [(names[i], c) for i, c in enumerate(cells) if c]
        if len(filled) == 1 or not any(names):
            line = " | ".join(c for _, c in filled)  # a group title ("I. VỐN ĐẦU TƯ") or a header-less table
        else:
            line = " | ".join(f"{n}: {c}" if n else c for n, c in filled)
        lines += ["", line]
    return lines


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _column_names(header_rows: list[list[str]], width: int) -> list[str]:
    names: list[list[str]] = [[] for _ in range(width)]
    for depth, row in enumerate(header_rows):
        row = row + [""] * (width - len(row))
        carried = ""
        below = header_rows[-1] + [""] * (width - len(header_rows[-1]))
        for i, text in enumerate(row):
            if depth < len(header_rows) - 1 and (text or below[i]):
                carried = text or carried  # a merged group header spans the empty cells to its right
                text = carried
            if text and (not names[i] or names[i][-1] != text):
                names[i].append(text)
    return [" – ".join(parts) for parts in names]


def _bounded_rows(rows: Iterable[Iterable[Cell]], settings: LoaderSettings, budget: list[int]) -> Iterator[list[Cell]]:
    """Rows cut to ``max_columns``; ``budget`` is the rows left for the whole workbook."""
    for row in rows:
        budget[0] -= 1
        if budget[0] < 0:
            raise too_large("table_rows", settings.max_lines + 1, settings.max_lines)
        yield list(row)[: settings.max_columns]


def load_xlsx(path: Path, settings: LoaderSettings) -> list[str]:
    with _open_zip(path, settings) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _count_elements(archive, name, {_S + "row"}, settings.max_lines, "table_rows")
    from openpyxl import load_workbook

    try:
        # read_only streams rows; data_only gives the values a formula last computed, as the sheet shows them
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        raise LoadError("unreadable", type(error).__name__) from error
    try:
        budget = [settings.max_lines]
        lines: list[str] = []
        for sheet in workbook.worksheets:
            # max_col bounds every row: a sheet declaring column XFD must not pad each row to 16,384 cells
            rows = sheet.iter_rows(max_col=settings.max_columns, values_only=True)
            lines += table_lines(sheet.title, _bounded_rows(rows, settings, budget))
            lines.append("")
        return lines
    finally:
        workbook.close()


def load_xls(path: Path, settings: LoaderSettings) -> list[str]:
    """Excel 97–2003 (and any workbook calamine reads), through python-calamine."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        budget = [settings.max_lines]
        lines: list[str] = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            cells, limit = (
                sheet.height * min(sheet.width, settings.max_columns),
                settings.max_lines * settings.max_columns,
            )
            if cells > limit:
                raise too_large("sheet_cells", cells, limit)
            lines += table_lines(name, _bounded_rows(sheet.iter_rows(), settings, budget))
            lines.append("")
    except LoadError:
        raise
    except Exception as error:  # calamine raises its own error types for every kind of damage
        raise LoadError("unreadable", type(error).__name__) from error
    return lines
