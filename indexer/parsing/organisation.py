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
_BODY_END = re.compile(r"(?:院|局|中心|镇|乡|街道|校|学|公司|集团|所|站|社区|村|省|州|盟|县|市|区|旗|厅|办|馆|队)$")


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
    >>> strip_party("中共青禾苗族自治州委员会"), strip_party("中共青禾县城关街道工作委员会")
    ('青禾苗族自治州', '青禾县城关街道')

    """
    had_prefix = bool(_PARTY_PREFIX.search(name))
    core = _PARTY_PREFIX.sub("", name)
    stripped = _PARTY_SUFFIX.sub("", core)
    # 中共X街道工作委员会 (a 党工委, of a 街道 or a 开发区): X.
    for suffix in ("工作委员会", "委员会"):
        if stripped == core and had_prefix and core.endswith(suffix) and _BODY_END.search(core[: -len(suffix)]):
            stripped = core[: -len(suffix)]
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
# A provincial 巡视组 inspecting a city or county: "对青禾市进行了巡视" — its Party committee.
_INTRO_PLACE = re.compile(r"对(?:中共)?([\u4e00-\u9fff]{1,8}?(?:省|市|县|区|州|旗|盟))(?:委员会|委)?(?:开展|进行|实施)")
# "我局党组", "本中心": the notice naming itself; the head noun finds the full name elsewhere.
_SELF = re.compile(r"(?:我|本)(局|院|委|中心|校|公司|集团|镇|乡|街道|所|站|办|馆|单位)(?:党组|党委|党总支|党支部)?")
# Full names the text gives: the issuer of a cited document (《中共X党组关于…》), a Party body.
_CITED_ISSUER = re.compile(r"《((?:中共|中国共产党)?[\u4e00-\u9fff]{2,40}?)关于")
_CITED_PLAN = re.compile(r"《([\u4e00-\u9fff]{2,40}?)关于[^《》]{0,40}(?:巡察|巡视)[^《》]{0,30}整改[^《》]{0,10}》")
_PARTY_NAME = re.compile(
    r"(?:中共|中国共产党)[\u4e00-\u9fff]{2,30}?(?:委员会|党组|党委|党总支|党支部|党工委)(?![\u4e00-\u9fff]{0,2}(?:书记|委员|成员))"
)
# Two organisations issuing together: "中共A党组 中共B党组关于…", "A党委、B党委关于…".
_JOINT = re.compile(r"(委员会|党组|党委|党总支|党支部|党工委)\s*[、和与及]?\s*(?=中共|中国共产党)|(党组|党委)\s*[、和与及]\s*")


def split_joint(name: str) -> list[str]:
    """The organisations of a joint notice, in order (one name when it is not joint).

    >>> split_joint("中共青禾县卫生健康局党组中共青禾县红十字会党组")
    ['中共青禾县卫生健康局党组', '中共青禾县红十字会党组']
    >>> split_joint("中共青禾县人民医院委员会")
    ['中共青禾县人民医院委员会']
    """
    parts, start = [], 0
    for m in _JOINT.finditer(name):
        parts.append(name[start : m.end(m.lastindex or 0)])
        start = m.end()
    parts = [part for part in (*parts, name[start:]) if part.strip()]
    return parts if len(parts) > 1 and all(is_party_org(p) for p in parts) else [name]


def resolve_self_reference(text: str) -> str | None:
    """The full name behind 我局 / 本中心 / 我院 …: a cited document's issuer or a Party body named
    in the text whose institution ends with the same head noun.

    >>> resolve_self_reference("巡察组向我局党组反馈了意见。制定了《中共青禾县教育局党组关于巡察整改的方案》。")
    '中共青禾县教育局党组'
    """
    m = _SELF.search(text)
    if m is None:
        return None
    noun = m.group(1)
    for candidate in [*_CITED_ISSUER.findall(text), *_PARTY_NAME.findall(text)]:
        core = strip_party(candidate)
        if core != candidate and ORG_END.search(core) and (noun == "单位" or core.endswith(noun)):
            return candidate
    # The issuer of the notice's own rectification plan (《中共X党组关于落实…巡察反馈意见的整改方案》).
    plan = _CITED_PLAN.search(text)
    return plan.group(1) if plan and is_party_org(plan.group(1)) else None


def choose_organization(issuer: str | None, signature: str | None, intro: str, text: str = "") -> str | None:
    """The issuing organisation (see the module docstring for the order); without one in the
    title or signature: the Party body the introduction says was inspected, the Party committee
    of an inspected city or county, or the full name behind 我局/本中心 (``text``). An institution
    issuing under its own name is given its Party organisation when the text names it.

    >>> choose_organization(None, None, "省委第一巡视组对青禾市进行了巡视。")
    '青禾市委'
    >>> choose_organization("青禾县疾病预防控制中心", None, "县委第八巡察组对县疾病预防控制中心党支部进行了巡察。")
    '青禾县疾病预防控制中心党支部'
    """
    if issuer and is_party_org(issuer):
        return issuer
    if signature and is_party_org(signature):
        return signature
    named = signature if signature and (issuer is None or issuer in signature) else issuer
    if named:
        return _party_of(named, intro, text) or named
    m = _INTRO_TARGET.search(intro)
    if m and not _SELF.match(m.group(1)):  # "对我院党委开展了巡察": the name is given elsewhere
        return m.group(1)
    place = _INTRO_PLACE.search(intro)
    if place:
        return place.group(1) + "委"
    return resolve_self_reference(text or intro)


_LEVEL_PREFIX = re.compile(r"^(?:省|市|县|区|州|旗)")


def _party_of(name: str, intro: str, text: str) -> str | None:
    """The Party organisation of an institution named without it: 中共X委员会 named in the text,
    or the inspected "县X党支部" of the introduction when X is the institution's name."""
    named = next((party for party in _PARTY_NAME.findall(text) if strip_party(party) == name), None)
    if named:
        return named
    m = _INTRO_TARGET.search(intro)
    if m is None:
        return None
    core = strip_party(m.group(1))
    short = _LEVEL_PREFIX.sub("", core)
    if core != m.group(1) and len(short) >= 2 and name.endswith(short):
        return name + m.group(1)[len(core) :]
    return None
