"""Who handles which events: apps register handlers in their own ``handlers`` module.

    from orderhub.events.registry import handles

    @handles("order.created", "order.status_changed", name="logistics.stock")
    def stock_follows_orders(events):
        ...

A handler takes a list of events (in the order they happened; one order's events are never
split across concurrent runs) and is called inside a transaction that also marks them handled,
so its database writes and the "done" mark commit together. It must be idempotent in effect
(a retry after a crash in the middle of a network call runs it again) and may raise: the
batch's events are then retried one at a time, with backoff, so one bad event never blocks the
others. ``wants`` filters at recording time (no task is written for an event the handler would
ignore), which keeps the hot path cheap.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Wants = Callable[[str, dict[str, Any]], bool]


@dataclass(frozen=True)
class Handler:
    name: str
    kinds: frozenset[str]
    func: Callable[[Sequence[Any]], None]
    wants: Wants | None = None
    batch_size: int = 500
    label: Any = ""  # what staff read in the admin (a lazy translation)
    urgent: bool = False  # its due tasks are claimed before the others' (dispatch.py)

    def accepts(self, kind: str, payload: dict[str, Any]) -> bool:
        return kind in self.kinds and (self.wants is None or self.wants(kind, payload))


_HANDLERS: dict[str, Handler] = {}
_BY_KIND: dict[str, list[Handler]] = {}  # handlers_for's candidates, by name; reset on register


def handles(
    *kinds: str, name: str, wants: Wants | None = None, batch_size: int = 500, label: Any = "",
    urgent: bool = False,
) -> Callable[[Callable], Callable]:
    """Register the decorated function as the handler ``name`` of these event kinds (``label``:
    what staff read in the admin; ``urgent``: a deadline waits on it, so the dispatcher takes its
    due tasks first)."""
    if not kinds:
        raise ValueError(f"Handler {name!r} names no event kinds.")

    def register(func: Callable) -> Callable:
        known = _HANDLERS.get(name)
        if known is not None and known.func is not func and (
            known.func.__module__, known.func.__qualname__
        ) != (func.__module__, func.__qualname__):
            raise ValueError(f"Two handlers are named {name!r}.")
        _HANDLERS[name] = Handler(name, frozenset(kinds), func, wants, batch_size, label, urgent)
        _BY_KIND.clear()
        return func

    return register


def handler_label(name: str) -> str:
    """What the handler ``name`` does, as staff read it (its name if it has no label)."""
    registered = _HANDLERS.get(name)
    return str(registered.label) if registered is not None and registered.label else name


def handlers_for(kind: str, payload: dict[str, Any]) -> list[Handler]:
    """The handlers that want an event of ``kind`` with ``payload``, by name."""
    candidates = _BY_KIND.get(kind)
    if candidates is None:
        candidates = _BY_KIND[kind] = [h for _name, h in sorted(_HANDLERS.items())
                                       if kind in h.kinds]
    return [h for h in candidates if h.wants is None or h.wants(kind, payload)]


def handler(name: str) -> Handler | None:
    return _HANDLERS.get(name)


def urgent_handler_names() -> list[str]:
    return sorted(name for name, registered in _HANDLERS.items() if registered.urgent)


def handler_names() -> list[str]:
    return sorted(_HANDLERS)


def handlers() -> Iterable[Handler]:
    return [_HANDLERS[name] for name in sorted(_HANDLERS)]
