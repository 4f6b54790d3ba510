"""Problem families (共性问题): groups of issues from different notices that describe the same problem.

Computed over the whole index after every ingest, delete and reindex (:func:`after_change`, called
by :mod:`indexer.pipeline`), stored with the live generation (``Backend.put_derived``) and read by
the API (:mod:`search_api.families`). The computation runs here, over what ``Backend.scan`` reads,
so every backend gets the same families from the same documents.

How issues are grouped (deterministic for a given index and parameters):

1. **Read** every issue: its vector, its problem and measures tokens (the jieba tokens the lexical
   leg searches), its notice, institution and the fields the breakdowns count.
2. **Candidates**: each issue's ``neighbours`` nearest issues by cosine (exact inner product over
   normalised vectors, faiss), issues of its own notice left out.
3. **Pair score** = ``vector_weight`` × cosine + (1 − ``vector_weight``) × lexical overlap, the
   cosine of the two issues' tf-idf token vectors (problem tokens; measures tokens at
   ``measures_weight``; idf over the indexed issues).
4. **Grouping**: pairs scoring at least ``threshold`` are taken best first; a pair joins its two
   groups only if the groups still score ``threshold`` with the *mean cosine of all their cross
   pairs* in place of the two issues' cosine (average linkage over the candidate graph, from the
   groups' vector sums), so a chain of near pairs cannot drag unrelated problems into one family.
5. A **family** is a group with issues of at least two notices. Its label is the member nearest
   the group's centroid (the most representative problem text); its key terms (up to 5, 3 when the
   members share that many telling words) are the tokens most members share, weighted by idf,
   without words common in general Chinese; its id is derived from the label issue's id.

The threshold was chosen on the judged seed queries (``scripts/eval_families.py``), see README.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from indexer.backends.base import Backend
from indexer.fields import FILTERS
from indexer.settings import Settings
from indexer.tokenise import general_idf
from indexer.types import DocId, Target
from indexer.vector_codec import INT8

log = logging.getLogger(__name__)

DERIVED_NAME = "families"  # Backend.put_derived name of the stored family set
STAMP_NAME = "families-stamp"  # small companion: readers check it before reloading the set
FORMAT_VERSION = 1

# Issue fields kept for each family member: what the search filters and the breakdowns need.
MEMBER_FIELDS: tuple[str, ...] = ("notice_id", *(f.name for f in FILTERS))
_TOKEN_FIELDS = ("problem_tokens", "measures_tokens")
_SCAN_FIELDS = (*MEMBER_FIELDS, "problem", *_TOKEN_FIELDS)
KEY_TERMS = 5
_PAIR_CHUNK = 100_000  # candidate pairs scored per step (bounds the sparse temporaries)
_KNN_CHUNK = 4096  # query rows per faiss search call
_RESCORE_CHUNK = 512  # rows whose candidates are re-scored at once (512 × 3k × dims floats)
EXACT_KNN_ROWS = 20_000  # nearest neighbours by exact search up to this many issues
NPROBE = 16  # inverted lists searched per issue above it
REDUCED_DIMS = 96  # principal components the candidates are searched on above it


@dataclass(frozen=True, slots=True)
class FamilyParams:
    """What the grouping depends on (recorded with the stored families)."""

    threshold: float = 0.68
    vector_weight: float = 0.7
    measures_weight: float = 0.5
    neighbours: int = 10
    # key terms: no word this common in general Chinese (jieba's idf: 存在 4.6, 全部 4.9, 项目 4.9, 规定
    # 4.9 are filler in problem statements; 形式 5.0, 审计 7.4, 公务接待 12 are not)
    min_term_idf: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> FamilyParams:
        return cls(threshold=settings.family_threshold, neighbours=settings.family_neighbours)


@dataclass(slots=True)
class Family:
    id: str
    label_id: DocId  # the most representative member
    label: str  # its problem text
    terms: list[str]  # 3–5 key terms
    members: list[DocId]  # issue ids, sorted
    institutions: int  # distinct institutions (a notice without one counts as its own)
    notices: int
    cohesion: float  # mean cosine of the members to their centroid


@dataclass(slots=True)
class FamilySet:
    """Every family of an index, and the metadata of their members (for filters and breakdowns)."""

    families: list[Family]
    members: dict[DocId, dict[str, Any]]  # issue id → MEMBER_FIELDS values
    issues: int  # issues grouped over
    params: FamilyParams
    seconds: float = 0.0
    stamp: str = ""
    _of: dict[DocId, str] = field(default_factory=dict)
    _by_id: dict[str, Family] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_id = {f.id: f for f in self.families}
        self._of = {m: f.id for f in self.families for m in f.members}
        if not self.stamp:
            self.stamp = hashlib.sha1(self.to_json(with_stamp=False)).hexdigest()[:16]

    def family_of(self, issue_id: DocId) -> str | None:
        return self._of.get(issue_id)

    def get(self, family_id: str) -> Family | None:
        return self._by_id.get(family_id)

    def to_json(self, *, with_stamp: bool = True) -> bytes:
        """The set as JSON; without the stamp (and the time it took) it is what the stamp hashes."""
        data: dict[str, Any] = {"version": FORMAT_VERSION, "issues": self.issues, "params": asdict(self.params),
                                "families": [asdict(f) for f in self.families], "members": self.members}
        if with_stamp:
            data.update(stamp=self.stamp, seconds=round(self.seconds, 3))
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> FamilySet | None:
        data = json.loads(raw)
        if data.get("version") != FORMAT_VERSION:
            return None
        return cls(families=[Family(**f) for f in data["families"]], members=data["members"],
                   issues=int(data["issues"]), params=FamilyParams(**data["params"]),
                   seconds=float(data.get("seconds") or 0.0), stamp=data.get("stamp") or "")


# -- reading the index ---------------------------------------------------------------------------

@dataclass(slots=True)
class Corpus:
    """The issues of an index as arrays, sorted by id (so the grouping does not depend on the
    order a backend returns them in). Tokens are kept as ids into ``vocab``: at 100k issues the
    token strings themselves would take more memory than everything else together."""

    ids: list[DocId]
    vectors: np.ndarray  # float32, L2-normalised rows (zeros where an issue has no vector)
    problem_tokens: list[np.ndarray]  # distinct token ids of the problem
    measure_tokens: list[np.ndarray]  # distinct token ids of the measures not in the problem
    vocab: list[str]
    problems: list[str]
    rows: list[tuple[Any, ...]]  # MEMBER_FIELDS values (tuples: a dict per issue costs ~10× more at 100k)

    def __len__(self) -> int:
        return len(self.ids)

    def meta(self, row: int) -> dict[str, Any]:
        return dict(zip(MEMBER_FIELDS, self.rows[row], strict=True))

    def notice(self, row: int) -> Any:
        return self.rows[row][0]  # MEMBER_FIELDS starts with notice_id


def _token_list(value: Any) -> list[str]:
    if not value:
        return []
    return value.split() if isinstance(value, str) else [str(t) for t in value]


def _ids(tokens: set[int]) -> np.ndarray:
    return np.fromiter(sorted(tokens), dtype=np.int32, count=len(tokens))


def read_corpus(backend: Backend) -> Corpus:
    """Every issue of the index, through the backend contract (``scan``)."""
    ids: list[DocId] = []
    problems: list[str] = []
    meta: list[tuple[Any, ...]] = []
    problem_tokens: list[np.ndarray] = []
    measure_tokens: list[np.ndarray] = []
    blocks: list[np.ndarray] = []
    vocab: dict[str, int] = {}
    for batch, vectors in backend.scan(Target.ISSUES, _SCAN_FIELDS, vectors=True, batch=2000):
        for doc in batch:
            ids.append(doc["id"])
            problems.append(doc.get("problem") or "")
            meta.append(tuple(doc.get(k) for k in MEMBER_FIELDS))
            problem = {vocab.setdefault(t, len(vocab)) for t in _token_list(doc.get("problem_tokens"))}
            measures = {vocab.setdefault(t, len(vocab)) for t in _token_list(doc.get("measures_tokens"))}
            problem_tokens.append(_ids(problem))
            measure_tokens.append(_ids(measures - problem))
        if vectors is not None:
            # as the embedded store keeps them (int8: the same values whatever the backend), in half the memory
            blocks.append(INT8.rounded(vectors).astype(np.float16))
    order = sorted(range(len(ids)), key=ids.__getitem__)
    matrix = _sorted_rows(blocks, order)
    del blocks
    terms = [""] * len(vocab)
    for term, n in vocab.items():
        terms[n] = term
    return Corpus(ids=[ids[i] for i in order], vectors=normalised(matrix),
                  problem_tokens=[problem_tokens[i] for i in order], measure_tokens=[measure_tokens[i] for i in order],
                  vocab=terms, problems=[problems[i] for i in order], rows=[meta[i] for i in order])


def _sorted_rows(blocks: Sequence[np.ndarray], order: Sequence[int]) -> np.ndarray:
    """The scanned vector blocks as one float32 matrix in ``order``, written straight into place
    (narrower rows zero-padded): one full-size copy instead of three."""
    where = np.empty(len(order), dtype=np.int64)
    where[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
    matrix = np.zeros((len(order), max((b.shape[1] for b in blocks), default=0)), dtype=np.float32)
    row = 0
    for block in blocks:
        matrix[where[row:row + len(block)], :block.shape[1]] = block
        row += len(block)
    return matrix


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, in place (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


# -- the grouping ------------------------------------------------------------------------------

def token_weights(corpus: Corpus, measures_weight: float) -> tuple[Any, np.ndarray]:
    """The issues' L2-normalised tf-idf token vectors (a scipy CSR matrix: problem tokens weigh 1,
    measures tokens ``measures_weight``) and the idf of every token id (ln N / df)."""
    from scipy.sparse import coo_matrix

    n, size = len(corpus), max(1, len(corpus.vocab))
    problem = np.concatenate(corpus.problem_tokens) if n else np.zeros(0, np.int32)
    measures = np.concatenate(corpus.measure_tokens) if n else np.zeros(0, np.int32)
    df = np.bincount(np.concatenate((problem, measures)), minlength=size)
    idf = np.log(max(1, n) / np.maximum(df, 1)).astype(np.float32)
    rows = np.concatenate((np.repeat(np.arange(n), [len(t) for t in corpus.problem_tokens]),
                           np.repeat(np.arange(n), [len(t) for t in corpus.measure_tokens])))
    cols = np.concatenate((problem, measures))
    data = idf[cols] * np.concatenate((np.ones(len(problem), np.float32),
                                       np.full(len(measures), measures_weight, np.float32)))
    norms = np.sqrt(np.bincount(rows, weights=data.astype(np.float64) ** 2, minlength=n))
    data = (data / np.where(norms > 0, norms, 1.0)[rows]).astype(np.float32)
    return coo_matrix((data, (rows, cols)), shape=(n, size)).tocsr(), idf


def nearest(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, indices) of each row's ``k`` nearest rows by cosine (rows are unit vectors), itself
    included, best first. Exact up to :data:`EXACT_KNN_ROWS` rows. Above, exact search is quadratic
    (100k rows: ~8·10¹² flops), so candidates come from an inverted-file index over the vectors
    projected on their :data:`REDUCED_DIMS` principal components (L2 distance there approximates
    the full one: for unit vectors it ranks like cosine), ``3k`` per row, and are re-scored with the
    exact cosine; a near neighbour missed now and then rarely changes a family. One faiss thread:
    on a busy machine OpenMP's barriers cost more than a second core gains."""
    import faiss

    n, dims = vectors.shape
    k = min(k, n)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        if n <= EXACT_KNN_ROWS:
            index = faiss.IndexFlatIP(dims)
            index.add(vectors)
            return _search(index, vectors, k)
        rng = np.random.default_rng(0)
        sample = vectors[np.sort(rng.choice(n, size=min(n, 20_000), replace=False))]
        mean = sample.mean(axis=0)
        basis = np.linalg.svd(sample - mean, full_matrices=False)[2][:REDUCED_DIMS].T.astype(np.float32)
        reduced = np.ascontiguousarray((vectors - mean) @ basis, dtype=np.float32)
        lists = int(2 * math.sqrt(n))
        index = faiss.IndexIVFFlat(faiss.IndexFlatL2(reduced.shape[1]), reduced.shape[1], lists)
        index.cp.niter = 10  # the lists only route the search: a rough k-means does
        index.train(reduced[np.sort(rng.choice(n, size=min(n, lists * 40), replace=False))])
        index.nprobe = NPROBE
        index.add(reduced)
        _, found = _search(index, reduced, min(n, 3 * k))
    finally:
        faiss.omp_set_num_threads(threads)
    scores = np.empty(found.shape, dtype=np.float32)
    for start in range(0, n, _RESCORE_CHUNK):
        block = found[start:start + _RESCORE_CHUNK]
        scores[start:start + _RESCORE_CHUNK] = np.einsum("id,ijd->ij", vectors[start:start + _RESCORE_CHUNK],
                                                         vectors[np.maximum(block, 0)])
    scores[found < 0] = -np.inf
    best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, best, axis=1), np.take_along_axis(found, best, axis=1)


def _search(index: Any, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    n = len(queries)
    scores = np.empty((n, k), dtype=np.float32)
    found = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, _KNN_CHUNK):
        scores[start:start + _KNN_CHUNK], found[start:start + _KNN_CHUNK] = index.search(
            queries[start:start + _KNN_CHUNK], k)
    return scores, found


def candidate_pairs(corpus: Corpus, tokens: Any, params: FamilyParams, lap: Any = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) of issues of different notices among each other's nearest neighbours, with
    their cosine and lexical overlap, best combined score first."""
    n = len(corpus)
    empty = np.zeros(0, dtype=np.int64)
    if n < 2 or corpus.vectors.shape[1] == 0:
        return empty, empty, np.zeros(0, np.float32), np.zeros(0, np.float32)
    cos, nbr = nearest(corpus.vectors, params.neighbours + 1)
    if lap is not None:
        lap("neighbours")
    notice_codes: dict[Any, int] = {}
    notices = np.asarray([notice_codes.setdefault(corpus.notice(r), len(notice_codes)) for r in range(n)])
    rows = np.repeat(np.arange(n), nbr.shape[1])
    cols, sims = nbr.ravel(), cos.ravel()
    keep = (cols >= 0) & (cols != rows) & (notices[np.maximum(cols, 0)] != notices[rows])
    lo, hi = np.minimum(rows[keep], cols[keep]), np.maximum(rows[keep], cols[keep])
    sims = sims[keep]
    key = lo * n + hi
    key, first = np.unique(key, return_index=True)  # each pair once (found from both sides)
    lo, hi, sims = lo[first], hi[first], sims[first]
    # a pair cannot reach the threshold when even full lexical overlap would not lift it there
    w = params.vector_weight
    reachable = w * sims + (1.0 - w) >= params.threshold
    lo, hi, sims = lo[reachable], hi[reachable], sims[reachable].astype(np.float32)
    lex = np.zeros(len(lo), dtype=np.float32)
    for start in range(0, len(lo), _PAIR_CHUNK):
        a, b = lo[start:start + _PAIR_CHUNK], hi[start:start + _PAIR_CHUNK]
        lex[start:start + len(a)] = np.asarray(tokens[a].multiply(tokens[b]).sum(axis=1)).ravel()
    score = w * sims + (1.0 - w) * lex
    if lap is not None:
        lap("pairs")
    # best first; ties broken by the pair's position so the order never depends on the sort's luck
    order = np.lexsort((hi, lo, -np.round(score, 6)))
    return lo[order], hi[order], sims[order], lex[order]


def group(corpus: Corpus, tokens: Any, params: FamilyParams, lap: Any = None) -> list[list[int]]:
    """Groups of row numbers (average linkage over the candidate pairs), each sorted; ``lap(step)``
    is told when each step ends."""
    lo, hi, _, lex = candidate_pairs(corpus, tokens, params, lap)
    parent = list(range(len(corpus)))
    sums: dict[int, np.ndarray] = {}
    w, threshold = params.vector_weight, params.threshold

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    vectors = corpus.vectors
    sizes: dict[int, int] = {}
    for a, b, overlap in zip(lo.tolist(), hi.tolist(), lex.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        sa, sb = sums.get(ra, vectors[ra]), sums.get(rb, vectors[rb])
        na, nb = sizes.get(ra, 1), sizes.get(rb, 1)
        mean_cos = float(sa @ sb) / (na * nb)  # average linkage: the mean cosine of all cross pairs
        if w * mean_cos + (1.0 - w) * overlap < threshold:
            continue
        root, other = (ra, rb) if ra < rb else (rb, ra)
        parent[other] = root
        sums[root], sizes[root] = sa + sb, na + nb
        sums.pop(other, None)
        sizes.pop(other, None)
    if lap is not None:
        lap("linkage")
    groups: dict[int, list[int]] = {}
    for row in range(len(corpus)):
        groups.setdefault(find(row), []).append(row)
    return [g for g in groups.values() if len(g) > 1]


def _institution_key(meta: Mapping[str, Any]) -> str:
    return meta.get("institution") or f"notice:{meta.get('notice_id')}"


def key_terms(rows: Sequence[int], corpus: Corpus, idf: np.ndarray, limit: int = KEY_TERMS,
              min_general_idf: float = 0.0) -> list[str]:
    """Tokens most members share (problem tokens count double), weighted by their idf over the
    index; at least two characters, not common in general Chinese (``min_general_idf``), and no
    token that is only part of a longer chosen one."""
    problem = np.concatenate([corpus.problem_tokens[r] for r in rows])
    measures = np.concatenate([corpus.measure_tokens[r] for r in rows])
    counts = Counter(dict(zip(*np.unique(problem, return_counts=True), strict=True)))
    for token, count in zip(*np.unique(measures, return_counts=True), strict=True):
        counts[token] += count
    for token in problem.tolist():
        counts[token] += 1  # problem tokens count double
    # a member contributes at most 2 (its problem): 3 means at least two members share the term
    need = max(3, len(rows))
    scored = sorted(((int(c) * float(idf[t]), int(c), corpus.vocab[t]) for t, c in counts.items() if c >= 3),
                    key=lambda x: (-x[0], x[2]))
    scored = [x for x in scored if len(x[2]) >= 2 and not x[2].isdigit() and general_idf(x[2]) >= min_general_idf]
    chosen: list[str] = []
    best = scored[0][0] if scored else 0.0
    for pass_need in (need, 3):  # the widely shared terms first; fewer than 3 of them: fill up
        for score, count, term in scored:
            if count < pass_need or any(term in c for c in chosen):
                continue
            if len(chosen) >= 3 and score < 0.5 * best:  # a 4th and 5th term only when nearly as telling
                return chosen
            chosen = [c for c in chosen if c not in term] + [term]
            if len(chosen) >= limit:
                return chosen
        if len(chosen) >= 3:
            break
    return chosen


def _family(rows: Sequence[int], corpus: Corpus, idf: np.ndarray, params: FamilyParams) -> Family:
    vectors = corpus.vectors[list(rows)]
    centroid = vectors.sum(axis=0)
    norm = float(np.linalg.norm(centroid))
    closeness = vectors @ (centroid / norm) if norm else np.zeros(len(rows), dtype=np.float32)
    best = min(range(len(rows)), key=lambda i: (-round(float(closeness[i]), 6), corpus.ids[rows[i]]))
    label_row = rows[best]
    metas = [corpus.meta(r) for r in rows]
    label_id = corpus.ids[label_row]
    return Family(
        id="f" + hashlib.sha1(label_id.encode("utf-8")).hexdigest()[:12],
        label_id=label_id, label=corpus.problems[label_row],
        terms=key_terms(rows, corpus, idf, min_general_idf=params.min_term_idf),
        members=sorted(corpus.ids[r] for r in rows),
        institutions=len({_institution_key(m) for m in metas}),
        notices=len({m.get("notice_id") for m in metas}),
        cohesion=round(float(closeness.mean()), 4) if len(rows) else 0.0,
    )


def compute(corpus: Corpus, params: FamilyParams, timings: dict[str, float] | None = None) -> FamilySet:
    """The families of a corpus (see the module docstring); ``timings`` gets seconds per step."""
    started = clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        if timings is not None:
            timings[step] = timings.get(step, 0.0) + time.perf_counter() - clock
        clock = time.perf_counter()

    tokens, idf = token_weights(corpus, params.measures_weight)
    lap("tokens")
    rows_of = group(corpus, tokens, params, lap)
    families = [_family(rows, corpus, idf, params) for rows in rows_of
                if len({corpus.notice(r) for r in rows}) >= 2]
    families.sort(key=lambda f: (-f.institutions, -len(f.members), f.id))
    index = {doc_id: row for row, doc_id in enumerate(corpus.ids)}
    members = {m: corpus.meta(index[m]) for f in families for m in f.members}
    lap("labels")
    return FamilySet(families=families, members=members, issues=len(corpus), params=params,
                     seconds=time.perf_counter() - started)


# -- storing and loading -------------------------------------------------------------------------

def build(backend: Backend, params: FamilyParams, timings: dict[str, float] | None = None) -> FamilySet:
    """Read the index and compute its families (nothing stored)."""
    started = time.perf_counter()
    corpus = read_corpus(backend)
    if timings is not None:
        timings["read"] = time.perf_counter() - started
    result = compute(corpus, params, timings)
    result.seconds = time.perf_counter() - started
    return result


def store(backend: Backend, result: FamilySet) -> None:
    """Store a family set with the live generation: the set, then its stamp (readers check the
    stamp first, so they never cache a stamp newer than the set they read)."""
    backend.put_derived(DERIVED_NAME, zlib.compress(result.to_json(), 6))
    backend.put_derived(STAMP_NAME, json.dumps({"stamp": result.stamp, "issues": result.issues,
                                                "families": len(result.families)}).encode("utf-8"))


def stored_stamp(backend: Backend) -> str | None:
    raw = backend.get_derived(STAMP_NAME)
    return json.loads(raw).get("stamp") if raw else None


def load(backend: Backend) -> FamilySet | None:
    """The stored family set of the live generation, if any (and of this format)."""
    raw = backend.get_derived(DERIVED_NAME)
    if raw is None:
        return None
    try:
        return FamilySet.from_json(zlib.decompress(raw))
    except (ValueError, TypeError, KeyError, zlib.error) as exc:
        log.warning("stored problem families unreadable (%s); they will be recomputed", exc)
        return None


def refresh(backend: Backend, settings: Settings) -> FamilySet:
    """Compute the families of the index as it is now and store them."""
    result = build(backend, FamilyParams.from_settings(settings))
    store(backend, result)
    log.info("problem families: %d over %d issues in %.1f s", len(result.families), result.issues, result.seconds)
    return result


def after_change(backend: Backend, settings: Settings, *, changed: bool) -> FamilySet | None:
    """What the pipeline calls after ingest, delete and reindex: recompute when the index changed
    or holds no families yet (an index made before families existed)."""
    if not changed and backend.get_derived(STAMP_NAME) is not None:
        return None
    return refresh(backend, settings)


def member_rows(result: FamilySet, family: Family) -> Iterable[tuple[DocId, dict[str, Any]]]:
    return ((m, result.members.get(m, {})) for m in family.members)
