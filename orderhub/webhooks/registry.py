"""What integrators can subscribe to, and how each event's object is rendered.

The public event types are the integrator contract (DESIGN.md section 4, "Events out"); only
these leave the hub, whatever other events the apps record among themselves. The object inside
a delivery belongs to the app that owns it, which registers a renderer in its own ``webhooks``
module (autodiscovered by ``orderhub.webhooks.apps``), so that this app imports no domain app::

    from orderhub.webhooks.registry import renders

    @renders("order", kinds=("order.created", ...), permission="orders.view_order")
    def orders_for_webhooks(order_ids):
        return {order.pk: {...the order's JSON...} for order in ...}

A renderer takes the ids of a whole fan-out batch at once (a handful of queries, not one per
event) and returns the JSON of each object it still finds; a missing one is sent as ``null``.
``permission`` is what a subscriber's user must hold to receive that object (the same
permission that lets them read it through the API); ``object_id`` finds the object's id in the
event, by default the event's order.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# The contract's event types, in the order the API documents them.
PUBLIC_EVENT_TYPES: tuple[str, ...] = (
    "order.created",
    "order.status_changed",
    "order.held",
    "order.released",
    "shipment.updated",
    "aftersales.created",
    "aftersales.status_changed",
)
# The type of the test delivery staff send from the admin (never recorded as an event).
PING = "ping"

Render = Callable[[Sequence[int]], dict[int, dict[str, Any]]]


def _order_of(event) -> int | None:
    return event.order_id


@dataclass(frozen=True)
class Renderer:
    object_type: str
    kinds: frozenset[str]
    func: Render
    permission: str
    object_id: Callable[[Any], int | None] = _order_of


_RENDERERS: dict[str, Renderer] = {}


def renders(
    object_type: str, *, kinds: Sequence[str], permission: str,
    object_id: Callable[[Any], int | None] = _order_of,
) -> Callable[[Render], Render]:
    """Register the decorated function as the renderer of ``object_type`` for these kinds."""
    unknown = set(kinds) - set(PUBLIC_EVENT_TYPES)
    if unknown or not kinds:
        raise ValueError(f"Renderer {object_type!r}: {sorted(unknown) or 'no kinds'} are not "
                         f"public event types ({', '.join(PUBLIC_EVENT_TYPES)}).")

    def register(func: Render) -> Render:
        for kind in kinds:
            known = _RENDERERS.get(kind)
            if known is not None and known.object_type != object_type:
                raise ValueError(f"{kind!r} is rendered as {known.object_type!r} already.")
            _RENDERERS[kind] = Renderer(object_type, frozenset(kinds), func, permission,
                                        object_id)
        return func

    return register


def renderer_for(kind: str) -> Renderer | None:
    """How the object of an event of ``kind`` is rendered (``None``: nobody registered one)."""
    return _RENDERERS.get(kind)
