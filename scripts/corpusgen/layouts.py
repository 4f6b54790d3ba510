"""The body of a notice in each layout family a–k and w (see ``scripts/gen_corpus.py``): issue labels, problems,
statuses and measures as printed, with the organisational parts and totals around them.

Each ``layout_x(rng, n, totals, distractor)`` returns the paragraphs after the intro and sets every
issue's printed ``label`` (the manifest records it). Draw order is part of the corpus: keep it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from .bank import (
    NEXT_STEPS,
    ORG_PARAGRAPHS,
    REMAINING_PROBLEMS,
    STATUS_COUNT_WORDS,
    WORK_ITEMS,
    WORK_ITEMS_SHORT,
)
from .draw import cn, pick, randint
from .model import NO_STATUS_LAYOUTS, STATUS_ORDER, Issue, Notice, Section
from .variants import totals_text

TABLE_MARK = "<<TABLE>>"  # where layout k's table goes


def join_measures(measures: list[str], sep: str = "。", end: str = "。") -> str:
    """One paragraph: a single measure as is, several as 一是…。二是…。"""
    if not measures:
        return ""
    if len(measures) == 1:
        return measures[0] + end
    return sep.join(f"{cn(i)}是{m}" for i, m in enumerate(measures, 1)) + end


def totals_sentence(rng: random.Random, n: Notice, with_distractor: bool) -> str:
    """The stated total (方面 and 问题) and how many are done; optionally a count of measures as a distractor."""
    if n.variant == "totals":
        return totals_text(n, n.extra["vrng"])
    issues = n.issues
    n.extra["stated_issues"] = len(issues)
    total = len(issues)
    c = Counter(i.status for i in issues)
    done = c["completed"] + (c["long_term"] if rng.random() < 0.5 else 0)
    rest = total - done
    n_sec = len(n.sections) if n.layout != "f" else randint(rng, 3, 5)
    head = pick(rng, (
        f"{n.body}反馈意见指出{n_sec}个方面{total}个问题",
        f"{n.body}共反馈{n_sec}个方面{total}个问题",
        f"{n.xun}反馈意见中指出{n_sec}大方面{total}个问题",
        f"{n.body}共反馈问题{total}个",
    ))
    extra = ""
    if with_distractor:
        extra = (f"，{n.target}制定整改措施{sum(len(i.measures) for i in issues) + randint(rng, 3, 30)}条，"
                 f"建立完善制度{randint(rng, 4, 25)}项")
    y, m = n.publish[0], max(1, n.publish[1] - 1)
    if n.layout in NO_STATUS_LAYOUTS:
        return head + extra + "。目前已完成阶段性整改任务。"
    if rest == 0:
        tail = f"截至{y}年{m}月底，已全部完成整改。"
    else:
        tail = pick(rng, (
            f"截至{y}年{m}月底，已完成整改{done}项，持续推进{rest}项。",
            f"截至目前，已完成整改{done}个，正在推进整改{rest}个。",
            f"截至{y}年{m}月底，{total}个问题中已完成整改{done}个，{rest}个正在持续推进。",
        ))
    return head + extra + "。" + tail


def org_paragraph(rng: random.Random, n: Notice) -> str:
    """How the rectification was organised (a narrative paragraph, never an issue)."""
    return n.ctx.fill(pick(rng, ORG_PARAGRAPHS), {"target": n.target, "xun": n.xun})


def next_steps(rng: random.Random, n: Notice, style: str) -> list[str]:
    """下一步 plans as one paragraph ("para"), as （一） items ("cn") or as 1. items ("num")."""
    items = rng.sample(NEXT_STEPS, 3)
    if style == "para":
        return [f"{n.target}将" + "，".join(s[1] for s in items[:2]) + "，确保整改工作取得实效。"]
    if style == "cn":
        return [f"（{cn(i)}）{h}。{t}。" for i, (h, t) in enumerate(items, 1)]
    return [f"{i}.{h}。{t}。" for i, (h, t) in enumerate(items, 1)]


def layout_a(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = ["一、整改工作组织开展情况", org_paragraph(rng, n)]
    if totals:
        out.append(totals_sentence(rng, n, distractor))
    out.append("二、" + pick(rng, ("巡察反馈问题整改落实情况", "整改落实情况", "反馈问题整改情况")).replace("巡察", n.xun))
    wrap = rng.random() < 0.7
    for k, issue in enumerate(n.issues, 1):
        issue.label = f"{k}."
        prob = f"关于{issue.problem}的问题。" if wrap and rng.random() < 0.9 else issue.problem + "。"
        out.append(f"{k}.{prob}")
        out.append(f"整改结果：{issue.status_raw}" + ("。" if rng.random() < 0.8 else ""))
        if issue.measures:
            out.append("整改落实情况：" + join_measures(issue.measures))
    out.append("三、下一步工作打算")
    return out + next_steps(rng, n, pick(rng, ("cn", "para")))


def layout_b(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = []
    for s_i, sec in enumerate(n.sections, 1):
        out.append(f"{cn(s_i)}、{sec.title}")
        for k, issue in enumerate(sec.issues, 1):
            issue.label = f"({cn(k)})"
            out.append(f"({cn(k)}){issue.problem}")
            out.append(f"整改结果:{issue.status_raw}")
            if issue.measures:
                out.append("整改情况:" + join_measures(issue.measures))
    return out


def layout_c(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = [totals_sentence(rng, n, distractor)] if totals else []
    k = 0
    blank = rng.random() < 0.7
    for s_i, sec in enumerate(n.sections, 1):
        out.append(f"{cn(s_i)}、{sec.title}方面")
        for issue in sec.issues:
            k += 1
            issue.label = f"{k}."
            out.append(f"{k}.关于{issue.problem}的问题")
            if blank and rng.random() < 0.85:
                out.append("")
            if issue.measures:
                out.append("整改措施及进展：" + join_measures(issue.measures))
    return out


def layout_d(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    n_groups = 0
    grouped: list[tuple[Section, list[tuple[str, list[Issue]]]]] = []
    for sec in n.sections:
        groups: dict[str, list[Issue]] = {}
        for issue in sec.issues:
            groups.setdefault(issue.group, []).append(issue)
        n_groups += len(groups)
        grouped.append((sec, list(groups.items())))
        sec.issues = [i for items in groups.values() for i in items]  # printed order = manifest order
    issues = n.issues
    n.extra["stated_issues"] = len(issues)
    c = Counter(i.status for i in issues)
    done = c["completed"] + c["long_term"]
    out = ["一、整改工作基本情况",
           f"{n.body}反馈意见指出{len(n.sections)}个方面、{n_groups}个大项、{len(issues)}条问题。"
           f"{n.target}诚恳接受、照单全收，坚决抓好整改落实。"]
    for i, (h, t) in enumerate(rng.sample(WORK_ITEMS, 4), 1):
        out += [f"({cn(i)}){h}", t]
    tail = f",继续整改{len(issues) - done}项" if len(issues) > done else ""
    out += ["(五)整改工作取得的阶段性成效",
            f"截至目前,{len(issues)}条反馈问题已完成整改{done}项(其中长期坚持{c['long_term']}项){tail},"
            f"修订完善制度{randint(rng, 5, 30)}项。"]
    out.append(f"二、{n.body}反馈问题整改进展情况")
    g = k = 0
    for s_i, (sec, groups) in enumerate(grouped, 1):
        out.append(f"({cn(s_i)})“{sec.title}”方面。")
        for gtitle, items in groups:
            g += 1
            out.append(f"{g}.关于“{gtitle}”的问题。")
            for issue in items:
                k += 1
                issue.label = f"({k})"
                out.append(f"({k})针对“{issue.problem}”问题。")
                if issue.measures:
                    out.append("整改情况:" + join_measures(issue.measures, sep=";"))
                out.append(f"整改完成情况:{issue.status_raw}" + ("。" if rng.random() < 0.75 else ""))
    out.append("三、今后整改工作打算")
    return out + next_steps(rng, n, "num")


def layout_e(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = ["一、组织开展巡察整改情况".replace("巡察", n.xun), org_paragraph(rng, n)]
    if totals:
        out.append(totals_sentence(rng, n, distractor))
    out.append("二、反馈问题整改落实情况")
    for s_i, sec in enumerate(n.sections, 1):
        out.append(f"（{cn(s_i)}）关于{sec.title}问题的整改情况")
        for k, issue in enumerate(sec.issues, 1):
            issue.label = f"（{k}）"
            verb = "关于" if issue.problem.startswith("对") else pick(rng, ("针对", "针对", "关于"))
            out.append(f"（{k}）{verb}{issue.problem}的问题，{issue.lead}。")
            if len(issue.measures) == 1:
                out.append(issue.measures[0] + "。")
            else:
                out += [f"{cn(i)}是{m}。" for i, m in enumerate(issue.measures, 1)]
    out += ["三、存在的主要问题和下一步工作打算", "（一）存在的主要问题"]
    out += [f"{cn(i)}是{t}。" for i, t in enumerate(rng.sample(REMAINING_PROBLEMS, 2), 1)]
    out.append("（二）下一步工作打算")
    return out + next_steps(rng, n, "num")


def layout_f(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = ["一、整改工作组织情况", org_paragraph(rng, n)]
    n.extra["stated_issues"] = len(n.issues)
    c = Counter(i.status for i in n.issues)
    parts = [f"{STATUS_COUNT_WORDS[s]}{c[s]}个" for s in STATUS_ORDER if c[s]]
    out.append(f"{n.xun}反馈问题共{len(n.issues)}个。截至目前，" + "，".join(parts) + "。")
    out.append("二、" + n.xun + "反馈问题整改落实情况")
    k = 0
    label = pick(rng, ("整改措施：", "整改情况：", "整改落实情况："))
    for s_i, sec in enumerate(n.sections, 1):
        out.append(f"（{cn(s_i)}）{sec.title}（{len(sec.issues)}个）")
        for issue in sec.issues:
            k += 1
            issue.label = f"{k}."
            out.append(f"{k}.{issue.problem}。")
            if issue.measures:
                out.append(label + join_measures(issue.measures))
    out.append("三、下一步工作打算")
    return out + next_steps(rng, n, "para")


def layout_g(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = ["一、整改工作开展情况", org_paragraph(rng, n) + totals_sentence(rng, n, distractor), "二、反馈问题整改情况"]
    k = g = 0
    for s_i, sec in enumerate(n.sections, 1):
        out.append(f"（{cn(s_i)}）{sec.title}方面")
        j = 0
        while j < len(sec.issues):
            size = pick(rng, (1, 2, 2, 3))
            g += 1
            for pos, issue in enumerate(sec.issues[j:j + size]):
                k += 1
                issue.label = f"{g}.({k})" if pos == 0 else f"({k})"
                out.append(f"{issue.label}{issue.problem}。")
                out.append(f"整改进度：{issue.status_raw}。")
                if issue.measures:
                    out.append("整改措施：" + join_measures(issue.measures))
            j += size
    out.append("三、下一步工作打算")
    return out + next_steps(rng, n, "para")


def _listed(n: Notice, label: str, status: str) -> list[str]:
    """Issues numbered through the notice: problem line, 整改措施 paragraph, status line."""
    out = []
    for k, issue in enumerate(n.issues, 1):
        issue.label = label.format(k)
        out.append(f"{issue.label}{issue.problem}。")
        if issue.measures:
            out.append("整改措施：" + join_measures(issue.measures))
        out.append(status.format(issue.status_raw))
    return out


def layout_h(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = ["一、整改工作总体情况",
           (totals_sentence(rng, n, distractor) if totals else "") + org_paragraph(rng, n),
           "二、具体问题整改情况"]
    return out + _listed(n, "{}.", "整改状态:{}")


def layout_i(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = [f"一、{n.xun}反馈意见概况", totals_sentence(rng, n, distractor), "二、整改工作开展情况"]
    out += [f"{i}.{h}。{t}。" for i, (h, t) in enumerate(rng.sample(WORK_ITEMS_SHORT, 3), 1)]
    out.append(f"三、{n.xun}反馈问题整改清单")
    return out + _listed(n, "问题{}：", "完成情况：{}。")


def layout_j(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = [org_paragraph(rng, n) + (totals_sentence(rng, n, distractor) if totals else "")]
    k = 0
    for s_i, sec in enumerate(n.sections, 1):
        out.append(f"{cn(s_i)}、{sec.title}方面")
        for issue in sec.issues:
            k += 1
            issue.label = f"（{cn(k)}）"
            out.append(f"（{cn(k)}）{issue.problem}。")
            out.append(f"整改进展：{issue.status_raw}")
            if len(issue.measures) == 1:
                out.append("整改措施：" + issue.measures[0] + "。")
            elif issue.measures:
                out.append("整改措施：")
                out += [f"{i}.{m}。" for i, m in enumerate(issue.measures, 1)]
    return out


def layout_k(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    out = ["一、整改工作开展情况", org_paragraph(rng, n)]
    if totals:
        out.append(totals_sentence(rng, n, distractor))
    out += ["二、" + n.xun + "反馈问题整改落实情况", "各项问题的整改措施和整改情况见下表。", TABLE_MARK, "三、下一步工作打算"]
    for k, issue in enumerate(n.issues, 1):
        issue.label = str(k)
    return out + next_steps(rng, n, "para")


def layout_w(rng: random.Random, n: Notice, totals: bool, distractor: bool) -> list[str]:
    """Headings wrapped as 关于“X”问题的整改 / 关于“X”的问题 / 针对X问题 (the ``wrappers`` variant)."""
    out = ["一、整改工作开展情况", org_paragraph(rng, n)]
    if totals:
        out.append(totals_sentence(rng, n, distractor))
    out.append("二、反馈问题整改落实情况")
    k = 0
    for s_i, sec in enumerate(n.sections, 1):
        out.append(f"（{cn(s_i)}）{sec.title}方面")
        for issue in sec.issues:
            k += 1
            issue.label = f"{k}."
            out.append(issue.label + issue.heading)
            if issue.measures:
                out.append("整改情况：" + join_measures(issue.measures))
            out.append(f"整改进展：{issue.status_raw}")
    out.append("三、下一步工作打算")
    return out + next_steps(rng, n, "para")


def table_rows(n: Notice) -> list[list[str]]:
    """Layout k's table: 序号 / 问题 / 整改措施 / 整改情况."""
    return [["序号", "问题", "整改措施", "整改情况"]] + [
        [issue.label, issue.problem + "。", join_measures(issue.measures), issue.status_raw or ""]
        for issue in n.issues]


LAYOUTS: dict[str, Callable[[random.Random, Notice, bool, bool], list[str]]] = {
    "a": layout_a, "b": layout_b, "c": layout_c, "d": layout_d, "e": layout_e, "f": layout_f,
    "g": layout_g, "h": layout_h, "i": layout_i, "j": layout_j, "k": layout_k, "w": layout_w,
}
