"""Export a mean-pooling embedding model to ONNX (fp32, and dynamic int8), and check both against torch.

The graph maps ``(inputs_embeds, attention_mask)`` to the mean-pooled, L2-normalised sentence
embedding, so running it needs only onnxruntime, numpy and the ``tokenizers`` fast tokenizer. Export
needs torch and the ``onnx`` package (for onnxruntime's quantiser); when either is missing we stay on torch.

The word-embedding lookup is taken out of the graph (:func:`detach_word_embeddings`): the table
(e5-small: 250k × 384 float32, 366 MiB, nine tenths of the int8 file) sits in :data:`TABLE_FILE`
beside both graphs, and the caller reads the rows of a batch's tokens from it (:class:`WordEmbeddings`)
and feeds them. Inside the graph onnxruntime held the table as private memory (~660 MiB of the
server's RSS); on disk it costs the page cache only. A float32 gather is exact: the vectors do not
change. Position and token-type embeddings (small) stay in the graph.

int8 is dynamic quantisation of the MatMul weights, per output channel, in 7-bit range. Measured
(cosine to fp32, minimum over texts): per-tensor scales lose too much on e5's already 4-bit
weights (0.984 against 0.994 per channel); and without ``reduce_range`` m3e-small fell to 0.73 on
AVX2 CPUs without VNNI, whose u8×s8 kernel saturates int16 pair sums — with it, 0.996, at no
measurable cost in speed. On CPUs with AVX-512 VNNI / AMX-INT8 (these machines have both) the
sums do not saturate; we keep ``reduce_range`` so a model cache copied to an older CPU stays
right (on e5 ingest passages it costs 0.001 of cosine). onnxruntime 1.32 runs the quantised
MatMuls there as ``DynamicQuantizeMatMul`` / ``MatMulIntegerToFloat`` on its AMX kernel (seen
with ``perf``: ``tileloadd`` in the hot loop; 1.3 int8 TOPS per core against 0.15 TFLOPS fp32),
so the int8 matrix products are cheap and the rest of the graph (softmax, layer norms, GELU, the
fp32 attention products) is most of the time: tokens cut per passage pay more than any kernel.
Whether int8 holds quality is measured here,
at build time, on :data:`CHECK_TEXTS`, and recorded in the marker: below
:data:`SAME_MODEL_MIN_COSINE` the runtime uses the fp32 graph instead, so every vector of a model id
stays within that cosine of torch fp32.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
TABLE_FILE = "word_embeddings.npy"  # the word-embedding table both graphs take their input from
IDS_INPUT, EMBEDS_INPUT, MASK_INPUT = "input_ids", "inputs_embeds", "attention_mask"
SAME_MODEL_MIN_COSINE = 0.99  # below this on CHECK_TEXTS, int8 is not used (ONNX fp32 instead)
# Short texts of the kinds we embed (fictional), plus a few others, checked at export time.
CHECK_TEXTS = [
    "党委理论学习中心组学习制度执行不严格，专题研讨流于形式。",
    "财务报销审核把关不严，多笔费用缺少明细。已修订报销管理办法。",
    "个别工程项目未经集体研究决策，存在先施工后审批的情况。",
    "基层党支部“三会一课”落实不到位",
    "公务用车管理不规范",
    "整改台账更新不及时，部分问题整改进度滞后，已明确责任人和完成时限。",
    "违规发放津贴补贴",
    "信访举报件办理超期，群众满意度不高。",
    "2023年3月至5月开展专项检查，发现问题12个，已整改10个。",
    "选人用人工作程序不够规范，动议环节记录缺失。",
    "How are inspection findings rectified?",
    "固定资产账实不符，部分设备长期闲置。",
]


class UnsupportedModel(Exception):
    """The model's pipeline is not Transformer → mean Pooling (→ Normalize): torch only."""


def transformer_folder(model_dir: Path) -> Path:
    """The folder of the model's transformer, if the pipeline is one we can export."""
    modules_file = model_dir / "modules.json"
    if not modules_file.exists():
        return model_dir  # a plain transformers folder: sentence-transformers adds mean pooling
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise UnsupportedModel(f"{model_dir}: modules {kinds} (only Transformer, Pooling, Normalize export)")
    pooling = json.loads((model_dir / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    if not (pooling.get("pooling_mode_mean_tokens") or pooling.get("pooling_mode") == "mean"):
        raise UnsupportedModel(f"{model_dir}: pooling {pooling} is not mean pooling")
    return model_dir / modules[0]["path"]


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence what export and quantisation print on every run, all expected: tracer warnings
    (the traced mask branch is constant for our inputs: mask length == sequence length), the
    quantiser's advice and per-tensor notes (it logs on the root logger), load progress bars."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _mean_pooled(transformer_dir: Path):  # -> torch.nn.Module
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    # eager attention: the traced graph is plain MatMul/Softmax, which onnxruntime runs and quantises
    model = AutoModel.from_pretrained(str(transformer_dir), attn_implementation="eager", local_files_only=True)

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return MeanPooled().eval()


def _batch(tokenizer_file: Path, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from tokenizers import Tokenizer

    encodings = Tokenizer.from_file(str(tokenizer_file)).encode_batch(texts)
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(texts), width), dtype=np.int64)
    mask = np.zeros((len(texts), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


class WordEmbeddings:
    """The word-embedding table of the graphs in a folder (:data:`TABLE_FILE`), read with one
    ``pread`` per distinct token of a batch, and the graph's inputs made from it.

    Neither loaded nor memory-mapped: mapped pages count in the process's RSS, and the kernel maps
    whole folios (or 64 KiB) around each row touched — measured, 520 queries made all 366 MiB of
    e5-small's table resident. Rows read stay in the page cache (shared, reclaimable, not RSS). A
    batch of 32 ingest passages (~660 distinct tokens) costs ~1.5 ms here against ~250 ms in the graph."""

    def __init__(self, folder: Path) -> None:
        path = folder / TABLE_FILE
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            shape, fortran_order, dtype = (np.lib.format.read_array_header_1_0(handle) if version == (1, 0)
                                           else np.lib.format.read_array_header_2_0(handle))  # fmt: skip
            self._offset = handle.tell()
        if len(shape) != 2 or fortran_order or dtype != np.dtype("<f4"):
            raise UnsupportedModel(f"{path}: a {dtype} {shape} table, expected C-ordered float32 rows")
        self.shape: tuple[int, int] = shape
        self._row_bytes = shape[1] * 4
        self._file = open(path, "rb", buffering=0)  # held for pread, closed with the object

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """``table[ids]``: float32, of shape ``ids.shape + (hidden,)``."""
        unique, inverse = np.unique(ids, return_inverse=True)
        if unique.size and not 0 <= unique[0] <= unique[-1] < self.shape[0]:
            raise IndexError(f"token ids {unique[0]}..{unique[-1]} outside the table's {self.shape[0]} rows")
        fd, size, offset = self._file.fileno(), self._row_bytes, self._offset
        data = b"".join([os.pread(fd, size, offset + int(token) * size) for token in unique])
        found = np.frombuffer(data, dtype=np.float32).reshape(len(unique), self.shape[1])
        return found[inverse.reshape(ids.shape)]

    def feed(self, ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The graph's inputs for a padded batch of token ids: their word embeddings (the lookup
        the graph no longer does) and the attention mask."""
        return {EMBEDS_INPUT: self.rows(ids), MASK_INPUT: mask}

    def prefetch(self, ids: np.ndarray) -> PrefetchedRows:
        """The rows of these token ids (any shape), read once, for the batches of one call to
        gather from (:class:`PrefetchedRows`)."""
        unique = np.unique(ids)
        return PrefetchedRows(unique, self.rows(unique))


class PrefetchedRows:
    """Word-embedding rows of a known set of token ids, in memory for the length of one embedding
    call. The call's batches gather from here with numpy alone: a batch no longer reads the file
    itself, with one ``pread`` per distinct token and the GIL given up and taken back around each
    (while ingest's other threads want it). An ingest call of ~1,360 texts reads ~1,600 rows once
    instead of ~30,000 (docs/scaling.md, "Session 7 — ingest")."""

    def __init__(self, ids: np.ndarray, rows: np.ndarray) -> None:
        self._ids = ids  # sorted, distinct
        self._rows = rows

    def feed(self, ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        """As :meth:`WordEmbeddings.feed`, for ids among those prefetched."""
        where = np.searchsorted(self._ids, ids)
        if not np.array_equal(self._ids[np.minimum(where, len(self._ids) - 1)], ids):
            raise KeyError("token ids outside the prefetched rows")
        return {EMBEDS_INPUT: self._rows[where], MASK_INPUT: mask}


def detach_word_embeddings(graph_file: Path, table_file: Path) -> None:
    """Rewrite ``graph_file`` so that it takes the gathered word embeddings as input
    :data:`EMBEDS_INPUT` (float32, batch × tokens × hidden) instead of token ids, and save the
    table it held to ``table_file``.

    The traced BERT graph reads ``input_ids`` in one Gather over the table and in Shape nodes
    (for the position and token-type ids); those read the first two dimensions of the new input."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(graph_file))
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    lookups = [n for n in graph.node if n.op_type == "Gather" and list(n.input[1:]) == [IDS_INPUT]
               and n.input[0] in initializers]  # fmt: skip
    if len(lookups) != 1:
        raise UnsupportedModel(f"{graph_file.name}: {len(lookups)} lookups of {IDS_INPUT} in a table (expected 1)")
    lookup = lookups[0]
    table = numpy_helper.to_array(initializers[lookup.input[0]])
    if table.dtype != np.float32 or table.ndim != 2:
        raise UnsupportedModel(f"{graph_file.name}: word-embedding table {table.dtype} {table.shape}")
    np.save(table_file, np.ascontiguousarray(table))
    for node in graph.node:
        if node is lookup or IDS_INPUT not in node.input:
            continue
        if node.op_type != "Shape" or node.attribute:  # anything else would need the ids themselves
            raise UnsupportedModel(f"{graph_file.name}: {node.op_type} {node.name} reads {IDS_INPUT}")
        node.input[0] = EMBEDS_INPUT
        node.attribute.append(helper.make_attribute("end", 2))  # (batch, tokens), as the ids had
    for node in graph.node:  # the lookup's readers read the new input
        for i, name in enumerate(node.input):
            if name == lookup.output[0]:
                node.input[i] = EMBEDS_INPUT
    graph.node.remove(lookup)
    graph.initializer.remove(initializers[lookup.input[0]])
    for info in [v for v in graph.value_info if v.name == lookup.output[0]]:
        graph.value_info.remove(info)
    ids_input = next(i for i in graph.input if i.name == IDS_INPUT)
    embeds = helper.make_tensor_value_info(EMBEDS_INPUT, onnx.TensorProto.FLOAT, ["batch", "tokens", table.shape[1]])
    graph.input.insert(list(graph.input).index(ids_input), embeds)
    graph.input.remove(ids_input)
    onnx.checker.check_model(model)
    onnx.save(model, str(graph_file))


def trace(transformer_dir: Path, graph_file: Path, ids: np.ndarray, mask: np.ndarray) -> None:
    """Trace the mean-pooled model into ``graph_file`` (fp32, inputs ``input_ids`` and
    ``attention_mask``, the word-embedding table inside), on a padded batch."""
    import torch

    with torch.no_grad(), _quiet():
        torch.onnx.export(
            _mean_pooled(transformer_dir), (torch.from_numpy(ids[:2]), torch.from_numpy(mask[:2])),
            str(graph_file), input_names=[IDS_INPUT, MASK_INPUT], output_names=["sentence_embedding"],
            dynamic_axes={IDS_INPUT: {0: "batch", 1: "tokens"}, MASK_INPUT: {0: "batch", 1: "tokens"},
                          "sentence_embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )  # fmt: skip


def quantize(fp32_file: Path, int8_file: Path) -> None:
    """Dynamic int8 of the MatMul weights, per output channel, in 7-bit range (see the module)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet():
        quantize_dynamic(fp32_file, int8_file, op_types_to_quantize=["MatMul"], per_channel=True,
                         reduce_range=True, weight_type=QuantType.QInt8)  # fmt: skip


def export(model_dir: Path, dest: Path, *, prompt: str = "", threads: int = 2,
           step: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Write ``model.onnx``, ``model_int8.onnx`` and their word-embedding table into ``dest``;
    return the check figures.
    ``step`` hears each stage as it starts."""
    try:
        import onnxruntime as ort
        import onnxruntime.quantization  # noqa: F401 - needs the onnx package
        import torch
    except ImportError as exc:  # onnx (the quantiser's dependency) or torch missing
        raise UnsupportedModel(f"cannot export to ONNX here: {exc}") from exc

    transformer_dir = transformer_folder(model_dir)
    tokenizer_file = transformer_dir / "tokenizer.json"
    if not tokenizer_file.exists():
        raise UnsupportedModel(f"{transformer_dir}: no tokenizer.json (a fast tokenizer is needed without torch)")
    torch.set_num_threads(threads)
    texts = [prompt + t for t in CHECK_TEXTS]
    ids, mask = _batch(tokenizer_file, texts)  # padded: the traced graph must keep the masking path
    try:
        step("ONNX: 1/2 tracing the graph, moving its word-embedding table out, quantising it to int8")
        trace(transformer_dir, dest / FP32_FILE, ids, mask)
        detach_word_embeddings(dest / FP32_FILE, dest / TABLE_FILE)  # before quantising: int8 inherits it
        quantize(dest / FP32_FILE, dest / INT8_FILE)
    except (RuntimeError, ValueError, TypeError, OSError) as exc:  # tracer / exporter / quantiser failures
        raise UnsupportedModel(f"{model_dir}: ONNX export failed: {exc}") from exc

    step("ONNX: 2/2 checking fp32 and int8 against torch")
    # Check against a fresh torch model (tracing may leave the traced one altered), in one padded batch.
    with torch.no_grad():
        reference = _mean_pooled(transformer_dir)(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    figures: dict[str, Any] = {"dims": int(reference.shape[1]), "check_texts": len(texts)}
    feed = WordEmbeddings(dest).feed(ids, mask)
    for name, file in (("fp32", FP32_FILE), ("int8", INT8_FILE)):
        session = ort.InferenceSession(str(dest / file), options, providers=["CPUExecutionProvider"])
        vectors = session.run(None, feed)[0]
        cosines = (vectors * reference).sum(axis=1)
        figures[f"{name}_min_cosine"] = round(float(cosines.min()), 5)
        figures[f"{name}_mean_cosine"] = round(float(cosines.mean()), 5)
    if figures["fp32_min_cosine"] < 0.999:
        raise UnsupportedModel(f"{model_dir}: ONNX export disagrees with torch (cosine {figures['fp32_min_cosine']})")
    figures["int8_holds"] = figures["int8_min_cosine"] >= SAME_MODEL_MIN_COSINE
    return figures
