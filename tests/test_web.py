"""The web page in headless Chromium (Debian's, driven by Playwright) against a real local server."""

from __future__ import annotations

import io
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.bench import ServerThread
from assistant.feedback import FeedbackStore
from assistant.settings import Settings
from assistant.training import key_points, quiz
from ingest.loaders import load
from ingest.verbatim import is_verbatim, normalize_for_match
from tests.conftest import CORPUS_DIR, Parsed

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


@pytest.mark.unit
def test_key_points_and_quiz_are_cited_from_the_fields(corpus: dict[str, Parsed]) -> None:
    from ingest.models import DocumentMeta

    doc = corpus["000"]
    path = next(c.section_path[:3] for c in doc.chunks if "Tiểu dự án 1: Hỗ trợ phát triển sản xuất" in c.section)
    points = key_points(doc.chunks, path)
    assert [p.field for p in points][:2] == ["Mục tiêu", "Đối tượng"]
    for point in points:
        for c in point.citations:
            assert is_verbatim(c.quote, doc.lines, c.line_start, c.line_end, doc.footnote_lines())
    meta = DocumentMeta(doc_id="000", source="x", path="x", title="t", locality="Krông Nô", years=[2024])
    questions = quiz(points, path, meta, 3)
    assert len(questions) == 3 and "Tiểu dự án 1" in questions[0].question and "Krông Nô" in questions[0].question
    assert any("36 tháng" in c.quote for q in questions for c in q.answer)


@pytest.fixture(scope="module")
def page_url(indexed_settings: Settings) -> Iterator[tuple[str, Path]]:
    with ServerThread(indexed_settings) as server:
        yield server.url, indexed_settings.data_dir / "feedback.sqlite"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium (.ci/run does)")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.mark.integration
def test_officer_asks_opens_a_citation_filters_and_gives_feedback(browser: object, page_url: tuple[str, Path]) -> None:
    url, feedback_db = page_url
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: dialog.accept("Rất rõ ràng"))
    page.goto(url)
    page.fill("#question", "Đối tượng của Tiểu dự án 1 Dự án 3 ở Krông Nô là ai?")
    page.click("#send")
    chip = page.locator(".turn .a .chip").first
    chip.wait_for(timeout=60_000)
    assert "36 tháng" in page.locator(".turn .a").first.inner_text()
    chip.click()
    page.locator("#panel mark").wait_for()
    highlighted = page.locator("#panel mark").inner_text()
    lines = load(CORPUS_DIR / "000_73905b5b1f629f25.txt").lines
    assert normalize_for_match(highlighted) in normalize_for_match("\n".join(lines))
    page.screenshot(path=str(ARTIFACTS / "answer-with-citation.png"), full_page=True)

    page.click("#panel-close")
    page.locator(".turn button[data-rating='up']").first.click()
    page.get_by_text("Đã ghi nhận góp ý").wait_for()
    rows = sqlite3.connect(feedback_db).execute("SELECT rating, comment FROM feedback").fetchall()
    assert ("up", "Rất rõ ràng") in rows
    assert FeedbackStore(feedback_db).export_questions()[-1]["evidence"]

    page.click("#new-chat")
    page.select_option("#f-locality", "Trực Thái")
    page.fill("#question", "đối tượng thụ hưởng là ai")
    page.click("#send")
    page.locator(".turn .a .chip").first.wait_for(timeout=60_000)
    page.locator(".turn .a .chip").first.click()
    page.locator("#panel mark").wait_for()
    assert "Trực Thái" in page.locator("#panel-title").inner_text()
    page.screenshot(path=str(ARTIFACTS / "filtered-by-locality.png"))


@pytest.mark.integration
def test_trainer_browses_an_outline_and_downloads_a_quiz(browser: object, page_url: tuple[str, Path]) -> None:
    from docx import Document

    url, _ = page_url
    page = browser.new_page(viewport={"width": 360, "height": 800})  # type: ignore[attr-defined]
    page.goto(url)
    page.click("[data-view='docs']")
    page.get_by_text("Krông Nô (2024)", exact=False).first.click()
    page.locator("#outline li").first.wait_for()
    assert page.locator("#outline").get_by_text("Dự án 3", exact=False).count() > 0
    assert page.locator("#doc-text li").count() == len(load(CORPUS_DIR / "000_73905b5b1f629f25.txt").lines)
    page.screenshot(path=str(ARTIFACTS / "outline-360px.png"))

    page.click("[data-view='training']")
    page.select_option("#t-doc", "000_73905b5b1f629f25")
    page.locator("#t-path option").first.wait_for(state="attached")
    page.click("#t-quiz")
    page.locator("#training-output h2").first.wait_for()
    with page.expect_download() as download:
        page.click("#t-docx")
    handout = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in handout.paragraphs)
    assert "Câu hỏi ôn tập" in text and "dòng" in text
