"""Enrichment: notice metadata and per-issue extras. PLACEHOLDER."""

from __future__ import annotations

from indexer.types import Issue, NormalisedText, NoticeMeta


def extract_meta(normalised: NormalisedText) -> NoticeMeta:
    first = normalised.text.split("\n", 1)[0]
    return NoticeMeta(title=first or None)


def enrich_issue(issue: Issue) -> None:
    return None
