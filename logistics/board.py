"""The warehouse board: open work by warehouse and step, most overdue first.

Open work is every order in the warehouse's own steps (``WAREHOUSE_WORK``: paid, picking,
packing, awaiting the courier), by the warehouse its fulfilment decision chose ("not routed"
when none did). Read from the orders side, on the status index: at a million orders the open
work is the day's, not the whole book. "Overdue" is the current step past its SLA
(``state_due_at``); within a warehouse the orders come most overdue first, then by promised
ship-by.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Min, Q
from django.utils import timezone

from logistics.models import Warehouse
from orders.models import Order
from orders.state_machine import WAREHOUSE_WORK, Status

# The rows listed under each warehouse; the counts cover all of its work.
ORDERS_SHOWN = 15


@dataclass
class Step:
    status: str
    total: int = 0
    overdue: int = 0
    oldest_due: dt.datetime | None = None

    @property
    def label(self) -> str:
        return str(Status(self.status).label)


@dataclass
class WarehouseWork:
    warehouse: Warehouse | None
    steps: list[Step]
    orders: list[Order] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(step.total for step in self.steps)

    @property
    def overdue(self) -> int:
        return sum(step.overdue for step in self.steps)


def warehouse_board(*, now: dt.datetime | None = None,
                    shown: int = ORDERS_SHOWN) -> list[WarehouseWork]:
    """Each warehouse with open work, the one with the most overdue first."""
    now = now or timezone.now()
    open_work = Order.objects.filter(status__in=WAREHOUSE_WORK)
    cells = (open_work.values("fulfilment__warehouse_id", "status")
             .annotate(total=Count("id"), overdue=Count("id", filter=Q(state_due_at__lt=now)),
                       oldest_due=Min("state_due_at")).order_by())
    by_warehouse: dict[int | None, dict[str, Step]] = {}
    for cell in cells:
        steps = by_warehouse.setdefault(cell["fulfilment__warehouse_id"], {})
        steps[cell["status"]] = Step(cell["status"], cell["total"], cell["overdue"],
                                     cell["oldest_due"])
    warehouses = Warehouse.objects.in_bulk([pk for pk in by_warehouse if pk is not None])
    board = []
    for pk, steps in by_warehouse.items():
        orders = (open_work.filter(fulfilment__warehouse_id=pk) if pk is not None
                  else open_work.filter(fulfilment__isnull=True))
        board.append(WarehouseWork(
            warehouse=warehouses.get(pk),
            steps=[steps.get(status) or Step(status) for status in WAREHOUSE_WORK],
            orders=list(orders.select_related("channel").order_by(
                F("state_due_at").asc(nulls_last=True), F("ship_by").asc(nulls_last=True),
                "id")[:shown]),
        ))
    board.sort(key=lambda work: (-work.overdue, -work.total,
                                 work.warehouse.code if work.warehouse else "~"))
    return board
