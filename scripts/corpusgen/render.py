"""A notice → its paragraphs: info block, title, intro, the layout's body, closing lines and artefacts."""

from __future__ import annotations

import random

from . import variants
from .bank import KIND_TABLES, STREET_STEMS
from .draw import date_cn, pick, randint
from .layouts import LAYOUTS, table_rows
from .model import Notice

HALF_WIDTH = str.maketrans({"，": ",", "：": ":", "；": ";", "（": "(", "）": ")"})
Table = list[list[str]]


def title_of(rng: random.Random, n: Notice) -> str:
    kw = n.xun
    choices = [
        f"{n.org}关于{n.committee}{kw}反馈意见整改进展情况的通报",
        f"{n.org}关于{kw}整改进展情况的通报",
        f"{n.org}关于{kw}集中整改进展情况的通报",
        f"{n.inst}关于落实{n.body}{kw}反馈意见集中整改进展情况的通报",
        f"{n.org}关于{kw}整改情况的通报",
    ]
    if n.round_name:
        choices.append(f"{n.org}关于{n.round_name}整改进展情况的通报")
    return pick(rng, choices)


def _xun_of_month(d: int) -> str:
    return "上旬" if d <= 10 else ("中旬" if d <= 20 else "下旬")


def period_text(rng: random.Random, n: Notice) -> str:
    """The inspection period as printed: full dates, year omitted at the end, or 上/中/下旬."""
    s, e = n.start, n.end
    if rng.random() < 0.08:
        return f"{s[0]}年{s[1]}月{_xun_of_month(s[2])}至{e[0]}年{e[1]}月{_xun_of_month(e[2])}"
    if s[0] == e[0] and rng.random() < 0.7:
        return f"{date_cn(*s)}至{e[1]}月{e[2]}日"
    return f"{date_cn(*s)}至{date_cn(*e)}"


def intro_of(rng: random.Random, n: Notice) -> str:
    fb = date_cn(*n.feedback) if n.feedback_year_printed else f"{n.feedback[1]}月{n.feedback[2]}日"
    if n.itype == "专项":
        how = pick(rng, KIND_TABLES[n.kind]["special_themes"]) + "专项" + n.xun
    elif n.itype:
        how = n.itype + n.xun
    else:
        how = n.xun
    committee, body, target, xun = n.committee, n.body, n.target, n.xun
    period = period_text(rng, n)
    variants = [
        f"根据{committee}统一部署，{period}，{body}对{target}开展了{how}。{fb}，{body}向{target}反馈了{xun}意见。"
        f"按照党务公开原则和{xun}工作有关要求，现将{xun}整改进展情况予以公布。",
        f"按照{committee}{xun}工作统一部署，{period}，{body}对{target}开展了{how}，并于{fb}反馈了{xun}意见。"
        f"按照{xun}工作有关要求，现将{xun}集中整改进展情况予以公布。",
        f"根据{committee}统一部署，{period}，{body}对{target}进行了{how}。{fb}，{body}向{target}反馈了{xun}意见，"
        f"点明了存在的主要问题，并就抓好整改提出了具体要求。{target}坚持把{xun}整改作为重大政治任务，"
        f"对反馈问题照单全收、逐项整改。根据党务公开原则和{xun}工作有关要求，现将整改进展情况予以公布。",
        f"{period}，{body}对{target}开展了{how}，{fb}反馈了{xun}意见。{target}高度重视，坚持边查边改、立行立改，"
        f"全力抓好整改落实。按照党务公开原则，现将{xun}整改进展情况予以公布。",
    ]
    return pick(rng, variants)


def info_block(rng: random.Random, n: Notice, title: str) -> list[str]:
    """A government site's information-disclosure block (索引号, 发布机构, 成文时间 …)."""
    pub = n.publish
    code = f"{randint(rng, 110000, 659000)}/{pub[0]}-{randint(rng, 100, 9999):05d}"
    return [f"索 引 号:{code}", "主题分类:" + pick(rng, ("其他信息", "卫生健康", "党务公开", "综合政务")),
            f"发布机构:{n.short}", f"成文时间:{pub[0]}年{pub[1]:02d}月{pub[2]:02d}日", "文    号:无",
            f"发文时间:{pub[0]}年{pub[1]:02d}月{pub[2]:02d}日", f"标    题:{title}", "效力状态:有效"]


def closing_lines(rng: random.Random, n: Notice) -> list[str]:
    """Contact paragraph, signature and date."""
    phone = f"0{randint(rng, 310, 998)}-{randint(rng, 2, 8)}{randint(rng, 100000, 999999)}"
    mail = "".join(pick(rng, "abcdefghjklmnpqrstwxyz") for _ in range(randint(rng, 4, 7)))
    mail += pick(rng, ("_dzb", "_xczg", "_dbs", "jw", "_djb", "")) + pick(rng, ("@163.com", "@126.com", "@sina.com"))
    addr = f"{n.county or n.city}{pick(rng, STREET_STEMS)}{pick(rng, ('路', '街', '大道'))}{randint(rng, 1, 399)}号"
    who = pick(rng, ("广大干部群众", "广大党员干部群众", "党员、干部、群众", "社会各界"))
    parts = [f"联系电话：{phone}"]
    if rng.random() < 0.7:
        parts.append(f"通讯地址：{addr}")
    if rng.random() < 0.75:
        parts.append(f"电子邮箱：{mail}")
    text = f"欢迎{who}对{n.xun}整改落实情况进行监督。如有意见建议，请及时向我们反映。" + "；".join(parts) + "。"
    pub = n.publish
    date = date_cn(*pub) if rng.random() < 0.9 else f"{pub[0]}年{pub[1]}月"
    return [text, n.org if rng.random() < 0.85 else n.inst, date]


def _bookmarks(rng: random.Random, n: Notice, out: list[str]) -> None:
    """Word bookmark artefacts glued before a few issue lines, as in exported documents."""
    labelled = [iss.label for iss in n.issues[:30] if iss.label]
    for i, p in enumerate(out):
        if rng.random() < 0.08 and any(p.startswith(label) for label in labelled):
            out[i] = f"[bookmark: {pick(rng, ('_GoBack', 'OLE_LINK1', 'OLE_LINK3'))}]" + p


def render(n: Notice) -> tuple[list[str], Table | None]:
    """Paragraphs of the notice (blank strings for blank lines) and, for layout k, table rows."""
    rng = random.Random(f"render:{n.index}:{n.layout}")
    layout = n.layout
    out: list[str] = []
    vrng = n.extra.get("vrng")  # a variant's own draws
    title = title_of(rng, n)
    if n.variant:
        title = variants.title(n, vrng, title)
    n.extra["title"] = n.extra["clean_title"] = title
    totals = rng.random() < 0.55 or layout in ("d", "g") or n.variant == "totals"
    distractor = totals and rng.random() < 0.12

    if layout == "d" or (layout in "abcgj" and rng.random() < 0.06):
        out += info_block(rng, n, title)
    if layout == "b" and rng.random() < 0.5 and "关于" in title:  # title over three lines
        a, b = title.split("关于", 1)
        out += [a, "关于" + b[:-2], "通  报"]
    else:
        out.append(title)
    if layout == "d":
        out.append("(社会公开稿)")
    if rng.random() < 0.4:
        out.append("")
    intro = intro_of(rng, n)
    out.append(variants.intro(n, vrng, intro) if n.variant else intro)
    n.extra["intro"] = out[-1]
    for issue in n.issues:
        issue.label = ""
    if n.variant == "org_only":
        out += variants.org_only_body(n, vrng)
    else:
        out += LAYOUTS[layout](rng, n, totals, distractor)
    table = table_rows(n) if layout == "k" else None

    out.append("")
    out += closing_lines(rng, n)
    if layout in ("b", "d"):
        out = [p.translate(HALF_WIDTH) if not p.startswith(("索 引 号", "标    题")) else p for p in out]
        for issue in n.issues:  # the manifest records the status as printed
            if issue.status_raw:
                issue.status_raw = issue.status_raw.translate(HALF_WIDTH)
    if rng.random() < 0.03 and n.fmt in ("txt", "gbk"):
        _bookmarks(rng, n, out)
    if n.variant:
        out, table = variants.finish(n, vrng, out, table)
    return out, table
