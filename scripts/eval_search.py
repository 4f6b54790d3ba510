"""Evaluate the ranking on judged queries, beside a plain baseline, with cross-validated tuning.

    python scripts/eval_search.py --notices ../shared/seeds \\
        --qrels ../shared/seeds/qrels/dev.jsonl --qrels ../shared/seeds/qrels/dev2.jsonl

Ingests the notices once (into a temporary store unless ``--data`` is given; embedding with a fresh
vector cache unless ``--models`` names one, so the figures are reproducible), then for every query
of the qrels files (several ``--qrels`` are concatenated) runs

* **baseline**: nothing tuned — bm25s over ``jieba.lcut`` tokens of each document's text, the same
  e5 vectors and query embeddings, RRF with k = 60, equal weights, no relevance floor;
* **lexical**, **semantic**, **hybrid**: this project's search, exactly as the API ranks.

It prints a per-query table, a summary per query type (``keyword``, ``description``, ``qbe``;
``measures`` groups the queries that rank measure items, ``long`` those of 120 characters or more)
and per qrels file (a second, independent check: a change tuned on one set should hold on the other),
the false hits — hits returned for queries judged to have NO relevant answer, and for made-up
nonsense queries — and, last, one JSON line:

    {"queries": N, "answerable": M, "baseline": {"ndcg@10": …, "recall@20": …, "mrr": …}, "lexical": {…}, …,
     "false_hits": {"baseline": …, "hybrid": …}}

**Cross-validation** (``--grid NAME=V1,V2,…``, repeatable; optional ``--folds 5``,
``--folds type`` or both, ``--folds 5,type``): every combination of the listed setting values is run; for each fold the
combination with the best objective on the *other* folds is chosen and scored on the held-out
fold. The objective is the mean over all queries of nDCG@10 (answerable queries) and of 1 / 0
for a no-answer query answered with nothing / something (:func:`per_query_score`). The held-out mean is the figure to quote; the best in-sample figure is printed
beside it only to show how much tuning flatters. Folds are deterministic (queries sorted by qid,
dealt round-robin within each type, so each fold has every type); ``type`` leaves one query type
out at a time, ``file`` one qrels file (dev.jsonl against dev2.jsonl: a second, independent check).

Qrels format (one JSON object per line): ``qid``, ``type`` (keyword | description | qbe), ``target``
(problems | measures), ``query``, ``qbe_source``, ``exclude_same_notice``, ``relevant`` = {id: grade}.
Ids are ``"<file stem>#<seq>"``, seq being the issue's 1-based order in its notice.

* ``qbe`` queries search by the source issue exactly as ``/api/issues/{id}/similar`` does
  (``SearchService.example``) and leave out the issue (and its notice when
  ``exclude_same_notice``); their ``query`` text is not used. The baseline searches with the
  source issue's whole text and its stored vector.
* ``measures`` queries search measure items; a measure hit stands for its issue (first
  occurrence counts), so judged issue ids apply.

Metrics: nDCG@10 with graded gain (2^grade − 1) / log2(rank + 1) against the ideal ordering of
all judged grades; recall@20 over ids graded ≥ 1; MRR = 1 / rank of the first id graded ≥ 1.
Unjudged ids count as not relevant. Means are over the *answerable* queries (at least one id
graded ≥ 1); queries with none are scored by their false hits instead.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.backends import open_backend  # noqa: E402
from indexer.backends.base import Backend, Filters  # noqa: E402
from indexer.documents import issue_of_measure, measure_ids  # noqa: E402
from indexer.embed import cache_counts, open_embedder  # noqa: E402
from indexer.pipeline import ingest_paths  # noqa: E402
from indexer.settings import Settings, load_settings  # noqa: E402
from indexer.types import Hit, Leg, Target  # noqa: E402
from search_api.fuse import FusionParams, rrf  # noqa: E402
from search_api.parse import Mode  # noqa: E402
from search_api.search import SearchService  # noqa: E402

MODES = (Mode.LEXICAL, Mode.SEMANTIC, Mode.HYBRID)
SYSTEMS = ("baseline", "lexical", "semantic", "hybrid")
DEPTH = 100  # ranked list length scored per query
LONG_QUERY = 120  # characters: a pasted paragraph
# Made-up queries with no possible answer: every system should return nothing for them.
NONSENSE = ("zzqqxx不存在的东西", "？？？！！！", "……", "😀😀🎉", "qwzx plmk", "asdfghjkl", "xkcd zzz qqq")


@dataclass(frozen=True, slots=True)
class Query:
    qid: str
    type: str
    target: str
    query: str
    qbe_source: str | None
    exclude_same_notice: bool
    relevant: Mapping[str, int]
    source: str = ""  # the qrels file it came from (its name): a summary row per file

    @property
    def answerable(self) -> bool:
        return any(g >= 1 for g in self.relevant.values())

    def groups(self) -> list[str]:
        """The summary rows this query counts in."""
        out = [self.type]
        if self.target == "measures":
            out.append("measures")
        if len(self.query) >= LONG_QUERY:
            out.append("long")
        if self.source:
            out.append(self.source)
        return out


def load_qrels(*paths: Path) -> list[Query]:
    queries = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                queries.append(Query(
                    qid=row["qid"], type=row["type"], target=row.get("target", "problems"),
                    query=row.get("query") or "", qbe_source=row.get("qbe_source"),
                    exclude_same_notice=bool(row.get("exclude_same_notice")),
                    relevant={k: int(v) for k, v in row["relevant"].items()}, source=path.name,
                ))
            except (ValueError, KeyError) as exc:
                raise SystemExit(f"{path}:{n}: not a qrels line ({exc})") from exc
    return queries


# -- metrics -------------------------------------------------------------------------------

def gain(grade: int) -> float:
    return 2.0 ** grade - 1.0


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """Graded-gain nDCG@k.

    >>> ndcg_at(["a", "x", "b"], {"a": 2, "b": 1}, 10) == (3 + 1 / 2) / (3 + 1 / math.log2(3))
    True
    """
    dcg = sum(gain(relevant.get(doc, 0)) / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(gain(g) / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
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


# -- ids -------------------------------------------------------------------------------------

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
    return issue_of_measure(doc_id) if target is Target.MEASURES else doc_id


def target_of(query: Query) -> Target:
    return Target.MEASURES if query.target == "measures" else Target.ISSUES


def judged_list(doc_ids: Sequence[str], target: Target, to_seq: Mapping[str, str]) -> list[str]:
    """Ranked doc ids → ranked judged ids (a measure stands for its issue, first occurrence counts)."""
    ranked: list[str] = []
    seen: set[str] = set()
    for doc_id in doc_ids:
        issue = issue_of(doc_id, target)
        if issue not in seen:
            seen.add(issue)
            ranked.append(to_seq.get(issue, issue))
    return ranked


# -- this project's search -------------------------------------------------------------------

def query_inputs(service: SearchService, query: Query, mode: Mode,
                 to_issue: Mapping[str, str]) -> tuple[str, Any, Filters, set[str], list[str]]:
    """Text, query vector (qbe only), filters, excluded ids and the example's categories (qbe only)
    of one query."""
    text, vector, filters, exclude, categories = query.query, None, Filters(), set(), []
    if query.type == "qbe":
        if not query.qbe_source or query.qbe_source not in to_issue:
            raise SystemExit(f"{query.qid}: qbe_source {query.qbe_source!r} is not among the ingested issues")
        source_id = to_issue[query.qbe_source]
        source, text, vector = service.example(source_id, with_vector=mode is not Mode.LEXICAL)
        exclude = {source_id}
        categories = list(source.get("categories") or [])
        if query.exclude_same_notice:
            filters = Filters(excludes={"notice_id": (source["notice_id"],)})
    return text, vector, filters, exclude, categories


def run_query(service: SearchService, query: Query, mode: Mode, to_issue: Mapping[str, str],
              to_seq: Mapping[str, str]) -> list[str]:
    """The ranked judged-id list of one query in one mode (everything the search returns, at most DEPTH
    issues)."""
    target = target_of(query)
    text, vector, filters, exclude, categories = query_inputs(service, query, mode, to_issue)
    fused = service.rank(target, text=text, query_vector=vector, mode=mode, filters=filters,
                         fusion=service.settings.fusion, depth=DEPTH, exclude_ids=exclude,
                         example=query.type == "qbe", categories=categories)
    return judged_list([f.doc_id for f in fused], target, to_seq)


# -- the plain baseline ----------------------------------------------------------------------

class Baseline:
    """bm25s over ``jieba.lcut`` tokens (issue: problem and measures; measure: its text), the same
    vectors, RRF k = 60. Nothing tuned, nothing dropped, no floor."""

    K = 60

    def __init__(self, backend: Backend, service: SearchService) -> None:
        import bm25s
        import jieba

        self.backend = backend
        self.service = service
        self.lcut: Callable[[str], list[str]] = jieba.lcut
        issue_ids = [i for record in backend.iter_notices() for i in record.get("issue_ids") or []]
        self.issues = {d["id"]: d for d in backend.get(Target.ISSUES, issue_ids)}
        self.ids: dict[Target, list[str]] = {Target.ISSUES: list(self.issues), Target.MEASURES: []}
        texts: dict[Target, list[str]] = {Target.ISSUES: [self.issue_text(d) for d in self.issues.values()],
                                          Target.MEASURES: []}
        for issue in self.issues.values():
            for mid, measure in zip(measure_ids(issue), issue.get("measures") or [], strict=True):
                self.ids[Target.MEASURES].append(mid)
                texts[Target.MEASURES].append(measure)
        self.index = {}
        for target, docs in texts.items():
            retriever = bm25s.BM25()
            retriever.index([self.tokens(t) for t in docs], show_progress=False)
            self.index[target] = retriever

    @staticmethod
    def issue_text(issue: Mapping[str, Any]) -> str:
        return "\n".join([issue.get("problem") or "", *(issue.get("measures") or [])])

    def tokens(self, text: str) -> list[str]:
        return [t for t in self.lcut(text) if t.strip()]

    def lexical(self, target: Target, text: str, allowed: Callable[[str], bool]) -> list[Hit]:
        retriever = self.index[target]
        terms = [t for t in self.tokens(text) if t in retriever.vocab_dict]
        if not terms:
            return []
        scores = retriever.get_scores(terms)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        ids = self.ids[target]
        return [Hit(ids[i], float(scores[i]), Leg.LEXICAL) for i in order
                if scores[i] > 0 and allowed(ids[i])][:DEPTH]

    def vector(self, target: Target, vector: Any, allowed: Callable[[str], bool]) -> list[Hit]:
        hits = [h for h in self.backend.vector(Target.ISSUES, vector, Filters(), DEPTH * 2) if allowed(h.doc_id)]
        if target is Target.ISSUES:
            return hits[:DEPTH]
        out = [Hit(mid, h.score, Leg.VECTOR) for h in hits for mid in measure_ids(self.issues[h.doc_id])]
        return out[:DEPTH]

    def run(self, query: Query, to_issue: Mapping[str, str], to_seq: Mapping[str, str]) -> list[str]:
        target = target_of(query)
        text, vector, excluded_notice, source_id = query.query, None, None, None
        if query.type == "qbe":
            source_id = to_issue[query.qbe_source or ""]
            source = self.issues[source_id]
            text = self.issue_text(source)
            vector = self.backend.get_vectors(Target.ISSUES, [source_id])[source_id]
            if query.exclude_same_notice:
                excluded_notice = source["notice_id"]
        if vector is None:
            vector = self.service.encoder.encode(text)

        def allowed(doc_id: str) -> bool:
            issue = issue_of(doc_id, target)
            return issue != source_id and (excluded_notice is None
                                           or self.issues[issue]["notice_id"] != excluded_notice)

        legs = {Leg.LEXICAL: self.lexical(target, text, allowed), Leg.VECTOR: self.vector(target, vector, allowed)}
        fused = rrf(legs, FusionParams(k=self.K))
        return judged_list([f.doc_id for f in fused], target, to_seq)


# -- running -------------------------------------------------------------------------------

Ranked = dict[str, dict[str, list[str]]]  # system → qid → ranked judged ids


def run_all(service: SearchService, baseline: Baseline | None, queries: Sequence[Query],
            to_issue: Mapping[str, str], to_seq: Mapping[str, str], modes: Sequence[Mode] = MODES) -> Ranked:
    out: Ranked = {}
    if baseline is not None:
        out["baseline"] = {q.qid: baseline.run(q, to_issue, to_seq) for q in queries}
    for mode in modes:
        out[mode.value] = {q.qid: run_query(service, q, mode, to_issue, to_seq) for q in queries}
    return out


def means(ranked: Ranked, queries: Sequence[Query]) -> dict[str, dict[str, float]]:
    answerable = [q for q in queries if q.answerable]
    n = max(1, len(answerable))
    out = {}
    for system, lists in ranked.items():
        totals = {"ndcg@10": 0.0, "recall@20": 0.0, "mrr": 0.0}
        for q in answerable:
            for name, value in score(lists[q.qid], q.relevant).items():
                totals[name] += value
        out[system] = {k: round(v / n, 4) for k, v in totals.items()}
    return out


def per_query_score(lists: Mapping[str, list[str]], queries: Sequence[Query]) -> dict[str, float]:
    """nDCG@10 of each answerable query; 1 for a no-answer query answered with nothing, else 0 —
    the objective tuning is cross-validated on (a floor that empties every list would otherwise
    cost nothing, and one that keeps everything would cost nothing either)."""
    return {q.qid: ndcg_at(lists[q.qid], q.relevant) if q.answerable else float(not lists[q.qid])
            for q in queries}


def false_hits(ranked: Ranked, queries: Sequence[Query]) -> dict[str, dict[str, int]]:
    """Hits returned for each no-answer query, per system."""
    return {system: {q.qid: len(lists[q.qid]) for q in queries if not q.answerable}
            for system, lists in ranked.items()}


def nonsense_hits(service: SearchService) -> dict[str, int]:
    """Hybrid hits returned for each made-up nonsense query (all should be 0)."""
    return {text: len(service.rank(Target.ISSUES, text=text, query_vector=None, mode=Mode.HYBRID,
                                   filters=Filters(), fusion=service.settings.fusion, depth=DEPTH))
            for text in NONSENSE}


# -- cross-validation ------------------------------------------------------------------------

def folds_of(queries: Sequence[Query], how: str) -> list[set[str]]:
    """Held-out qid sets: ``type`` → one per query type; ``file`` → one per qrels file (a setting
    must win on one judged set to be used on the other); a number → that many stratified folds."""
    answerable = sorted(queries, key=lambda q: q.qid)
    if how in ("type", "file"):
        key = (lambda q: q.type) if how == "type" else (lambda q: q.source)
        kinds = sorted({key(q) for q in answerable})
        return [{q.qid for q in answerable if key(q) == kind} for kind in kinds]
    n = int(how)
    folds: list[set[str]] = [set() for _ in range(n)]
    dealt = 0
    for kind in sorted({q.type for q in answerable}):
        for q in (q for q in answerable if q.type == kind):
            folds[dealt % n].add(q.qid)
            dealt += 1
    return folds


def cross_validate(per_config: Mapping[str, Mapping[str, float]], folds: Sequence[set[str]],
                   answerable: set[str] | None = None) -> dict[str, Any]:
    """Pick the best config on the training folds, score it on the held-out fold; mean over all
    held-out queries (and over the answerable ones: their nDCG@10), and which config each fold chose."""
    held_out: dict[str, float] = {}
    chosen = []
    for fold in folds:
        def train_mean(name: str, fold: set[str] = fold) -> float:
            values = [v for qid, v in per_config[name].items() if qid not in fold]
            return sum(values) / max(1, len(values))

        best = max(sorted(per_config), key=train_mean)
        chosen.append(best)
        held_out.update({qid: per_config[best][qid] for qid in fold})
    kept = [v for qid, v in held_out.items() if answerable is None or qid in answerable]
    return {"held_out": round(sum(held_out.values()) / max(1, len(held_out)), 4),
            "held_out_ndcg@10": round(sum(kept) / max(1, len(kept)), 4), "chosen": chosen}


def grid(specs: Sequence[str]) -> list[dict[str, str]]:
    """``NAME=V1,V2`` specs → every combination as override dicts (one empty dict without specs)."""
    axes = []
    for spec in specs:
        name, _, values = spec.partition("=")
        if not name or not values:
            raise SystemExit(f"--grid {spec!r}: expected NAME=V1,V2,…")
        axes.append([(name, v) for v in values.split(",")])
    return [dict(combo) for combo in itertools.product(*axes)] if axes else [{}]


def label(overrides: Mapping[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in overrides.items()) or "(settings)"


# -- printing ----------------------------------------------------------------------------------

def print_tables(ranked: Ranked, queries: Sequence[Query], out: Any) -> None:
    systems = [s for s in SYSTEMS if s in ranked]
    print(f"{'qid':<7}{'type':<12}{'target':<10}" + "".join(f"{s:>10}" for s in systems), file=out)
    for q in queries:
        cells = "".join(f"{ndcg_at(ranked[s][q.qid], q.relevant):>10.3f}" if q.answerable
                        else f"{len(ranked[s][q.qid]):>9}h" for s in systems)
        print(f"{q.qid:<7}{q.type:<12}{q.target:<10}{cells}", file=out)
    print("(no-answer queries show the number of hits returned, 'h')", file=out)
    groups: dict[str, list[Query]] = {}
    for q in queries:
        if q.answerable:
            for g in q.groups():
                groups.setdefault(g, []).append(q)
    print(file=out)
    print(f"{'ndcg@10':<22}" + "".join(f"{s:>10}" for s in systems), file=out)
    for name, group in sorted(groups.items()):
        print(f"{name + f' ({len(group)})':<22}" + "".join(
            f"{sum(ndcg_at(ranked[s][q.qid], q.relevant) for q in group) / len(group):>10.4f}" for s in systems),
            file=out)
    summary = means(ranked, queries)
    for metric in ("ndcg@10", "recall@20", "mrr"):
        print(f"{metric + ' (all)':<22}" + "".join(f"{summary[s][metric]:>10.4f}" for s in systems), file=out)
    for system, counts in false_hits(ranked, queries).items():
        if counts:
            print(f"false hits {system:<11}" + "  ".join(f"{qid}: {n}" for qid, n in counts.items()), file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", required=True, type=Path, help="folder (or file) of notices to ingest")
    parser.add_argument("--qrels", required=True, type=Path, action="append", help="qrels JSON-lines file (repeatable)")
    parser.add_argument("--data", default=None, help="data folder to ingest into and keep (default: temporary)")
    parser.add_argument("--backend", default=None, choices=["embedded", "elasticsearch", "memory"])
    parser.add_argument("--model", default=None, help="embedding model (default: setting XUNCHA_MODEL)")
    parser.add_argument("--models", default=None, metavar="DIR",
                        help="data folder whose vector cache to reuse between runs (default: a fresh one in the "
                             "temporary folder, so the figures do not depend on what earlier runs cached)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting for this run, e.g. --set rrf_k=30 (repeatable)")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                        help="setting values to cross-validate over (repeatable: every combination is run)")
    parser.add_argument("--folds", default="5", help="cross-validation folds: a number, 'type' (leave one "
                        "query type out) or 'file' (leave one qrels file out); several, comma-separated "
                        "(5,type,file), are each reported")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain baseline")
    args = parser.parse_args(argv)
    for path in args.qrels:
        if not path.exists():
            parser.error(f"no qrels file at {path}")
    if not args.notices.exists():
        parser.error(f"no notices at {args.notices}")
    overrides = dict(o.split("=", 1) for o in args.overrides)
    queries = load_qrels(*args.qrels)
    configs = grid(args.grid)
    with tempfile.TemporaryDirectory(prefix="xuncha-eval-") as tmp:
        settings: Settings = load_settings(data_dir=args.data or tmp, backend=args.backend, model=args.model,
                                           **overrides)
        # A fresh vector cache unless one is asked for: dynamic int8 quantises each batch with one
        # scale, so a text's vector depends on its batch-mates, and vectors cached by earlier runs
        # (other batches, older graphs of the same model id) moved hybrid nDCG@10 by ±0.005.
        model_settings = settings.with_overrides(data_dir=args.models or tmp)
        backend = open_backend(settings)
        try:
            embedder = open_embedder(model_settings)
            summary = ingest_paths([args.notices], settings, backend=backend, embedder=embedder, progress=False,
                                   report_path=Path(tmp) / "ingest-report.jsonl")
            print(f"ingested {summary.files} files: {summary.indexed} indexed, {summary.skipped} already stored, "
                  f"{summary.failed} failed; {summary.issues} issues ({settings.backend}, model {embedder.model_id})",
                  file=sys.stderr)
            counts = cache_counts(embedder)
            if counts is not None:
                print(f"vector cache ({args.models or 'fresh'}): {counts[0]} texts found, {counts[1]} embedded",
                      file=sys.stderr)
            to_issue, to_seq = seq_ids(backend)
            service = SearchService(settings, backend, embedder)
            baseline = None if args.no_baseline else Baseline(backend, service)
            ranked = run_all(service, baseline, queries, to_issue, to_seq)
            nonsense = nonsense_hits(service)
            per_config: dict[str, dict[str, float]] = {}
            if args.grid:
                for config in configs:
                    tuned = SearchService(settings.with_overrides(**config), backend, embedder)
                    tuned.encoder = service.encoder  # one query-embedding cache for every config
                    lists = run_all(tuned, None, queries, to_issue, to_seq, (Mode.HYBRID,))["hybrid"]
                    per_config[label(config)] = per_query_score(lists, queries)
                    tuned.close()
            service.close()
        finally:
            backend.close()
    print_tables(ranked, queries, sys.stdout)
    print(f"nonsense queries, hybrid hits: {nonsense}")
    result: dict[str, Any] = {"queries": len(queries), "answerable": sum(q.answerable for q in queries),
                              **means(ranked, queries),
                              "false_hits": {s: sum(c.values()) for s, c in false_hits(ranked, queries).items()},
                              "nonsense_hits": sum(nonsense.values())}
    if per_config:
        answerable = {q.qid for q in queries if q.answerable}
        kinds = sorted({q.type for q in queries})
        print(f"\n{'config':<60}{'objective':>10}{'ndcg@10':>10}{'no-answer empty':>17}"
              + "".join(f"{kind:>12}" for kind in kinds))
        for name, values in per_config.items():
            ndcg = [v for qid, v in values.items() if qid in answerable]
            empty = [v for qid, v in values.items() if qid not in answerable]
            by_kind = [[values[q.qid] for q in queries if q.type == kind and q.answerable] for kind in kinds]
            print(f"{name:<60}{sum(values.values()) / max(1, len(values)):>10.4f}"
                  f"{sum(ndcg) / max(1, len(ndcg)):>10.4f}{sum(empty):>13.0f}/{len(empty)}"
                  + "".join(f"{sum(v) / max(1, len(v)):>12.4f}" for v in by_kind))
        result["cv"] = []
        for how in args.folds.split(","):
            cv = cross_validate(per_config, folds_of(queries, how), answerable)
            print(f"cross-validated ({how} folds), held out: objective {cv['held_out']:.4f}, "
                  f"hybrid ndcg@10 {cv['held_out_ndcg@10']:.4f}; chosen per fold: {cv['chosen']}")
            result["cv"].append({"folds": how, **cv})
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
