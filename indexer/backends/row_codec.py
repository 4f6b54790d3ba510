"""The record store's compressed rows: JSON text ⇄ zlib with a preset dictionary per store.

The dictionary (the store's ``codecs`` table) is built from the documents of the store's first
write (:func:`build_zdict`), so the field names and metadata every document repeats cost a few
bytes each; see :mod:`indexer.backends.embedded_store`.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_ZDICT_BYTES = 32768  # zlib's window: the most a preset dictionary can give


class Codec:
    """JSON text ⇄ compressed blob: one byte naming the preset dictionary, then raw zlib.

    >>> codec = Codec({1: b'{"status":"completed","notice_id":"'})
    >>> blob = codec.pack('{"status":"completed","notice_id":"ab12"}', 1)
    >>> blob[0], codec.unpack(blob)
    (1, '{"status":"completed","notice_id":"ab12"}')
    >>> codec.unpack('{"plain":"layout 1"}')
    '{"plain":"layout 1"}'
    """

    def __init__(self, zdicts: Mapping[int, bytes] | None = None,
                 load: Callable[[], Mapping[int, bytes]] | None = None) -> None:
        self.zdicts: dict[int, bytes] = {0: b"", **(zdicts or {})}
        self._load = load  # reads the store's dictionaries again: another process may have added one

    def pack(self, text: str, codec: int) -> bytes:
        zdict = self.zdicts[codec]
        packer = zlib.compressobj(6, zlib.DEFLATED, -15, zdict=zdict) if zdict else zlib.compressobj(6, zlib.DEFLATED, -15)
        return bytes((codec,)) + packer.compress(text.encode("utf-8")) + packer.flush()

    def unpack(self, value: str | bytes) -> str:
        if isinstance(value, str):  # layout 1: plain JSON text
            return value
        zdict = self.zdicts.get(value[0])
        if zdict is None and self._load is not None:
            self.zdicts.update(self._load())
            zdict = self.zdicts.get(value[0])
        if zdict is None:
            raise ValueError(f"a record packed with dictionary {value[0]}, which the store does not have")
        unpacker = zlib.decompressobj(-15, zdict=zdict) if zdict else zlib.decompressobj(-15)
        return (unpacker.decompress(value[1:]) + unpacker.flush()).decode("utf-8")

    def loads(self, value: str | bytes) -> Any:
        return json.loads(self.unpack(value))


def build_zdict(docs: Sequence[str]) -> bytes:
    """A preset dictionary from sample documents: zlib looks back at most 32 KiB, nearest first,
    so the samples are interleaved (issue, measure, …) and the tail kept."""
    return "".join(docs).encode("utf-8")[-_ZDICT_BYTES:]
