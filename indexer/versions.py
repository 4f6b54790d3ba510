"""Notice versions: whether a new notice is a later version of a stored one, the earlier versions
kept in the current notice's record, and the status changes between versions.

A notice is identified by what it is, not by its file: the issuing organisation (or, without one,
the inspected institution), the inspection body and round, and the source the user gave (name or
URL) when both versions carry one. A progress update of a notice (阶段性完成 → 已完成) keeps the
issue texts, so the near-duplicate check (:mod:`indexer.dedup`) finds the stored version; when it
is the same notice and its statuses changed, or it comes from the same user-given source, it is
a later version: it replaces the stored one in search, and the stored one is kept, with its text
and its issues' statuses, in the new record's ``versions`` (most recent first).

    >>> a = {"organization": "中共青禾县人民医院委员会", "inspection_body": "县委第二巡察组"}
    >>> same_notice(a, {**a, "source_name": "青禾县政府网"}), same_notice(a, {**a, "inspection_body": "县委第三巡察组"})
    (True, False)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from indexer.fields import UNSTATED
from indexer.types import Document, ParsedNotice

MAX_VERSIONS = 20  # earlier versions kept per notice (the oldest go first)
PROBLEM_CHARS = 80  # of a problem statement, in a version summary
_KEY_CHARS = re.compile(r"[\w\u4e00-\u9fff]+")


def identity(record: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(issuer, inspection body, inspection round) of a notice record or its metadata."""
    return (record.get("organization") or record.get("institution"), record.get("inspection_body"),
            record.get("inspection_round"))


def same_notice(new: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether two notice records are versions of one notice: same issuer and inspection (where
    both say), and the same user-given source where both were given one."""
    issuer, body, round_ = identity(new)
    stored_issuer, stored_body, stored_round = identity(stored)
    if not issuer or issuer != stored_issuer:
        return False
    if (body and stored_body and body != stored_body) or (round_ and stored_round and round_ != stored_round):
        return False
    given = [(new.get(k), stored.get(k)) for k in ("source_url", "source_name")]
    return all(a == b for a, b in given if a and b)


def same_given_source(new: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether both name the same user-given source (URL, else name)."""
    return any(new.get(k) and new.get(k) == stored.get(k) for k in ("source_url", "source_name"))


def issue_key(problem: str) -> str:
    """What pairs an issue across versions: its problem statement without spacing and punctuation."""
    return "".join(_KEY_CHARS.findall(problem or ""))


def summary(record: Mapping[str, Any], issues: Sequence[Mapping[str, Any]]) -> Document:
    """An earlier version as kept: its record's identity and origin, its text, and per issue the
    label, the start of the problem and the status."""
    return {
        "notice_id": record.get("notice_id"),
        "title": record.get("title"),
        "publish_date": record.get("publish_date"),
        "source_name": record.get("source_name"),
        "source_url": record.get("source_url"),
        "original_text": record.get("original_text") or record.get("text"),
        "issues": [{"label": d.get("label"), "problem": (d.get("problem") or "")[:PROBLEM_CHARS],
                    "key": issue_key(d.get("problem") or ""), "status": d.get("status"),
                    "status_raw": d.get("status_raw")} for d in issues],
    }


def status_changes(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]) -> list[Document]:
    """Issues whose status (normalised, or as printed: 正在整改 → 阶段性完成 are both in progress)
    differs between two versions, paired by problem text, in the later version's order; an issue
    found in one version only has None on the other side.

    >>> status_changes([{"key": "a", "status": "in_progress", "status_raw": "阶段性完成", "problem": "a"}],
    ...                [{"key": "a", "status": "completed", "status_raw": "已完成", "problem": "a"}])
    [{'label': None, 'problem': 'a', 'from': 'in_progress', 'to': 'completed', 'from_raw': '阶段性完成', 'to_raw': '已完成'}]
    """
    def change(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> Document:
        shown = new or old or {}
        return {"label": shown.get("label"), "problem": shown.get("problem"),
                "from": (old or {}).get("status"), "to": (new or {}).get("status"),
                "from_raw": (old or {}).get("status_raw"), "to_raw": (new or {}).get("status_raw")}

    earlier = {i["key"]: i for i in before}
    later_keys = {i["key"] for i in after}
    changes = [change(earlier.get(i["key"]), i) for i in after
               if (earlier.get(i["key"]) or {}).get("status") != i.get("status")
               or (earlier.get(i["key"]) or {}).get("status_raw") != i.get("status_raw")]
    return changes + [change(i, None) for i in before if i["key"] not in later_keys]


def parsed_issues(parsed: ParsedNotice) -> list[Document]:
    """A parsed notice's issues in the form :func:`summary` keeps."""
    return [{"label": i.label, "problem": i.problem[:PROBLEM_CHARS], "key": issue_key(i.problem),
             "status": i.status.value if i.status is not None else UNSTATED, "status_raw": i.status_raw}
            for i in parsed.issues]


def statuses_differ(parsed: ParsedNotice, stored_issues: Sequence[Mapping[str, Any]]) -> bool:
    return bool(status_changes(summary({}, stored_issues)["issues"], parsed_issues(parsed)))


def history(record: Mapping[str, Any], issues: Sequence[Mapping[str, Any]]) -> list[Document]:
    """The versions list of a notice record after it replaces ``record``: ``record`` first, then
    the versions it kept itself, at most :data:`MAX_VERSIONS`."""
    return [summary(record, issues), *(record.get("versions") or [])][:MAX_VERSIONS]


def versions_view(record: Mapping[str, Any], issues: Sequence[Mapping[str, Any]]) -> Document:
    """What ``GET /api/notices/{id}/versions`` answers: every version, newest first (the current
    one first), each with the status changes from the version before it."""
    current = summary(record, issues)
    chain = [current, *(record.get("versions") or [])]
    out = []
    for n, version in enumerate(chain):
        previous = chain[n + 1] if n + 1 < len(chain) else None
        out.append({
            "version": len(chain) - n,
            "current": n == 0,
            **{k: version.get(k) for k in ("notice_id", "title", "publish_date", "source_name", "source_url")},
            "issues": len(version.get("issues") or []),
            "status_changes": status_changes(previous["issues"], version["issues"]) if previous else [],
        })
    return {"notice_id": record.get("notice_id"), "versions": out}
