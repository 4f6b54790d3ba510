"""The lexical leg: user text → :class:`LexicalQuery` (tokens only, never query syntax) → BM25.

    >>> [t for t in query_terms("医保基金，过度检查")]  # doctest: +SKIP
    ['医保', '基金', '医保基金', '过度', '检查']

Two rules keep a query to its specific words, both on jieba's general-Chinese idf table (terms it
does not know get its median, as jieba's own TF-IDF does):

* terms common in any Chinese text (idf < ``min_term_idf``: 不, 问题, 工作, 管理, 建设 …) are dropped
  when at least two other terms remain — they match nearly every issue and only add noise;
* a long query (a pasted paragraph, or a whole issue in query-by-example) keeps only its
  ``max_query_terms`` most specific terms: weight = count in the query × idf.

The kept terms stay in query order.

The bigram leg (:func:`build_bigrams`) searches the query's character bigrams
(:func:`indexer.tokenise.character_bigrams`) in the BIGRAMS fields: a query word that jieba cuts
differently inside a document's longer phrase still meets it there.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from indexer.backends.base import Backend, Filters, LexicalQuery
from indexer.fields import bigram_boosts, lexical_boosts
from indexer.tokenise import character_bigrams, tokenise_query
from indexer.tokenise import general_idf as idf
from indexer.types import Hit, Target
from search_api import variants


def select_terms(tokens: Sequence[str], max_terms: int) -> tuple[str, ...]:
    """De-duplicated tokens in query order; past ``max_terms``, the most specific ones.

    >>> select_terms(["医保", "基金", "医保"], 5)
    ('医保', '基金')
    """
    counts = Counter(tokens)
    unique = list(dict.fromkeys(tokens))
    if max_terms <= 0 or len(unique) <= max_terms:
        return tuple(unique)
    weight = {t: counts[t] * idf(t) for t in unique}
    kept = set(sorted(unique, key=lambda t: (-weight[t], unique.index(t)))[:max_terms])
    return tuple(t for t in unique if t in kept)


MIN_KEPT = 2  # the generic-term rule never leaves fewer than this many terms


def query_terms(text: str, max_terms: int = 0, min_idf: float = 0.0) -> tuple[str, ...]:
    """Tokens of the query worth searching: punctuation-only tokens dropped; terms common in general
    Chinese (idf < ``min_idf``) dropped when at least two others remain; then selected.

    >>> query_terms("网络阵地管理", min_idf=4.5)  # doctest: +SKIP
    ('网络', '阵地')
    """
    tokens = [t.strip() for t in tokenise_query(text)]
    tokens = [t for t in tokens if t and any(ch.isalnum() for ch in t)]
    if min_idf > 0:
        specific = [t for t in tokens if idf(t) >= min_idf]
        if len(set(specific)) >= MIN_KEPT:
            tokens = specific
    return select_terms(tokens, max_terms)


def form_terms(form: str, min_idf: float) -> list[str]:
    """What a variant form searches: its tokens (the whole form too when jieba knows it) that are
    neither single characters nor common in general Chinese (idf < ``min_idf``) — no fallback keeps
    generic ones, as the user's own words have: a variant's 资金 alone would match every money issue."""
    return [t for t in query_terms(form) if len(t) > 1 and idf(t) >= min_idf]


def build(text: str, target: Target, *, max_terms: int = 0, min_idf: float = 0.0,
          boosts: Mapping[str, float] | None = None,
          variant_weight: float = 0.0) -> tuple[LexicalQuery, variants.Expansion]:
    """The lexical query of a text — its selected terms, searched in every TOKENS field of the
    target with the field's boost (indexer.fields) — and, when ``variant_weight`` > 0, the other
    forms of the variant groups the text mentions (search_api.variants), at that weight."""
    terms = query_terms(text, max_terms, min_idf)
    expansion = variants.Expansion()
    if variant_weight > 0 and terms:
        expansion = variants.expand(text, terms, lambda form: form_terms(form, min_idf))
    return (LexicalQuery(terms + expansion.terms, dict(boosts or lexical_boosts(target)),
                         dict.fromkeys(expansion.terms, variant_weight)), expansion)


def alternatives(expansion: variants.Expansion, literal: Sequence[str],
                 min_idf: float) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """For each variant form found in the query, its literal terms → the terms of each other form
    of its group (what the answer gate accepts in their place, when a document holds all of them)."""
    out: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    own = set(literal)
    for form, others in expansion.found.items():
        replaced = tuple(t for t in query_terms(form) if t in own)
        wordings = [terms for other in others if (terms := tuple(form_terms(other, min_idf)))]
        if replaced and wordings:
            out.setdefault(replaced, []).extend(wordings)
    return out


def build_query(text: str, target: Target, *, max_terms: int = 0, min_idf: float = 0.0,
                boosts: Mapping[str, float] | None = None, variant_weight: float = 0.0) -> LexicalQuery:
    """:func:`build` without the expansion report."""
    return build(text, target, max_terms=max_terms, min_idf=min_idf, boosts=boosts,
                 variant_weight=variant_weight)[0]


def build_bigrams(text: str, target: Target, *, max_terms: int = 0) -> LexicalQuery:
    """The bigram leg's query: the text's distinct character bigrams, searched in the target's
    BIGRAMS fields; past ``max_terms`` (a pasted paragraph, an example), the most specific ones
    (count in the text × idf, as for words).

    >>> build_bigrams("套取资金", Target.ISSUES).terms
    ('套取', '取资', '资金')
    """
    return LexicalQuery(select_terms(character_bigrams(text), max_terms), bigram_boosts(target))


# Numbers with their units, dates and amounts: specific to one notice, never to a kind of problem.
_FIGURES = re.compile(r"[0-9０-９][0-9０-９.．,，、%％～~-]*\s*(?:万亿元|亿元|万元|千元|元|亿|万|余|多|个|人次|人|次|年度|年|月|日|天|"
                      r"项|条|家|笔|份|张|台|批|例|名|所|户|套|件|篇|期|轮|%|％)?")


def example_text(problem: str, measures: Sequence[str], *, with_measures: bool) -> str:
    """The text query-by-example searches with: the problem (and, if asked, its measures) without
    figures — numbers, dates, amounts are specific to one notice, never to a kind of problem. (The
    source's own names stay: stripping them was measured and lost, since an institution's name
    carries its kind — 社区卫生服务中心 — which similar issues share; docs/ranking.md.)

    >>> example_text("2023年违规收费3.2万元，涉及15人次", [], with_measures=False)
    '违规收费 ，涉及'
    """
    text = "。".join([problem, *measures]) if with_measures else problem
    return " ".join(_FIGURES.sub(" ", text).split())


def run(backend: Backend, target: Target, query: LexicalQuery, filters: Filters, k: int) -> list[Hit]:
    """BM25 top-k; no terms → no hits (the backend is not asked)."""
    if not query.terms or k <= 0:
        return []
    return backend.lexical(target, query, filters, k)
