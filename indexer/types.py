"""Shared types: what a parsed notice is, what a search hit is.

A notice flows read → normalise → segment → enrich → tokenise/embed → store:

* ``read``      gives a :class:`RawDocument` (decoded text, how it was decoded);
* ``normalise`` gives a :class:`NormalisedText` (display text, one paragraph per line,
  plus metadata found in page furniture such as an info-disclosure block);
* ``segment``   gives :class:`Issue` objects (problem, status, measures) and warnings;
* ``enrich``    gives :class:`NoticeMeta` and fills per-issue extras (deadlines, …);
* ``parse``     wraps all of that into a :class:`ParsedNotice`.

Storage documents are flat dicts whose keys are the fields of :mod:`indexer.fields`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from indexer.parsing.status import Status

DocId = str
NoticeId = str
Vector = list[float]
Document = dict[str, Any]


@dataclass(slots=True)
class RawDocument:
    """A file's decoded text, before any clean-up."""

    source: str  # path or URL as given
    text: str
    format: str  # "txt" | "docx" | "html"
    encoding: str | None = None  # e.g. "utf_8", "gb18030"; None for docx
    source_url: str | None = None  # the original's address when the file names it (an HTML canonical link)


@dataclass(slots=True)
class NormalisedText:
    """Display text after artefact removal: one paragraph per line, original characters kept.

    ``header`` holds metadata recovered from page furniture (索引号, 发布机构, 成文时间,
    标题 …), keyed by the printed label without spaces.
    """

    text: str
    header: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)  # artefacts removed, for the quality report


@dataclass(slots=True)
class DateSpan:
    start: str | None = None  # ISO date, possibly partial: "2024-03-12", "2020-08"
    end: str | None = None


@dataclass(slots=True)
class StatedTotals:
    """Totals the notice itself states (never the counts of 整改措施 or 制度 beside them)."""

    sections: int | None = None  # 方面
    groups: int | None = None  # 大项
    issues: int | None = None  # 问题
    completed: int | None = None
    in_progress: int | None = None
    raw: str | None = None
    # The other levels a notice may state beside its problems, each in its own field.
    categories: int | None = None  # 类 (3个方面6类问题)
    details: int | None = None  # 具体表现 (25个问题93个具体表现)
    tasks: int | None = None  # 整改任务 (64项整改任务)
    measures: int | None = None  # 整改措施 (157项整改措施)
    # Complementary counts beside completed / in_progress (阶段性完成 is kept apart from 正在推进).
    basically_completed: int | None = None
    partly_completed: int | None = None
    long_term: int | None = None


@dataclass(slots=True)
class NoticeMeta:
    title: str | None = None
    organization: str | None = None  # issuing organisation, e.g. 中共青禾县人民医院委员会
    institution: str | None = None  # inspected institution, short form, e.g. 青禾县人民医院
    institution_type: str | None = None  # key of indexer.parsing.institutions.INSTITUTION_TYPES
    province: str | None = None
    city: str | None = None
    county: str | None = None
    inspection_body: str | None = None  # 县委第二巡察组
    level: str | None = None  # level of the inspecting body: "province" | "city" | "county"
    inspection_round: str | None = None  # 第十四届县委第五轮巡察
    inspection_kind: str | None = None  # "巡察" | "巡视"
    inspection_type: str | None = None  # "常规" | "专项" | "机动" | "提级交叉"
    inspection_period: DateSpan = field(default_factory=DateSpan)
    feedback_date: str | None = None
    feedback_date_inferred: bool = False  # year not printed, inferred from context
    publish_date: str | None = None
    stated_totals: StatedTotals = field(default_factory=StatedTotals)

    @property
    def year(self) -> int | None:
        """The year the notice is filed under: feedback, else publish, else inspection start."""
        for value in (self.feedback_date, self.publish_date, self.inspection_period.start):
            if value and value[:4].isdigit():
                return int(value[:4])
        return None


@dataclass(slots=True)
class Issue:
    """One rectified problem as printed in a notice."""

    seq: int  # 1-based order in the notice
    label: str  # as printed: "1.", "(一)", "（3）"
    problem: str  # clean problem statement (no 关于/针对…的问题 wrapper, no measures)
    section: str | None = None  # 方面 title, without numbering
    section_label: str | None = None
    group: str | None = None  # intermediate 大项 title
    group_label: str | None = None
    status: Status | None = None
    status_raw: str | None = None
    measures: list[str] = field(default_factory=list)  # one item per 一是/1./… (or the whole text)
    measures_intro: str | None = None  # text before the first enumerated item
    deadlines: list[str] = field(default_factory=list)
    amounts: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # 《…》 titles and 〔2024〕49号 numbers
    categories: list[str] = field(default_factory=list)  # keys of the topic taxonomy
    span: tuple[int, int] | None = None  # offsets of the issue's block in NormalisedText.text
    truncated: bool = False  # the text ends inside this issue's block: it is only partly read


@dataclass(slots=True)
class QualityReport:
    """How much of a notice was understood: stated vs found counts and warnings."""

    issues_found: int = 0
    issues_stated: int | None = None
    sections_found: int = 0
    sections_stated: int | None = None
    statuses_found: int = 0
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False  # the text ends inside an issue heading (a cut page opening)

    @property
    def sections_disagree(self) -> bool:
        """Section headings were found, but not as many as the notice states. A notice that states
        "4个方面" and lists its issues without section headings (none found) does not disagree."""
        return (self.sections_stated is not None and self.sections_found > 0
                and self.sections_found != self.sections_stated)

    @property
    def complete(self) -> bool:
        """True when issues were found and nothing contradicts the stated totals (issues, sections)."""
        if self.issues_found == 0 or self.truncated or self.sections_disagree:
            return False
        return self.issues_stated is None or self.issues_stated == self.issues_found


@dataclass(slots=True)
class ParsedNotice:
    notice_id: NoticeId  # hash of the normalised notice text
    source: str
    format: str
    encoding: str | None
    text: str  # normalised display text
    meta: NoticeMeta
    issues: list[Issue]
    quality: QualityReport
    source_url: str | None = None  # where the original notice is published (indexer.sources)
    source_name: str | None = None  # the publisher or site, as the user gave it

    def issue_id(self, issue: Issue) -> DocId:
        return f"{self.notice_id}-{issue.seq:03d}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Target(StrEnum):
    """Which collection a search runs over."""

    ISSUES = "issues"
    MEASURES = "measures"


class Leg(StrEnum):
    LEXICAL = "lexical"  # BM25 over jieba word tokens
    VECTOR = "vector"  # cosine over embeddings
    BIGRAM = "bigram"  # BM25 over character bigrams (segmentation-robust, issue #12)


@dataclass(slots=True, frozen=True)
class Hit:
    """One ranked answer of one leg of one backend."""

    doc_id: DocId
    score: float
    leg: Leg
