"""The management figures' stored state: one row of facts per order, and the daily aggregates.

``MetricCount`` holds, per local day, channel, warehouse and key (``definitions``), the sum of
what the orders contributed. ``OrderFlow`` remembers what each order contributed and under
which channel and warehouse, so that a refresh adds only the difference: the aggregates are
kept by the event handler in the transaction that marks its events done, and the page and the
API read a few hundred rows for a month instead of scanning the orders.

The warehouse is logistics' decision; orders never imports logistics, so logistics tells us
(``services.order_flows_route``) and we keep it here as a plain number (0: not routed).
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MetricCount(models.Model):
    """The sum of one key's contributions on one day, for one channel and warehouse."""

    day = models.DateField(_("day"))
    channel_id = models.IntegerField(_("channel"))
    warehouse_id = models.IntegerField(_("warehouse"), default=0)
    key = models.CharField(_("key"), max_length=48)
    value = models.BigIntegerField(_("value"), default=0)

    class Meta:
        app_label = "orders"
        # Staff find the management page under this name (the model's changelist is the page).
        verbose_name = _("management health")
        verbose_name_plural = _("management health")
        constraints = [
            models.UniqueConstraint(fields=["day", "channel_id", "warehouse_id", "key"],
                                    name="uniq_metric_count"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.key}={self.value}"


class OrderFlow(models.Model):
    """One order's facts for the figures and what it contributed (for the drill-down too)."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, primary_key=True,
                                 related_name="flow", verbose_name=_("order"))
    channel_id = models.IntegerField(_("channel"))
    warehouse_id = models.IntegerField(_("warehouse"), default=0)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    ship_by = models.DateTimeField(_("promised ship-by"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("cancelled or refunded at"), null=True, blank=True)
    due = models.BooleanField(_("due to ship"), default=False)
    on_time = models.BooleanField(_("shipped on time"), default=False)
    breakpoint = models.BooleanField(_("breakpoint"), default=False)
    interventions = models.PositiveSmallIntegerField(_("manual interventions"), default=0)
    late_cause = models.CharField(_("cause of lateness"), max_length=40, blank=True)
    contribution = models.JSONField(_("contribution"), default=dict, blank=True)

    class Meta:
        app_label = "orders"
        verbose_name = _("order flow")
        verbose_name_plural = _("order flows")
        indexes = [
            models.Index(fields=["paid_at"], name="flow_paid_idx"),
            models.Index(fields=["ship_by"], name="flow_ship_by_idx"),
            models.Index(fields=["shipped_at"], name="flow_shipped_idx"),
            models.Index(fields=["delivered_at"], name="flow_delivered_idx"),
            # Orders due and not yet shipped: the undecided ones of a period (ship-by ahead).
            models.Index(fields=["ship_by"], name="flow_unshipped_idx",
                         condition=Q(due=True, shipped_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return str(self.order_id)


class MetricWarehouse(models.Model):
    """A warehouse's name as logistics gave it, for the figures' filters (orders cannot read
    logistics' own table)."""

    warehouse_id = models.IntegerField(_("warehouse"), primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        app_label = "orders"
        verbose_name = _("warehouse (figures)")
        verbose_name_plural = _("warehouses (figures)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WeeklyHealthReport(models.Model):
    """One week's health report as it was sent (Monday to Sunday, the hub's local days)."""

    week_start = models.DateField(_("week from (Monday)"), unique=True)
    data = models.JSONField(_("figures"), default=dict)
    text = models.TextField(_("report"))
    alert_id = models.BigIntegerField(_("alert"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        app_label = "orders"
        verbose_name = _("weekly health report")
        verbose_name_plural = _("weekly health reports")
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.week_start}"
