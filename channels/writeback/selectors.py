"""Write-back reads."""
from __future__ import annotations

from orders.models import Order

from channels.writeback.models import WriteBack


def order_writebacks(*, order: Order) -> list[WriteBack]:
    """The order's write-backs, newest first (one query)."""
    return list(WriteBack.objects.filter(order=order).select_related("channel").order_by("-id"))
