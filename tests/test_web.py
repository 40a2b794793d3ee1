"""The web page in headless Chromium (Debian's, driven by Playwright) against a real local server."""

from __future__ import annotations

import io
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.bench import ServerThread
from assistant.settings import Settings
from ingest.loaders import load
from ingest.verbatim import normalize_for_match
from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.integration
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KRONG_NO = "000_73905b5b1f629f25"


@pytest.fixture(scope="module")
def server(indexed_settings: Settings) -> Iterator[tuple[str, Path]]:
    with ServerThread(indexed_settings) as running:
        yield running.url, indexed_settings.data_dir / "feedback.sqlite"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium (.ci/run does)")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def test_document_text_and_training_routes(server: tuple[str, Path]) -> None:
    url, _ = server
    lines = load(CORPUS_DIR / f"{KRONG_NO}.txt").lines
    assert httpx.get(f"{url}/api/documents/{KRONG_NO}/text").json()["lines"] == lines
    assert httpx.get(f"{url}/api/documents/nope/text").status_code == 404
    projects = httpx.get(f"{url}/api/training/projects", params={"doc_id": KRONG_NO}).json()
    path = next(p["path"] for p in projects if p["path"][-1].startswith("* Tiểu dự án 1"))
    quiz = httpx.post(f"{url}/api/training/quiz", json={"doc_id": KRONG_NO, "path": path, "n": 6}).json()
    assert quiz["project"] == "Tiểu dự án 1 thuộc Dự án 3" and len(quiz["questions"]) == 6
    for question in quiz["questions"]:
        for cited in question["answer"]:
            window = "\n".join(lines[cited["line_start"] - 1 : cited["line_end"]])
            assert normalize_for_match(cited["quote"]) in normalize_for_match(window.replace("**", ""))
    keypoints = httpx.get(f"{url}/api/training/keypoints", params={"doc_id": KRONG_NO, "path": " › ".join(path)})
    assert [p["field"] for p in keypoints.json()["points"]][:2] == ["Mục tiêu", "Đối tượng"]
    empty = httpx.get(f"{url}/api/training/keypoints", params={"doc_id": KRONG_NO, "path": "Không có mục này"})
    assert empty.status_code == 404 and "ý chính" in empty.json()["detail"]


def test_officer_asks_opens_a_citation_filters_and_gives_feedback(browser: Any, server: tuple[str, Path]) -> None:
    url, feedback_db = server
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(url)
    page.locator("#f-locality option").nth(1).wait_for(state="attached")
    page.fill("#question", "Đối tượng của Tiểu dự án 1 Dự án 3 ở Krông Nô là ai?")
    page.keyboard.press("Enter")
    chip = page.locator(".turn .a .chip").first
    chip.wait_for(timeout=60_000)
    assert "36 tháng" in page.locator(".turn .a").first.inner_text()
    chip.click()
    page.locator("#panel mark").wait_for()
    lines = load(CORPUS_DIR / f"{KRONG_NO}.txt").lines
    assert normalize_for_match(page.locator("#panel mark").inner_text()) in normalize_for_match("\n".join(lines))
    assert "Krông Nô" in page.locator("#panel-meta").inner_text()
    assert "Dự án 3" in page.locator("#panel-section").inner_text()
    page.screenshot(path=str(ARTIFACTS / "answer-with-citation.png"))

    page.click("#panel-open")  # the whole document, at the cited line
    target = page.locator("#doc-text li.target")
    target.wait_for()
    cited_line = int(target.get_attribute("id")[1:])
    assert target.inner_text().strip() == lines[cited_line - 1].strip()

    page.click("[data-view='chat']")
    page.locator(".turn button[data-rating='up']").first.click()
    page.get_by_label("Góp ý thêm").fill("Rất rõ ràng")
    page.get_by_role("button", name="Gửi góp ý").click()
    page.get_by_text("Đã ghi nhận góp ý").wait_for()
    row = sqlite3.connect(feedback_db).execute("SELECT rating, comment, citations FROM feedback").fetchall()[-1]
    assert row[:2] == ("up", "Rất rõ ràng") and "36 tháng" in row[2]

    page.click("#new-chat")
    assert page.locator(".turn").count() == 0
    page.select_option("#f-locality", "Trực Thái")
    page.fill("#question", "đối tượng thụ hưởng là ai")
    page.click("#send")
    page.locator(".turn .a .chip").first.wait_for(timeout=60_000)
    page.locator(".turn .a .chip").last.click()
    page.locator("#panel mark").wait_for()
    assert "Trực Thái" in page.locator("#panel-title").inner_text() + page.locator("#panel-meta").inner_text()
    page.screenshot(path=str(ARTIFACTS / "filtered-by-locality.png"))
    page.keyboard.press("Escape")
    assert page.locator("#panel").is_hidden()

    page.select_option("#f-locality", "")
    page.fill("#question", "Hỗ trợ mua xe máy cho hộ nghèo ở Lâm Đồng được bao nhiêu tiền?")
    page.click("#send")
    refused = page.locator(".turn .a.refused")
    refused.wait_for(timeout=60_000)
    assert "Không tìm thấy" in refused.inner_text()


def test_trainer_browses_an_outline_and_downloads_a_quiz(browser: Any, server: tuple[str, Path]) -> None:
    from docx import Document

    url, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.goto(url)
    page.click("[data-view='docs']")
    page.locator("#doc-list a", has_text="Krông Nô").first.click()
    page.locator("#outline li").first.wait_for()
    assert page.locator("#outline").get_by_text("Tiểu dự án 1", exact=False).count() > 0
    assert page.locator("#doc-text li").count() == len(load(CORPUS_DIR / f"{KRONG_NO}.txt").lines)
    page.locator("#outline a", has_text="Dự án 3").first.click()
    assert "Dự án 3" in page.locator("#doc-text li.target").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling on a phone
    page.screenshot(path=str(ARTIFACTS / "outline-360px.png"))

    page.click("[data-view='training']")
    page.select_option("#t-doc", KRONG_NO)
    option = page.locator("#t-path option", has_text="Tiểu dự án 1: Hỗ trợ phát triển sản xuất").first
    option.wait_for(state="attached")
    page.select_option("#t-path", option.get_attribute("value"))
    page.fill("#t-n", "6")
    page.dispatch_event("#t-n", "change")
    page.click("#t-keypoints")
    page.locator("#training-output h4", has_text="Đối tượng").wait_for()
    page.click("#t-quiz")
    page.locator("#training-output .quiz").nth(5).wait_for()
    assert page.locator("#training-output input[type=radio]").count() >= 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "quiz-360px.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#t-docx")
    handout = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in handout.paragraphs)
    assert "Câu hỏi ôn tập" in text and "Đáp án đúng" in text
    assert "Đối tượng của Tiểu dự án 1 thuộc Dự án 3 (Krông Nô, 2024) gồm những ai?" in text
