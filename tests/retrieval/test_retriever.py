"""GnbvRetriever, the public LangChain retriever, inside an LCEL chain over the fast fixtures: the chain
receives the hybrid search's passages as documents that say where they stand."""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from assistant.retrieval.hybrid import SearchFilters
from assistant.retrieval.retriever import GnbvRetriever
from assistant.service import AssistantService


def _context(documents: list[Document]) -> str:
    return "\n".join(f"[{d.metadata['source']}:{d.metadata['line_start']}] {d.page_content}" for d in documents)


def test_the_retriever_feeds_an_lcel_chain_the_passages_of_the_search(fast_service: AssistantService) -> None:
    question = "Kinh phí Dự án 2 ở huyện Ea Súp năm 2024 là bao nhiêu?"
    retriever = GnbvRetriever(search=fast_service.search, top_k=3)
    chain = {"context": retriever | RunnableLambda(_context), "question": RunnablePassthrough()} | RunnableLambda(
        lambda inputs: f"{inputs['question']}\n{inputs['context']}"
    )

    prompt = chain.invoke(question)

    expected = fast_service.search.run(question, 3).passages
    documents = retriever.invoke(question)
    assert [d.id for d in documents] == [p.chunk.chunk_id for p in expected]
    assert all(d.metadata["doc_id"] == d.id.split(":")[0] for d in documents if d.id)
    assert prompt.startswith(question)
    for passage in expected:
        assert f"[{passage.chunk.source}:{passage.chunk.line_start}] {passage.chunk.text}" in prompt
    assert "1.250 triệu đồng" in prompt  # the asked budget is in what the chain's next step reads


def test_the_retrievers_filters_restrict_the_documents(fast_service: AssistantService) -> None:
    retriever = GnbvRetriever(search=fast_service.search, top_k=5, filters=SearchFilters(locality="Trực Ninh"))
    documents = retriever.invoke("Kinh phí Tiểu dự án 3 là bao nhiêu?")
    assert documents
    assert {d.metadata["doc_id"] for d in documents} == {"ke-hoach-truc-ninh-2023"}
