"""The hybrid search behind LangChain's retriever interface, for LCEL chains built on the assistant."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from assistant.retrieval.hybrid import HybridSearch, SearchFilters


class GnbvRetriever(BaseRetriever):
    """Passages as LangChain documents: the text, with where it stands (document, section, lines) and its score."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: HybridSearch
    top_k: int = Field(5, ge=1, le=50)
    filters: SearchFilters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.search.run(query, self.top_k, self.filters)
        return [
            Document(
                page_content=s.chunk.text,
                id=s.chunk.chunk_id,
                metadata={
                    "chunk_id": s.chunk.chunk_id,
                    "doc_id": s.chunk.doc_id,
                    "source": s.chunk.source,
                    "section": s.chunk.section,
                    "line_start": s.chunk.line_start,
                    "line_end": s.chunk.line_end,
                    "score": s.score,
                },
            )
            for s in result.passages
        ]
