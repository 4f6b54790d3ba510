"""What the search server holds that it need not (memory at 1M issues: docs/scaling.md, session 10):
modules it never runs, tables kept twice, field names kept once per notice head."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from indexer.backends.head_memo import HeadMemo
from indexer.parsing import normalise
from indexer.parsing.numerals import cn_int, cn_numeral

ROOT = Path(__file__).resolve().parent.parent


def test_the_server_does_not_import_cn2an_until_a_numeral_is_read():
    script = (
        "import sys, search_api.__main__, search_api.app;"
        "from indexer.tokenise import tokenise_query; tokenise_query('二〇二三年医保基金');"
        "print('cn2an' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert cn_int("二〇二四") == 2024 and cn_numeral(12) == "十二" and "cn2an" in sys.modules


def test_the_folding_tables_share_their_unmapped_entries():
    one = ord("一")  # neither folded nor traditional
    assert normalise._FOLD_BMP[one] == normalise._T2S_BMP[one] == one
    assert normalise._FOLD_BMP[one] is normalise._T2S_BMP[one]
    assert normalise.fold("醫保（２０２４）") == "医保(2024)" and normalise.simplified_characters("醫保") == "医保"


def test_kept_heads_share_their_field_names():
    blobs = {n: json.dumps({"title": f"通报{n}", "province": "江西省", "year": 2020}) for n in ("a", "b", "c")}
    read = lambda ids: {n: json.loads(blobs[n]) for n in ids}  # noqa: E731 (json gives new key strings)
    memo = HeadMemo()
    first = memo.heads(1, ["a", "b", "c"], read)
    assert next(iter(first["a"])) is not next(iter(first["b"]))  # as decoded
    kept = memo.heads(1, ["a", "b", "c"], lambda ids: {})  # all known: nothing read
    assert kept == first
    assert all(x is y for x, y in zip(kept["a"], kept["c"], strict=True))


def test_bigrams_of_a_repeated_text_are_made_once(monkeypatch):
    from indexer import documents
    from indexer.fields import field_named
    from indexer.tokenise import character_bigrams

    made = []
    monkeypatch.setattr(documents, "character_bigrams", lambda text: made.append(text) or character_bigrams(text))
    documents._memo_bigrams.cache_clear()
    field = field_named("bigram_tokens")
    doc = {"problem": "公车私用问题突出", "measures": ["收回车辆", "", "a1"]}
    expected = " ".join(b for text in ("公车私用问题突出", "收回车辆") for b in character_bigrams(text))
    assert documents.field_bigrams(doc, field) == expected == documents.field_bigrams(doc, field)
    assert sorted(made) == ["a1", "公车私用问题突出", "收回车辆"]  # each text once (an empty one: none)
