"""Who issues the notice: the organisation (title head, signature) and the institution inside it.

    >>> choose_organization(title_issuer("中共云岭县人民医院委员会关于巡察整改情况的通报"), None, "")
    '中共云岭县人民医院委员会'

* **organization** — the part of the title before 关于 when it is a Party organisation (中共…,
  …党委/党组/党支部); else the signature above the closing date when that is one; else the
  signature (fuller than the title's short form); else the title part.
* **institution** — that title part (or the organisation) without the Party wrapper: 中共X委员会
  → X, X党组 → X, X党委 → X. Its type: :mod:`indexer.parsing.institutions`.
"""

from __future__ import annotations

import re

from indexer.parsing.layout import ORG_END

_PARTY_PREFIX = re.compile(r"^(?:中共|中国共产党)")
_PARTY_SUFFIX = re.compile(
    r"(?:机关委员会|机关党委|党总支委员会|党支部委员会|总支部委员会|支部委员会|党总支部|党总支|党支部|党工委|党委|党组)$"
)
# 中共X委员会 → X only when X is a body's name (not 卫生健康委员会, which is the body itself).
_BODY_END = re.compile(r"(?:院|局|中心|镇|乡|街道|校|学|公司|集团|所|站|社区|村|县|市|区|旗|厅|办|馆|队)$")


def is_party_org(name: str) -> bool:
    """中共…, …党委, …党组, …党支部 …

    >>> is_party_org("中共青禾县人民医院委员会"), is_party_org("云岭市第二医院党委"), is_party_org("清河社区卫生服务中心")
    (True, True, False)
    """
    return bool(_PARTY_PREFIX.search(name) or _PARTY_SUFFIX.search(name))


def strip_party(name: str) -> str:
    """The institution inside a Party organisation's name.

    >>> strip_party("中共青禾县人民医院委员会"), strip_party("中共青禾县农业农村局党组"), strip_party("中共某县卫生健康委员会党组")
    ('青禾县人民医院', '青禾县农业农村局', '某县卫生健康委员会')
    """
    had_prefix = bool(_PARTY_PREFIX.search(name))
    core = _PARTY_PREFIX.sub("", name)
    stripped = _PARTY_SUFFIX.sub("", core)
    if stripped == core and had_prefix and core.endswith("委员会") and _BODY_END.search(core[:-3]):
        stripped = core[:-3]
    return stripped or name


_TITLE_SPLIT = re.compile(r"(?:落实|接受|(?:第?[一二三四五六七八九十]+届)|(?:省|市|县|区|州|旗)委|巡察|巡视|整改)")
_AFTER_ABOUT = re.compile(r"^关于对?(.{2,40}?)(?:落实|接受|对|第?[一二三四五六七八九十]+[届轮]|(?:省|市|县|区|州|旗)委|巡察|巡视|整改)")


def title_issuer(title: str) -> str | None:
    """The organisation printed at the head of the title.

    >>> title_issuer("中共云岭市中西医结合医院委员会关于巡察整改情况的通报")
    '中共云岭市中西医结合医院委员会'
    >>> title_issuer("青禾县教育局党组巡察整改进展情况的通报")
    '青禾县教育局党组'
    """
    at = title.find("关于")
    if at >= 2:
        return title[:at]
    if at == 0:
        m = _AFTER_ABOUT.match(title)
        return m.group(1) if m and ORG_END.search(m.group(1)) else None
    m = _TITLE_SPLIT.search(title)
    if m and m.start() >= 3 and ORG_END.search(title[: m.start()]):
        return title[: m.start()]
    return None


_INTRO_TARGET = re.compile(r"对(?:中共)?([\u4e00-\u9fff]{2,30}?(?:党委|党组|党总支|党支部))(?:开展|进行|实施)")


def choose_organization(issuer: str | None, signature: str | None, intro: str) -> str | None:
    """The issuing organisation (see the module docstring for the order)."""
    if issuer and is_party_org(issuer):
        return issuer
    if signature and is_party_org(signature):
        return signature
    if signature and (issuer is None or issuer in signature):
        return signature
    if issuer:
        return issuer
    m = _INTRO_TARGET.search(intro)
    return m.group(1) if m else None
