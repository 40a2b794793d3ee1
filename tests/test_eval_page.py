"""The evaluator's page in headless Chromium against a real server on the real corpus: upload a small
CSV set, run it in the background, judge two answers, compare two runs, export the scored run."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from assistant.bench import ServerThread
from core.settings import Settings
from core.verbatim import normalize_for_match
from tests import test_web
from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.integration
browser = test_web.browser  # the same Chromium, launched the same way
KEY = "khoa-danh-gia"  # a header value: the browser sends latin-1 only
KRONG_NO = "000_73905b5b1f629f25.txt"
QUOTE = (
    "Hộ nghèo, hộ cận nghèo, hộ mới thoát nghèo (trong vòng 36 tháng, kể từ thời điểm hộ được cấp có thẩm quyền"
    " công nhận thoát nghèo) trên phạm vi toàn huyện."
)
EVIDENCE = json.dumps([{"doc": KRONG_NO, "quote": QUOTE}], ensure_ascii=False)
HEADER = ["id", "question", "category", "style", "answer", "must_include", "evidence", "previous"]
ROWS = [
    [
        "P1",
        "Kế hoạch giảm nghèo 2024 ở Krông Nô dành cho những hộ nào?",
        "beneficiaries",
        "normal",
        "Hộ nghèo…",
        '["36 tháng"]',
        EVIDENCE,
        "",
    ],
    [
        "P2",
        "thế hộ mới thoát nghèo thì được tính trong bao lâu?",
        "beneficiaries",
        "colloquial",
        "36 tháng",
        '["36 tháng"]',
        EVIDENCE,
        "P1",
    ],
    ["U1", "Hỗ trợ mua xe máy cho hộ nghèo ở Lâm Đồng được bao nhiêu tiền?", "unanswerable", "normal", "", "", "", ""],
    ["X1", "Câu hỏi loại lạ?", "thời tiết", "normal", "", "", "", ""],  # row 5: an unknown category
]


@pytest.fixture(scope="module")
def server(indexed_settings: Settings) -> Iterator[tuple[str, Path]]:
    server_settings = indexed_settings.server.model_copy(update={"api_key": KEY})
    with ServerThread(indexed_settings.model_copy(update={"server": server_settings})) as running:
        yield running.url, indexed_settings.data_dir / "eval.sqlite"


def _finished(page: Any) -> str:
    """Wait until the run shown is no longer running; its progress line (with the error if it failed)."""
    page.wait_for_function(
        "() => /^(Xong|Lỗi)/.test(document.getElementById('progress-text').textContent)", timeout=300_000
    )
    return str(page.locator("#progress-text").inner_text())


def _csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *ROWS])
    return path


def test_writes_need_the_key_and_bad_sets_are_refused(server: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = server
    assert httpx.post(f"{url}/api/eval/runs", json={"set_id": "dev"}).status_code == 401
    key = {"X-API-Key": KEY}
    wrong = httpx.post(f"{url}/api/eval/sets", files={"file": ("a.txt", b"x")}, headers=key)
    assert wrong.status_code == 415 and "jsonl" in wrong.json()["detail"]
    empty = httpx.post(f"{url}/api/eval/sets", files={"file": ("a.csv", b"id,question\n1,x\n")}, headers=key)
    assert empty.status_code == 422 and "dòng 1" in empty.json()["detail"]
    sets = {s["set_id"]: s["n"] for s in httpx.get(f"{url}/api/eval/sets").json()}
    assert sets["dev"] > 100 and sets["test"] > 50 and sets["smoke"] > 100
    assert httpx.get(f"{url}/api/eval/runs/nope").status_code == 404


def test_evaluator_uploads_runs_judges_compares_and_exports(
    browser: Any, server: tuple[str, Path], tmp_path: Path
) -> None:
    url, database = server
    test_web.ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.add_init_script(f"sessionStorage.setItem('gnbv-api-key', {json.dumps(KEY)})")
    page = context.new_page()
    page.goto(f"{url}/static/eval.html")
    page.locator("#set option").first.wait_for(state="attached")

    page.set_input_files("#upload", str(_csv(tmp_path / "bo-nho.csv")))
    page.click("#upload-btn")
    page.get_by_text("Đã nhận 3 câu hỏi hợp lệ").wait_for()
    assert "Dòng 5" in page.locator("#upload-result").inner_text()
    assert "3 câu" in page.locator("#set option:checked").inner_text()

    page.click("#start")
    assert _finished(page) == "Xong: 3/3 câu"
    assert page.locator("#answers tbody tr").count() == 3
    first_run = page.locator("#run").input_value()

    page.locator("#answers tbody tr[data-id='P2']").click()
    page.locator("#detail[open]").wait_for()
    assert ROWS[0][1] in page.locator("#detail-previous").inner_text()
    quotes = page.locator("#detail-citations blockquote").all_inner_texts()
    corpus = normalize_for_match((CORPUS_DIR / KRONG_NO).read_text(encoding="utf-8"))
    assert quotes and all(normalize_for_match(q) in corpus for q in quotes)  # a follow-up answered from the source
    page.screenshot(path=str(test_web.ARTIFACTS / "eval-answer.png"))
    page.check("#judge-form input[value='correct']")
    page.fill("#judge-note", "Đủ 36 tháng")
    page.click("#judge-save")
    page.get_by_text("Đã lưu đánh giá.").wait_for()
    page.keyboard.press("Escape")

    page.locator("#answers tbody tr[data-id='U1']").click()
    page.locator("#detail[open]").wait_for()
    page.check("#judge-form input[value='wrong']")
    page.fill("#judge-note", "Nêu số tiền không có trong văn bản")
    page.click("#judge-save")
    page.get_by_text("Đã lưu đánh giá.").wait_for()
    page.keyboard.press("Escape")
    page.locator("#human", has_text="Người đánh giá 2 câu").wait_for()
    judged = sqlite3.connect(database).execute("SELECT question_id, verdict, note FROM judgements").fetchall()
    assert sorted(judged)[-2:] == [
        ("P2", "correct", "Đủ 36 tháng"),
        ("U1", "wrong", "Nêu số tiền không có trong văn bản"),
    ]

    page.select_option("#f-category", "unanswerable")
    assert page.locator("#count").inner_text() == "1/3 câu"
    page.select_option("#f-category", "")
    page.select_option("#f-verdict", "judged")
    assert page.locator("#answers tbody tr").count() == 2
    page.select_option("#f-verdict", "")

    page.click("#start")  # a second run of the same set; the page closes while it runs
    page.locator("#progress-text", has_text="Đang chạy").wait_for()
    second_run = page.locator("#run").input_value()
    assert second_run != first_run
    page.close()
    page = context.new_page()
    page.goto(f"{url}/static/eval.html#run={second_run}")
    assert _finished(page) == "Xong: 3/3 câu"
    # the same answers as the first run: the judgements follow them
    page.locator("#human", has_text="Người đánh giá 2 câu").wait_for()

    page.select_option("#cmp-before", first_run)
    page.select_option("#cmp-after", second_run)
    page.click("#compare")
    assert page.locator("#compare-tally").inner_text() == "Tốt hơn 0, kém hơn 0, như cũ 3"
    page.screenshot(path=str(test_web.ARTIFACTS / "eval-compare.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename == f"danh-gia-{second_run}.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet is not None
    table = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    header = table[0]
    assert header[:5] == ["mã", "loại", "kiểu", "lượt trước", "câu hỏi"] and len(table) == 4
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in table[1:]}
    assert by_id["P2"]["lượt trước"] == ROWS[0][1] and by_id["P2"]["đánh giá của người"] == "correct"
    assert by_id["U1"]["ghi chú"] == "Nêu số tiền không có trong văn bản" and by_id["U1"]["từ chối"] in ("có", "không")
    exported = httpx.get(f"{url}/api/eval/runs/{second_run}/export", params={"format": "csv"})
    assert exported.content.startswith(b"\xef\xbb\xbf") and "P2" in exported.content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))) == header
    context.close()
