"""The manifest row of a written notice: its issues as printed and ``expect``, the metadata the parser must give.

``expect`` holds only what the printed text settles: a key that is absent is not compared, a key
whose value is None means the parser must give nothing (a damaged count, an ambiguous date).
Names and titles are given in simplified characters (a traditional mirror is compared folded).
"""

from __future__ import annotations

import re
from typing import Any

from opencc import OpenCC

from .draw import date_cn, iso
from .model import Notice

_T2S = OpenCC("t2s")
ENCODINGS = {"txt": "utf-8", "gbk": "gbk", "html": "utf-8", "docx": None}


def _publish_date(n: Notice, paras: list[str]) -> str | None:
    """The publish date to the precision the notice prints it (None: not printed)."""
    pub = n.publish
    if n.fmt == "html" or n.extra.get("furniture_date") or any(p.startswith(("成文时间", "发文时间")) for p in paras):
        return iso(pub)  # the page's 发布时间, a repost line or an info block
    if date_cn(*pub) in paras:
        return iso(pub)
    if f"{pub[0]}年{pub[1]}月" in paras:
        return f"{pub[0]:04d}-{pub[1]:02d}"
    return None


def _region(n: Notice, text: str) -> dict[str, str | None]:
    """The region as far as the text settles it: a county or city named in it settles those above
    (a central enterprise has none, whatever its address)."""
    if n.extra["info"].get("region") is False:
        return {"province": None, "city": None, "county": None}
    county = n.county if n.county and n.county in text else None
    city = n.city if county or n.city in text else None
    province = n.province if city or n.province in text else None
    return {"province": province, "city": city, "county": county}


def expectations(n: Notice, paras: list[str]) -> dict[str, Any]:
    """What the parser must give for this notice's metadata (see the module docstring)."""
    if n.variant == "traditional":
        paras = [_T2S.convert(p) for p in paras]
    text = "\n".join(paras)
    level = n.extra["info"]["level"]
    expect: dict[str, Any] = {
        "title": n.extra["clean_title"],
        "inspection_body": n.body,
        "inspection_kind": n.xun,
        "feedback_date": iso(n.feedback),
        "inspection_period": [iso(n.start), iso(n.end)],
        "stated_totals": {"issues": n.extra.get("stated_issues")},
    }
    if not (level == "county" and n.committee == "市委"):  # a county-level city's 市委 reads as a city's
        expect["level"] = level
    if "旬" in n.extra["intro"]:
        del expect["inspection_period"]  # given to the ten days only
    if n.extra.get("joint"):
        expect["organizations"] = [n.org, n.extra["joint"]["org"]]
        expect["institutions"] = [n.inst, n.extra["joint"]["inst"]]  # the first alone, or both
    elif n.extra["clean_title"].startswith(n.org) or n.org in paras:
        expect["organization"] = n.org  # the notice names it as its issuer (title or signature)
    elif "《" + n.org in text and n.inst not in paras:
        expect["organization"] = n.org  # only its own document names it (and the institution does not sign)
    publish = _publish_date(n, paras)
    if publish:
        expect["publish_date"] = publish
    expect.update(n.extra.get("expect", {}))
    return expect


def manifest_row(n: Notice, name: str, paras: list[str]) -> dict[str, Any]:
    """One line of ``manifest.jsonl``."""
    iss = n.issues
    text = "\n".join(paras)
    if n.variant == "traditional":
        text = _T2S.convert(text)
    row = {
        "file": name,
        "n_issues": len(iss),
        "institution": n.inst,
        "type": n.extra["info"].get("type", n.kind),  # None: the text does not settle it
        "region": _region(n, re.sub(r"\s", "", text)),
        "layout": n.layout,
        "format": n.fmt,
        "encoding": ENCODINGS[n.fmt],
        "oneline": n.oneline,
        "organization": n.org,
        "title": n.extra["clean_title"],
        "inspection_body": n.body,
        "inspection_kind": n.xun,
        "inspection_type": n.itype,
        "feedback_date": iso(n.feedback),
        "feedback_date_inferred": not n.feedback_year_printed,
        "publish_date": iso(n.publish),
        "n_sections": len(n.sections) if n.layout not in ("a", "f", "h", "i", "k") else None,
        "labels": [x.label for x in iss],
        "statuses": [x.status for x in iss],
        "status_raw": [x.status_raw for x in iss],
        "n_measures": [len(x.measures) for x in iss],
        "topics": [x.topic for x in iss],
        "variant": n.variant,
        "expect": expectations(n, paras),
    }
    if n.extra.get("truncated_last"):
        row["truncated_last"] = True  # the text stops inside the heading of one more issue
    if n.variant == "wrappers":
        row["problems"] = [x.problem for x in iss]
    return row
