"""The web page in headless Chromium (Debian's, driven by Playwright) against a real local server.

Every browser test runs at a desktop (1280×900) and a phone (390×844) size and writes screenshots to
test-artifacts/. The server answers from the real corpus, indexed once per session.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.bench import ServerThread
from core.settings import Settings
from core.verbatim import normalize_for_match
from ingest.loaders import load
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
TRUC_THAI = "001_840e6b9a28383439"
IA_HDRAI_2025 = "003_d7b9b51839828f5a"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
MARKDOWN_MARKS = re.compile(r"##|\*\*|\\\*|^\s*[-*+] [-*+] ", re.MULTILINE)
ANSWER_TIMEOUT = 90_000


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


class Page:
    """A fresh browser page at one size that records console errors (there must be none)."""

    def __init__(self, browser: Any, url: str, size: str) -> None:
        width, height = SIZES[size]
        self.size, self.width, self.url = size, width, url
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self, fragment: str = "") -> Any:
        self.page.goto(self.url + "/" + fragment)
        self.page.locator("#f-locality option").nth(1).wait_for(state="attached")
        return self.page

    def shot(self, name: str, full_page: bool = False) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}-{self.size}.png"), full_page=full_page)

    def no_sideways_scroll(self) -> None:
        assert self.page.evaluate("document.documentElement.scrollWidth") <= self.width

    def close(self) -> None:
        assert not self.errors, self.errors
        self.context.close()


@pytest.fixture(params=list(SIZES))
def web(request: pytest.FixtureRequest, browser: Any, server: tuple[str, Path]) -> Iterator[Page]:
    page = Page(browser, server[0], request.param)
    yield page
    page.close()


def ask(page: Any, question: str) -> Any:
    """Type a question, send it with Enter, wait for the finished answer (the last turn)."""
    before = page.locator(".turn").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    turn = page.locator(".turn").nth(before)
    turn.locator(".tools, .filter-problem, .failed").first.wait_for(timeout=ANSWER_TIMEOUT)
    return turn


def source_lines(doc_id: str) -> list[str]:
    return load(CORPUS_DIR / f"{doc_id}.txt").lines


def words(text: str) -> str:
    """What a reader sees of a source line: its words, without Markdown marks."""
    return normalize_for_match(re.sub(r"\*\*|\\(?=[*_#])|^\s*#+\s*|^[\s*+\-•]+", "", text.strip()))


# ---- routes --------------------------------------------------------------------------------------


def test_document_text_training_and_page_routes(server: tuple[str, Path]) -> None:
    url, _ = server
    lines = source_lines(KRONG_NO)
    assert httpx.get(f"{url}/api/documents/{KRONG_NO}/text").json()["lines"] == lines
    assert httpx.get(f"{url}/api/documents/nope/text").status_code == 404
    projects = httpx.get(f"{url}/api/training/projects", params={"doc_id": KRONG_NO}).json()
    sub = next(p for p in projects if p["label"].startswith("Dự án 3 › Tiểu dự án 1"))
    quiz = httpx.post(f"{url}/api/training/quiz", json={"doc_id": KRONG_NO, "path": sub["path"], "n": 6}).json()
    assert quiz["project"] == "Tiểu dự án 1 thuộc Dự án 3" and len(quiz["questions"]) == 6
    for question in quiz["questions"]:
        for cited in question["answer"]:
            window = "\n".join(lines[cited["line_start"] - 1 : cited["line_end"]])
            assert normalize_for_match(cited["quote"]) in normalize_for_match(window.replace("**", ""))
            assert cited["document"] == "Kế hoạch, huyện Krông Nô, 2024"
    keypoints = httpx.get(f"{url}/api/training/keypoints", params={"doc_id": KRONG_NO, "path": " › ".join(sub["path"])})
    assert [p["field"] for p in keypoints.json()["points"]][:2] == ["Mục tiêu", "Đối tượng"]
    empty = httpx.get(f"{url}/api/training/keypoints", params={"doc_id": KRONG_NO, "path": "Không có mục này"})
    assert empty.status_code == 404 and "ý chính" in empty.json()["detail"]
    icon = httpx.get(f"{url}/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/")
    config = httpx.get(f"{url}/api/web/config").json()
    assert config["max_question_chars"] == 2000 and config["labels"][TRUC_THAI] == "Kế hoạch 16/KH-UBND, xã Trực Thái"


def test_filter_check_explains_conflicts_and_empty_combinations(server: tuple[str, Path]) -> None:
    url, _ = server
    check = f"{url}/api/web/filter-check"
    conflict = httpx.post(
        check, json={"question": "Kinh phí Dự án 4 ở Ia H'Drai năm 2025?", "filters": {"locality": "Krông Nô"}}
    ).json()["problems"]
    assert [p["key"] for p in conflict] == ["locality"]
    assert "Krông Nô" in conflict[0]["message"] and "Ia H'Drai" in conflict[0]["message"]
    empty = httpx.post(check, json={"question": "đối tượng là ai", "filters": {"locality": "Trực Thái", "year": 2022}})
    problems = empty.json()["problems"]
    assert problems[0]["key"] == "year" and "Trực Thái, 2022" in problems[0]["message"]
    fine = httpx.post(check, json={"question": "Kinh phí Dự án 4 ở Krông Nô?", "filters": {"locality": "Krông Nô"}})
    assert fine.json()["problems"] == []


# ---- 1. the answer view -----------------------------------------------------------------------------


def test_answer_shows_the_direct_answer_first_then_sources_and_the_question_as_chips(web: Page) -> None:
    page = web.open()
    turn = ask(page, "Kinh phí thực hiện Dự án 4 ở Ia H'Drai năm 2025 là bao nhiêu?")
    answer = turn.locator(".a")
    assert not answer.evaluate("a => a.classList.contains('refused')")
    # the direct answer comes before the sources, and is set apart from them
    blocks = answer.evaluate("a => [...a.children].map(c => c.className || c.tagName)")
    assert "direct" in blocks and blocks.index("direct") < blocks.index("sources-heading")
    direct = answer.locator(".direct")
    assert re.search(r"\d", direct.inner_text()) and direct.locator(".chip").count() >= 1
    assert direct.evaluate("d => parseFloat(getComputedStyle(d).fontSize)") > 16
    assert answer.locator(".sources-heading").inner_text() == "Nguồn"
    sources = answer.locator(".sources li")
    assert sources.count() >= 1 and ".txt" not in answer.inner_text()
    assert "Ia H'Drai" in sources.first.inner_text()
    # the question as understood: place and year chips, editable, then asked again with that scope
    chips = answer.locator("form.scope")
    assert chips.locator("select[name=locality]").input_value() == "Ia H'Drai"
    assert chips.locator("select[name=year]").input_value() == "2025"
    assert chips.locator(".asked").count() == 1
    web.shot("ask-direct-answer")
    web.no_sideways_scroll()
    sent: list[dict[str, Any]] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/chat") else None)
    chips.locator("select[name=field]").select_option("Đối tượng")
    chips.locator("button[type=submit]").click()
    again = page.locator(".turn").nth(1)
    again.locator(".tools").wait_for(timeout=ANSWER_TIMEOUT)
    scope = sent[-1]["scope"]
    assert (scope["field"], scope["locality"], scope["year"], scope["project"]) == (
        "Đối tượng",
        "Ia H'Drai",
        2025,
        "Dự án 4",
    )
    assert again.locator("form.scope select[name=field]").input_value() == "Đối tượng"
    assert "Đối tượng" in again.locator(".sources").inner_text()
    again.locator(".sources .chip").first.click()
    page.locator("#panel mark").wait_for()
    web.shot("ask-direct-answer-citation")


def test_a_refusal_shows_what_the_documents_do_say_nearby(web: Page) -> None:
    page = web.open()
    turn = ask(
        page,
        "Người lao động ở Ia H'Drai được hỗ trợ bao nhiêu phần trăm học phí ngoại ngữ khi chuẩn bị sang làm việc "
        "ở nước ngoài theo hiệp định?",
    )
    answer = turn.locator(".a.refused")
    answer.wait_for()
    nearby = answer.locator(".nearby")
    assert "ngoại ngữ" in nearby.inner_text() and nearby.locator(".chip").count() >= 1
    assert answer.locator(".refusal .chip").count() == 0  # the reason, then the quotes once, then the sources
    blocks = answer.evaluate("a => [...a.children].map(c => c.className || c.tagName)")
    assert blocks.index("refusal") < blocks.index("nearby") < blocks.index("sources-heading")
    web.shot("refusal-with-nearby", full_page=True)
    nearby.locator(".chip").first.click()
    assert "ngoại ngữ" in page.locator("#panel mark").inner_text()


def test_contradicting_documents_show_both_readings(web: Page) -> None:
    page = web.open()
    turn = ask(
        page, "Thông tư 04/2022/TT-BNNPTNT hướng dẫn hỗ trợ sản xuất nông nghiệp mà Krông Nô căn cứ ban hành ngày nào?"
    )
    answer = turn.locator(".a")
    answer.locator(".contradiction").wait_for()
    direct = answer.locator(".direct").inner_text()
    assert "28/7/2022" in direct and "11/7/2022" in direct
    web.shot("contradiction")


# ---- 2. the document reader ---------------------------------------------------------------------------


def test_reader_renders_text_numbers_lines_with_words_and_follows_deep_links(web: Page) -> None:
    lines = source_lines(IA_HDRAI_2025)
    page = web.open(f"#doc={IA_HDRAI_2025}")
    text = page.locator("#doc-text")
    text.locator(".line").first.wait_for()
    numbered = [int(n) for n in text.locator(".line").evaluate_all("ls => ls.map(l => l.dataset.line)")]
    with_words = [i for i, line in enumerate(lines, start=1) if re.sub(r"[\s*#\\|:-]", "", line)]
    assert numbered == with_words  # 003: no blank numbered lines, and each number is the source's
    assert not MARKDOWN_MARKS.search(text.inner_text())

    lines = source_lines(KRONG_NO)
    page.goto(f"{web.url}/#doc={KRONG_NO}&line=100")  # a citation's deep link
    target = page.locator("#doc-text .line.target")
    target.wait_for()
    assert target.get_attribute("id") == "L100"
    assert words(target.locator(".tx").inner_text()) == words(lines[99])
    assert target.evaluate(
        "t => { const r = t.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    )
    # rendered: headings as headings, bold as bold, list items without their marks
    heading = page.locator("#L90")
    assert heading.get_attribute("role") == "heading" and heading.inner_text().endswith(
        "2. Dự án 3: Hỗ trợ phát triển sản xuất, cải thiện dinh dưỡng"
    )
    assert page.locator("#L94 strong").first.inner_text().startswith("Mục tiêu")
    assert page.locator("#L100").evaluate("l => l.classList.contains('li')")
    assert not MARKDOWN_MARKS.search(page.locator("#doc-text").inner_text())
    # the outline marks the section being read
    current = page.locator("#outline a[aria-current]")
    assert current.count() == 1 and current.inner_text() == "Đối tượng"
    web.shot("reader-at-cited-line")
    web.no_sideways_scroll()


def test_reader_outline_search_and_scroll_reset_between_documents(web: Page) -> None:
    page = web.open(f"#doc={IA_HDRAI_2025}")
    page.locator("#outline a").first.wait_for()
    page.locator("#outline a", has_text="Dự án 4").first.click()
    page.locator("#outline a[aria-current]", has_text="Dự án 4").wait_for()
    assert "Dự án 4" in page.locator("#doc-text .line.target").inner_text()
    page.evaluate("document.getElementById('outline').scrollTop = 10000")
    page.goto(f"{web.url}/#doc={KRONG_NO}")
    page.locator("#doc-title", has_text="Krông Nô").wait_for()
    assert page.evaluate("document.getElementById('outline').scrollTop") == 0
    assert page.evaluate("document.querySelector('#outline a').getBoundingClientRect().top") < SIZES[web.size][1]

    # search ignores case and diacritics, counts the matches and steps through them
    page.fill("#doc-search", "36 THANG")
    status = page.locator("#doc-search-status")
    status.filter(has_text="Kết quả 1/").wait_for()
    total = int(status.inner_text().split("/")[1])
    assert total == page.locator("#doc-text mark.hit").count() >= 1
    assert "36 tháng" in page.locator("#doc-text mark.hit.current").inner_text()
    if total > 1:
        page.click("#doc-search-next")
        assert status.inner_text().startswith("Kết quả 2/")
    page.fill("#doc-search", "không có cụm từ này")
    status.filter(has_text="Không thấy").wait_for()
    assert page.locator("#doc-text mark.hit").count() == 0
    web.shot("reader-search")


# ---- 3. filters ---------------------------------------------------------------------------------------


def test_a_filter_that_contradicts_the_question_is_explained_and_dropped_in_one_click(web: Page) -> None:
    page = web.open()
    page.select_option("#f-locality", "Krông Nô")
    turn = ask(page, "Kinh phí Dự án 4 ở Ia H'Drai năm 2025 là bao nhiêu?")
    notice = turn.locator(".filter-problem")
    assert "Krông Nô" in notice.inner_text() and "Ia H'Drai" in notice.inner_text()
    web.shot("filter-conflict")
    notice.locator("button.drop-filter").click()
    assert page.locator("#f-locality").input_value() == ""
    answer = page.locator(".turn").last
    answer.locator(".tools").wait_for(timeout=ANSWER_TIMEOUT)
    assert "Ia H'Drai" in answer.locator(".sources").inner_text()


def test_an_empty_filter_combination_is_explained_and_dropped_in_one_click(web: Page) -> None:
    page = web.open()
    page.select_option("#f-locality", "Trực Thái")
    page.select_option("#f-year", "2022")
    turn = ask(page, "Đối tượng thụ hưởng là ai?")
    notice = turn.locator(".filter-problem")
    assert "Trực Thái, 2022" in notice.inner_text()
    notice.locator("button.drop-filter").first.click()
    assert page.locator("#f-year").input_value() == "" and page.locator("#f-locality").input_value() == "Trực Thái"
    answer = page.locator(".turn").last
    answer.locator(".tools").wait_for(timeout=ANSWER_TIMEOUT)
    assert "Trực Thái" in answer.locator(".sources").inner_text()


# ---- 4. training --------------------------------------------------------------------------------------


def test_trainer_picks_a_sub_project_reads_cited_key_points_and_exports_handouts(web: Page) -> None:
    from docx import Document

    page = web.open()
    page.click("[data-view='training']")
    page.select_option("#t-doc", KRONG_NO)
    label = page.locator("#t-path label", has_text="Dự án 3 › Tiểu dự án 1: Hỗ trợ phát triển sản xuất").first
    label.wait_for()
    # nothing cut off on a phone: every label wraps inside its box
    assert page.locator("#t-path label").evaluate_all("ls => ls.every(l => l.scrollWidth <= l.clientWidth + 1)")
    assert not page.locator("#t-path").inner_text().lstrip().startswith(("*", "-"))
    label.click()
    page.click("#t-keypoints")
    page.locator("#training-output h4", has_text="Đối tượng").wait_for()
    cited = page.locator("#training-output .cited small").all_inner_texts()
    assert "(Kế hoạch, huyện Krông Nô, 2024, dòng 100)" in cited
    assert not any(".txt" in c or re.search(r"(\d+)–\1\b", c) for c in cited)
    # Enter in "Số câu hỏi" makes the quiz; the page does not reload
    page.evaluate("window.kept = true")
    page.fill("#t-n", "6")
    page.press("#t-n", "Enter")
    page.locator("#training-output .quiz").nth(5).wait_for()
    assert page.evaluate("window.kept === true")
    assert page.locator("#training-output input[type=radio]").count() >= 4
    web.no_sideways_scroll()
    web.shot("training-quiz", full_page=True)

    with page.expect_download() as markdown_download:
        page.click("#t-md")
    markdown = Path(markdown_download.value.path()).read_text(encoding="utf-8")
    assert markdown_download.value.suggested_filename.startswith("Tập huấn - Tiểu dự án 1 thuộc Dự án 3")
    assert markdown.startswith("# Tiểu dự án 1 thuộc Dự án 3 — Kế hoạch, huyện Krông Nô, 2024")
    assert not re.search(r"^\s*- [-+*•]", markdown, re.MULTILINE) and ".txt" not in markdown
    with page.expect_download() as docx_download:
        page.click("#t-docx")
    assert docx_download.value.suggested_filename.endswith("Kế hoạch, huyện Krông Nô, 2024.docx")
    handout = Document(io.BytesIO(Path(docx_download.value.path()).read_bytes()))
    assert handout.core_properties.author == "Trợ lý GNBV"
    assert handout.core_properties.title == "Tiểu dự án 1 thuộc Dự án 3 — Kế hoạch, huyện Krông Nô, 2024"
    text = "\n".join(p.text for p in handout.paragraphs)
    assert "Câu hỏi ôn tập" in text and "Đáp án đúng" in text and "dòng 100)" in text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"handout-{web.size}.md").write_text(markdown, encoding="utf-8")
    docx_download.value.save_as(ARTIFACTS / f"handout-{web.size}.docx")
    # the same sub-project in every plan that has it, side by side
    page.click("#t-compare")
    table = page.locator("#training-output table.compare")
    table.wait_for()
    heads = table.locator("thead th").all_inner_texts()
    assert heads[:2] == ["Nội dung", "Kế hoạch, huyện Krông Nô, 2024"] and len(heads) >= 3
    beneficiaries = table.locator("tbody tr", has_text="Đối tượng").first.inner_text()
    assert "36 tháng" in beneficiaries and "dòng 100" in beneficiaries
    web.no_sideways_scroll()
    web.shot("training-compare", full_page=True)
    with page.expect_download() as compare_download:
        page.click("#t-compare-md")
    compared = Path(compare_download.value.path()).read_text(encoding="utf-8")
    assert compared.startswith("# So sánh Tiểu dự án 1 thuộc Dự án 3 giữa các địa phương")
    assert "| Nội dung | Kế hoạch, huyện Krông Nô, 2024 |" in compared
    (ARTIFACTS / f"compare-{web.size}.md").write_text(compared, encoding="utf-8")
    # the export as a trainer hands it out (a blank page of its own: the app's CSP allows no inline style)
    sheet = web.context.new_page()
    sheet.set_content(f"<pre style='white-space:pre-wrap;font:14px sans-serif'>{html.escape(markdown[:5000])}</pre>")
    sheet.screenshot(path=str(ARTIFACTS / f"training-handout-export-{web.size}.png"), full_page=True)
    sheet.close()


# ---- 5. the citation panel ----------------------------------------------------------------------------


def test_citation_panel_scrolls_to_the_quote_keeps_lines_and_names_the_document(web: Page) -> None:
    page = web.open()
    turn = ask(page, "Đối tượng của Tiểu dự án 1 Dự án 3 ở Krông Nô là ai?")
    chip = turn.locator(".sources .chip").first
    label = chip.get_attribute("aria-label")
    assert label.startswith("Trích dẫn 1: Kế hoạch, huyện Krông Nô, 2024, dòng ") and ".txt" not in label
    assert not re.search(r"(\d+)–\1\b", label)
    chip.click()
    mark = page.locator("#panel mark")
    mark.wait_for()
    # the highlight is on screen at every size, not below the fold
    assert mark.evaluate("m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")
    assert page.locator("#panel").get_attribute("aria-label") == "Đoạn trích từ Kế hoạch, huyện Krông Nô, 2024"
    assert "36 tháng" in mark.inner_text()
    passage = page.locator("#panel .passage").inner_text()
    assert "\n+ Hỗ trợ hộ nghèo dân tộc thiểu số" in passage  # one bullet per line, as in the source
    assert not re.search(r"(\d+)–\1\b", page.locator("#panel-section").inner_text())
    web.shot("citation-panel")
    page.keyboard.press("Escape")

    page.select_option("#f-locality", "Trực Thái")
    turn = ask(page, "Đối tượng thụ hưởng của kế hoạch là ai?")
    turn.locator(".sources .chip").first.click()
    page.locator("#panel-title", has_text="Kế hoạch 16/KH-UBND, xã Trực Thái").wait_for()
    assert "02/04/2024" in page.locator("#panel-meta").inner_text()
    assert "2024-04-02" not in page.locator("#panel").inner_text()


# ---- 6. input and robustness --------------------------------------------------------------------------


def test_question_box_explains_empty_and_over_long_questions(web: Page) -> None:
    page = web.open()
    page.fill("#question", "   \n  ")
    page.press("#question", "Enter")
    error = page.locator("#question-error")
    assert error.is_visible() and "trống" in error.inner_text()
    assert page.locator(".turn").count() == 0
    long = "Kinh phí Dự án 4 ở Ia H'Drai là bao nhiêu? " * 120  # ~5,000 characters, pasted
    page.fill("#question", "")
    page.focus("#question")
    page.keyboard.insert_text(long)  # as a paste arrives: one input event with the whole text
    assert page.input_value("#question") == long  # nothing silently cut
    assert "2000" in error.inner_text() and str(len(long.strip())) in error.inner_text()
    counter = page.locator("#question-counter")
    assert counter.is_visible() and counter.inner_text() == f"{len(long)}/2000 ký tự"
    page.click("#send")
    assert page.locator(".turn").count() == 0 and page.input_value("#question") == long
    web.shot("question-too-long")


def test_touch_targets_are_44px_and_a_dropped_stream_can_be_retried(web: Page) -> None:
    page = web.open()
    assert page.evaluate("fetch('/favicon.ico').then(r => r.status)") == 200
    page.route("**/api/chat", lambda route: route.abort("connectionreset"))
    turn = ask(page, "Đối tượng của Tiểu dự án 1 Dự án 3 ở Krông Nô là ai?")
    failed = turn.locator(".a.failed")
    assert "Mất kết nối" in failed.inner_text()
    web.shot("stream-dropped")
    page.unroute("**/api/chat")
    failed.locator("button.retry").click()
    answer = page.locator(".turn").last
    answer.locator(".tools").wait_for(timeout=ANSWER_TIMEOUT)
    assert page.locator(".turn").count() == 1 and "36 tháng" in answer.inner_text()
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, select, input:not([type=radio]), summary, a')]
        .filter(e => e.offsetParent !== null && !e.closest('.skip'))
        .map(e => [e.id || e.className || e.textContent.trim().slice(0, 20), e.getBoundingClientRect()])
        .filter(([, r]) => r.width < 44 || r.height < 44).map(([n, r]) => `${n} ${r.width}x${r.height}`)"""
    )
    assert small == []
    web.errors = [e for e in web.errors if "ERR_CONNECTION_RESET" not in e]  # the abort we caused


def test_feedback_is_stored_with_the_answer(browser: Any, server: tuple[str, Path]) -> None:
    url, feedback_db = server
    web = Page(browser, url, "desktop")
    page = web.open()
    turn = ask(page, "Đối tượng của Tiểu dự án 1 Dự án 3 ở Krông Nô là ai?")
    turn.locator("button[data-rating='up']").click()
    page.get_by_label("Góp ý thêm").fill("Rất rõ ràng")
    page.get_by_role("button", name="Gửi góp ý").click()
    page.get_by_text("Đã ghi nhận góp ý").wait_for()
    row = sqlite3.connect(feedback_db).execute("SELECT rating, comment, citations FROM feedback").fetchall()[-1]
    assert row[:2] == ("up", "Rất rõ ràng") and "36 tháng" in row[2]
    page.click("#new-chat")
    assert page.locator(".turn").count() == 0
    web.close()


def test_protected_reads_ask_for_the_key_once_and_send_it(browser: Any, indexed_settings: Settings) -> None:
    server = indexed_settings.server.model_copy(update={"api_key": "sesame-key", "protect_reads": True})
    with ServerThread(indexed_settings.model_copy(update={"server": server})) as running:
        assert httpx.get(f"{running.url}/api/documents").status_code == 401
        web = Page(browser, running.url, "phone")
        page = web.page
        page.goto(running.url)
        page.locator("#key-dialog[open]").wait_for()
        assert "khoá" in page.locator("#key-label").inner_text()
        page.fill("#key-input", "sesame-key")
        page.click("#key-submit")
        page.locator("#f-locality option").nth(1).wait_for(state="attached")
        turn = ask(page, "Đối tượng của Tiểu dự án 1 Dự án 3 ở Krông Nô là ai?")
        assert "36 tháng" in turn.inner_text()
        assert page.evaluate("sessionStorage.getItem('gnbv-api-key')") == "sesame-key"
        assert "sesame-key" not in page.url
        # the first requests were refused before the key was given: those 401s are expected
        web.errors = [e for e in web.errors if "401" not in e]
        web.close()
