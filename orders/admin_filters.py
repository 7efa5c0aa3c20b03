"""The order list's filters behind the workbench's links: open holds by source, overdue work,
gifts waiting for their scan. Each is a range or an equality on an index, so that a link from
the home page opens a list of a million orders as fast as the count beside it was made."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import GiftOrder, Hold
from orders.state_machine import AWAITING_SHIPMENT, WAREHOUSE_WORK, Status


def overdue_q(kind: str) -> Q | None:
    """Orders overdue now: ``step`` (the current state's SLA passed), ``warehouse`` (the same,
    paid and not yet handed over), ``ship_by`` (the promised ship-by passed, not handed over).

    The first two read ``order_due_idx`` (partial on a due time), the last
    ``order_ship_by_open_idx`` (partial on the statuses awaiting shipment)."""
    now = timezone.now()
    if kind == "step":
        return Q(state_due_at__lt=now)
    if kind == "warehouse":
        return Q(state_due_at__lt=now, status__in=WAREHOUSE_WORK)
    if kind == "ship_by":
        return Q(status__in=AWAITING_SHIPMENT, ship_by__lt=now)
    return None


def open_hold_q(source: str = "") -> Q:
    """Orders with an open hold from ``source``, or from any source (``hold_source_open_idx``,
    ``hold_open_idx``): a join from the few open holds, not a walk through every order."""
    holds = Hold.objects.filter(released_at__isnull=True)
    return Q(id__in=(holds.filter(source=source) if source else holds).values("order_id"))


def gift_scan_pending_q() -> Q:
    """Packing orders whose gift waits for its scan: the label cannot be printed yet."""
    return Q(status=Status.PACKING) & Q(Exists(GiftOrder.objects.filter(
        parent=OuterRef("pk"), status=GiftOrder.GiftStatus.PENDING)))


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("step", _("This step is overdue")),
                ("warehouse", _("Overdue in the warehouse")),
                ("ship_by", _("Past the promised ship-by"))]

    def queryset(self, request, queryset):
        condition = overdue_q(self.value() or "")
        return queryset.filter(condition) if condition is not None else queryset


class OpenHoldFilter(admin.SimpleListFilter):
    title = _("open hold")
    parameter_name = "hold"

    def lookups(self, request, model_admin):
        return [("any", _("Any open hold")), *Hold.Source.choices]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return queryset.filter(open_hold_q())
        if self.value() in Hold.Source.values:
            return queryset.filter(open_hold_q(self.value()))
        return queryset


class GiftScanFilter(admin.SimpleListFilter):
    title = _("gift scan")
    parameter_name = "gift"

    def lookups(self, request, model_admin):
        return [("pending", _("Packing, gift not scanned yet"))]

    def queryset(self, request, queryset):
        return queryset.filter(gift_scan_pending_q()) if self.value() == "pending" else queryset


class CustomerFilter(admin.SimpleListFilter):
    """``?customer=<id>``: one customer's orders across channels (the customer page links
    here). Shown only while in use: a choice among every customer would be useless."""

    title = _("customer")
    parameter_name = "customer"

    def lookups(self, request, model_admin):
        value = self.value() or ""
        return [(value, _("Customer #%(id)s") % {"id": value})] if value.isdigit() else []

    def queryset(self, request, queryset):
        value = self.value() or ""
        return queryset.filter(customer_id=int(value)) if value.isdigit() else queryset
