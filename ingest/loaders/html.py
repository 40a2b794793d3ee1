"""HTML pages saved from legal portals: the text of block elements, one per line, menus and scripts left out."""

from __future__ import annotations

import re
import unicodedata

from ingest.loaders.base import LoadError
from ingest.loaders.text import decode_text

_SKIP = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "button", "select"}
_BLOCKS = {
    "p", "div", "section", "article", "main", "li", "dt", "dd", "blockquote", "pre", "address",
    "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "ul", "ol", "dl", "figure", "figcaption", "caption", "center",
}  # fmt: skip
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _decode(data: bytes) -> str:
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return unicodedata.normalize("NFC", data.decode(declared.group(1).decode("ascii")))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: guess as for a text file
    return decode_text(data)[0]


def load_html(data: bytes) -> list[str]:
    import lxml.html
    from lxml import etree

    try:
        # an XHTML page's "<?xml … encoding=…?>" is refused by lxml on decoded text; it was used already
        root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", _decode(data), count=1))
    except (etree.ParserError, ValueError) as error:
        raise LoadError("unreadable", type(error).__name__) from error
    lines: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        text = re.sub(r"\s+", " ", "".join(pending)).strip()
        pending.clear()
        if text.strip("# "):
            lines.extend(["", text] if lines else [text])  # a blank line between blocks, as in markdown

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP or not tag:
            if element.tail:
                pending.append(element.tail)
            return
        block = tag in _BLOCKS
        if block:
            flush()
            if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                pending.append("#" * int(tag[1]) + " ")
        if tag == "br":
            flush()
        if element.text:
            pending.append(element.text)
        for child in element:
            if tag == "tr" and child.tag in {"td", "th"} and len(pending) and "".join(pending).strip():
                pending.append(" | ")  # a table row is one line, its cells separated as in .docx
            walk(child)
        if block:
            flush()
        if element.tail:
            pending.append(element.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return [unicodedata.normalize("NFC", line) for line in lines]
