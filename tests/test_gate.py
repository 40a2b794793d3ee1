"""The learned answerability gate: the shipped model loads with the code's features, refuses what the test
split cannot answer and answers what it can; without the model the lexical gate decides as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.answer.gate import FEATURE_VERSION, FEATURES, META_FILE, MODEL_FILE, AnswerabilityGate
from assistant.answer.scoring import EvidenceScorer
from assistant.retrieval.frame import QuestionFrame
from assistant.retrieval.hybrid import SearchResult
from assistant.retrieval.query import QueryIntent
from assistant.service import AssistantService
from core.settings import AnswerSettings, Settings
from eval.dataset import Question
from eval.split import select
from tests.conftest import CORPUS_DIR

SHIPPED = AnswerSettings().gate_dir
# test-split questions by id (never trained on): unanswerable ones refused (B138 by the model alone: the
# lexical gate answers it), and answerable ones answered
REFUSED = ("B138", "D001", "D060")
BY_THE_MODEL = "B138"
ANSWERED = ("A006", "A051", "H002")


def _questions() -> dict[str, Question]:
    return {q.id: q for q in select("test", CORPUS_DIR)[0]}


def _scorer() -> EvidenceScorer:
    return EvidenceScorer(str.split, lambda term: 1, 10)


def test_the_shipped_model_loads_with_its_feature_version() -> None:
    assert SHIPPED is not None
    record = json.loads((SHIPPED / META_FILE).read_text(encoding="utf-8"))
    assert record["feature_version"] == FEATURE_VERSION and tuple(record["features"]) == FEATURES
    assert record["split"] == "dev" and 0 < record["threshold"] <= 1
    gate = AnswerabilityGate(_scorer(), SHIPPED)
    assert gate.learned and gate.threshold == record["threshold"]


def test_a_missing_model_leaves_the_lexical_gate(tmp_path: Path) -> None:
    gate = AnswerabilityGate(_scorer(), tmp_path)
    frame = QuestionFrame(asked="amount", focus="kinh phí")
    result = SearchResult(intent=QueryIntent(folded="kinh phi"))
    assert not gate.learned
    assert not gate.run("kinh phí", frame, result, [], value=True).answerable  # no fact over the floor
    assert gate.run("kinh phí", frame.model_copy(update={"asked": "list"}), result, [], value=False).answerable


def test_a_model_of_other_features_is_refused(tmp_path: Path) -> None:
    assert SHIPPED is not None
    shutil.copy(SHIPPED / MODEL_FILE, tmp_path / MODEL_FILE)
    record = json.loads((SHIPPED / META_FILE).read_text(encoding="utf-8"))
    (tmp_path / META_FILE).write_text(json.dumps({**record, "feature_version": FEATURE_VERSION + 1}), encoding="utf-8")
    with pytest.raises(ValueError, match="huấn luyện lại"):
        AnswerabilityGate(_scorer(), tmp_path)


@pytest.mark.integration
def test_test_split_questions_refused_and_answered(service: AssistantService) -> None:
    questions = _questions()
    assert service.composer().gate.learned
    for qid in REFUSED:
        assert not questions[qid].answerable
        assert service.ask(questions[qid].question).answer.refused, qid
    for qid in ANSWERED:
        assert questions[qid].answerable
        assert not service.ask(questions[qid].question).answer.refused, qid


@pytest.mark.integration
def test_without_the_model_the_lexical_gate_decides(indexed_settings: Settings, tmp_path: Path) -> None:
    answer = indexed_settings.answer.model_copy(update={"gate_dir": tmp_path})
    lexical = AssistantService(indexed_settings.model_copy(update={"answer": answer}))
    assert not lexical.composer().gate.learned
    assert lexical.composer().facts.min_score == indexed_settings.answer.min_fact_score
    assert not lexical.ask(_questions()[BY_THE_MODEL].question).answer.refused  # what the model adds
