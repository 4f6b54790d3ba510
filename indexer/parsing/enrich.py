"""Enrichment: notice metadata (:func:`extract_meta`) and per-issue extras (:func:`enrich_issue`).

    >>> meta = extract_meta(NormalisedText(
    ...     "中共云岭县人民医院委员会\\n关于巡察整改进展情况的通报\\n"
    ...     "2024年4月8日至6月28日，县委第一巡察组对县人民医院党委开展了巡察。"
    ...     "8月15日，县委第一巡察组向医院党委反馈了巡察意见。"))
    >>> meta.title, meta.institution, meta.inspection_body, meta.feedback_date, meta.feedback_date_inferred
    ('中共云岭县人民医院委员会关于巡察整改进展情况的通报', '云岭县人民医院', '县委第一巡察组', '2024-08-15', True)

Where each field comes from (general rules, checked on real notices): title and publish date —
:mod:`indexer.parsing.layout`; organisation and institution — :mod:`indexer.parsing.organisation`
(type: :mod:`indexer.parsing.institutions`); region — :mod:`indexer.parsing.regions` over
institution, organisation, title, signature, the postal address line, then the introduction;
inspecting body, round, kind, type and level — :mod:`indexer.parsing.inspection`; inspection
period and feedback date — :mod:`indexer.parsing.dates` (``feedback_date_inferred`` is set when
the year was not printed); stated totals — :mod:`indexer.parsing.totals`. Per issue:
:mod:`indexer.parsing.issue_extras`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from indexer.parsing import regions
from indexer.parsing.dates import notice_dates
from indexer.parsing.inspection import body_level, find_body, find_round, inspection_kind, inspection_type
from indexer.parsing.institutions import institution_type
from indexer.parsing.issue_extras import enrich_issue
from indexer.parsing.layout import (
    Title,
    find_publish_date,
    find_signature,
    find_title,
    info_block,
    text_lines,
)
from indexer.parsing.organisation import choose_organization, split_joint, strip_party, title_issuer
from indexer.parsing.totals import find_totals
from indexer.types import NormalisedText, NoticeMeta

__all__ = ["extract_meta", "enrich_issue"]

_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[、．](?!\d)|[（(][一二三四五六七八九十]+[）)])")
_ADDRESS = re.compile(r"(?:通讯|通信|邮政|邮寄|联系)?地\s*址\s*[:：]\s*([^；;。，,]+)|邮政信箱\s*[:：]\s*([^；;。，,@]+)")


def _intro(lines: list[str], title: Title | None) -> str:
    """Title and the text before the first numbered heading (at least six lines, ≤ 3000 chars)."""
    start = title.last_line + 1 if title and title.last_line >= 0 else 0
    body = lines[start:]
    stop = next((i for i, line in enumerate(body) if i >= 1 and _HEADING.match(line)), len(body))
    return "\n".join(body[: max(stop, 6)])[:3000]


def _address(lines: list[str]) -> str | None:
    for line in reversed(lines[-8:]):
        m = _ADDRESS.search(line)
        if m:
            return next(g for g in m.groups() if g)
    return None


def extract_meta(normalised: NormalisedText, warnings: list[str] | None = None,
                 issue_spans: Sequence[tuple[int, int]] = ()) -> NoticeMeta:
    """Every :class:`NoticeMeta` field that the text allows (see the module docstring); what
    could not be read safely is added to ``warnings``. ``issue_spans``: the issues' blocks in the
    text, where the notice's own totals are not looked for (:func:`~indexer.parsing.totals.find_totals`)."""
    lines = text_lines(normalised.text)
    info = {**info_block(lines), **{k.replace(" ", ""): v for k, v in normalised.header.items()}}
    title = find_title(lines, info)
    intro = _intro(lines, title)
    head = "\n".join(lines[:400])[:12000]  # enough for the introduction and the first part
    signature = find_signature(lines)
    issuer = title_issuer(title.text) if title else None
    organization = choose_organization(issuer, signature.issuer, intro, head)
    organizations = split_joint(organization) if organization else []
    # A joint notice keeps both organisations; its institution (a facet value), type and region
    # are those of the first.
    institutions = [strip_party(name) for name in (split_joint(issuer) if issuer else organizations)]
    organization = "、".join(organizations) or None
    institution = institutions[0] if institutions else None

    title_text = title.text if title else ""
    body = find_body(title_text, intro, head)
    round_ = find_round(title_text, intro, head)
    region = regions.resolve(institution, organization, title_text, signature.issuer, _address(lines), intro)

    publish = find_publish_date(signature, info, lines)
    dates = notice_dates(head, publish)
    if warnings is not None:
        warnings.extend(dates.warnings)

    return NoticeMeta(
        title=title.text if title else None,
        organization=organization,
        institution=institution,
        institution_type=institution_type(institution),
        province=region.province,
        city=region.city,
        county=region.county,
        inspection_body=body,
        level=body_level(body, round_, region.county, intro, region.province is not None and region.province == region.city),
        inspection_round=round_,
        inspection_kind=inspection_kind(body, round_, title_text, intro),
        inspection_type=inspection_type(title_text, intro),
        inspection_period=dates.period,
        feedback_date=dates.feedback,
        feedback_date_inferred=dates.feedback_inferred,
        publish_date=publish,
        stated_totals=find_totals(normalised.text, issue_spans),
    )
