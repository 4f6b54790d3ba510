"""Score problem families against judged queries: pairwise precision and recall.

    python scripts/eval_families.py --notices ../shared/seeds --qrels ../shared/seeds/qrels/dev.jsonl \
        --qrels ../shared/seeds/qrels/dev2.jsonl [--sweep 0.70,0.72,…]

Ingests the notices (into a temporary store unless ``--data`` is given), computes the families
(:mod:`indexer.families`) at the configured threshold, or at each threshold of ``--sweep``, and
prints one line per threshold, then one JSON line for the configured (or best) threshold.

Judged pairs, over the problem queries of the qrels (``target`` problems; ids ``<file stem>#<seq>``):

* **same problem**: two issues of different notices both graded 2 for one query;
* **different problems**: an issue graded 2 and an issue of another notice not graded at all for
  that query (the qrels judge every issue of these notices), unless the two are graded ≥ 1
  together for some query (then the pair is ambiguous and left out).

Pairwise precision = same-problem pairs in one family / judged pairs in one family; recall =
same-problem pairs in one family / same-problem pairs. The threshold of the product is the one of
the best F0.5 on the sweep (precision weighs more: a family page shows all its members as one
problem).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer import families  # noqa: E402
from indexer.backends import open_backend  # noqa: E402
from indexer.embed import open_embedder  # noqa: E402
from indexer.pipeline import ingest_paths  # noqa: E402
from indexer.settings import load_settings  # noqa: E402
from scripts.eval_search import Query, load_qrels, seq_ids  # noqa: E402

Pair = tuple[str, str]


def judged_pairs(queries: Iterable[Query], all_ids: Sequence[str]) -> tuple[set[Pair], set[Pair]]:
    """(same-problem pairs, different-problem pairs) of ``<stem>#<seq>`` ids, each pair sorted."""
    def notice(doc: str) -> str:
        return doc.split("#", 1)[0]

    positive: set[Pair] = set()
    negative: set[Pair] = set()
    related: set[Pair] = set()
    for query in queries:
        if query.target != "problems":
            continue
        top = sorted(d for d, g in query.relevant.items() if g >= 2)
        graded = sorted(query.relevant)
        for a, b in itertools.combinations(graded, 2):
            related.add((a, b))
        for a, b in itertools.combinations(top, 2):
            if notice(a) != notice(b):
                positive.add((a, b))
        for a in top:
            for b in all_ids:
                if b not in query.relevant and notice(a) != notice(b):
                    negative.add((min(a, b), max(a, b)))
    return positive, negative - related - positive


def pairwise(family_of: Mapping[str, str | None], positive: set[Pair], negative: set[Pair]) -> dict[str, float]:
    def together(pair: Pair) -> bool:
        fa = family_of.get(pair[0])
        return fa is not None and fa == family_of.get(pair[1])

    tp = sum(together(p) for p in positive)
    fp = sum(together(p) for p in negative)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / len(positive) if positive else 0.0
    f05 = (1.25 * precision * recall / (0.25 * precision + recall)) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f0.5": round(f05, 4),
            "together_same": tp, "together_different": fp, "same_pairs": len(positive),
            "different_pairs": len(negative)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", required=True, type=Path, help="folder (or file) of notices to ingest")
    parser.add_argument("--qrels", required=True, type=Path, action="append", help="qrels JSON-lines file (repeatable)")
    parser.add_argument("--data", default=None, help="data folder to ingest into and keep (default: temporary)")
    parser.add_argument("--model", default=None, help="embedding model (default: setting XUNCHA_MODEL)")
    parser.add_argument("--models", default=None, metavar="DIR",
                        help="data folder holding the converted model (default: --data, else the configured one)")
    parser.add_argument("--sweep", default=None, help="comma-separated thresholds to score (default: the setting)")
    args = parser.parse_args(argv)
    queries = [q for path in args.qrels for q in load_qrels(path)]
    with tempfile.TemporaryDirectory(prefix="xuncha-families-") as tmp:
        settings = load_settings(data_dir=args.data or tmp, model=args.model)
        model_settings = settings.with_overrides(data_dir=args.models or args.data or load_settings().data_dir)
        backend = open_backend(settings)
        try:
            embedder = open_embedder(model_settings)
            ingest_paths([args.notices], settings, backend=backend, embedder=embedder, progress=False,
                         report_path=Path(tmp) / "ingest-report.jsonl")
            to_issue, to_seq = seq_ids(backend)
            positive, negative = judged_pairs(queries, sorted(to_issue))
            corpus = families.read_corpus(backend)
            thresholds = ([float(t) for t in args.sweep.split(",")] if args.sweep else [settings.family_threshold])
            results = []
            for threshold in thresholds:
                params = families.FamilyParams.from_settings(settings.with_overrides(family_threshold=threshold))
                found = families.compute(corpus, params)
                family_of = {to_seq[m]: f.id for f in found.families for m in f.members if m in to_seq}
                scores = pairwise(family_of, positive, negative)
                results.append({"threshold": threshold, "families": len(found.families),
                                "members": sum(len(f.members) for f in found.families), **scores})
                print(f"threshold {threshold:.3f}: {len(found.families):3d} families, "
                      f"{results[-1]['members']:3d} issues in families; precision {scores['precision']:.3f} "
                      f"recall {scores['recall']:.3f} F0.5 {scores['f0.5']:.3f}")
        finally:
            backend.close()
    best = max(results, key=lambda r: (r["f0.5"], r["precision"]))
    print(json.dumps({"issues": corpus.ids and len(corpus.ids), "queries": len(queries),
                      "model": embedder.model_id, "best": best, "sweep": len(results) > 1}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
