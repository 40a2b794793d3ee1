"""A deterministic stand-in for the e5 model: no weights, no download, the same vector for the same text."""

from __future__ import annotations

import hashlib
import math
import re

from langchain_core.embeddings import Embeddings

from core.text import fold

_TOKEN = re.compile(r"\w+")


class HashEmbeddings(Embeddings):
    """Each folded word hashed to a signed bucket of a ``dimension``-long vector, L2-normalised.

    Texts that share words get a high cosine, so dense retrieval still ranks the passage that uses the
    question's words first; the fast tier tests what is built on retrieval, not the model's quality."""

    def __init__(self, dimension: int = 256) -> None:
        if dimension < 8:
            raise ValueError("dimension must be at least 8")
        self.dimension = dimension

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for token in _TOKEN.findall(fold(text)):
            digest = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")
            vector[digest % self.dimension] += 1.0 if digest >> 63 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)
