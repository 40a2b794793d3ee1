"""Projects named by their titles (corpus/projects.toml) and question cues matched as whole words."""

from __future__ import annotations

import pytest

from assistant.retrieval.frame import FrameReader
from core.text import has_phrase


@pytest.mark.parametrize(
    ("question", "project", "subproject"),
    [
        (
            "Nam 2022 Dak Glei co duoc giao kinh phi cho tieu du an cai thien dinh duong khong?",
            "Dự án 3",
            "Tiểu dự án 2",
        ),
        ("Tiểu dự án hỗ trợ việc làm bền vững hướng tới đối tượng nào?", "Dự án 4", "Tiểu dự án 3"),
        (
            "Tiểu dự án đưa lao động đi làm việc ở nước ngoài của Dự án 4 hỗ trợ bao nhiêu người?",
            "Dự án 4",
            "Tiểu dự án 2",
        ),
        ("Vốn Dự án 4 giáo dục nghề nghiệp là bao nhiêu?", "Dự án 4", None),  # the Dự án's own title
        ("Cơ chế hỗ trợ phát triển sản xuất thực hiện theo nghị định nào?", None, None),  # no "dự án" is said
        ("Kinh phí Dự án 3 tiểu dự án 1 là bao nhiêu?", "Dự án 3", "Tiểu dự án 1"),  # the number wins
        ("Dự án 6 hỗ trợ việc làm bền vững?", "Dự án 6", None),  # a title of another Dự án is not taken
        ("Tỷ lệ hộ nghèo giảm bao nhiêu?", None, None),
    ],
)
def test_a_project_named_by_its_title_is_read(question: str, project: str | None, subproject: str | None) -> None:
    assert FrameReader().titled_project(question) == (project, subproject)


def test_cues_are_whole_words() -> None:
    assert has_phrase("nhung ai duoc ho tro", "ai duoc")
    assert not has_phrase("ia h'drai duoc phan bo", "ai duoc")
