"""Near-duplicate notices: the same notice reposted by another site — other page furniture,
other spacing, traditional characters, a word edited — is stored once.

Two layers, neither of which needs anything from a backend beyond its contract:

1. **Exact** — the notice id is a hash of the normalised text, folded (full-width → half-width,
   traditional → simplified) and without whitespace (:func:`indexer.parsing.parse.notice_id_for`). A
   repost whose only differences are whitespace, blank lines, full-width or traditional
   characters, or page furniture the reader removes, gets the same id and is ``skipped``.
2. **Near** — for a notice whose id is new, :func:`find_near_duplicate` asks the lexical leg for
   candidates (the tokens of its first :data:`QUERY_PROBLEMS` problems, restricted to the same
   institution when it is known), screens them on the issues the query hit, and compares each
   remaining candidate's stored issues with the new ones: the Jaccard similarity of their
   character 4-shingles (:func:`shingles`) over the problems and measures, folded, with
   punctuation and whitespace removed. At or above the threshold (setting ``near_duplicate_threshold``, default
   :data:`DEFAULT_THRESHOLD` = 0.9) the notice is a duplicate of that candidate and is not stored.

    >>> a = "1.党费收缴不规范。整改措施：一是补缴党费。二是建立党费收缴台账，按月公示。"
    >>> round(similarity(a, a.replace("按月", "按季度")), 2)  # a short text: one word weighs a lot
    0.78
    >>> similarity(a, "1.黨費收繳不規範。 整改措施：一是補繳黨費。二是建立黨費收繳臺賬，按月公示。")
    1.0

Why 0.9 (measured on ``scripts/gen_corpus.py --notices 2000 --seed 0``: 1,742 institutions, 356
pairs of notices of the same institution from different rounds; the issues share the generator's
phrase bank, so they are more alike than real notices): the most similar pair of *different*
notices scores 0.35, the most similar pair of the same institution 0.27; on 200 of them a
two-character edit in one measure scores ≥ 0.977 (median 0.994) and one measure item dropped
≥ 0.91 (median 0.98). A repost missing a whole issue scores 0.68–0.99 (median 0.945): usually
a duplicate, not always. A notice only compares with the issues of the notice it is
matched to, so the text outside the issues (title, dates, intro, closing) never counts.

Limits: a copy whose institution was read differently (or not at all) is not found when the new
notice's institution is known — the filter keeps one query per notice cheap on a big index (on
the noida-db emulator a BM25 query costs ~50 ms per 3,000 issues).

Guards: a notice with fewer than :data:`MIN_SHINGLES` shingles (a few short problems) is
matched by its exact id only — a short text is too easily similar by chance; two notices whose
institutions are both known and differ (neither name contains the other) are never
duplicates; the notice previously stored from the same source (``exclude``) is not a
candidate — a changed file replaces its old version, it does not duplicate it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from indexer.backends.base import Backend, Filters, LexicalQuery
from indexer.parsing.normalise import fold
from indexer.tokenise import tokenise_query
from indexer.types import Document, NoticeId, ParsedNotice, Target

DEFAULT_THRESHOLD = 0.9
SHINGLE = 4  # characters per shingle: Chinese words are 2–4 characters
MIN_SHINGLES = 30  # below this only the exact id counts
QUERY_PROBLEMS = 3  # problems whose tokens make the candidate query
QUERY_TERMS = 64  # most distinct tokens in that query
CANDIDATE_HITS = 30  # issue hits asked for per query
CANDIDATES = 3  # notices compared per query, best first
ISSUE_MATCH = 0.8  # one of the first issues "matches" a candidate's issue at this Jaccard similarity

_NOT_TEXT = re.compile(r"[\W_]+")  # punctuation, symbols, whitespace


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """The stored (or pending) notice a new one duplicates, and how similar they are."""

    notice_id: NoticeId
    similarity: float


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a notice is compared by: its institution, the shingles of its issues, and those of
    each of its first issues (to screen candidates before fetching all their issues)."""

    institution: str | None
    shingles: frozenset[str]
    first_issues: tuple[frozenset[str], ...] = ()


# -- pure functions ---------------------------------------------------------------------------

def issues_text(issues: Iterable[tuple[str | None, Sequence[str]]]) -> str:
    """The text compared: each issue's problem and measures, one per line.

    >>> issues_text([("学习不深入", ["一是集中学习", "二是专题研讨"])])
    '学习不深入\\n一是集中学习\\n二是专题研讨'
    """
    return "\n".join(part for problem, measures in issues for part in (problem, *measures) if part)


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    """Character k-grams of the folded text without punctuation and whitespace.

    >>> sorted(shingles("整改 措施：一是", 4))
    ['措施一是', '改措施一', '整改措施']
    """
    compact = _NOT_TEXT.sub("", fold(text))
    if len(compact) < k:
        return frozenset([compact]) if compact else frozenset()
    return frozenset({compact[i:i + k] for i in range(len(compact) - k + 1)})


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; 0.0 when both are empty."""
    if not a and not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def similarity(text_a: str, text_b: str) -> float:
    """Jaccard similarity of two texts' 4-shingles."""
    return jaccard(shingles(text_a), shingles(text_b))


def same_institution(a: str | None, b: str | None) -> bool:
    """False only when both are known and neither contains the other (after folding).

    >>> same_institution("青禾县人民医院", "青禾县人民医院党委"), same_institution("青禾县人民医院", "白水县人民医院")
    (True, False)
    """
    if not a or not b:
        return True
    a, b = fold(a), fold(b)
    return a in b or b in a


def notice_fingerprint(notice: ParsedNotice) -> Fingerprint:
    return Fingerprint(notice.meta.institution,
                       shingles(issues_text((i.problem, i.measures) for i in notice.issues)),
                       tuple(shingles(issues_text([(i.problem, i.measures)])) for i in notice.issues[:QUERY_PROBLEMS]))


def stored_fingerprint(issue_docs: Sequence[Document]) -> Fingerprint:
    """The fingerprint of a stored notice, from its issue documents."""
    institution = next((d.get("institution") for d in issue_docs if d.get("institution")), None)
    ordered = sorted(issue_docs, key=lambda d: d.get("seq") or 0)
    return Fingerprint(institution, shingles(issues_text((d.get("problem"), d.get("measures") or [])
                                                         for d in ordered)))


def notice_of_issue(issue_id: str) -> NoticeId:
    """Issue ids are ``<notice_id>-<seq, 3 digits>`` (indexer.fields).

    >>> notice_of_issue("3fa2c0de11aa0b12-007")
    '3fa2c0de11aa0b12'
    """
    return issue_id.rsplit("-", 1)[0]


def _best_match(new: Fingerprint, candidates: Iterable[tuple[NoticeId, Fingerprint]],
                threshold: float) -> NearDuplicate | None:
    best: NearDuplicate | None = None
    size = len(new.shingles)
    for notice_id, other in candidates:
        if not same_institution(new.institution, other.institution):
            continue
        if min(size, len(other.shingles)) < threshold * max(size, len(other.shingles)):
            continue  # the Jaccard similarity cannot reach the threshold
        score = jaccard(new.shingles, other.shingles)
        if score >= threshold and (best is None or score > best.similarity):
            best = NearDuplicate(notice_id, round(score, 4))
    return best


# -- the lookup the pipeline calls --------------------------------------------------------------

def _query(notice: ParsedNotice) -> LexicalQuery | None:
    """The tokens of the first problems, searched in the issues' problem tokens."""
    terms: list[str] = []
    for issue in notice.issues[:QUERY_PROBLEMS]:
        terms.extend(tokenise_query(issue.problem))
    terms = list(dict.fromkeys(terms))[:QUERY_TERMS]
    return LexicalQuery(tuple(terms), {"problem_tokens": 1.0}) if terms else None


def _screened(new: Fingerprint, issues: Sequence[Document]) -> bool:
    """Whether a candidate whose hit issues are these may be a duplicate: all of the new notice's
    first issues but one have a close match among them (problem and measures; Jaccard ≥
    :data:`ISSUE_MATCH`). Stock problems (三重一大…) recur across notices; their measures do not."""
    theirs = [shingles(issues_text([(d.get("problem"), d.get("measures") or [])])) for d in issues]
    matched = sum(1 for mine in new.first_issues if any(jaccard(mine, t) >= ISSUE_MATCH for t in theirs))
    return matched >= max(1, len(new.first_issues) - 1)


def _candidate_ids(backend: Backend, query: LexicalQuery, new: Fingerprint, filters: Filters,
                   skip: set[NoticeId]) -> list[NoticeId]:
    """Stored notices whose issues best match the new notice's first problems, best first, and
    that pass :func:`_screened` (one ``get`` of the hit issues; the candidates' other issues are
    only fetched for those)."""
    hits = [h for h in backend.lexical(Target.ISSUES, query, filters, CANDIDATE_HITS)
            if notice_of_issue(h.doc_id) not in skip]
    if not hits:
        return []
    scores: dict[NoticeId, float] = {}
    for hit in hits:
        notice_id = notice_of_issue(hit.doc_id)
        scores[notice_id] = scores.get(notice_id, 0.0) + hit.score
    docs: dict[NoticeId, list[Document]] = {}
    for doc in backend.get(Target.ISSUES, [h.doc_id for h in hits]):
        docs.setdefault(notice_of_issue(str(doc.get("id"))), []).append(doc)
    ranked = sorted(scores, key=lambda n: -scores[n])
    return [n for n in ranked if _screened(new, docs.get(n, []))][:CANDIDATES]


def _stored(backend: Backend, notice_id: NoticeId) -> Fingerprint | None:
    record = backend.get_notice(notice_id)
    if not record or not record.get("issue_ids"):
        return None
    return stored_fingerprint(backend.get(Target.ISSUES, list(record["issue_ids"])))


def find_near_duplicate(notice: ParsedNotice, backend: Backend, *, threshold: float = DEFAULT_THRESHOLD,
                        exclude: Iterable[NoticeId] = (),
                        pending: Mapping[NoticeId, Fingerprint] | None = None,
                        fingerprint: Fingerprint | None = None) -> NearDuplicate | None:
    """The stored or pending notice ``notice`` nearly duplicates, else None.

    ``pending`` holds notices accepted in this run but not written yet (the lexical leg cannot see
    them); ``exclude`` the notice last stored from the same source; ``fingerprint`` the notice's,
    if the caller has it. A threshold above 1 turns the check off.

    Cost for a notice that is not a duplicate: one lexical query and one ``get`` of at most
    :data:`CANDIDATE_HITS` issues."""
    if threshold > 1 or not notice.issues:
        return None
    new = fingerprint or notice_fingerprint(notice)
    if len(new.shingles) < MIN_SHINGLES:
        return None
    skip = set(exclude) | {notice.notice_id}
    found = _best_match(new, ((n, f) for n, f in (pending or {}).items() if n not in skip), threshold)
    if found is not None:
        return found
    query = _query(notice)
    if query is None:
        return None
    institution = notice.meta.institution
    filters = Filters(equals={"institution": (institution,)}) if institution else Filters()
    ids = _candidate_ids(backend, query, new, filters, skip)
    return _best_match(new, ((n, f) for n in ids if (f := _stored(backend, n)) is not None), threshold)
