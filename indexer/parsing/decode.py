"""Decoding: a text file's bytes → str (BOM, strict UTF-8 / GBK / GB18030, detector last).

    >>> decode("整改结果：已完成".encode("gbk"))
    Decoded(text='整改结果：已完成', encoding='gbk')

A byte-order mark wins; otherwise UTF-8, GBK and GB18030 are each tried *strictly* (a codec
that fails on one byte is out) and the one giving the most plausible Chinese text is kept (ties:
UTF-8 first; strict UTF-8 success is proof, not a guess). Only when none of them reads the file
plausibly (or it holds NUL bytes) is charset-normalizer asked for another codec, whose result is
checked the same way. Its guess is not trusted alone: short Chinese-only GBK texts come back
misnamed (``整改结果：已完成`` in GBK as ``cp949``), and GBK bytes can be valid UTF-8 (``医院`` →
``ҽԺ``). Traditional characters count as plausible (a mirror's copy saved as GBK); Big5 files
are out of scope: refused with an error that names Big5.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from indexer.parsing.characters import TRADITIONAL_TO_SIMPLIFIED


class Unreadable(Exception):
    """Why bytes could not become text; :func:`indexer.parsing.read.read_path` turns it into a
    ReadError naming the file."""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # Python codec name: "utf_8", "utf_8_sig", "gbk", "gb18030", …


_BOMS = (
    (b"\xef\xbb\xbf", "utf_8_sig", "UTF-8"),
    (b"\xff\xfe\x00\x00", "utf_32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf_32", "UTF-32"),
    (b"\xff\xfe", "utf_16", "UTF-16"),
    (b"\xfe\xff", "utf_16", "UTF-16"),
)
# Tried in this order; on equal plausibility the earlier wins (strict UTF-8 success is proof).
_CHINESE_CODECS = ("utf_8", "gbk", "gb18030")
# Below this a non-UTF-8 decoding is refused (mixed, binary or an unsupported encoding).
_MIN_PLAUSIBILITY = 0.8
# Big5 and its variants: refused by name (never read as a guess; GBK bytes rarely read as Big5).
_BIG5 = ("big5", "cp950", "big5hkscs")
_NEWLINES = re.compile(r"\r\n?")


def _plausibility(text: str, traditional: bool = False) -> float:
    """Share of characters expected in a Chinese notice (0..1), common characters weighing most.

    Real notices are >99% GB2312 level-1 characters (the 3,755 common ones); UTF-8 bytes read
    as GBK give mostly rare or extension characters, Korean, or Latin letters. With
    ``traditional`` (a GB codec), traditional characters count too: a mirror's copy saved as GBK.

    >>> _plausibility("整改结果：已完成"), round(_plausibility("정개결과：已完成"), 2)
    (1.0, 0.5)
    """
    if not text:
        return 0.0
    weight = _traditional_weight if traditional else _char_weight
    return sum(weight(ch) for ch in text) / len(text)


@cache
def _char_weight(ch: str) -> float:
    o = ord(ch)
    if ch in "\t\n\r\f" or 0x20 <= o < 0x7F:
        return 1.0
    if 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F:
        return 0.6  # Ext-A/B…: rare, but only a deliberate GB18030 or UTF-8 file yields them
    if 0x4E00 <= o <= 0x9FFF:
        try:
            lead = ch.encode("gb2312")[0]
        except UnicodeEncodeError:
            return 0.2  # GBK extension: what UTF-8 bytes read as GBK mostly turn into
        return 1.0 if lead <= 0xD7 else 0.5  # GB2312 level 1 (common) / level 2
    if 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or 0x2000 <= o <= 0x206F or o in (0xA0, 0xB7, 0xD7):
        return 1.0  # CJK and full-width punctuation, general punctuation (— … “ ”)
    if 0x2460 <= o <= 0x24FF or 0x2160 <= o <= 0x217F or 0x25A0 <= o <= 0x25FF:
        return 1.0  # ①, Ⅳ, ■ — numbering and bullets
    return 0.0


@cache
def _traditional_weight(ch: str) -> float:
    weight = _char_weight(ch)
    return 0.9 if weight < 0.9 and ord(ch) in TRADITIONAL_TO_SIMPLIFIED else weight


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detector_guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # ~70 ms import: only when UTF-8 and GB fail

    best = from_bytes(data).best()
    return best.encoding if best is not None else None


def _clean(text: str) -> str:
    return _NEWLINES.sub("\n", text).replace("\ufeff", "")


def decode(data: bytes) -> Decoded:
    """Decode a text file's bytes; never a silent guess (see the module docstring).

    >>> decode(b"\\xef\\xbb\\xbf\\xe9\\x80\\x9a\\xe6\\x8a\\xa5")
    Decoded(text='通报', encoding='utf_8_sig')
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            text = _strict(data, codec)
            if text is None:
                raise Unreadable(f"starts with a {name} byte-order mark but is not valid {name}")
            return Decoded(_clean(text.lstrip("\ufeff")), codec)
    if data.isascii() and b"\x00" not in data:
        return Decoded(_clean(data.decode("ascii")), "ascii")
    guess = None
    if b"\x00" in data:
        guess = _detector_guess(data)
        if not (guess or "").startswith(("utf_16", "utf_32")):
            raise Unreadable("binary file (contains NUL bytes), not a text notice")
    scored = _score(data, _CHINESE_CODECS if guess is None else (guess,))
    if not scored or not _accepted(scored[0]):
        # Neither UTF-8 nor GB18030 reads it plausibly: ask the detector for another codec.
        guess = guess or _detector_guess(data)
        if guess and guess not in _CHINESE_CODECS:
            scored = sorted([*scored, *_score(data, (guess,), first_rank=len(_CHINESE_CODECS))], reverse=True)
    if not scored or not _accepted(scored[0]) or scored[0][2] in _BIG5:
        _refuse_big5(data)
    if not scored:
        raise Unreadable(_undecodable_reason(data, guess))
    score, _, codec, text = scored[0]
    if not _accepted(scored[0]):
        raise Unreadable(
            f"cannot decode: the best candidate ({codec}) gives implausible text "
            f"({score:.0%} expected characters); binary or an unsupported encoding"
        )
    return Decoded(_clean(text), codec)


_Scored = tuple[float, int, str, str]  # plausibility, -preference, codec, text


def _score(data: bytes, codecs: Iterable[str], first_rank: int = 0) -> list[_Scored]:
    """Strict decodings, best first; on equal plausibility the earlier codec wins."""
    scored = []
    for rank, codec in enumerate(codecs, start=first_rank):
        text = _strict(data, codec)
        if text is not None:
            scored.append((_plausibility(text, traditional=codec in _CHINESE_CODECS), -rank, codec, text))
    return sorted(scored, reverse=True)


def _accepted(candidate: _Scored) -> bool:
    score, _, codec, _ = candidate
    return codec == "utf_8" or score >= _MIN_PLAUSIBILITY  # strict UTF-8 success is proof enough


def _refuse_big5(data: bytes) -> None:
    """Raise Unreadable, saying so, when the bytes read plausibly as Big5 (traditional Chinese
    as Taiwan and Hong Kong sites save it): an encoding this project does not read."""
    for codec in _BIG5:
        text = _strict(data, codec)
        if text is not None and _plausibility(text, traditional=True) >= _MIN_PLAUSIBILITY:
            raise Unreadable("cannot decode: the file is in Big5 (traditional Chinese), an encoding not supported; "
                             "save it as UTF-8 or GB18030 and add it again")


def _undecodable_reason(data: bytes, guess: str | None) -> str:
    """Name where UTF-8 and GB18030 each fail, so a reader can see a mixed or broken file."""
    where = []
    for codec, name in (("utf_8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            data.decode(codec)
        except UnicodeDecodeError as exc:
            where.append(f"{name} (byte 0x{data[exc.start]:02x} at offset {exc.start})")
    detector = f"charset-normalizer: {guess}" if guess else "charset-normalizer: no match"
    return f"cannot decode: not valid {' nor '.join(where)}; {detector}"
