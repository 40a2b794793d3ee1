"""The evaluation harness: metric functions on hand-made records, and the regression gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.service import AssistantService
from eval.dataset import QUESTION_DIR, Evidence, Question, load_question_dir, load_questions
from eval.gold import has_fact
from eval.harness import sha256
from eval.metrics import GateCase, aggregate, best_threshold, refusal_sweep, score, unverified_numbers
from eval.report import BASELINE_FILE, GATED
from eval.systems import CitationRef, Ours, PassageRef, SystemAnswer
from tests.conftest import CORPUS_DIR

BASELINE = json.loads(BASELINE_FILE.read_text(encoding="utf-8"))
QUOTE = "Dự kiến 56.770 triệu đồng, trong đó: Vốn đầu tư phát triển là 39.120 triệu đồng"
SOURCE = "003_d7b9b51839828f5a.txt"


def _question(category: str = "budget") -> Question:
    evidence = [] if category == "unanswerable" else [Evidence(doc=SOURCE, quote=QUOTE)]
    facts = [] if category == "unanswerable" else ["56.770 triệu đồng"]
    return Question(
        id="T1", question="Câu hỏi?", category=category, style="normal", must_include=facts, evidence=evidence
    )


@pytest.mark.unit
def test_facts_ignore_digit_separators() -> None:
    assert has_fact("giảm 0.5% so với", "0,5%") and has_fact("56770 triệu đồng", "56.770 triệu đồng")
    assert not has_fact("giảm 5%", "0,5%")


@pytest.mark.unit
def test_hit_rank_citation_precision_and_grounding() -> None:
    miss = PassageRef("000_73905b5b1f629f25.txt", 1, 10, "khác")
    hit = PassageRef(SOURCE, 105, 115, "...")  # covers lines 107–109
    cited = [CitationRef(SOURCE, QUOTE, 107, 109), CitationRef(SOURCE, "không có trong tệp", 1, 2)]
    s = score(_question(), SystemAnswer([miss, hit], 5.0, "Dự kiến 56.770 triệu đồng [1]", False, cited), CORPUS_DIR)
    assert s.rank == 2 and s.key_facts and s.cited == 2 and s.cited_on_evidence == 1 and s.grounded == 1
    overall = aggregate([s])
    assert overall["hit@1"] == 0.0 and overall["hit@3"] == 1.0 and overall["mrr"] == 0.5
    assert overall["citation_precision"] == 0.5 and overall["grounding"] == 0.5


@pytest.mark.unit
def test_refusal_precision_and_recall() -> None:
    refused_right = score(_question("unanswerable"), SystemAnswer([], 1.0, "x", True), CORPUS_DIR)
    refused_wrong = score(_question(), SystemAnswer([], 1.0, "x", True), CORPUS_DIR)
    answered_wrong = score(_question("unanswerable"), SystemAnswer([], 1.0, "x", False), CORPUS_DIR)
    overall = aggregate([refused_right, refused_wrong, answered_wrong])
    assert overall["refusal_precision"] == 0.5 and overall["refusal_recall"] == 0.5
    assert overall["false_refusal_rate"] == 1.0


@pytest.mark.unit
def test_refusal_sweep_picks_the_highest_recall_within_the_false_refusal_budget() -> None:
    cases = [GateCase(False, 0.1, False), GateCase(False, 0.5, False), GateCase(False, 0.9, True)]
    cases += [GateCase(True, 0.3, False)] + [GateCase(True, 0.8, False)] * 19  # 1 of 20 answerable is weak
    points = {round(p.threshold, 2): p for p in refusal_sweep(cases)}
    assert points[0.0].recall == pytest.approx(1 / 3) and points[0.0].false_rate == 0.0
    assert points[0.35].recall == pytest.approx(2 / 3) and points[0.35].false_rate == 0.05
    assert points[0.55].recall == 1.0 and points[0.55].false_rate == 0.05
    assert points[0.85].false_rate == 1.0
    best = best_threshold(list(points.values()))
    assert best is not None and round(best.threshold, 2) == 0.55  # lowest threshold reaching recall 1


@pytest.mark.unit
def test_report_and_compare_from_saved_runs(tmp_path: Path) -> None:
    from eval.harness import RunResult
    from eval.report import compare, save

    def result(hit5: float) -> RunResult:
        overall = {"n": 2.0, "hit@5": hit5, "key_fact_accuracy": 0.5, "latency_p50_ms": 12.34}
        ours = {"overall": overall, "by_category": {"budget": overall}, "by_style": {"normal": overall}}
        config = {"time": "t", "commit": "c", "questions": 2, "question_files": {"set.jsonl": str(hit5)}}
        return RunResult(config, {"ours": ours, "bm25": ours})

    first, second = save(result(0.5), tmp_path / "a"), save(result(0.75), tmp_path / "b")
    report = (second / "report.md").read_text(encoding="utf-8")
    assert "| budget | 2 | 0.750 | 0.750 | 0.500 |" in report and "12.3" in report
    assert (second / "systems.png").stat().st_size > 0 and (second / "by_category.png").stat().st_size > 0
    assert "| ours | hit@5 | 0.500 | 0.750 | 0.250 |" in compare(first, second)
    assert "bộ câu hỏi khác nhau" in compare(first, second) and "khác nhau" not in compare(first, first)


@pytest.mark.unit
def test_question_files_are_valid_and_balanced() -> None:
    questions, errors = load_question_dir(QUESTION_DIR, CORPUS_DIR)
    assert errors == []
    assert len(questions) >= 200 and len({q.id for q in questions}) == len(questions)
    assert sum(q.category == "unanswerable" for q in questions) >= 0.1 * len(questions)
    assert sum(q.style == "no_diacritics" for q in questions) >= 0.1 * len(questions)


@pytest.mark.unit
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_bring_your_own_set_reports_bad_rows_and_keeps_good_ones(tmp_path: Path, suffix: str) -> None:
    good = {
        "id": "G1",
        "question": "Tổng nhu cầu vốn 2025?",
        "category": "budget",
        "style": "normal",
        "answer": "",
        "must_include": ["56.770"],
        "evidence": [{"doc": SOURCE, "quote": QUOTE}],
    }
    bad = {**good, "id": "B1", "category": "weather"}
    wrong_quote = {**good, "id": "B2", "evidence": [{"doc": SOURCE, "quote": "câu không có trong tài liệu"}]}
    path = tmp_path / f"set{suffix}"
    rows = [good, bad, wrong_quote]
    if suffix == ".jsonl":
        path.write_text("\n".join([*map(json.dumps, rows), "{not json"]), encoding="utf-8")
    else:
        header = list(good)
        table = [
            [json.dumps(r[h], ensure_ascii=False) if isinstance(r[h], list) else r[h] for h in header] for r in rows
        ]
        if suffix == ".csv":
            import csv

            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows([header, *table])
        else:
            from openpyxl import Workbook

            book = Workbook()
            sheet = book.active
            assert sheet is not None
            for row in [header, *table]:
                sheet.append(row)
            book.save(path)
    questions, errors = load_questions(path, CORPUS_DIR)
    assert [q.id for q in questions] == ["G1"]
    assert len(errors) == (3 if suffix == ".jsonl" else 2)
    assert all(e.row > 1 for e in errors) and "nguyên văn" in " ".join(e.message for e in errors)


@pytest.mark.integration
def test_regression_gate(service: AssistantService) -> None:
    files = [QUESTION_DIR / name for name in BASELINE["question_files"]]
    changed = [f.name for f in files if not f.exists() or sha256(f) != BASELINE["question_files"][f.name]]
    assert not changed, f"question files changed since the baseline: {changed}; python -m eval run --save-baseline"
    questions = [q for f in files for q in load_questions(f, CORPUS_DIR)[0]]
    system = Ours(service)
    overall = aggregate([score(q, system.answer(q.question, 10), CORPUS_DIR) for q in questions])
    for metric in GATED:
        assert overall[metric] is not None and overall[metric] >= BASELINE[metric] - 0.02, (metric, overall[metric])


@pytest.mark.unit
def test_split_files_are_up_to_date_and_keep_pairs_together() -> None:
    from eval.dataset import GENERATED, load_files
    from eval.split import SPLIT_DIR, assign, hand_written_files, read, select

    questions, _ = load_files(hand_written_files(), CORPUS_DIR)
    sides = assign(questions)
    committed, wanted = read(SPLIT_DIR), {i: name for name, ids in sides.items() for i in ids}
    stale = sorted(set(committed.items()) ^ set(wanted.items()))
    assert not stale, f"{len(stale)} ids differ from eval/splits: run python -m eval split ({stale[:5]}…)"
    assert all(committed[q.id] == committed[q.previous] for q in questions if q.previous)
    assert 0.25 <= len(sides["test"]) / len(questions) <= 0.42  # about one in three
    dev, labels, _ = select("dev", CORPUS_DIR)
    assert {q.id for q in dev} == set(sides["dev"]) and set(labels.values()) == {"dev"}
    everything, labels, files = select("all", CORPUS_DIR)
    assert len(everything) == len(questions) + len(select("smoke", CORPUS_DIR)[0]) and files[-1].name == GENERATED
    assert set(labels.values()) == {"dev", "test", "smoke"}


@pytest.mark.unit
def test_verdicts_of_one_answer() -> None:
    late = "x" * 400 + " Dự kiến 56.770 triệu đồng [1]"
    cited = [CitationRef(SOURCE, QUOTE, 107, 109, 1)]
    early = score(_question(), SystemAnswer([], 1.0, "Dự kiến 56.770 triệu đồng [1]", False, cited), CORPUS_DIR)
    assert early.verdicts() == {
        "hit@5": False,
        "key_facts": True,
        "key_facts_400": True,
        "refusal": True,
        "grounded": True,
        "numbers": True,
    }
    assert early.correct
    s = score(_question(), SystemAnswer([], 1.0, late, False, cited), CORPUS_DIR)
    assert s.key_facts and not s.key_facts_early
    refused = score(_question("unanswerable"), SystemAnswer([], 1.0, "Không tìm thấy", True), CORPUS_DIR)
    assert refused.correct and refused.verdicts()["refusal"] and refused.verdicts()["key_facts"] is None


@pytest.mark.unit
def test_numbers_must_be_in_the_quotes_their_line_cites() -> None:
    cited = [CitationRef(SOURCE, QUOTE, 107, 109, 1), CitationRef(SOURCE, "giảm 2% hộ nghèo", 1, 1, 2)]
    answer = "Theo Kế hoạch 123/KH-UBND:\n- Tổng 56770 triệu đồng, vốn 39.120 [1]\n- Giảm 2%, còn 12 hộ [2]"
    assert unverified_numbers(answer, cited) == ["12"]  # the heading cites nothing; "2" is one digit
    assert unverified_numbers("- 39.120 triệu [2]", cited) == ["39.120"]  # true, but not what [2] says
    assert unverified_numbers("- 120 triệu [1]", cited) == ["120"]  # a number inside another is not it
    assert unverified_numbers("[2] Kế hoạch 20/KH-UBND (2024), dòng 14", cited) == []  # a source list entry


@pytest.mark.unit
def test_store_keeps_runs_judgements_and_compares(tmp_path: Path) -> None:
    from eval.harness import Graded
    from eval.store import EvalStore, Judgement, changes_report, compare, human_accuracy

    store = EvalStore(tmp_path / "eval.sqlite")
    budget, unanswerable = _question(), _question("unanswerable").model_copy(update={"id": "U1"})

    def stored(answer: str, refuse: bool) -> str:
        run = store.create_run("set", "dev", "abc", "f1", {"k": 1}, 2)
        for position, (q, text, refused) in enumerate([(budget, answer, False), (unanswerable, "Không", refuse)]):
            result = SystemAnswer([], 1.0, text, refused, [CitationRef(SOURCE, QUOTE, 107, 109, 1)])
            store.add_answer(run.run_id, position, Graded(q, result, score(q, result, CORPUS_DIR)), None)
        store.finish(run.run_id, "done")
        return run.run_id

    first = stored("Không rõ [1]", refuse=True)
    assert store.judge(first, "T1", Judgement(verdict="wrong", note="thiếu số tiền"))
    assert not store.judge(first, "nope", Judgement(verdict="correct"))
    second = stored("Dự kiến 56.770 triệu đồng [1]", refuse=False)
    third = stored("Dự kiến 56.770 triệu đồng [1]", refuse=False)  # the same answers as the second
    store.judge(second, "T1", Judgement(verdict="correct"))
    store.judge(second, "U1", Judgement(verdict="should_refuse"))
    run = store.run(second)
    assert run is not None and run.done == 2 and run.status == "done" and run.commit_id == "abc"
    previous = store.previous(run)
    assert previous is not None and previous.run_id == first
    changes = {c.question_id: c.change for c in compare(store.answers(first), store.answers(second))}
    assert changes == {"T1": "better", "U1": "worse"}
    assert store.answers(first)[0].judgement == Judgement(verdict="wrong", note="thiếu số tiền")
    assert human_accuracy(store.answers(third)) == {
        "judged": 2,
        "correct": 1,
        "partly": 0,
        "wrong": 0,
        "should_refuse": 1,
        "accuracy": 0.5,
    }  # judgements follow identical answers into later runs
    assert human_accuracy(store.answers(first))["accuracy"] == 0.0  # type: ignore[index]
    printed = changes_report(store, run)
    assert f"So với lần chạy {first}" in printed and "tốt hơn 1, kém hơn 1, như cũ 0" in printed
    assert "better T1: đúng không đạt → đạt; key_facts không đạt → đạt" in printed
    assert "Người đánh giá 2 câu" in printed
    assert "chưa có lần chạy trước" in changes_report(store, store.run(first))  # type: ignore[arg-type]
