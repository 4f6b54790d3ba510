"""Bundle building: the documents stored for each parsed notice, with their tokens, vectors and categories.

A :class:`~indexer.backends.base.NoticeBundle` holds the notice record (with its original text,
so a reindex needs no source files), one document per issue and one per measure item. Each
measure document carries its issue's and notice's metadata; measure vectors only when asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from indexer.backends.base import NoticeBundle
from indexer.categories import Prototypes, categorise
from indexer.documents import field_bigrams, issue_record, measure_records, notice_record
from indexer.embed import Embedder
from indexer.fields import field_named
from indexer.reports import Timings, timed
from indexer.tokenise import tokenise_for_index
from indexer.types import Document, Issue, ParsedNotice, Target

# Issue vectors embed the problem with its measures: the measures say what the problem is about
# (dev qrels: semantic nDCG@10 0.48 → 0.64 against problem-only vectors); 256 characters was best.
ISSUE_EMBEDDING_CHARS = 256
_ISSUE_BIGRAMS = field_named("bigram_tokens", Target.ISSUES)
_MEASURE_BIGRAMS = field_named("bigram_tokens", Target.MEASURES)


def issue_embedding_text(issue: Issue) -> str:
    """The passage embedded for an issue: its problem, then its measures, capped."""
    return embedding_text(issue.problem, issue.measures)


def embedding_text(problem: str, measures: Sequence[str]) -> str:
    """The passage of :func:`issue_embedding_text` from the fields of an issue document (the
    embedded store finds stored vectors by its hash: the vector cache)."""
    text = problem + ("。" + "；".join(measures) if measures else "")
    return text[:ISSUE_EMBEDDING_CHARS]


def _tokens(text: str | None) -> str:
    return " ".join(tokenise_for_index(text)) if text else ""


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dims), dtype=np.float32)
    vectors = np.asarray(embedder.embed_passages(texts), dtype=np.float32)
    if vectors.shape != (len(texts), embedder.dims):
        raise ValueError(f"embedder {embedder.model_id} returned shape {vectors.shape} for {len(texts)} texts")
    return vectors


@dataclass(frozen=True, slots=True)
class NoticeVectors:
    """The vectors of a batch of notices, in issue order (and measure order, when asked for)."""

    issues: np.ndarray
    measures: np.ndarray | None = None


def embed_notices(notices: Sequence[ParsedNotice], embedder: Embedder, *,
                  measure_vectors: bool = False) -> NoticeVectors:
    """Embed every issue of ``notices`` in one call (and each measure item, when asked for).

    Needs nothing but the parsed notices, so ingest runs it in a worker thread beside parsing
    and tokenising (:mod:`indexer.pipeline`). Passages and measure items go in one call, so the
    embedder sorts them together by length into batches, and embeds a text met twice once."""
    passages = [issue_embedding_text(i) for parsed in notices for i in parsed.issues]
    measures = [m for parsed in notices for i in parsed.issues for m in i.measures] if measure_vectors else []
    vectors = _embed(embedder, passages + measures)
    return NoticeVectors(vectors[: len(passages)], vectors[len(passages):] if measure_vectors else None)


def build_bundles(items: Sequence[tuple[ParsedNotice, str | None]], embedder: Embedder, *,
                  prototypes: Prototypes | None = None, measure_vectors: bool = False,
                  timings: Timings | None = None) -> list[NoticeBundle]:
    """Bundles for several notices, embedding all their issues in one call.

    ``items`` pairs each parsed notice with its original (decoded, uncleaned) text. ``prototypes``
    are the category prototypes of ``embedder``'s model (:func:`indexer.categories.prototypes_for`);
    without them categories come from the rules alone."""
    with timed(timings, "embed"):
        vectors = embed_notices([parsed for parsed, _ in items], embedder, measure_vectors=measure_vectors)
    return assemble_bundles(items, vectors, prototypes=prototypes, timings=timings)


def assemble_bundles(items: Sequence[tuple[ParsedNotice, str | None]], vectors: NoticeVectors, *,
                     prototypes: Prototypes | None = None, timings: Timings | None = None) -> list[NoticeBundle]:
    """Bundles for several notices whose vectors are known: tokenise, categorise, build records."""
    problems, measure_rows = vectors.issues, vectors.measures
    bundles = []
    row = measure_row = 0
    with timed(timings, "tokenise"):
        for parsed, original_text in items:
            issue_docs: list[Document] = []
            measure_docs: list[Document] = []
            for issue in parsed.issues:
                vector = problems[row]
                row += 1
                categories = list(dict.fromkeys([*categorise(issue.problem, issue.measures, vector, prototypes),
                                                 *issue.categories]))
                problem_tokens = _tokens(issue.problem)
                # jieba never cuts across a line break, so the tokens of the joined measures are
                # the tokens of each measure in turn: each measure is tokenised once.
                measure_tokens = [_tokens(m) for m in issue.measures]
                doc = issue_record(parsed, issue)
                doc.update(
                    categories=categories,
                    problem_tokens=problem_tokens,
                    context_tokens=_tokens("\n".join(t for t in (issue.section, issue.group) if t)),
                    measures_tokens=" ".join(t for t in (_tokens(issue.measures_intro), *measure_tokens) if t),
                    bigram_tokens=field_bigrams(doc, _ISSUE_BIGRAMS),
                    vector=vector.tolist(),
                )
                issue_docs.append(doc)
                for measure, text_tokens in zip(measure_records(parsed, issue), measure_tokens, strict=True):
                    measure.update(categories=categories, text_tokens=text_tokens, problem_tokens=problem_tokens,
                                   bigram_tokens=field_bigrams(measure, _MEASURE_BIGRAMS))
                    if measure_rows is not None:
                        measure["vector"] = measure_rows[measure_row].tolist()
                        measure_row += 1
                    measure_docs.append(measure)
            bundles.append(NoticeBundle(
                notice_id=parsed.notice_id, source=parsed.source,
                notice=notice_record(parsed, original_text), issues=issue_docs, measures=measure_docs,
            ))
    return bundles


def build_bundle(parsed: ParsedNotice, embedder: Embedder, original_text: str | None, *,
                 prototypes: Prototypes | None = None, measure_vectors: bool = False) -> NoticeBundle:
    """Everything stored for one notice: its record, issue documents and measure documents."""
    return build_bundles([(parsed, original_text)], embedder, prototypes=prototypes,
                         measure_vectors=measure_vectors)[0]
