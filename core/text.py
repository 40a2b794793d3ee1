"""Text helpers every layer shares: folding (the one way questions and documents are compared without
diacritics) and the one rule for what a line of a document is (citations and gold quotes count lines by it)."""

from __future__ import annotations

import re
import unicodedata

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "”": "'", "“": "'", "ʼ": "'", "`": "'"})


def fold(text: str) -> str:
    """Lower case without diacritics: "Hộ cận nghèo – Đắk Glei" → "ho can ngheo – dak glei"."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).translate(APOSTROPHES).lower())
    text = text.replace("đ", "d")  # "đ" is a letter of its own, not "d" plus a mark: NFD leaves it
    return unicodedata.normalize("NFC", "".join(ch for ch in text if unicodedata.category(ch) != "Mn"))


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: only CR, LF and CRLF end a line (not form feeds or U+2028)."""
    lines = re.split(r"\r\n|\r|\n", text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def has_phrase(folded_text: str, phrase: str) -> bool:
    """Whether folded ``phrase`` stands in folded text as whole words: "ai duoc" is in "nhung ai duoc ho tro"
    but not in "ia h'drai duoc phan bo"."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded_text) is not None
