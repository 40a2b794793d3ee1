"""An app or a pipeline built with its own Settings uses those, not the process-wide defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from ingest.pipeline import parse_document
from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.integration


def test_an_app_keeps_its_own_question_limit(indexed_settings: Settings) -> None:
    from assistant.api.app import create_app

    server = indexed_settings.server.model_copy(update={"max_question_chars": 40})
    app = create_app(indexed_settings.model_copy(update={"server": server}))
    with TestClient(app) as client:
        long = "Đối tượng thụ hưởng của Dự án 4 ở huyện Ia H'Drai là ai?"  # 56 characters, under the default
        for route in ("/api/ask", "/api/chat"):
            response = client.post(route, json={"question": long})
            assert response.status_code == 422, response.text
            assert "40" in response.text and "56" in response.text
        assert client.post("/api/ask", json={"question": "Dự án 4 hỗ trợ ai?"}).status_code == 200


def test_metadata_reads_the_place_tables_of_the_settings_it_is_given(
    indexed_settings: Settings, tmp_path: Path
) -> None:
    path = CORPUS_DIR / "002_b8091ea745fe2cf1.txt"
    assert parse_document(path, indexed_settings).meta.province == "Kon Tum"
    (tmp_path / "provinces.txt").write_text("# none known\n", encoding="utf-8")
    bare = indexed_settings.model_copy(
        update={"provinces_file": tmp_path / "provinces.txt", "localities_file": tmp_path / "none.toml"}
    )
    assert parse_document(path, bare).meta.province is None  # the text's "tỉnh Kon Tum" is no known province
