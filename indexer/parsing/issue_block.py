"""From an issue's node to an Issue: problem, status and measures read from its heading and block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.parsing.heading_tree import Line, Node
from indexer.parsing.headings import (
    SENTENCE_END,
    WRAPPED_CLOSED,
    WRAPPER,
    Role,
    measure_like,
    opens_with_measure,
    unclosed_wrapper,
)
from indexer.parsing.measures import MeasureSplit, split_measures
from indexer.parsing.normalise import fold
from indexer.parsing.numbering import (
    STATUS_BEFORE_MARKER,
    LabelKind,
    Style,
    find_labels,
    match_heading,
    match_problem_label,
)
from indexer.parsing.numerals import NUM
from indexer.parsing.status import PROGRESS_ORDER, Status, heading_status, normalise_status
from indexer.parsing.totals import PART_COUNTS
from indexer.types import Issue

_TRANSITION = re.compile(r"^(?:下一步|下步|今后|下阶段|下一阶段|我们将|总体来看|总之)")
_TRANSITION_TOPIC = re.compile(r"巡察整改|整改成果|整改成效|为契机|全面从严治党")
_SUMMARY = re.compile(r"^(?:截至|截止)(?:目前|[^，,。]{2,12})[，,]")  # … then counted problems
_CLOSING_FORMULA = re.compile(r"^\s*特此(?:通报|公告|公示|报告|说明|函告)\s*[。.!！]?\s*$")  # the notice's last words
_SUMMARY_COUNT = re.compile(rf"(?:{NUM})\s*[个项条]\s*(?:具体)?问题|问题\s*(?:{NUM})\s*[个项条]")
_TRAILING_BRACKET = re.compile(r"[(\[]([^()\[\]]{2,60})[)\]]$")
_RESPONSIBILITY = re.compile(r"责任|牵头|时限|分管|完成时间")
# A line that is a problem heading alone ("关于…的问题"), whatever is printed before it.
_STRAY_PROBLEM = re.compile(r"^.{0,4}?(?:关于|针对)[^,，。;；:：]{2,60}的问题$")


@dataclass(slots=True)
class _Block:
    problem: str
    lead: str | None
    status_raw: str | None
    paragraphs: list[str]
    details: list[str]
    duties: list[str]  # "责任领导：王某", "完成时限：2024年8月" as printed
    # Where a second measures label opens a block of its own ("整改措施：一是…二是…" then
    # "下一步措施：…" or "整改成效：…"): indexes into paragraphs, items of their own.
    breaks: list[int]
    # What closed the last issue of a region but is the notice's (its closing summary, 特此通报): no
    # part of the issue's block (:func:`_trim_transition`).
    trimmed: list[str]


# The wrappers 关于“X”问题的整改 / 关于“X”的问题 / 针对X问题 around a problem; a quoted X is taken
# whole (its own 。 and ， do not end it).
_QUOTED = r"(?:“[^”]*”|\"[^\"]*\"|「[^」]*」|‘[^’]*’)"
_WRAPPED_PROBLEM = re.compile(
    rf"^(?:针对|关于|对于)+\s*{_QUOTED}[^“\"「‘,，。;；:：]{{0,12}}?(?:问题|方面)(?:的整改(?:落实|进展)?(?:情况)?)?(?=[,，。;；:：])"
    r"|^(?:针对|关于|对于)+.*?(?:问题|方面)(?:的整改(?:落实|进展)?(?:情况)?)?[”\"'’]?(?=[,，。;；:：])"
)
_WRAPPED_TAIL = re.compile(r"(问题|方面|[”\"'’])的?整改(?:落实|进展|完成)?(?:情况)?$")
_CLOSING_QUOTE = {"“": "”", '"': '"', "「": "」", "‘": "’"}


def _first_sentence_end(text: str) -> int:
    """Where the first sentence ends (its 。), a 。 inside quotes not counted; -1 when none."""
    closing: str | None = None
    for i, ch in enumerate(text):
        if closing is not None:
            closing = None if ch == closing else closing
        elif ch in _CLOSING_QUOTE:
            closing = _CLOSING_QUOTE[ch]
        elif ch == SENTENCE_END:
            return i
    return -1


def split_heading(rest: str, labelled: bool) -> tuple[str, str | None]:
    """Split a heading line (after its number) into the problem and measures sharing the line.

    >>> split_heading("针对分级诊疗推进成效不明显的问题，完善转诊机制，提高成效。", labelled=False)
    ('针对分级诊疗推进成效不明显的问题', '完善转诊机制，提高成效。')
    >>> split_heading("关于党费核算不准确。", labelled=True)
    ('关于党费核算不准确。', None)
    >>> split_heading("关于“台账不全。制度缺失。”的问题。一是补齐台账。", labelled=False)
    ('关于“台账不全。制度缺失。”的问题', '一是补齐台账。')
    >>> split_heading("“台账不全，制度缺失。”一是补齐台账。", labelled=False)
    ('“台账不全，制度缺失。”一是补齐台账。', None)
    """
    folded = fold(rest)
    m = _WRAPPED_PROBLEM.match(folded)
    if m:
        remainder = rest[m.end() + 1 :].strip()
        if remainder:
            return rest[: m.end()], remainder
    if not labelled:
        end = _first_sentence_end(rest)
        if end >= 0 and rest[end + 1 :].strip():
            return rest[: end + 1], rest[end + 1 :].strip()
    return rest, None


_QUOTES = {"“": "”", '"': '"', "‘": "’", "'": "'", "「": "」"}


def _strip_quotes(text: str) -> str:
    """Remove one pair of quotes around the whole text when they pair with each other."""
    if len(text) < 2 or text[0] not in _QUOTES or text[-1] != _QUOTES[text[0]]:
        return text
    opening, closing = text[0], text[-1]
    if opening == closing:
        inner = text[1:-1]
        return inner if opening not in inner else text
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == opening) - (ch == closing)
        if depth == 0 and i < len(text) - 1:
            return text  # the first quote closes before the end: "A”和“B" is not one quotation
    return text[1:-1]


TRAILING_PUNCT = "。.，,；;：: \t"


def clean_problem(text: str) -> str:
    """The bare problem: no label, no 关于/针对…的问题 wrapper, no outer quotes or end punctuation.

    >>> clean_problem("针对““三会一课”制度落实不严”问题。")
    '“三会一课”制度落实不严'
    >>> clean_problem("关于院内感染防控不到位，应急处置能力不够强的问题")
    '院内感染防控不到位，应急处置能力不够强'
    >>> [clean_problem(t) for t in ("关于“台账不全”问题的整改", "关于“台账不全”的问题", "针对台账不全问题")]
    ['台账不全', '台账不全', '台账不全']
    """
    problem = text.strip().rstrip(TRAILING_PUNCT)
    key = fold(problem)  # matched on the fold (關於 is 关于), cut in the printed text
    wrapper = WRAPPER.match(key)
    start, end = (wrapper.end() if wrapper else 0), len(problem)
    if wrapper:  # 关于“X”问题的整改(情况) → “X”问题
        tail = _WRAPPED_TAIL.search(key, start)
        end = tail.start() + len(tail.group(1)) if tail else end
    if wrapper or re.search(r"(?:[”\"'’]|的)(?:问题|方面)$", key[start:end]):
        end = start + len(re.sub(r"(?:的)?(?:问题|方面)$", "", key[start:end]))
    return _strip_quotes(problem[start:end].strip().rstrip(TRAILING_PUNCT).strip()).strip()


def _blocksplit_lines(node: Node) -> list[Line]:
    lines = list(node.body)
    for child in node.walk():
        assert child.line is not None
        if not lines or lines[-1] is not child.line:
            lines.append(child.line)
        lines.extend(child.body)
    return sorted(set(lines), key=lambda line: line.index)


_Segment = tuple[LabelKind | None, str]


def _segments(text: str, folded: str) -> list[_Segment]:
    """A line cut at its labels: [(None, text before), (STATUS, value), (MEASURES, text) …]."""
    labels = find_labels(folded)
    if not labels:
        return [(None, text)]
    out: list[_Segment] = []
    if labels[0].start > 0:
        out.append((None, text[: labels[0].start]))
    for label, nxt in zip(labels, [*labels[1:], None], strict=True):
        start = label.start if label.kind is LabelKind.DUTY else label.end  # a duty keeps its label
        out.append((label.kind, text[start : nxt.start if nxt else len(text)]))
    return out


def _status_value(text: str) -> str:
    return text.strip().rstrip("。.． ").strip()


_STATUS_MAX = 30
# A status clause opening a measures paragraph: 已完成。/ 正在推进， / 基本完成； (not 一是立行立改).
_LEAD_STATUS = re.compile(r"\s*((?:已|均已|正在|基本|长期|阶段性|持续|尚|未|整改完成|完成)[^。；;，,]{1,10})[。；;，,]\s*(?=\S)")
_SHORT_STATUS = 12
# A status phrase and nothing else (after a heading, where a run-in sentence may be a measure:
# "完成信息系统升级。" is not one).
_BARE_STATUS = re.compile(
    r"(?:已经?|均已|已全部)?(?:基本)?(?:完成|整改完成|完成整改|整改到位|整改完毕|办结|销号)|已整改|阶段性完成"
    r"|(?:正在|持续)(?:推进|整改|落实)中?|整改中|推进中|长期坚持|长期整改|立行立改|未完成|尚未完成"
)


def _looks_like_status(text: str, longest: int = _STATUS_MAX) -> bool:
    return len(text.strip()) <= longest and normalise_status(fold(text)) is not None


def _labelled_status(text: str) -> tuple[str | None, str]:
    """The value of a status label, and the measures that follow it on the same line, if any:
    "已完成" → ("已完成", ""); "已完成。一是修订制度；二是…" → ("已完成", "一是修订制度；二是…")."""
    lead = _LEAD_STATUS.match(fold(text))  # folded: 長期堅持 opens a status as 长期坚持 does
    if lead and _looks_like_status(lead.group(1), _SHORT_STATUS):
        rest = text[lead.end() :]
        # Not "正在整改，持续推进" (one status in two clauses) nor "正在整改，待审计结论出具后落实" (a
        # status with its reason): the rest is measures when it reads as one ("建立…") or as a list.
        if (not _looks_like_status(rest) or _measures_after(lead, rest)) and (
            not _looks_like_status(text) or _sentence_after(lead) or measure_like(fold(rest))
            or len(split_measures([rest]).items) > 1
        ):
            return _status_value(text[lead.start(1) : lead.end(1)]), rest
    closing = _status_cut(fold(text), own_line=True)
    if closing is not None:  # "整改进展：已追缴…，剩余部分已下达催缴通知，正在推进。" — measures, then the status
        start, value_start, value_end = closing
        before = text[:start].strip().rstrip("，,；;")
        if len(before) > _SHORT_STATUS and not _looks_like_status(before, _SHORT_STATUS):
            return _status_value(text[value_start:value_end]), before
    return _status_value(text) or None, ""


def _sentence_after(lead: re.Match[str]) -> bool:
    """Whether a leading status ends its sentence ("已完成。加装监测设备。"): what follows is a
    sentence of its own, not the status's second clause ("正在整改，持续推进")."""
    return lead.group(0).rstrip()[-1] in "。；;"


def _measures_after(lead: re.Match[str], rest: str) -> bool:
    """Whether what follows a status sentence is a measure, though it may say 已整改 too ("正在推进。
    开展专项督查，梳理问题23条，已整改17条。"): longer than a status, opening with a measure's verb."""
    return _sentence_after(lead) and len(rest.strip()) > _SHORT_STATUS and opens_with_measure(fold(rest))


def _status_first(text: str) -> bool:
    """A measures paragraph opening with its status as a sentence of its own, then measures."""
    lead = _LEAD_STATUS.match(fold(text))
    rest = text[lead.end() :] if lead else ""
    return (lead is not None and _sentence_after(lead) and _looks_like_status(lead.group(1), _SHORT_STATUS)
            and (not _looks_like_status(rest) or _measures_after(lead, rest)))


def _own_lines(node: Node) -> list[Line]:
    assert node.line is not None
    return [node.line, *node.body]


def carries_measures(node: Node) -> bool:
    """Whether the node's own lines hold a measures label with measures after it (not only a
    status: "整改情况：已完成")."""
    return any(
        kind is LabelKind.MEASURES and not _looks_like_status(text, _SHORT_STATUS)
        for line in _own_lines(node)
        for kind, text in _segments(line.text, line.folded)
    )


def opens_inline_list(node: Node, style: Style) -> bool:
    """Whether the node's last line is a measures label followed by item 1 of ``style``
    ("整改措施：1.聘请文物保护员；"), whose item 2 then opens the next line."""
    line = _own_lines(node)[-1]
    labels = find_labels(line.folded)
    if not labels or labels[-1].kind is not LabelKind.MEASURES:
        return False
    marker = match_heading(line.folded, labels[-1].end)
    return marker is not None and marker.style is style and marker.number == 1


def awaits_measures(node: Node) -> bool:
    """Whether the node's last line is a measures label with nothing after it ("整改措施："): its
    measures are the numbered lines below."""
    line = _own_lines(node)[-1]
    labels = find_labels(line.folded)
    return bool(labels) and labels[-1].kind is LabelKind.MEASURES and not line.folded[labels[-1].end :].strip()


_CONTINUATION_MAX = 40
_CLAUSE_END = re.compile(r"[，,。；;：:！？!?]")


def _heading_continuation(title: str, node: Node) -> Line | None:
    """The line that finishes a heading wrapped over two lines: the heading opens 关于/针对 without
    closing it, and the next line, short and without labels, closes it ("不充分的问题")."""
    if not node.body or not unclosed_wrapper(title.strip()) or _CLAUSE_END.search(title):
        return None  # "关于…的问题，坚持…见效。" is a finished heading with a run-in sentence
    line = node.body[0]
    text = line.folded.strip()
    if len(text) > _CONTINUATION_MAX or find_labels(text) or WRAPPED_CLOSED.search(text) is None:
        return None
    return line


# A status printed before the problem ("（已完成）关于…", "【正在推进】…") or after a dash ("…——已完成").
_LEADING_BRACKET = re.compile(r"^[(\[]([^()\[\]]{2,12})[)\]]\s*(?=\S)")
_DASHED_STATUS = re.compile(r"\s*(?:—{1,2}|-{2}|－{1,2})\s*([^—\-－]{2,12})$")


def _heading_status(problem: str) -> tuple[str, str | None]:
    """The problem without a status printed before it or after a dash, and that status."""
    folded = fold(problem)
    m = _LEADING_BRACKET.match(folded) or _DASHED_STATUS.search(folded)
    if m is None or not _looks_like_status(m.group(1), _SHORT_STATUS):
        return problem, None
    rest = problem[m.end() :] if m.start() == 0 else problem[: m.start()]
    return rest.strip(), _status_value(problem[m.start(1) : m.end(1)])


def _read_block(node: Node, lines: list[Line], last_in_region: bool) -> _Block:
    assert node.line is not None
    rest = node.line.text[node.text_start :]
    rest_folded = node.line.folded[node.text_start :]
    label = match_problem_label(rest_folded, 0) if node.marker and node.marker.style is not Style.PROBLEM else None
    if label is not None:  # "（一）问题：…。整改措施：…": the number, then the problem under its label
        rest, rest_folded = rest[label.end :], rest_folded[label.end :]
    if node.title_lines > 1:  # an unnumbered problem stated over several lines
        stated = node.body[: node.title_lines - 1]
        rest += "".join(line.text.strip() for line in stated)
        rest_folded += "".join(line.folded.strip() for line in stated)
        lines = [line for line in lines if line not in stated]
    continued = _heading_continuation(rest_folded, node)
    if continued is not None:  # a heading wrapped over two lines: "1.关于…运用" / "不充分的问题"
        rest, rest_folded = rest + continued.text.strip(), rest_folded + continued.folded.strip()
        lines = [line for line in lines if line is not continued]
    heading_labels = find_labels(rest_folded)
    heading_tail: list[_Segment] = []
    if heading_labels:
        cut = heading_labels[0].start
        heading_tail = _segments(rest[cut:], rest_folded[cut:])
        rest = rest[:cut]
    # Labels on their own lines mean the heading holds only the problem; labels on the heading
    # line itself (a one-line issue) may follow a run-in sentence of measures.
    labelled = any(find_labels(line.folded) for line in lines)
    problem_text, lead = split_heading(rest.strip(), labelled)
    problem_text = problem_text.rstrip(TRAILING_PUNCT)
    problem_text, status_raw = _heading_status(problem_text)
    before = STATUS_BEFORE_MARKER.match(node.line.folded, len(node.line.folded) - len(node.line.folded.lstrip()))
    if (status_raw is None and node.marker and before and before.end() <= node.marker.start
            and _looks_like_status(before.group(1), _SHORT_STATUS)):  # "[已完成]1.…", not "(十二)1.…"
        status_raw = _status_value(node.line.text[before.start(1) : before.end(1)])
    run_in = _TRAILING_BRACKET.fullmatch(fold(lead).strip()) if lead else None
    if status_raw is None and lead and run_in and _looks_like_status(run_in.group(1)):
        status_raw, lead = _status_value(lead.strip()[1:-1]), None  # "1.问题。（已完成）"
    opening = _LEAD_STATUS.match(fold(lead)) if lead and status_raw is None else None
    if lead and opening and _sentence_after(opening) and _BARE_STATUS.fullmatch(opening.group(1).strip()):
        # "1.关于…的问题：已完成。一是…" — the status, then the measures, on the heading's line
        status_raw, lead = _status_value(lead[opening.start(1) : opening.end(1)]), lead[opening.end() :] or None
    trailing = _TRAILING_BRACKET.search(fold(problem_text))
    if status_raw is None and trailing and _looks_like_status(trailing.group(1)):
        status_raw = _status_value(problem_text[trailing.start(1) : trailing.end(1)])
        problem_text = problem_text[: trailing.start()]
    elif trailing and _RESPONSIBILITY.search(trailing.group(1)):
        # "（牵头领导：…；责任科室：…）" after the problem: who does it, kept with the measures.
        lead = "\n".join(part for part in (problem_text[trailing.start() :], lead) if part)
        problem_text = problem_text[: trailing.start()]
    paragraphs: list[str] = []
    details: list[str] = []
    duties: list[str] = []
    breaks: list[int] = []
    pending_status = False
    measures_labelled = False  # a 整改措施:-labelled paragraph came before
    unlabelled_last = False  # the last paragraph is a line (or its end) without a label
    segments = heading_tail + [seg for line in lines for seg in _segments(line.text, line.folded)]
    status_labelled = any(kind is LabelKind.STATUS for kind, _ in segments)
    for kind, text in segments:
        if kind is LabelKind.STATUS:
            if status_raw is not None:
                continue
            status_raw, text = _labelled_status(text)
            pending_status = status_raw is None
            if not text:
                continue
            kind = LabelKind.MEASURES  # "整改进展：已完成。一是…" — the measures after the status
        if pending_status and kind is None and _looks_like_status(text):
            status_raw, pending_status = _status_value(text), False
            continue
        if kind is LabelKind.MEASURES and status_raw is None and not _status_first(text) and (
            _looks_like_status(text, _SHORT_STATUS) or (measures_labelled and _looks_like_status(text))
        ):
            # "整改情况：已完成" (or "整改情况：长期整改，已取得阶段性成效" after "整改措施：…") —
            # the column holds a status, not measures.
            status_raw = _status_value(text)
            continue
        lead_status = _LEAD_STATUS.match(fold(text)) if kind is LabelKind.MEASURES and not status_labelled else None
        if lead_status and status_raw is None and _looks_like_status(lead_status.group(1), _SHORT_STATUS):
            # "整改情况：已完成。一是…" — the status first, then the measures.
            status_raw = _status_value(text[lead_status.start(1) : lead_status.end(1)])
            text = text[lead_status.end() :]
        if kind is LabelKind.MEASURES and measures_labelled and paragraphs:
            breaks.append(len(paragraphs))
        measures_labelled = measures_labelled or kind is LabelKind.MEASURES
        if kind is LabelKind.DETAIL:
            details.append(text.strip())
        elif kind is LabelKind.DUTY:
            duties.append(text.strip().rstrip("；;，,"))
        elif text.strip():
            paragraphs.append(text.strip())
            unlabelled_last = kind is None
    kept = paragraphs
    if last_in_region:  # before the closing status: the notice's summary may close the last issue
        paragraphs = _trim_transition(paragraphs)
    if status_raw is None and paragraphs and (unlabelled_last or not status_labelled):
        status_raw = _closing_status(paragraphs, own_line=unlabelled_last)
    elif status_raw is None and not paragraphs and lead:  # "1.问题。措施…，已完成整改。" on one line
        run_in = [lead]
        status_raw = _closing_status(run_in, own_line=True)
        lead = run_in[0] if run_in else None
    return _Block(problem_text, lead, status_raw, paragraphs, details, duties, breaks, kept[len(paragraphs):])


# A status sentence closing an issue without a label: "目前已整改到位。", "该问题正在整改，持续推进。".
_STATUS_SENTENCE = re.compile(
    r"(?:目前|当前|现已?|截[至止]目前|经整改)?[,，]?(?:该问题|此问题|该项问题|该项工作|该项任务|上述问题|以上问题)?"
    r"(?:已经?|均已|已全部|正在|基本|持续|长期|阶段性|尚未|未|整改|完成)[^。；;!?！？]{0,14}[。；;]?"
)
# … or its last clause, a bare status phrase: "…，已完成整改。", "…，目前已整改到位。", "…，正在持续推进。".
_STATUS_CLAUSE = re.compile(
    r"(?:目前|现|均)?(?:该问题|此问题|(?:该|此)项(?:问题|工作|任务|整改))?(?:目前)?"
    r"(?:(?:已经?|均已|已全部)?(?:完成整改|整改完成|整改到位|整改完毕|完成)"
    r"|(?:正在|持续|仍在)(?:持续)?(?:推进|整改)中?|(?:需要?)?长期坚持)"
)
_COUNTED_PROBLEMS = re.compile(r"问题\s*\d+\s*[个项条处]|\d+\s*[个项条处]\s*问题")
_OWN_LINE_STATUS = 20  # characters of a status sentence on a line of its own
_SENTENCE_STATUS = 16  # … or closing the last paragraph


def _closing_status(paragraphs: list[str], own_line: bool) -> str | None:
    """The status that closes the last paragraph (removed from it), or None: a bracket
    ("…专项检查。（已完成）"), a sentence ("…。目前已整改到位。") or a clause ("…，正在持续推进。").
    A labelled measures paragraph (not ``own_line``) never gives its whole text ("整改情况：
    立行立改，已完成…" is measures) nor a clause."""
    last = paragraphs[-1]
    folded = fold(last)
    cut = _status_cut(folded, own_line)
    if cut is None:
        return None
    start, value_start, value_end = cut
    paragraphs[-1] = last[:start].strip()
    if not paragraphs[-1]:
        paragraphs.pop()
    return _status_value(last[value_start:value_end])


def _status_cut(folded: str, own_line: bool) -> tuple[int, int, int] | None:
    """Where the closing status of a paragraph starts, and where its value starts and ends."""
    bracket = _TRAILING_BRACKET.search(folded)
    if bracket and _looks_like_status(bracket.group(1), _SHORT_STATUS):
        return bracket.start(), bracket.start(1), bracket.end(1)
    ends = [i + 1 for i, ch in enumerate(folded[:-1]) if ch in "。;；"]
    start = ends[-1] if ends else 0
    sentence = folded[start:].strip()
    longest = _SENTENCE_STATUS if start else _OWN_LINE_STATUS
    if (start or own_line) and len(sentence) <= longest and _is_status(_STATUS_SENTENCE, sentence):
        return start, start, len(folded)
    comma = max(folded.rfind(","), folded.rfind("，"))
    before = folded[max(folded.rfind(",", 0, comma), folded.rfind("，", 0, comma), start) : comma]
    if (
        own_line
        and comma > start
        and not _COUNTED_PROBLEMS.search(before)  # "发现问题7个，已全部整改到位" is about those 7
        and _is_status(_STATUS_CLAUSE, folded[comma + 1 :].strip().rstrip("。.;；"))
    ):
        return comma, comma + 1, len(folded)
    return None


def _is_status(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.fullmatch(text) is not None and normalise_status(text) is not None


def _trim_transition(paragraphs: list[str]) -> list[str]:
    """Drop a closing "下一步，我们将…巩固整改成效" paragraph, the notice's closing summary
    ("截至目前，巡察反馈的3个问题，已完成整改2个…") or its "特此通报。", glued to the last issue."""
    while paragraphs and (
        (_TRANSITION.match(paragraphs[-1]) and _TRANSITION_TOPIC.search(paragraphs[-1]))
        or (_SUMMARY.match(paragraphs[-1]) and _SUMMARY_COUNT.search(paragraphs[-1]))
        or _CLOSING_FORMULA.match(paragraphs[-1])
    ):
        paragraphs = paragraphs[:-1]
    return paragraphs


def _last_kept(lines: list[Line], trimmed: list[str]) -> Line | None:
    """The block's last line that is the issue's: lines of the paragraphs trimmed off its end (the
    notice's closing summary), and the blank ones before them, are not."""
    if not trimmed or not lines:
        return lines[-1] if lines else None
    dropped = "\n".join(trimmed)
    end = len(lines)
    while end and (not lines[end - 1].text.strip() or lines[end - 1].text.strip() in dropped):
        end -= 1
    return lines[end - 1] if end else None  # None: the heading's line ends the block


def _title_of(node: Node) -> str:
    """A section/group title: without its number and a trailing 。, cut at a run-in 。."""
    head, _, _ = node.title.partition(SENTENCE_END)
    return PART_COUNTS.sub("", head.strip()).rstrip(TRAILING_PUNCT)


def outer_headings(node: Node) -> list[Node]:
    """The headings above an issue that name something (方面, 大项), outermost first; the
    rectification-list and background headings are skipped."""
    return [a for a in node.ancestors() if a.role is Role.PLAIN]


def _split_blocks(paragraphs: list[str], lead: str | None, breaks: list[int]) -> MeasureSplit:
    """Measures split block by block: the first block's text before its items is the introduction,
    a later block's is an item ("下一步措施：持续开展…" is not the last item's tail)."""
    bounds = [0, *(b for b in breaks if 0 < b < len(paragraphs)), len(paragraphs)]
    split = split_measures(paragraphs[: bounds[1]], lead)
    for start, end in zip(bounds[1:], bounds[2:], strict=False):
        later = split_measures(paragraphs[start:end])
        split.items += [part for part in (later.intro, *later.items) if part]
    return split


def _item_statuses(split: MeasureSplit, status_raw: str | None) -> str | None:
    """The issue's printed status, the least advanced of ``status_raw`` and the statuses its
    measures carry in brackets ("修订制度。（已完成）"), each measure left without its own (the last
    one's was read as the issue's already)."""
    found: list[tuple[Status, str]] = []
    for k, item in enumerate(split.items):
        bracket = _TRAILING_BRACKET.search(fold(item))
        if bracket and _looks_like_status(bracket.group(1), _SHORT_STATUS):
            raw = _status_value(item[bracket.start(1) : bracket.end(1)])
            status = normalise_status(fold(raw))
            if status is not None:
                found.append((status, raw))
                split.items[k] = item[: bracket.start()].rstrip()
    if not found:
        return status_raw
    issue_status = normalise_status(fold(status_raw)) if status_raw else None
    if issue_status is not None:
        found.append((issue_status, status_raw or ""))
    return min(found, key=lambda pair: PROGRESS_ORDER.index(pair[0]))[1]


def make_issue(seq: int, node: Node, last_in_region: bool) -> tuple[Issue, list[str]]:
    warnings: list[str] = []
    lines = _blocksplit_lines(node)
    block = _read_block(node, lines, last_in_region)
    paragraphs = block.paragraphs
    split = _split_blocks(paragraphs, block.lead, block.breaks)
    # "1.修订制度。（已完成）2.建立机制。（持续推进）": each measure without its status, the issue as
    # far as its least advanced measure.
    status_raw = _item_statuses(split, block.status_raw)
    problem = clean_problem(block.problem)
    details = block.details
    if not problem and details:  # "问题一" alone on its line, the problem under its label
        problem, details = clean_problem(details[0]), details[1:]
    if details:
        problem = "\n".join([problem, *details])
    outer = outer_headings(node)
    section = outer[0] if outer else None
    group = outer[-1] if len(outer) > 1 else None
    status = normalise_status(fold(status_raw)) if status_raw else None
    if status is None and status_raw is None:
        status = next((s for a in reversed(outer) if (s := heading_status(a.title_folded))), None)
    assert node.line is not None
    end_line = _last_kept(lines, block.trimmed) or node.line
    issue = Issue(
        seq=seq,
        label=node.label,
        problem=problem,
        section=_title_of(section) if section else None,
        section_label=section.label if section else None,
        group=(_title_of(group) or None) if group else None,
        group_label=group.label if group else None,
        status=status,
        status_raw=status_raw,
        measures=split.items,
        measures_intro="\n".join(part for part in (split.intro, *block.duties) if part) or None,
        span=(node.line.start, end_line.start + len(end_line.text)),
    )
    if not split.items:
        warnings.append(f"issue {seq} ({issue.label}) has no measures")
    if not problem:
        warnings.append(f"issue {seq} ({issue.label}) has an empty problem")
    if status_raw and status is None:
        warnings.append(f"issue {seq} ({issue.label}): status '{status_raw}' not understood")
    stray = next((line for p in paragraphs for line in p.split("\n") if _STRAY_PROBLEM.match(fold(line.strip()))), None)
    if stray is not None:  # another problem, numbered in a way not understood, read into this one
        warnings.append(f"issue {seq} ({issue.label}): the line '{stray.strip()[:30]}' inside its block reads as a "
                        "problem heading without a number")
    return issue, warnings
