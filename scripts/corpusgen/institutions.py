"""Invented institutions placed in real regions, and the party organisation that signs their notice."""

from __future__ import annotations

import random
from typing import Any

from .bank import BUREAUS, CAPITALS, NAME_STEMS, REGIONS, SOE_INDUSTRIES, TOWN_A, TOWN_B
from .draw import pick


def committee_of(name: str) -> str:
    """The party committee that inspects a unit of this region: 县委 / 区委 / 市委 / 旗委 / 州委."""
    for suffix, word in (("自治县", "县委"), ("县", "县委"), ("区", "区委"), ("旗", "旗委"), ("市", "市委"),
                         ("州", "州委"), ("盟", "盟委")):
        if name.endswith(suffix):
            return word
    return "市委"


def province_committee(province: str) -> str:
    if province.endswith("自治区"):
        return "自治区党委"
    if province.endswith("市"):
        return "市委"
    return "省委"


def short_province(province: str) -> str:
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if province.endswith(suffix):
            return province[: -len(suffix)]
    return province


# kind → (name suffixes drawn after the stem, self word, abbreviation suffix) for stem-named institutions
_STEM_NAMED = {
    "hospital": (("人民医院", "人民医院", "医院", "中心医院", "第二人民医院"), "医院", "医"),
    "tcm_hospital": (("中医医院", "中医院", "中西医结合医院"), "医院", "中医"),
    "maternal_child_hospital": (("妇幼保健院", "妇幼保健院", "妇女儿童医院"), "院", "妇幼"),
}


def _level(rng: random.Random, kind: str) -> str:
    level = "county"
    if kind in ("government_bureau", "health_commission", "soe", "hospital", "tcm_hospital", "cdc",
                "medical_insurance_bureau", "maternal_child_hospital") and rng.random() < 0.22:
        level = "city"
    if kind == "soe" and rng.random() < 0.35:
        level = "province"
    if kind in ("community_health_centre", "township_health_centre", "township", "school"):
        level = "county"
    return level


def make_institution(rng: random.Random, kind: str) -> dict[str, Any]:
    """An invented institution of ``kind``: full and short name, self word, region, level."""
    province, city, county = pick(rng, REGIONS)
    stem = pick(rng, NAME_STEMS)
    town = pick(rng, TOWN_A) + pick(rng, TOWN_B)
    level = _level(rng, kind)
    place = county if level == "county" else city
    lw = {"county": county[-1] if county and county[-1] in "县区市旗" else "县", "city": "市",
          "province": "省"}[level]
    if level == "county" and county and county.endswith("自治县"):
        lw = "县"
    if kind in _STEM_NAMED:
        suffixes, self_word, abbr_tail = _STEM_NAMED[kind]
        inst = place + stem + pick(rng, suffixes)
        short, abbr = inst[len(place):], stem[0] + abbr_tail
    elif kind == "community_health_centre":
        inst = stem + pick(rng, ("社区卫生服务中心", "街道社区卫生服务中心"))
        short, self_word, abbr = inst, "中心", stem[0] + "社卫"
    elif kind == "township_health_centre":
        suffix = pick(rng, ("镇卫生院", "乡卫生院", "镇中心卫生院"))
        inst = county + town + suffix
        short, self_word, abbr = town + suffix, "卫生院", town[0] + "卫"
    elif kind == "health_commission":
        if level == "county":
            inst, short = county + "卫生健康局", lw + "卫生健康局"
        else:
            inst, short = city + "卫生健康委员会", "市卫生健康委"
        self_word, abbr = "局" if level == "county" else "委", place[:2] + "卫健"
    elif kind == "cdc":
        inst = place + "疾病预防控制中心"
        short, self_word, abbr = lw + "疾病预防控制中心", "中心", place[:2] + "疾控"
    elif kind == "medical_insurance_bureau":
        inst = place + "医疗保障局"
        short, self_word, abbr = lw + "医疗保障局", "局", place[:2] + "医保"
    elif kind == "school":
        inst = county + stem + pick(rng, ("中学", "实验中学", "初级中学", "实验学校", "高级中学", "职业中学"))
        short, self_word, abbr = inst[len(county):], "学校", stem[0] + "中"
    elif kind == "township":
        suffix = pick(rng, ("镇", "镇", "乡"))
        inst = county + town + suffix
        short, self_word, abbr = town + suffix, suffix, town + suffix[0]
    elif kind == "government_bureau":
        bureau = pick(rng, BUREAUS)
        inst = place + bureau
        short, self_word, abbr = lw + bureau, "局", place[:2] + bureau[:2]
    elif kind == "soe":
        industry = pick(rng, SOE_INDUSTRIES)
        if level == "province":
            inst = short_province(province) + stem + industry
            city = CAPITALS.get(province, city)
        else:
            inst = place + stem + industry
        short = stem + industry.replace("有限公司", "").replace("有限责任公司", "")
        self_word, abbr = ("集团" if "集团" in industry else "公司"), stem + "集团"
    else:  # pragma: no cover
        raise ValueError(kind)
    if level != "county":
        county = None
    return dict(province=province, city=city, county=county, level=level, inst=inst, short=short,
                self_word=self_word, abbr=abbr, lw=lw, town=town, place=place)


def party_org(rng: random.Random, kind: str, info: dict[str, Any]) -> tuple[str, str]:
    """(organisation that signs, inspected party organisation as named in the intro)."""
    inst, short = info["inst"], info["short"]
    if kind in ("hospital", "tcm_hospital", "maternal_child_hospital", "soe"):
        if kind == "maternal_child_hospital" and rng.random() < 0.4:
            return inst + "党总支", short + "党总支"
        return (f"中共{inst}委员会" if rng.random() < 0.7 else inst + "党委"), short + "党委"
    if kind in ("community_health_centre", "township_health_centre", "school", "cdc"):
        if rng.random() < 0.5:
            return f"中共{inst}支部委员会", short + "党支部"
        if kind in ("school", "cdc") and rng.random() < 0.5:
            return inst + "党总支", short + "党总支"
        return inst + "党支部", short + "党支部"
    if kind in ("health_commission", "medical_insurance_bureau", "government_bureau"):
        return f"中共{inst}党组", short + "党组"
    if kind == "township":
        return f"中共{inst}委员会", short + "党委"
    raise ValueError(kind)  # pragma: no cover
