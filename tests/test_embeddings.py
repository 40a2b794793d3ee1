"""Embedding cache (per batch, resumable, per model identity) and the ONNX int8 backend against fp32."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from core.settings import EmbeddingSettings, get_settings
from ingest.embeddings import CachedEmbeddings
from ingest.embeddings.model import load_encoder, model_id
from tests.conftest import CORPUS_FILES, parse_text_file


class CountingEncoder:
    """A fake model for the cache's own logic: a text's vector is a function of the text; it can die
    after a number of calls, as a killed ingest does."""

    dimension = 8

    def __init__(self, fail_after: int | None = None) -> None:
        self.calls: list[int] = []
        self.fail_after = fail_after

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise KeyboardInterrupt("killed")
        self.calls.append(len(texts))
        vectors = np.array([[len(t), *(float(ord(c)) for c in t[-7:].rjust(7))] for t in texts], np.float32)
        return np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), np.float32)


def cache(tmp_path: Path, encoder: CountingEncoder, **settings: object) -> CachedEmbeddings:
    embedding = EmbeddingSettings.model_validate({"cache_batch": 50, **settings})
    embeddings = CachedEmbeddings(embedding, tmp_path / "models", tmp_path)
    embeddings._encoder = encoder  # the cache under test, a fake model under it
    return embeddings


@pytest.mark.unit
def test_an_interrupted_embedding_resumes_from_its_last_batch(tmp_path: Path) -> None:
    texts = [f"đoạn số {i}: hỗ trợ hộ nghèo" for i in range(200)]
    with pytest.raises(KeyboardInterrupt):
        cache(tmp_path, CountingEncoder(fail_after=2)).embed_documents(texts)
    resumed = CountingEncoder()
    vectors = cache(tmp_path, resumed).embed_documents(texts)
    assert sum(resumed.calls) == 100  # the two batches committed before the kill are not embedded again
    assert resumed.calls == [50, 50]
    fresh = CountingEncoder()
    assert cache(tmp_path / "fresh", fresh).embed_documents(texts) == vectors  # same vectors, cached or not
    assert cache(tmp_path, fresh).embed_documents(texts[::-1]) == vectors[::-1]


@pytest.mark.unit
def test_vectors_are_cached_per_model_identity(tmp_path: Path) -> None:
    texts = ["Dự án 4: 1.493 triệu đồng", "Dự án 4: 1.493 triệu đồng", "Tiểu dự án 2"]
    first = CountingEncoder()
    cache(tmp_path, first).embed_documents(texts)
    assert first.calls == [2]  # a repeated text is embedded once
    again = CountingEncoder()
    cache(tmp_path, again).embed_documents(texts)
    assert again.calls == []
    other_backend = CountingEncoder()
    cache(tmp_path, other_backend, backend="onnx-int8").embed_documents(texts)
    assert other_backend.calls == [2]  # int8 vectors never stand in for fp32 ones, nor the reverse


@pytest.mark.unit
def test_backend_is_part_of_the_model_identity() -> None:
    reference = EmbeddingSettings()
    int8 = EmbeddingSettings(backend="onnx-int8")
    assert model_id(reference) == "multilingual-e5-small"  # the fp32 reference keeps its caches and collections
    assert model_id(int8) == "multilingual-e5-small-onnx-int8"


@pytest.mark.integration
def test_onnx_int8_vectors_stay_close_to_fp32_on_corpus_passages() -> None:
    settings = get_settings()
    chunks = [c for path in CORPUS_FILES for c in parse_text_file(path).chunks[:8]]
    passages = [settings.embedding.passage_prefix + c.embed_text() for c in chunks]
    reference = load_encoder(settings.embedding.model_copy(update={"backend": "torch"}), settings.models_dir)
    int8 = load_encoder(settings.embedding.model_copy(update={"backend": "onnx-int8"}), settings.models_dir)
    expected, got = reference.encode(passages), int8.encode(passages)
    assert got.shape == expected.shape == (len(passages), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cosine = (expected * got).sum(axis=1)
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.98, (cosine.mean(), cosine.min())
    # the same passage alone or in a batch of others gets the same vector (padding is masked out)
    assert float(int8.encode([passages[0]])[0] @ got[0]) > 0.9999
