"""Evaluate the three search modes on judged queries.

    python scripts/eval_search.py --notices ../shared/seeds --qrels ../shared/seeds/qrels/dev.jsonl

Ingests the notices (into a temporary store unless ``--data`` is given), runs every query of the
qrels file in each mode, prints a per-query table, a summary table and, last, one JSON line:

    {"queries": N, "lexical": {"ndcg@10": …, "recall@20": …, "mrr": …}, "semantic": {…}, "hybrid": {…}}

Qrels format (one JSON object per line): ``qid``, ``type`` (keyword | description | qbe), ``target``
(problems | measures), ``query``, ``qbe_source``, ``exclude_same_notice``, ``relevant`` = {id: grade}.
Ids are ``"<file stem>#<seq>"``, seq being the issue's 1-based order in its notice.

* ``qbe`` queries search by the source issue exactly as ``/api/issues/{id}/similar`` does
  (``SearchService.example``: its problem and measures for the lexical leg; its stored vector
  averaged with its problem embedded as a query) and leave out its notice (and, of course, the
  issue itself); their ``query`` text is not used.
* ``measures`` queries search measure items; a measure hit stands for its issue (first
  occurrence counts), so judged issue ids apply.

Metrics: nDCG@10 with linear gain (grade / log2(rank + 1)) against the ideal ordering of all
judged grades; recall@20 over ids graded ≥ 1; MRR = 1 / rank of the first id graded ≥ 1 (0 when
none is retrieved within the ranked list). Unjudged ids count as not relevant.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer import categories  # noqa: E402
from indexer.backends import open_backend  # noqa: E402
from indexer.backends.base import Backend, Filters  # noqa: E402
from indexer.pipeline import ingest_paths, open_embedder  # noqa: E402
from indexer.settings import Settings, load_settings  # noqa: E402
from indexer.types import Target  # noqa: E402
from search_api.parse import Mode  # noqa: E402
from search_api.search import SearchService  # noqa: E402

MODES = (Mode.LEXICAL, Mode.SEMANTIC, Mode.HYBRID)
DEPTH = 100  # ranked list length scored per query


@dataclass(frozen=True, slots=True)
class Query:
    qid: str
    type: str
    target: str
    query: str
    qbe_source: str | None
    exclude_same_notice: bool
    relevant: Mapping[str, int]


def load_qrels(path: Path) -> list[Query]:
    queries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            queries.append(Query(
                qid=row["qid"], type=row["type"], target=row.get("target", "problems"), query=row.get("query") or "",
                qbe_source=row.get("qbe_source"), exclude_same_notice=bool(row.get("exclude_same_notice")),
                relevant={k: int(v) for k, v in row["relevant"].items()},
            ))
        except (ValueError, KeyError) as exc:
            raise SystemExit(f"{path}:{n}: not a qrels line ({exc})") from exc
    return queries


# -- metrics -------------------------------------------------------------------------------

def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """Linear-gain nDCG@k.

    >>> ndcg_at(["a", "x", "b"], {"a": 2, "b": 1}, 10) == (2 + 1 / 2) / (2 + 1 / math.log2(3))
    True
    """
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 20) -> float:
    wanted = {d for d, g in relevant.items() if g >= 1}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int]) -> float:
    for rank, doc in enumerate(ranked, start=1):
        if relevant.get(doc, 0) >= 1:
            return 1.0 / rank
    return 0.0


def score(ranked: Sequence[str], relevant: Mapping[str, int]) -> dict[str, float]:
    return {"ndcg@10": ndcg_at(ranked, relevant), "recall@20": recall_at(ranked, relevant),
            "mrr": reciprocal_rank(ranked, relevant)}


# -- running -------------------------------------------------------------------------------

def seq_ids(backend: Backend) -> tuple[dict[str, str], dict[str, str]]:
    """"<file stem>#<seq>" → issue id, and back, from the stored notices."""
    forward: dict[str, str] = {}
    for record in backend.iter_notices():
        stem = Path(str(record.get("source") or record["notice_id"])).stem
        for issue_id in record.get("issue_ids") or []:
            seq = int(issue_id.rsplit("-", 1)[1])
            forward[f"{stem}#{seq}"] = issue_id
    return forward, {v: k for k, v in forward.items()}


def issue_of(doc_id: str, target: Target) -> str:
    return doc_id.rsplit("-m", 1)[0] if target is Target.MEASURES else doc_id


def run_query(service: SearchService, query: Query, mode: Mode, to_issue: Mapping[str, str],
              to_seq: Mapping[str, str]) -> list[str]:
    """The ranked judged-id list of one query in one mode."""
    target = Target.MEASURES if query.target == "measures" else Target.ISSUES
    text, vector, filters, exclude = query.query, None, Filters(), set()
    if query.type == "qbe":
        if not query.qbe_source or query.qbe_source not in to_issue:
            raise SystemExit(f"{query.qid}: qbe_source {query.qbe_source!r} is not among the ingested issues")
        source_id = to_issue[query.qbe_source]
        source, text, vector = service.example(source_id, with_vector=mode is not Mode.LEXICAL)
        exclude = {source_id}
        if query.exclude_same_notice:
            filters = Filters(excludes={"notice_id": (source["notice_id"],)})
    fused = service.rank(target, text=text, query_vector=vector, mode=mode, filters=filters,
                         fusion=service.settings.fusion, depth=DEPTH, exclude_ids=exclude)
    ranked: list[str] = []
    seen: set[str] = set()
    for item in fused:
        issue = issue_of(item.doc_id, target)
        if issue not in seen:
            seen.add(issue)
            ranked.append(to_seq.get(issue, issue))
    return ranked


def evaluate(service: SearchService, queries: Sequence[Query], to_issue: Mapping[str, str],
             to_seq: Mapping[str, str]) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
    rows = []
    totals = {m.value: {"ndcg@10": 0.0, "recall@20": 0.0, "mrr": 0.0} for m in MODES}
    for query in queries:
        row: dict[str, Any] = {"qid": query.qid, "type": query.type, "target": query.target}
        for mode in MODES:
            metrics = score(run_query(service, query, mode, to_issue, to_seq), query.relevant)
            row[mode.value] = metrics
            for name, value in metrics.items():
                totals[mode.value][name] += value
        rows.append(row)
    n = max(1, len(queries))
    means = {m: {k: round(v / n, 4) for k, v in metrics.items()} for m, metrics in totals.items()}
    return means, rows


def print_tables(rows: Sequence[Mapping[str, Any]], means: Mapping[str, Mapping[str, float]], out: Any) -> None:
    print(f"{'qid':<6}{'type':<12}{'target':<10}" + "".join(f"{m.value + ' ndcg@10':>18}" for m in MODES), file=out)
    for row in rows:
        print(f"{row['qid']:<6}{row['type']:<12}{row['target']:<10}"
              + "".join(f"{row[m.value]['ndcg@10']:>18.3f}" for m in MODES), file=out)
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_type.setdefault(row["type"], []).append(row)
    print(file=out)
    print(f"{'':<22}" + "".join(f"{m.value:>12}" for m in MODES), file=out)
    for kind, group in sorted(by_type.items()):
        print(f"{'ndcg@10 ' + kind:<22}" + "".join(
            f"{sum(r[m.value]['ndcg@10'] for r in group) / len(group):>12.4f}" for m in MODES), file=out)
    for metric in ("ndcg@10", "recall@20", "mrr"):
        print(f"{metric + ' (all)':<22}" + "".join(f"{means[m.value][metric]:>12.4f}" for m in MODES), file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", required=True, type=Path, help="folder (or file) of notices to ingest")
    parser.add_argument("--qrels", required=True, type=Path, help="qrels JSON-lines file")
    parser.add_argument("--data", default=None, help="data folder to ingest into and keep (default: temporary)")
    parser.add_argument("--backend", default=None, choices=["embedded", "elasticsearch", "memory"])
    parser.add_argument("--model", default=None, help="embedding model (default: setting XUNCHA_MODEL)")
    parser.add_argument("--models", default=None, metavar="DIR",
                        help="data folder holding the converted model and its vector cache, kept between runs "
                             "(default: --data if given, else the configured data folder, as `make run` uses)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting for this run, e.g. --set rrf_k=30 (repeatable)")
    args = parser.parse_args(argv)
    if not args.qrels.exists():
        parser.error(f"no qrels file at {args.qrels}")
    if not args.notices.exists():
        parser.error(f"no notices at {args.notices}")
    overrides = dict(o.split("=", 1) for o in args.overrides)
    queries = load_qrels(args.qrels)
    with tempfile.TemporaryDirectory(prefix="xuncha-eval-") as tmp:
        settings: Settings = load_settings(data_dir=args.data or tmp, backend=args.backend, model=args.model,
                                           **overrides)
        model_settings = settings.with_overrides(data_dir=args.models or args.data or load_settings().data_dir)
        backend = open_backend(settings)
        try:
            embedder = open_embedder(model_settings)
            categories.use_embedder(embedder)
            summary = ingest_paths([args.notices], settings, backend=backend, embedder=embedder, progress=False,
                                   report_path=Path(tmp) / "ingest-report.jsonl")
            print(f"ingested {summary.files} files: {summary.indexed} indexed, {summary.skipped} already stored, "
                  f"{summary.failed} failed; {summary.issues} issues ({settings.backend}, model {embedder.model_id})",
                  file=sys.stderr)
            to_issue, to_seq = seq_ids(backend)
            service = SearchService(settings, backend, embedder)
            means, rows = evaluate(service, queries, to_issue, to_seq)
            service.close()
        finally:
            backend.close()
    print_tables(rows, means, sys.stdout)
    print(json.dumps({"queries": len(queries), **means}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
