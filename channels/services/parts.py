"""Orders that arrive in parts: Amazon's ``getOrders`` and ``getOrderItems``, Lazada's
``/orders/get`` and ``/orders/items/get``.

An integrator posts either call's answer alone or both together. Each part is kept, the newest
per order and kind (``ChannelOrderPart``); a delivery's parts are joined with the ones kept from
earlier deliveries, and an order is ingested once both its header and its items are known. A
header whose items have not arrived (or items whose header has not) is checked, kept and
answered ``waiting``: it becomes a hub order when the other part comes. A later header alone
(a status change, the usual poll by ``LastUpdatedAfter``) is completed with the items known.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from orders.models import Channel

from channels import texts
from channels.adapters import fields as f
from channels.adapters.base import ITEMS_PART, ORDER_PART, Adapter, OrderPart, PayloadError
from channels.models import ChannelOrderPart, Delivery

WAITING = "waiting"


@dataclass
class Assembled:
    """What a delivery of parts comes to: whole raw orders, the orders still waiting for a
    part (number → the part they wait for), and the parts to keep."""

    raws: list[Any] = field(default_factory=list)
    waiting: dict[str, str] = field(default_factory=dict)
    keep: dict[tuple[str, str], OrderPart] = field(default_factory=dict)


def parts_assemble(*, channel: Channel, adapter: Adapter, parts: Sequence[OrderPart]) -> Assembled:
    """Join the delivery's parts with the kept ones; a part that cannot be read refuses the
    whole delivery, as a bad order does (nothing is kept then)."""
    errors = []
    latest: dict[tuple[str, str], OrderPart] = {}
    for part in parts:
        try:
            adapter.check_part(part)
        except f.FieldProblem as problem:
            errors.append({"index": part.index, "channel_order_no": part.channel_order_no,
                           "problems": problem.problems})
            continue
        latest[(part.channel_order_no, part.kind)] = part  # a later one in the body wins
    if errors:
        shown = "; ".join(f"[{e['index']} {e['channel_order_no']}] " + "; ".join(e["problems"])
                          for e in errors[:5])
        raise PayloadError(f"{len(errors)} of {len(parts)} parts could not be read, nothing "
                           f"was imported: {shown}", extra={"errors": errors})
    numbers = list(dict.fromkeys(number for number, _kind in latest))
    missing = [number for number in numbers
               if (number, ORDER_PART) not in latest or (number, ITEMS_PART) not in latest]
    kept = {(row.channel_order_no, row.kind): row.payload
            for row in ChannelOrderPart.objects.filter(channel=channel,
                                                       channel_order_no__in=missing)}
    assembled = Assembled(keep=latest)
    for number in numbers:
        header = latest.get((number, ORDER_PART))
        items = latest.get((number, ITEMS_PART))
        header_payload = header.payload if header else kept.get((number, ORDER_PART))
        items_payload = items.payload if items else kept.get((number, ITEMS_PART))
        if header_payload is None:
            assembled.waiting[number] = ORDER_PART
        elif items_payload is None:
            assembled.waiting[number] = ITEMS_PART
        else:
            assembled.raws.append(adapter.join(header_payload, items_payload))
    return assembled


def parts_keep(*, channel: Channel, parts: dict[tuple[str, str], OrderPart],
               delivery: Delivery | None) -> None:
    """Keep the newest of each part (inside the ingestion's transaction: all or nothing)."""
    if not parts:
        return
    ChannelOrderPart.objects.bulk_create(
        [ChannelOrderPart(channel=channel, channel_order_no=number, kind=kind,
                          payload=part.payload, delivery=delivery)
         for (number, kind), part in parts.items()],
        update_conflicts=True, unique_fields=["channel", "channel_order_no", "kind"],
        update_fields=["payload", "delivery", "received_at"], batch_size=1000,
    )


def waiting_note(kind: str, adapter: Adapter) -> str:
    """Why an order is not in the hub yet, in the answer of its delivery (a stored text; the
    platform's call that brings the missing part is named as the platform names it)."""
    what = texts.THE_ORDER.encode() if kind == ORDER_PART else texts.ITS_ITEMS.encode()
    call = getattr(adapter, "part_calls", {}).get(kind)
    if call:
        what = texts.PART_CALL.encode(call=call, what=what)
    waiting = texts.WAITING_FOR_ORDER if kind == ORDER_PART else texts.WAITING_FOR_ITEMS
    return waiting.encode(call=what)
