"""Folding: the one way questions and documents are compared without diacritics."""

from __future__ import annotations

import unicodedata

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "”": "'", "“": "'", "ʼ": "'", "`": "'"})


def fold(text: str) -> str:
    """Lower case without diacritics: "Hộ cận nghèo – Đắk Glei" → "ho can ngheo – dak glei"."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).translate(APOSTROPHES).lower())
    text = text.replace("đ", "d")  # "đ" is a letter of its own, not "d" plus a mark: NFD leaves it
    return unicodedata.normalize("NFC", "".join(ch for ch in text if unicodedata.category(ch) != "Mn"))
