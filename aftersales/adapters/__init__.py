"""The platforms' after-sales payloads, read exactly as documented, into ``CaseInput``.

One reader per platform, each naming the API it follows. Every reader takes the API response
(envelope and all) or the bare objects inside it, alone or in a list, and raises
:class:`PayloadError` with every problem named by its field. Units are the platform's own:
Taobao yuan strings and Beijing times; Pinduoduo fen integers in ``pdd.refund.information.get``
and yuan strings in ``pdd.refund.list.increment.get``; 抖店 fen and Unix seconds; JD
milliseconds.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.adapters.base import PayloadError, parse_json
from channels.adapters.fields import FieldProblem
from orders.models import Channel

from aftersales.adapters import douyin, jd, pdd, taobao
from aftersales.services import CaseInput

READERS: dict[str, Callable[[Any], list[CaseInput]]] = {
    Channel.Platform.TAOBAO: taobao.read,
    Channel.Platform.TMALL: taobao.read,
    Channel.Platform.PDD: pdd.read,
    Channel.Platform.DOUYIN: douyin.read,
    Channel.Platform.JD: jd.read,
}


def cases_read(*, channel: Channel, body: bytes) -> list[CaseInput]:
    """The cases in a platform's body; refused (400) when any of them cannot be read."""
    reader = READERS.get(channel.platform)
    if reader is None:
        raise PayloadError(f"Channel {channel.code} has no after-sales API in the hub; its "
                           f"cases are opened by customer service in the admin.")
    payload = parse_json(body)
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise PayloadError("The body holds no after-sales case.")
    cases, problems = [], []
    for position, item in enumerate(items):
        try:
            cases.extend(reader(item))
        except FieldProblem as problem:
            problems.extend(f"[{position}] {p}" for p in problem.problems)
    if problems:
        raise PayloadError("Unreadable after-sales payload: " + "; ".join(problems[:20]),
                           extra={"problems": problems})
    if not cases:
        raise PayloadError("The body holds no after-sales case.")
    return cases
