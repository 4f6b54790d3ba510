"""Tokenisation: jieba with a domain dictionary, identical at index and query time. PLACEHOLDER."""

from __future__ import annotations

import jieba

from indexer.normalise import fold

DICTIONARY_VERSION = "placeholder"


def tokenise_for_index(text: str) -> list[str]:
    return [t for t in jieba.lcut_for_search(fold(text)) if t.strip()]


def tokenise_query(text: str) -> list[str]:
    return tokenise_for_index(text)
