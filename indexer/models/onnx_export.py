"""Export a mean-pooling embedding model to ONNX (fp32, and dynamic int8), and check both against torch.

The graph maps ``(input_ids, attention_mask)`` to the mean-pooled, L2-normalised sentence embedding,
so running it needs only onnxruntime and the ``tokenizers`` fast tokenizer. Export needs torch and
the ``onnx`` package (for onnxruntime's quantiser); when either is missing we stay on torch.

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
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
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


def _export_and_quantize(transformer_dir: Path, dest: Path, ids: np.ndarray, mask: np.ndarray) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with torch.no_grad(), _quiet():
        torch.onnx.export(
            _mean_pooled(transformer_dir), (torch.from_numpy(ids[:2]), torch.from_numpy(mask[:2])),
            str(dest / FP32_FILE), input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "sentence_embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )  # fmt: skip
    with _quiet():
        quantize_dynamic(dest / FP32_FILE, dest / INT8_FILE, op_types_to_quantize=["MatMul"], per_channel=True,
                         reduce_range=True, weight_type=QuantType.QInt8)  # fmt: skip


def export(model_dir: Path, dest: Path, *, prompt: str = "", threads: int = 2,
           step: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Write ``model.onnx`` and ``model_int8.onnx`` into ``dest``; return the check figures.
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
        step("ONNX: 1/2 tracing the graph and quantising it to int8")
        _export_and_quantize(transformer_dir, dest, ids, mask)
    except (RuntimeError, ValueError, TypeError, OSError) as exc:  # tracer / exporter / quantiser failures
        raise UnsupportedModel(f"{model_dir}: ONNX export failed: {exc}") from exc

    step("ONNX: 2/2 checking fp32 and int8 against torch")
    # Check against a fresh torch model (tracing may leave the traced one altered), in one padded batch.
    with torch.no_grad():
        reference = _mean_pooled(transformer_dir)(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    figures: dict[str, Any] = {"dims": int(reference.shape[1]), "check_texts": len(texts)}
    for name, file in (("fp32", FP32_FILE), ("int8", INT8_FILE)):
        session = ort.InferenceSession(str(dest / file), options, providers=["CPUExecutionProvider"])
        vectors = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        cosines = (vectors * reference).sum(axis=1)
        figures[f"{name}_min_cosine"] = round(float(cosines.min()), 5)
        figures[f"{name}_mean_cosine"] = round(float(cosines.mean()), 5)
    if figures["fp32_min_cosine"] < 0.999:
        raise UnsupportedModel(f"{model_dir}: ONNX export disagrees with torch (cosine {figures['fp32_min_cosine']})")
    figures["int8_holds"] = figures["int8_min_cosine"] >= SAME_MODEL_MIN_COSINE
    return figures
