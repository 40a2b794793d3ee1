"""`docs list` and `docs show` as a user types them, on the real corpus."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from core.settings import Settings
from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.integration

NAME = "003_d7b9b51839828f5a.txt"


@pytest.mark.parametrize("given", ["003_d7b9b51839828f5a", NAME, str(CORPUS_DIR / NAME), f"../corpus/{NAME}"])
def test_docs_show_takes_an_id_a_file_name_or_a_path(indexed_settings: Settings, given: str) -> None:
    if given.startswith(".."):  # relative to where the user stands
        given = str(CORPUS_DIR / ".." / "corpus" / NAME)
    result = CliRunner().invoke(app, ["docs", "show", given, "--data-dir", str(indexed_settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "(1) Tiểu dự án 1: Hỗ trợ phát triển sản xuất trong lĩnh vực nông nghiệp" in result.output
    assert "d) Dự án 4" in result.output


def test_docs_show_names_what_it_did_not_find(indexed_settings: Settings) -> None:
    result = CliRunner().invoke(app, ["docs", "show", "999_khong_co.txt", "--data-dir", str(indexed_settings.data_dir)])
    assert result.exit_code == 2
    assert "Không có tài liệu '999_khong_co.txt'" in result.output


def test_docs_list_fits_80_columns_and_prints_json(indexed_settings: Settings) -> None:
    runner = CliRunner()
    plain = runner.invoke(app, ["docs", "list", "--data-dir", str(indexed_settings.data_dir)], env={"COLUMNS": "80"})
    assert plain.exit_code == 0, plain.output
    lines = plain.output.splitlines()
    assert len(lines) == 10 and all(len(line) <= 80 for line in lines), lines
    assert lines[6].startswith("003_d7b9b51839828f5a  Kế hoạch")
    assert lines[7].startswith("  ") and lines[7].endswith("…")  # a long title cut, not wrapped

    machine = runner.invoke(app, ["docs", "list", "--json", "--data-dir", str(indexed_settings.data_dir)])
    documents = json.loads(machine.output)
    assert [d["doc_id"] for d in documents][:5] == [p[:-4] for p in sorted(p.name for p in CORPUS_DIR.glob("0*.txt"))]
    assert documents[1]["number"] == "16/KH-UBND" and documents[1]["locality"] == "Trực Thái"
