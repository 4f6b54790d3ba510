"""Measure the ingest stages on a folder of notices: parse, tokenise, embed, and end to end.

    .venv/bin/python scripts/bench_ingest.py --notices DIR [--limit N] [--data DIR] [--model NAME]
        [--backend NAME] [--embed-sample N]

Prints a table and, last, one JSON line with the same figures, the load average beside them.
The embedder is the one ``--model`` names (default: the setting), without its vector cache; if it
cannot be loaded the benchmark says so and uses the hashing embedder. It embeds the passages
ingest embeds (:func:`indexer.bundles.issue_embedding_text`), and the same passages are timed
through the model's plain onnxruntime session (scripts/bench_embed.py ``PlainOnnx``) in the same
run, so the two rates compare. The end-to-end run ingests into ``--data``
(default: a temporary folder) with ``--backend`` (default: the setting; the memory backend if
that one cannot be opened) through a fresh vector cache in that folder, as a real ingest, so every
passage is embedded; then the disk used per issue is printed, by part.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.backends import open_backend  # noqa: E402
from indexer.backends.memory import MemoryBackend  # noqa: E402
from indexer.bundles import issue_embedding_text  # noqa: E402
from indexer.embed import CACHE_FILE, CachedEmbedder, HashingEmbedder, open_embedder  # noqa: E402
from indexer.errors import XunchaError  # noqa: E402
from indexer.parsing import read  # noqa: E402
from indexer.parsing.parse import parse_document  # noqa: E402
from indexer.pipeline import ingest_paths  # noqa: E402
from indexer.settings import load_settings  # noqa: E402
from indexer.tokenise import tokenise_for_index  # noqa: E402
from indexer.vector_cache import VectorCache  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from bench_embed import plain_onnx  # noqa: E402


def _rate(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


class Clock:
    """Wall and CPU seconds of a block: on a shared machine the CPU rate is the steadier one."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu, self._own = time.perf_counter(), time.process_time(), time.thread_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.own = time.thread_time() - self._own  # this thread's part (ingest: parse, tokenise, write)
        self.load = os.getloadavg()[0]  # the machine is shared: say how busy it was


def disk_use(data: Path) -> dict[str, int]:
    """Bytes under a data folder by part: record store, lexical index, vector snapshot, vector cache, other."""
    parts = {"store": 0, "lexical": 0, "vector snapshot": 0, "vector cache": 0, "other": 0}
    for path in data.rglob("*"):
        if not path.is_file():
            continue
        name, size = path.name, path.stat().st_size
        if name.startswith("store.sqlite3"):
            parts["store"] += size
        elif path.parent.name in ("issues", "measures"):
            parts["lexical"] += size
        elif name.startswith("vectors.npz"):
            parts["vector snapshot"] += size
        elif path.parent.name == "cache":
            parts["vector cache"] += size
        else:
            parts["other"] += size  # reports, locks, derived data
    parts["total"] = sum(parts.values())
    return parts


def embedded_texts(embedder: object, issues: list, measure_vectors: bool) -> dict[str, float]:
    """What ingest embeds per issue: its passage and (with measure vectors) each measure item, with
    their mean token counts as the model sees them (prompt and the passage cap included)."""
    measures = [m for i in issues for m in i.measures] if measure_vectors else []
    out: dict[str, float] = {"passages": 1.0 if issues else 0.0, "measure items": round(len(measures) / max(1, len(issues)), 2),
                             "distinct measure items": round(len(set(measures)) / max(1, len(issues)), 2)}
    count = getattr(embedder, "token_counts", None)
    if count is not None and issues:
        passages = count([issue_embedding_text(i) for i in issues], passage=True)
        out["passage tokens"] = round(float(passages.mean()), 1)
        if measures:
            out["measure tokens"] = round(float(count(measures, passage=True).mean()), 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", required=True, help="folder (or file) of notices")
    parser.add_argument("--limit", type=int, default=None, help="at most this many files")
    parser.add_argument("--data", default=None, help="data folder for the end-to-end run (default: a temp folder)")
    parser.add_argument("--model", default=None, help="embedding model (default: the setting); 'hashing' for none")
    parser.add_argument("--backend", default=None, help="backend of the end-to-end run (default: the setting)")
    parser.add_argument("--embed-sample", type=int, default=256, help="passages timed for the embed rate")
    args = parser.parse_args(argv)

    files = list(read.iter_files([args.notices]))[: args.limit]
    if not files:
        print(f"no notices under {args.notices}", file=sys.stderr)
        return 1
    notes: list[str] = []
    rows: list[tuple[str, str, float, Clock]] = []  # stage, unit, count, timing

    # parse: read + normalise + segment + enrich
    parsed, failed = [], 0
    with Clock() as parse_clock:
        for path in files:
            try:
                parsed.append(parse_document(read.read_path(path)))
            except Exception:  # a benchmark counts failures, it does not stop
                failed += 1
    issues = [i for n in parsed for i in n.issues]
    rows.append(("parse", "notices/s", len(files), parse_clock))

    # tokenise: what the pipeline tokenises per issue (problem, section + group, measures intro,
    # each measure once: the issue's measures_tokens is the measures' tokens joined)
    tokenise_for_index("预热")  # load jieba outside the timing
    texts = []
    for issue in issues:
        texts += [issue.problem, "\n".join(t for t in (issue.section, issue.group) if t),
                  issue.measures_intro or "", *issue.measures]
    with Clock() as tok_clock:
        for text in texts:
            tokenise_for_index(text)
    chars = sum(map(len, texts))
    rows.append(("tokenise", "docs/s", len(texts), tok_clock))
    rows.append(("tokenise", "chars/s", chars, tok_clock))

    # embed: problem statements, with the configured model if it loads (model files live under
    # --data, else the configured data folder; the vector cache is not used: every text is embedded)
    settings = load_settings(model=args.model, data_dir=args.data)
    try:
        embedder = open_embedder(settings, cache=False)
    except Exception as exc:  # no model here: say so, measure the rest
        notes.append(f"model {settings.model!r} not loaded ({exc}); embedding with the hashing embedder")
        embedder = HashingEmbedder()
        settings = settings.with_overrides(model="hashing")
    sample = [issue_embedding_text(i) for i in issues][: args.embed_sample] or ["医保基金监管不到位"]
    texts_per_issue = embedded_texts(embedder, issues, settings.measure_vectors)
    embedder.embed_passages(sample[:2])  # warm-up
    with Clock() as embed_clock:
        embedder.embed_passages(sample)
    rows.append((f"embed ({embedder.model_id}, {getattr(embedder, 'runtime', '?')})", "texts/s", len(sample),
                 embed_clock))
    plain = None if isinstance(embedder, HashingEmbedder) else plain_onnx(settings, settings.threads)
    if plain is not None:
        plain.embed_passages(sample[:2])
        with Clock() as plain_clock:
            plain.embed_passages(sample)
        rows.append(("embed (plain onnxruntime int8, batch 32)", "texts/s", len(sample), plain_clock))

    # end to end
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        data = args.data or tmp
        e2e_settings = settings.with_overrides(data_dir=data, backend=args.backend)
        try:
            backend = open_backend(e2e_settings)
        except XunchaError as exc:
            notes.append(f"backend {e2e_settings.backend!r} not opened ({exc}); using the memory backend")
            backend = MemoryBackend()
        # as a real ingest does: through the backend's own vectors, or a cache file in the data folder
        # (empty either way: every text is embedded)
        stored = getattr(backend, "vector_cache", None)
        cached = CachedEmbedder(embedder, stored() if stored is not None else VectorCache(Path(data) / CACHE_FILE))
        try:
            with Clock() as e2e_clock:
                summary = ingest_paths([str(f) for f in files], e2e_settings, backend=backend,
                                       embedder=cached, progress=False)
            backend_name = backend.name
        finally:
            backend.close()
            cached.cache.close()
        disk = disk_use(Path(data))
    rows.append((f"ingest end to end ({backend_name})", "issues/s", summary.issues, e2e_clock))
    rows.append((f"ingest end to end ({backend_name})", "notices/s", summary.files, e2e_clock))

    print(f"{len(files)} files, {len(parsed)} parsed ({failed} failed), {len(issues)} issues, "
          f"{len(texts)} token docs ({chars} chars)")
    for note in notes:
        print(f"note: {note}")
    width = max(len(r[0]) for r in rows)
    print(f"{'stage':<{width}}  {'per wall s':>12}  {'per CPU s':>12}  unit         load")
    for stage, unit, count, clock in rows:
        print(f"{stage:<{width}}  {_rate(count, clock.wall):>12,.1f}  {_rate(count, clock.cpu):>12,.1f}  {unit:<11}  "
              f"{clock.load:.2f}")
    per_issue = {k: round(v / max(1, summary.issues) / 1024, 2) for k, v in disk.items()}
    print(f"disk after the ingest ({backend_name}): {per_issue['total']:.2f} KiB per issue — "
          + ", ".join(f"{k} {v:.2f}" for k, v in per_issue.items() if k != "total"))
    print("embedded per issue: " + "; ".join(f"{k} {v}" for k, v in texts_per_issue.items())
          + (f"; in the run {summary.vector_cache['misses'] / max(1, summary.issues):.2f} texts per issue embedded, "
             f"{summary.vector_cache['hits'] / max(1, summary.issues):.2f} found stored" if summary.vector_cache else ""))
    # 100 issues/s on two cores needs both busy: say how many the run had, and who used them
    print(f"end-to-end CPU: {e2e_clock.cpu:.1f} s in {e2e_clock.wall:.1f} s wall ({e2e_clock.cpu / e2e_clock.wall:.2f} "
          f"cores busy): ingesting thread {e2e_clock.own:.1f} s, embedding threads {e2e_clock.cpu - e2e_clock.own:.1f} s")
    split = {k: round(v, 3) for k, v in summary.seconds.items()}
    total = split.get("total") or 1.0
    print("end-to-end seconds by stage: " + ", ".join(f"{k} {v:.1f} s ({100 * v / total:.0f}%)" for k, v in split.items()))
    print(json.dumps({
        "files": len(files), "parsed": len(parsed), "issues": len(issues), "token_docs": len(texts),
        "parse_notices_per_s": round(_rate(len(files), parse_clock.wall), 2),
        "parse_notices_per_cpu_s": round(_rate(len(files), parse_clock.cpu), 2),
        "tokenise_docs_per_s": round(_rate(len(texts), tok_clock.wall), 1),
        "tokenise_docs_per_cpu_s": round(_rate(len(texts), tok_clock.cpu), 1),
        "tokenise_chars_per_s": round(_rate(chars, tok_clock.wall)),
        "embed_texts_per_s": round(_rate(len(sample), embed_clock.wall), 1),
        "embed_texts_per_cpu_s": round(_rate(len(sample), embed_clock.cpu), 1), "embed_model": embedder.model_id,
        "ingest_issues_per_s": round(_rate(summary.issues, e2e_clock.wall), 1),
        "ingest_issues_per_cpu_s": round(_rate(summary.issues, e2e_clock.cpu), 1), "ingest_backend": backend_name,
        "embed_plain_onnx_texts_per_s": round(_rate(len(sample), plain_clock.wall), 1) if plain else None,
        "ingest_notices_per_s": round(_rate(summary.files, e2e_clock.wall), 1),
        "ingest_cores_busy": round(e2e_clock.cpu / e2e_clock.wall, 2), "ingest_thread_cpu_s": round(e2e_clock.own, 1),
        "ingest_other_threads_cpu_s": round(e2e_clock.cpu - e2e_clock.own, 1),
        "embedded_per_issue": texts_per_issue, "vector_cache": summary.vector_cache,
        "disk_kib_per_issue": per_issue, "ingest_seconds": split, "load_average": round(os.getloadavg()[0], 2), "notes": notes,
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
