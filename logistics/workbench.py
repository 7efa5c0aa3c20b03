"""Logistics' share of the workbench: the warehouse board, with the floor's open work counted."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orderhub.workbench.registry import Tile, capped_count, register, roles
from orders.models import Order
from orders.state_machine import WAREHOUSE_WORK

register(Tile(
    key="logistics.board", label=_("Warehouse board: open work"), roles=roles("warehouse",
                                                                              "operations"),
    permission="logistics.view_pickingqueueentry", position=29,
    count=lambda: capped_count(Order.objects.filter(status__in=WAREHOUSE_WORK)),
    url=lambda: reverse("admin:logistics_board"),
    help=_("Open work by warehouse and step, most overdue first; refreshes itself."),
))
