"""Variants of a notice that real pages take (issue 11), each recording in ``n.extra["expect"]`` what the parser must give.

traditional   the whole page in traditional characters (OpenCC s2t), pinyin injected after some of them
lost_dates    the intro's dates lost their 年/月/日 (``2023815日至1020日``); ambiguous ones are expected empty
furniture     breadcrumbs, column tags, font-size controls, an info block or a repost line, a file-name line
org_only      organisational parts written as narrative and no issue part (expected: no issues)
truncated     the text stops inside an issue heading (that heading is not a finished issue)
joint         a notice by two organisations (institution and type are the first's)
self_ref      the intro says 我局党组 / 本中心党支部; the full name is in a cited document (title, signature maybe absent)
totals        stated totals at several levels (方面, 问题, 具体表现, 整改任务) and counts per status; some damaged
wrappers      headings 关于“X”问题的整改 / 关于“X”的问题 / 针对X问题, quoted findings of several sentences
many_items    thousands of numbered issues
level         a central enterprise inspected by a 中央巡视组, or a city Party committee by a provincial 巡视组

A variant changes the model at build time (``apply_model``) and the paragraphs at render time
(``title``, ``intro``, ``org_only_body``, ``finish``). Variants draw from their own RNG, so with
variants off the corpus is the one the generator always made.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from opencc import OpenCC

from .bank import BUREAUS, NAME_STEMS, TOPICS, load
from .draw import cn, iso, pick, pick_weighted, randint
from .institutions import province_committee
from .issues import compose_measures, compose_problem
from .model import STATUS_WEIGHTS, Issue, Notice, Section

VARIANTS = ("traditional", "lost_dates", "furniture", "org_only", "truncated", "joint", "self_ref", "totals",
            "wrappers", "level", "many_items")
# every third notice gets a variant, in this rotation (many_items is costly: once per turn)
_CYCLE = VARIANTS[:-1] * 2 + ("many_items",)
_DATA = load("variants.json")
_S2T = OpenCC("s2t")
_FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_SHORT_DATE = re.compile(r"(?<![年\d])(\d{1,2})月(\d{1,2})日")


def variant_of(index: int, enabled: tuple[str, ...]) -> str | None:
    """The variant of notice ``index`` (None for two notices in three, or when none is enabled)."""
    cycle = [v for v in _CYCLE if v in enabled]
    if not cycle or index % 3 != 2:
        return None
    return cycle[(index // 3) % len(cycle)]


def _expect(n: Notice) -> dict[str, Any]:
    return n.extra.setdefault("expect", {})


# ---------------------------------------------------------------------------------------------- build time


def apply_model(n: Notice, rng: random.Random) -> None:
    """Changes a variant makes to the notice model (before statuses are printed)."""
    v = n.variant
    if v == "joint":
        info = n.extra["info"]
        bureau = pick(rng, [b for b in BUREAUS if not n.inst.endswith(b)])
        inst2 = info["place"] + bureau
        n.extra["joint"] = {"org": f"中共{inst2}党组", "target": info["lw"] + bureau + "党组", "inst": inst2}
    elif v == "many_items":
        n.sections = [Section(title="具体问题", issues=_many_issues(n, rng, randint(rng, 1000, 2500)))]
        n.layout = "h"
    elif v == "org_only":
        n.sections = []
    elif v == "wrappers":
        n.layout = "w"
        for issue in n.issues:
            _wrap(issue, rng, n)
    elif v == "totals" and n.layout in ("b", "c", "d", "e", "f"):
        n.layout = pick(rng, ("a", "g", "h", "i", "j"))  # layouts that print a totals sentence and statuses
    elif v == "truncated" and n.layout == "k":
        n.layout = "a"  # a table is not cut inside a heading


def reinspected(rng: random.Random, info: dict[str, Any]) -> tuple:
    """(kind, info, organisation, target, committee, 巡视, body, round) of a central enterprise inspected by
    a 中央巡视组, or of the Party committee of ``info``'s city inspected by its province's 巡视组."""
    group = cn(randint(rng, 1, 15))
    if rng.random() < 0.5:
        stem, industry = pick(rng, NAME_STEMS), pick(rng, _DATA["central_industries"])
        inst = f"中国{stem}{industry}"
        info = dict(info, province="北京市", city="北京市", county=None, level="central", inst=inst, short=inst,
                    self_word="集团", abbr=stem + "集团", lw="", place="北京市", region=False)
        body = f"中央第{group}巡视组"
        round_name = f"{cn(randint(rng, 19, 20))}届中央第{cn(randint(rng, 1, 12))}轮巡视" if rng.random() < 0.5 else None
        return "soe", info, f"中共{inst}党组", f"{inst}党组", "中央", "巡视", body, round_name
    city = info["city"]
    committee = province_committee(info["province"])
    info = dict(info, county=None, level="province", inst=city, short=city, self_word="市", abbr=city[:2],
                lw="市", place=city, type=None)
    body = f"{committee}第{group}巡视组"
    return "government_bureau", info, f"中共{city}委员会", f"{city}委", committee, "巡视", body, None


def _many_issues(n: Notice, rng: random.Random, count: int) -> list[Issue]:
    ctx = n.ctx
    keys = [k for k, t in TOPICS.items() if t["kinds"] is None or n.kind in t["kinds"]]
    issues = []
    for j in range(count):
        key = keys[j % len(keys)]
        topic = TOPICS[key]
        ctx.obj = pick(rng, topic["objs"]) if topic["objs"] else "相关"
        ctx.cat = topic["cat"]
        p_index = randint(rng, 0, len(topic["probs"]) - 1)
        status = pick_weighted(rng, STATUS_WEIGHTS)
        measures = compose_measures(rng, ctx, key, p_index, pick(rng, (1, 1, 2)), status)
        issues.append(Issue(topic=key, cat=topic["cat"], problem=compose_problem(rng, ctx, topic, p_index),
                            group=topic["group"][0], status=status, status_raw=None, measures=measures, lead=""))
    return issues


def _wrap(issue: Issue, rng: random.Random, n: Notice) -> None:
    """A wrapped heading; half the quoted findings get a second sentence (it stays in the problem)."""
    template = pick(rng, _DATA["wrappers"])
    if "“" in template and rng.random() < 0.5:
        issue.problem = issue.problem + "。" + n.ctx.fill(pick(rng, _DATA["details"]))
        issue.heading = template.format(p=issue.problem + "。")
    else:
        issue.heading = template.format(p=issue.problem)


# ---------------------------------------------------------------------------------------------- render time


def title(n: Notice, rng: random.Random, title: str) -> str:
    """The title as a joint or self-referring notice prints it."""
    if n.variant == "joint":
        joint = n.extra["joint"]
        sep = pick(rng, (" ", "、", "\u3000"))
        return f"{n.org}{sep}{joint['org']}关于{n.body}{n.xun}反馈意见集中整改进展情况的通报"
    if n.variant == "self_ref" and rng.random() < 0.5:
        return f"关于{n.xun}整改进展情况的通报"
    return title


def intro(n: Notice, rng: random.Random, text: str) -> str:
    """The intro of a joint, self-referring or lost-date notice."""
    if n.variant == "joint":
        return text.replace(n.target, n.target + "、" + n.extra["joint"]["target"])
    if n.variant == "self_ref":
        me = _DATA["self_words"][n.ctx.self_word] + n.target[len(n.short):]
        text = text.replace(n.target, me)
        head, _, last = text.rstrip("。").rpartition("。")
        cited = f"{me}制定印发《{n.org}关于落实{n.body}{n.xun}反馈意见的整改方案》，逐项抓好整改落实"
        return f"{head}。{cited}。{last}。" if head else f"{cited}。{text}"
    if n.variant == "lost_dates":
        return _lose_date_characters(n, rng, text)
    return text


def totals_text(n: Notice, rng: random.Random) -> str:
    """Stated totals at several levels with counts per status; one in three has its issue count damaged."""
    issues = n.issues
    total, sec = len(issues), len(n.sections)
    details = total + randint(rng, total // 2, 3 * total)
    tasks = details + randint(rng, 0, 30)
    damaged = rng.random() < 0.33
    head = pick(rng, _DATA["totals_heads"])
    expect: dict[str, Any] = {"sections": sec, "issues": None if damaged else total}
    if "{d}" in head:
        expect["details"] = details
    if "{t}" in head:
        expect["tasks"] = tasks
    text = head.format(body=n.body, xun=n.xun, target=n.target, sec=sec, n="" if damaged else total,
                       d=details, t=tasks)
    counts = {s: sum(1 for i in issues if i.status == s) for s in
              ("completed", "basically_completed", "in_progress", "long_term")}
    # issues still in progress are counted as 正在推进 (in_progress) or 阶段性完成 (partly_completed)
    partly = rng.random() < 0.5
    words = {"completed": "已完成", "basically_completed": "基本完成",
             "in_progress": "阶段性完成" if partly else "正在推进", "long_term": "长期整改"}
    parts = [f"{words[s]}{c}个" for s, c in counts.items() if c or s == "completed"]
    expect.update({("partly_completed" if s == "in_progress" and partly else s): c
                   for s, c in counts.items() if c or s == "completed"})
    _expect(n)["stated_totals"] = expect
    return text + "。截至目前，" + "，".join(parts) + "。"


def org_only_body(n: Notice, rng: random.Random) -> list[str]:
    """Organisational parts only, as narrative under （一）… headings; sometimes cut mid-sentence."""
    out = [f"一、{pick(rng, _DATA['org_part_titles'])}"]
    parts = rng.sample(_DATA["org_parts"], randint(rng, 3, 5))
    inline = rng.random() < 0.5
    for i, (head, body) in enumerate(parts, 1):
        body = n.ctx.fill(body, {"target": n.target, "xun": n.xun})
        out += [f"（{cn(i)}）{head}。{body}"] if inline else [f"（{cn(i)}）{head}", body]
    if rng.random() < 0.5:  # a page opening that stops in the middle of a sentence
        out[-1] = out[-1][: max(12, len(out[-1]) // 2)]
        n.extra["drop_closing"] = True
    _expect(n)["stated_totals"] = {"issues": None}
    return out


def finish(n: Notice, rng: random.Random, out: list[str], table: list[list[str]] | None
           ) -> tuple[list[str], list[list[str]] | None]:
    """Last changes to the paragraphs: cut, closing dropped, furniture added, traditional characters."""
    if n.variant == "truncated":
        out = _truncate(n, rng, out)
    if n.variant == "joint":
        joint = n.extra["joint"]
        for i in range(len(out) - 3, len(out)):
            if out[i] in (n.org, n.inst):
                out.insert(i + 1, joint["org"] if out[i] == n.org else joint["inst"])
                break
    if n.extra.get("drop_closing") or (n.variant == "self_ref" and rng.random() < 0.5):
        out = _drop_closing(n, out)
    if n.variant == "furniture":
        out = _furniture(n, rng, out)
    if n.variant == "traditional":
        out, table = _traditional(n, rng, out, table)
    return out, table


def _drop_closing(n: Notice, out: list[str]) -> list[str]:
    """Without contact paragraph, signature and date (a page opening)."""
    while out and (not out[-1] or out[-1].startswith("欢迎") or out[-1] in (n.org, n.inst)
                   or re.fullmatch(r"\d{4}年\d{1,2}月(\d{1,2}日)?", out[-1])):
        out.pop()
    return out


def _truncate(n: Notice, rng: random.Random, out: list[str]) -> list[str]:
    issues = n.issues
    keep = randint(rng, 2, len(issues) - 1)
    cut = issues[keep]
    start = next(i for i, p in enumerate(out) if _heading_of(p, issues[keep - 1]))
    at = next(i for i in range(start + 1, len(out)) if _heading_of(out[i], cut))
    line = out[at]
    stop = len(cut.label) + randint(rng, 4, max(5, min(14, len(line) - len(cut.label) - 4)))
    for s in n.sections:  # the manifest lists the issues before the cut
        s.issues = [i for i in s.issues if issues.index(i) < keep]
    n.extra["truncated_last"] = True
    n.extra["drop_closing"] = True
    return out[:at] + [line[:stop]]


def _heading_of(paragraph: str, issue: Issue) -> bool:
    text = re.sub(r"^\[bookmark: [^\]]+\]", "", paragraph)
    core = issue.problem[:6]
    return text.startswith(issue.label) and core in text[: len(issue.label) + 12 + len(core)]


def _furniture(n: Notice, rng: random.Random, out: list[str]) -> list[str]:
    """Page furniture around the title; the publish date is given by an info block or a repost line."""
    pub = n.publish
    pub_iso = iso(pub)
    head: list[str] = []
    if rng.random() < 0.7:
        head.append(pick(rng, _DATA["breadcrumbs"]))
    clock = f"{randint(rng, 7, 20):02d}:{randint(rng, 0, 59):02d}:{randint(rng, 0, 59):02d}"
    if rng.random() < 0.5:
        source = pick(rng, ("来源: ", "来源：", " 来源:"))
        head.append(f"{pub_iso} {clock}{source}{n.inst}" + (" " + pick(rng, _DATA["font_controls"])
                                                                 if rng.random() < 0.5 else ""))
    else:
        fields = [f"索引号：{randint(rng, 10000, 99999)}/{pub[0]}-{randint(rng, 100, 9999):05d}",
                  f"发布机构：{n.inst}", f"成文日期：{pub_iso}", f"文号：{n.ctx.docno()}"]
        head += [" ".join(fields)] if rng.random() < 0.4 else fields
    if rng.random() < 0.4:
        head.append(n.extra["title"] + pick(rng, _DATA["file_suffixes"]))
    at = next((i for i, p in enumerate(out) if p == n.extra["title"]), None)
    if at is not None:
        glued = out[at]
        if rng.random() < 0.6:
            glued = pick(rng, _DATA["column_tags"]) + glued
        if rng.random() < 0.5:
            glued = glued + pick(rng, _DATA["font_controls"])
        out = out[:at] + [glued] + out[at + 1:]
    else:
        at = 0
    n.extra["furniture_date"] = True
    if rng.random() < 0.5:
        out = _drop_closing(n, out)
    return out[:at] + head + out[at:]


def _traditional(n: Notice, rng: random.Random, out: list[str], table: list[list[str]] | None
                 ) -> tuple[list[str], list[list[str]] | None]:
    """Every paragraph in traditional characters; pinyin after some characters, never in labels or statuses."""
    raws = {i.status_raw for i in n.issues if i.status_raw}
    pinyin = _DATA["pinyin"]

    def mirror(text: str) -> str:
        text = _S2T.convert(text)
        if any(_S2T.convert(r) in text for r in raws):
            return text
        return text[:10] + "".join(c + f"({pinyin[c]})" if c in pinyin and rng.random() < 0.5 else c
                                   for c in text[10:])

    for issue in n.issues:
        issue.label = _S2T.convert(issue.label)
        issue.status_raw = _S2T.convert(issue.status_raw) if issue.status_raw else issue.status_raw
    n.extra["title"] = _S2T.convert(n.extra["title"])
    rows = [[_S2T.convert(c) for c in row] for row in table] if table else table
    return [mirror(p) for p in out], rows


# ---------------------------------------------------------------------------------------------- dates


def _readings(digits: str, year: int) -> list[tuple[int, int, bool]]:
    """(month, day, has a leading zero) for every calendar-valid split of ``digits`` into month and day."""
    out = []
    for cut in (1, 2):
        m, d = digits[:cut], digits[cut:]
        if not d or len(d) > 2:
            continue
        try:
            dt.date(year, int(m), int(d))
        except ValueError:
            continue
        out.append((int(m), int(d), m.startswith("0") or d.startswith("0")))
    return out


def _lose_date_characters(n: Notice, rng: random.Random, text: str) -> str:
    """Drop 年/月/日 from the intro's dates. A date keeps its characters when dropping them would leave a
    reading that only the order of the other dates could settle (neither plainly one nor plainly two)."""
    known = {"start": n.start, "end": n.end, "feedback": n.feedback}
    expect = {"inspection_period": [iso(n.start), iso(n.end)], "feedback_date": iso(n.feedback)}

    def order_ok(name: str, date: tuple[int, int, int]) -> bool:
        seq = dict(known, **{name: date})
        return seq["start"] < seq["end"] < seq["feedback"] < n.publish

    def strip(match: re.Match, full: bool) -> str:
        y = int(match.group(1)) if full else None
        m, d = int(match.group(2 if full else 1)), int(match.group(3 if full else 2))
        name = next((k for k, t in known.items() if (t[1], t[2]) == (m, d) and (y is None or t[0] == y)), None)
        if name is None:
            return match.group(0)
        year = known[name][0]
        if not full and len(f"{m}{d}") <= 2:
            return match.group(0)  # "1月4日" → "14日" would read as the 14th: a different date, not a lost one
        readings = _readings(f"{m}{d}", year)
        if any(zero for *_, zero in readings):
            return match.group(0)
        if len(readings) > 1:
            if not all(order_ok(name, (year, rm, rd)) for rm, rd, _ in readings):
                return match.group(0)
            if name == "feedback":
                expect["feedback_date"] = None
            else:
                expect.get("inspection_period", [None, None])[0 if name == "start" else 1] = None
        tail = "" if name == "end" and rng.random() < 0.3 else "日"
        return (f"{y}" if full else "") + f"{m}{d}{tail}"

    if "旬" in text:  # the period is given to the ten days only: not compared
        del expect["inspection_period"]
    text = _FULL_DATE.sub(lambda mt: strip(mt, True), text)
    text = _SHORT_DATE.sub(lambda mt: strip(mt, False), text)
    _expect(n).update(expect)
    return text
