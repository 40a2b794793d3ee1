"""Optional LLM answers over the same passages, checked after the fact, extractive on any failure.

The model sees numbered passages only, fenced as data. Afterwards citations to passages it was not
given are dropped, every figure in its text that no cited passage contains is flagged, and each kept
citation quotes the passage sentence closest to the statement that cites it, so quotes stay verbatim.
"""

from __future__ import annotations

import html
import re

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.answer.models import Answer, Citation
from assistant.retrieval.hybrid import ScoredChunk, SearchResult
from core.settings import LLMSettings
from core.text import fold
from ingest.models import Sentence
from prompts import Prompts

_MARKER = re.compile(r"\[(\d{1,3})\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")
# any opening or closing tag of the fence, whatever its case, spacing or attributes: "</DOAN>", "< doan so=9>"
_FENCE_TAG = re.compile(r"<\s*/?\s*doan\b[^>]*>?", re.IGNORECASE)


class LLMNotConfiguredError(RuntimeError):
    """mode "llm" asked of a server with no LLM endpoint: never fall back to a vendor's public one."""


def default_chat_model(settings: LLMSettings) -> BaseChatModel:
    if not settings.base_url:
        raise LLMNotConfiguredError
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        api_key=settings.api_key,
        timeout=settings.timeout_s,
        temperature=settings.temperature,
        max_retries=0,
    )


def _data(text: str) -> str:
    """Passage text with every fence-like tag defused, so the only fence tags are ours."""
    return _FENCE_TAG.sub(lambda m: "‹" + m.group(0)[1:], text)


def _attribute(text: str) -> str:
    """A title or heading as a fence attribute value: no quote can close it, no tag can open."""
    return html.escape(_data(text).replace("\n", " "), quote=True)


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

    def messages(
        self, question: str, passages: list[ScoredChunk], extractive: Answer | None = None
    ) -> list[SystemMessage | HumanMessage]:
        """The fenced passages, plus the frame and the values the extractive stage found in them, so the
        model states those first instead of choosing its own."""
        llm = self.prompts.llm
        frame = extractive.frame.label if extractive is not None and extractive.frame is not None else question
        numbers = {p.chunk.chunk_id: n for n, p in enumerate(passages, start=1)}
        direct, cited = (extractive.direct, extractive.citations) if extractive is not None else ([], [])
        facts = "\n".join(
            f"- {_data(line.text)} [{numbers[c.chunk_id]}]"
            for line in direct
            for c in cited
            if c.n in line.citations and c.chunk_id in numbers
        )
        fenced = "\n".join(
            llm.passage.format(
                n=n, title=_attribute(p.chunk.title), section=_attribute(p.chunk.section), text=_data(p.chunk.text)
            )
            for n, p in enumerate(passages, start=1)
        )
        return [
            SystemMessage(llm.system.format(refusal=self.prompts.answer.refusal)),
            HumanMessage(llm.user.format(passages=fenced, question=question, frame=_data(frame), facts=facts or "-")),
        ]

    def run(self, question: str, result: SearchResult, fallback: Answer) -> Answer:
        passages = result.passages[: self.settings.passages]
        # without an endpoint this raises LLMNotConfiguredError: the caller answers it as a clear error
        model = self.model or default_chat_model(self.settings)
        try:
            reply = model.invoke(self.messages(question, passages, fallback))
            text = str(reply.content).strip()
        except Exception:  # any failure of an optional remote model: timeouts, HTTP, parsing
            return fallback.model_copy(update={"warnings": [*fallback.warnings, self.prompts.answer.llm_fallback]})
        if not text or self.prompts.answer.refusal in text:
            return fallback.model_copy(
                update={"answer": self.prompts.answer.refusal, "refused": True, "citations": [], "mode": "llm"}
            )
        return self._checked(text, passages)

    def _checked(self, text: str, passages: list[ScoredChunk]) -> Answer:
        """Each line keeps only markers of real passages, and is kept only when every figure it states is
        in the passages it cites: a line with a figure from nowhere is dropped and named in a warning."""
        citations: dict[int, Citation] = {}
        kept_lines = []
        unverified: set[str] = set()
        for line in text.splitlines():
            valid = [int(n) for n in _MARKER.findall(line) if 1 <= int(n) <= len(passages)]
            line = _MARKER.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= len(passages) else "", line)
            cited_text = " ".join(_digits(passages[n - 1].chunk.text) for n in valid)
            figures = _NUMBER.findall(_MARKER.sub("", line))
            missing = {n for n in figures if len(_digits(n)) > 1 and _digits(n) not in cited_text}
            if missing:
                unverified |= missing
                continue
            for n in valid:
                chunk = passages[n - 1].chunk
                sentence = _closest_sentence(
                    line,
                    chunk.sentences
                    or [Sentence(text=chunk.text, line_start=chunk.line_start, line_end=chunk.line_end)],
                )
                citations.setdefault(n, Citation.of(n, chunk, sentence))
            kept_lines.append(line)
        numbers = ", ".join(sorted(unverified))
        warnings = [self.prompts.answer.unverified_numbers.format(numbers=numbers)] if unverified else []
        return Answer(
            answer="\n".join(kept_lines),
            refused=False,
            citations=sorted(citations.values(), key=lambda c: c.n),
            mode="llm",
            warnings=warnings,
        )
