"""Plain text in any Vietnamese encoding, and the test that a decoded text is language at all."""

from __future__ import annotations

import re
import unicodedata

from core.text import split_lines
from ingest.loaders.base import LoadError
from prompts import get_prompts

# --- legacy Vietnamese text -------------------------------------------------------------------------------
# TCVN3 (ABC, TCVN 5712:1993 "VN3", the .VnTime fonts) has no Python codec, so its table is written out here.
# Source: the TCVN3 column of the Vietnamese charset tables at vietunicode.sourceforge.net/charset/, checked
# against real documents' Latin-1 mojibake ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "quyÕt ®Þnh cña Bé").
# VN3 has tone-marked letters only in lower case (the .VnTimeH fonts draw the same codes as capitals).
# Groups: ĂÂÊÔƠƯĐ, ăâêôơưđ, then each vowel with the tones huyền, hỏi, ngã, sắc, nặng.
_TCVN3_CODES = bytes.fromhex(
    "a1a2a3a4a5a6a7 a8a9aaabacadae"
    " b5b6b7b8b9 bbbcbdbec6 c7c8c9cacb cccecfd0d1 d2d3d4d5d6 d7d8dcddde"
    " dfe1e2e3e4 e5e6e7e8e9 eaebecedee eff1f2f3f4 f5f6f7f8f9 fafbfcfdfe"
)
_TCVN3_LETTERS = "ĂÂÊÔƠƯĐăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
# Bytes outside the table keep their Windows-1252 meaning (smart quotes, dashes), the code page the fonts ran on.
_CP1252_HIGH = {b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0x100)}
_TCVN3_TABLE = _CP1252_HIGH | dict(zip(_TCVN3_CODES, _TCVN3_LETTERS, strict=True))

# A Vietnamese syllable without its tone: onset, nucleus, coda. Hand-written because no installed library
# validates syllables; it tells a right legacy decoding (real syllables) from mojibake ("ViÖt", "héi", "cña").
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:uyê|uya|ươ|uô|iê|yê|ưa|ia|ua|oa|oă|oe|uâ|uê|uy|uơ|oo|[aăâeêioôơuưy])"
    r"(?:ch|nh|ng|[cmnpt]|[iyou])?"
)
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


def decode_tcvn3(data: bytes) -> str:
    return "".join(_TCVN3_TABLE.get(b, chr(b)) for b in data)


def vietnamese_syllables(text: str) -> int:
    """How many words with diacritics are well-formed Vietnamese syllables (one tone at most)."""
    count = 0
    for word in _WORD.findall(text.lower()):
        if word.isascii():
            continue  # plain ASCII reads the same in every candidate decoding
        marks = unicodedata.normalize("NFD", word)
        if sum(ch in _TONES for ch in marks) > 1:
            continue
        toneless = unicodedata.normalize("NFC", "".join(ch for ch in marks if ch not in _TONES))
        count += _SYLLABLE.fullmatch(toneless) is not None
    return count


def decode_text(data: bytes) -> tuple[str, str]:
    """(text in NFC, encoding) of a text file's bytes.

    Strict UTF-8 (BOM or not) first, UTF-16 by its BOM; otherwise Windows-1258, TCVN3 and UTF-8 with the bad
    bytes replaced compete on how many real Vietnamese syllables they yield, because charset detectors
    mistake both legacy Vietnamese encodings for Latin-1. Only text with no Vietnamese in any decoding is
    left to charset-normalizer.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as error:
            raise LoadError("undecodable", "UTF-16") from error
    if b"\x00" in data:
        raise LoadError("binary")
    try:
        text = data.decode("utf-8-sig")
        return unicodedata.normalize("NFC", text), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [
        # cp1258 writes tones as combining marks after the letter; NFC composes them
        (unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), "cp1258"),
        (unicodedata.normalize("NFC", decode_tcvn3(data)), "tcvn3"),
        (unicodedata.normalize("NFC", data.decode("utf-8", errors="replace")), get_prompts().ingest.utf8_with_errors),
    ]
    scores = [vietnamese_syllables(text) for text, _ in candidates]
    if max(scores) > 0:
        return candidates[scores.index(max(scores))]
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise LoadError("undecodable")
    return unicodedata.normalize("NFC", str(best)), best.encoding


def _control_ratio(text: str) -> float:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f")
    return controls / max(len(text), 1)


def load_text(data: bytes) -> tuple[list[str], str]:
    text, encoding = decode_text(data)
    if _control_ratio(text) > 0.05:
        raise LoadError("binary")
    return split_lines(text), encoding


def _is_language(text: str) -> bool:
    """Whether a text reads as words: random bytes decoded by a legacy code page give Latin letters with
    marks in impossible combinations, so words must be ASCII, well-formed Vietnamese syllables, or of one
    non-Latin script (a Russian or Chinese text is language too). Short texts are given the benefit."""
    words = _WORD.findall(text[:200_000])
    if len(words) < 20:
        return True
    plausible = sum(1 for w in words if w.isascii() or _one_foreign_script(w)) + vietnamese_syllables(
        " ".join(w for w in words if not w.isascii())
    )
    return plausible >= 0.5 * len(words)


def _one_foreign_script(word: str) -> bool:
    scripts = {unicodedata.name(ch, "?").split()[0] for ch in word if not unicodedata.combining(ch)}
    return len(scripts) == 1 and "LATIN" not in scripts


def check_language(lines: list[str]) -> None:
    if not _is_language("\n".join(lines)):
        raise LoadError("binary", get_prompts().ingest.not_words)
