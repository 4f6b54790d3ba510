"""The query-embedding cache: one model call per normalised query."""

from __future__ import annotations

from indexer.embed import HashingEmbedder
from search_api.vector import QueryEncoder, normalised_query


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(16)
        self.asked: list[str] = []

    def embed_queries(self, texts):
        self.asked += texts
        return super().embed_queries(texts)


def test_spellings_of_one_query_share_one_embedding() -> None:
    embedder = CountingEmbedder()
    encoder = QueryEncoder(embedder, cache_size=8)
    first = encoder.encode("公车私用 ＡＢＣ")
    assert encoder.encode(" 公车私用　ABC ") == first  # full-width, ideographic space, padding
    assert encoder.encode("公车私用  ABC") == first
    assert embedder.asked == ["公车私用 ABC"]
    encoder.encode("公务接待")
    assert embedder.asked == ["公车私用 ABC", "公务接待"]
    assert normalised_query("ｅ５\tsmall\n") == "e5 small"


def test_a_query_in_traditional_characters_is_embedded_as_the_simplified_one() -> None:
    # notices printed in traditional characters are indexed as their simplified copy, and the word
    # leg folds the query the same way: the vector leg must see the same text
    embedder = CountingEmbedder()
    encoder = QueryEncoder(embedder, cache_size=8)
    assert encoder.encode("醫保基金違規使用") == encoder.encode("医保基金违规使用")
    assert embedder.asked == ["医保基金违规使用"]


def test_the_cache_keeps_only_its_size() -> None:
    embedder = CountingEmbedder()
    encoder = QueryEncoder(embedder, cache_size=1)
    encoder.encode("甲")
    encoder.encode("乙")
    encoder.encode("甲")
    assert embedder.asked == ["甲", "乙", "甲"]


def test_a_cached_vector_gives_back_the_models_values_as_floats() -> None:
    embedder = CountingEmbedder()
    encoder = QueryEncoder(embedder, cache_size=4)
    fresh = encoder.encode("医保基金使用管理")
    again = encoder.encode("医保基金使用管理")
    expected = [float(x) for x in HashingEmbedder(16).embed_queries(["医保基金使用管理"])[0]]
    assert fresh == again == expected and all(type(x) is float for x in again)
    assert embedder.asked == ["医保基金使用管理"]
    again.append(0.0)  # a caller's list is its own: the cache is not changed through it
    assert encoder.encode("医保基金使用管理") == expected
