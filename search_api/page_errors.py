"""Errors as the web page words them: typed errors (``indexer.errors``) → a heading and a Chinese
message. The API words the same errors in JSON (``search_api.errors``)."""

from __future__ import annotations

import math
from typing import Any

from indexer.errors import BackendError, BackendUnavailable, BadQuery, Problem, XunchaError
from indexer.fields import BY_PARAM
from search_api.errors import NotFound, NotReady, message_of

# Request parameters that are not filters, as the page names them.
_PARAM_NAMES: dict[str, str] = {"q": "检索内容", "page": "页码", "size": "每页条数", "mode": "检索方式",
                                "scope": "范围", "fusion": "融合方式", "similar": "问题编号"}


def param_name(param: str) -> str:
    """A request parameter as people know it: the registry's label (``year_from`` → 起始年份)."""
    if param in _PARAM_NAMES:
        return _PARAM_NAMES[param]
    for suffix, word in (("_from", "起始"), ("_to", "截止")):
        f = BY_PARAM.get(param.removesuffix(suffix))
        if param.endswith(suffix) and f is not None and f.is_range:
            return word + f.label
    f = BY_PARAM.get(param)
    return f.label if f is not None else param


def bad_query_text(exc: BadQuery) -> str:
    """What was wrong with the search, in Chinese, from the error's field, code and limits."""
    name, got, limits = param_name(exc.field), exc.got, exc.limits
    texts: dict[Problem, Any] = {
        Problem.REQUIRED: lambda: "请输入检索内容：关键词，或一段问题描述。" if exc.field == "q" else f"请填写{name}。",
        Problem.TOO_LONG: lambda: (f"检索内容过长：最多 {limits['max']} 字，当前 {got} 字。请只保留问题描述的关键部分。"
                                   if exc.field == "q" else f"{name}过长：最多 {limits['max']} 字。"),
        Problem.NOT_INTEGER: lambda: f"{name}必须是整数（收到 {got!r}）。",
        Problem.NOT_DATE: lambda: f"{name}应为日期，如 2024、2024-03 或 2024-03-05（收到 {got!r}）。",
        Problem.OUT_OF_RANGE: lambda: f"{name}须在 {limits['min']} 到 {limits['max']} 之间（收到 {got}）。",
        Problem.NOT_ALLOWED: lambda: f"{name}的取值 {got!r} 无效，可选：{', '.join(limits['allowed'])}。",
        Problem.TOO_MANY: lambda: f"{name}最多可选 {limits['max']} 项（收到 {got} 项）。",
        Problem.REVERSED: lambda: f"{name} {got} 晚于{param_name(exc.field.removesuffix('_from') + '_to')} {limits['to']}。",
        Problem.TOO_DEEP: lambda: f"翻页过深：最多可查看前 {limits['max']} 条结果，请增加筛选条件缩小范围。",
    }
    say = texts.get(exc.code)
    return say() if say is not None else f"请检查检索条件（{message_of(exc)}）。"


def paging_text(page: int, size: int, total: int, window: int) -> str:
    """Why a page number is past the results, with the real count."""
    if not total:
        return f"第 {page} 页超出范围：没有检索结果。"
    pages = min(math.ceil(total / size), max(1, window // size))
    text = f"第 {page} 页超出范围：共 {total} 条结果，每页 {size} 条，共 {pages} 页。"
    if total > window:
        text += f"最多可查看前 {window} 条，请增加筛选条件缩小范围。"
    return text


def error_text(exc: XunchaError) -> tuple[int, str, str]:
    """(HTTP status, heading, message) of an error, for people."""
    if isinstance(exc, NotReady):
        return 503, "检索服务正在启动", "正在加载索引和语义模型，请稍候几秒后刷新页面。"
    if isinstance(exc, BackendUnavailable):
        return 503, "检索服务暂时不可用", f"无法连接检索后端，请稍后重试；如持续出现，请联系管理员。（{message_of(exc)}）"
    if isinstance(exc, BackendError):
        return 502, "检索出错", f"检索后端返回错误，请稍后重试。（{message_of(exc)}）"
    if isinstance(exc, NotFound):
        return 404, "未找到", "该问题或通报不存在，可能已被删除或链接有误。"
    if isinstance(exc, BadQuery):
        return 400, "检索条件有误", bad_query_text(exc)
    return 500, "出错了", "服务器内部错误，请稍后重试。"
