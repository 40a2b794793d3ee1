"""What goes into an index's fingerprint from the field vocabulary: the headings that shape outlines, not the
question cues (editing a cue must not force a re-ingest; editing a heading must)."""

from __future__ import annotations

from pathlib import Path

from core.vocabulary import DEFAULT_FIELDS, field_headings_identity, load_fields


def _variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = DEFAULT_FIELDS.read_text(encoding="utf-8")
    assert old in text
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_heading_changes_the_identity_a_question_cue_does_not(tmp_path: Path) -> None:
    cue = load_fields().cues["Mục tiêu"][0]
    heading = load_fields().fields[0].heading.pattern
    same = _variant(tmp_path / "cue", "fields.toml", f'"{cue}"', f'"{cue}", "dat muc tieu"')
    other = _variant(tmp_path / "heading", "fields.toml", f"'{heading}'", f"'{heading}|Chỉ\\s+tiêu\\b'")
    assert field_headings_identity(same) == field_headings_identity(DEFAULT_FIELDS)
    assert field_headings_identity(other) != field_headings_identity(DEFAULT_FIELDS)
