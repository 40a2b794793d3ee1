"""Naming a project: the number and the level both count."""

from __future__ import annotations

import pytest

from assistant.retrieval.query import names_project


@pytest.mark.parametrize(
    ("text", "name", "named"),
    [
        ("d) Dự án 3: Hỗ trợ phát triển sản xuất", "Dự án 3", True),
        ("Dự án 31: khác", "Dự án 3", False),
        ("Dự án 6 › Tiểu dự án 2: Truyền thông", "Dự án 2", False),
        ("Dự án 6 › Tiểu dự án 2: Truyền thông", "Tiểu dự án 2", True),
        ("Du an 2 › Tieu du an 2", "Dự án 2", True),
        ("Dự án 4 › Tiểu dự án 3", "tieu du an 3", True),
    ],
)
def test_a_project_is_named_by_its_level_and_number(text: str, name: str, named: bool) -> None:
    assert names_project(text, name) is named
