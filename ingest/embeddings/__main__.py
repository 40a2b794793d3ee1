"""``python -m ingest.embeddings [torch|onnx-int8]``: build the embedding model of a backend ahead of time.

The default backend's model is otherwise built on first use (an ingest or the first question); building
it here keeps that wait out of a server's first request. Settings come from the environment (GNBV_...).
"""

from __future__ import annotations

import sys
import time
from typing import get_args

from core.settings import EmbeddingSettings, Settings
from ingest.embeddings.model import onnx_model_dir, resolve_model_path
from prompts import get_prompts


def main(argv: list[str]) -> int:
    settings = Settings()
    backends = get_args(EmbeddingSettings.model_fields["backend"].annotation)
    backend = argv[0] if argv else settings.embedding.backend
    if backend not in backends:
        message = get_prompts().config.embedding_backend.format(backend=backend, choices=", ".join(backends))
        print(message, file=sys.stderr)
        return 2
    embedding = settings.embedding.model_copy(update={"backend": backend})
    started = time.perf_counter()
    if backend == "onnx-int8":
        built = str(onnx_model_dir(embedding, settings.models_dir))
    else:
        built = resolve_model_path(embedding, settings.models_dir)
    print(f"{backend}: {built} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
