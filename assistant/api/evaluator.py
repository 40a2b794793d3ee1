"""The evaluator page's runner: the eval store of an app and its one background run.

A run goes on in a thread of the server, one at a time (the machine is shared with the officers'
questions), and writes every answer to ``eval.sqlite`` in the data dir as it goes: closing the page does
not stop it, and reopening the page finds it by its id.
"""

from __future__ import annotations

import threading

from assistant.service import AssistantService
from eval.dataset import Question
from eval.harness import fingerprint, git_commit, graded, settings_record
from eval.store import EvalStore, Run
from eval.systems import Ours


class RunInProgressError(RuntimeError):
    """Another run has not finished yet."""


class Evaluator:
    def __init__(self, service: AssistantService) -> None:
        self.service = service
        self.store = EvalStore(service.settings.layout.eval_runs)
        self.store.fail_unfinished()
        self._busy = threading.Lock()

    def start(self, set_name: str, questions: list[Question], labels: dict[str, str], split: str) -> Run:
        if not self._busy.acquire(blocking=False):
            raise RunInProgressError
        settings = self.service.settings
        try:
            run = self.store.create_run(
                set_name, split, git_commit(), fingerprint(settings), settings_record(settings), len(questions)
            )
            threading.Thread(target=self._run, args=(run, questions, labels), daemon=True).start()
        except BaseException:
            self._busy.release()  # the run never started: the next one may
            raise
        return run

    def _run(self, run: Run, questions: list[Question], labels: dict[str, str]) -> None:
        try:
            texts = {q.id: q.question for q in questions}
            system = Ours(self.service)
            for position, item in enumerate(graded(system, questions, self.service.settings.corpus_dir, labels)):
                self.store.add_answer(run.run_id, position, item, texts.get(item.question.previous or ""))
            self.store.finish(run.run_id, "done")
        except Exception as error:  # the run reports it; the server goes on
            self.store.finish(run.run_id, "failed", f"{type(error).__name__}: {error}")
        finally:
            self._busy.release()
