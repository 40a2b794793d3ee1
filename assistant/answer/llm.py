"""Optional LLM answers over the same passages, checked after the fact, extractive on any failure.

The model sees numbered passages only, fenced as data. Afterwards citations to passages it was not
given are dropped, every figure in its text that no cited passage contains is flagged, and each kept
citation quotes the passage sentence closest to the statement that cites it, so quotes stay verbatim.
"""

from __future__ import annotations

import re

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.answer.models import Answer, Citation
from assistant.retrieval.hybrid import ScoredChunk, SearchResult
from assistant.settings import LLMSettings
from core.text import fold
from ingest.models import Sentence
from prompts import Prompts

_MARKER = re.compile(r"\[(\d{1,3})\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")
_PASSAGES = 5


def default_chat_model(settings: LLMSettings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        api_key=settings.api_key,
        timeout=settings.timeout_s,
        temperature=settings.temperature,
        max_retries=0,
    )


def _digits(number: str) -> str:
    return re.sub(r"[.,]", "", number)


def _closest_sentence(statement: str, sentences: list[Sentence]) -> Sentence:
    words = set(fold(statement).split())
    return max(sentences, key=lambda s: len(words & set(fold(s.text).split())))


class LLMComposer:
    """Pipeline step: search result → LLM answer with checked citations (or the extractive one)."""

    def __init__(self, settings: LLMSettings, prompts: Prompts, model: BaseChatModel | None = None) -> None:
        self.settings = settings
        self.prompts = prompts
        self.model = model

    def messages(self, question: str, passages: list[ScoredChunk]) -> list[SystemMessage | HumanMessage]:
        llm = self.prompts.llm
        fenced = "\n".join(
            llm.passage.format(
                n=n, title=p.chunk.title, section=p.chunk.section, text=p.chunk.text.replace("</doan>", "< /doan>")
            )
            for n, p in enumerate(passages, start=1)
        )
        return [
            SystemMessage(llm.system.format(refusal=self.prompts.answer.refusal)),
            HumanMessage(llm.user.format(passages=fenced, question=question)),
        ]

    def run(self, question: str, result: SearchResult, fallback: Answer) -> Answer:
        passages = result.passages[:_PASSAGES]
        try:
            model = self.model or default_chat_model(self.settings)
            reply = model.invoke(self.messages(question, passages))
            text = str(reply.content).strip()
        except Exception:  # any failure of an optional remote model: timeouts, HTTP, parsing
            return fallback.model_copy(update={"warnings": [*fallback.warnings, self.prompts.answer.llm_fallback]})
        if not text or self.prompts.answer.refusal in text:
            return fallback.model_copy(
                update={"answer": self.prompts.answer.refusal, "refused": True, "citations": [], "mode": "llm"}
            )
        return self._checked(text, passages)

    def _checked(self, text: str, passages: list[ScoredChunk]) -> Answer:
        citations: dict[int, Citation] = {}
        kept_lines = []
        for line in text.splitlines():
            valid = [int(n) for n in _MARKER.findall(line) if 1 <= int(n) <= len(passages)]
            line = _MARKER.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= len(passages) else "", line)
            for n in valid:
                chunk = passages[n - 1].chunk
                sentence = _closest_sentence(
                    line,
                    chunk.sentences
                    or [Sentence(text=chunk.text, line_start=chunk.line_start, line_end=chunk.line_end)],
                )
                citations.setdefault(n, Citation.of(n, chunk, sentence))
            kept_lines.append(line)
        cited_text = " ".join(_digits(passages[n - 1].chunk.text) for n in citations)
        unverified = sorted(
            {n for n in _NUMBER.findall(_MARKER.sub("", text)) if len(_digits(n)) > 1 and _digits(n) not in cited_text}
        )
        warnings = [self.prompts.answer.unverified_numbers.format(numbers=", ".join(unverified))] if unverified else []
        return Answer(
            answer="\n".join(kept_lines),
            refused=False,
            citations=sorted(citations.values(), key=lambda c: c.n),
            mode="llm",
            warnings=warnings,
        )
