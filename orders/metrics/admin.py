"""The management health page in the admin (Orders → Management health): the figures of a
period, channel and warehouse with their definitions, trend charts by day, stuck orders by
reason, and the orders behind each number. Managers and operations
(``orders.view_metriccount``). Imported by ``orders/admin.py``."""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.metrics.api.serializers import HealthQuerySerializer
from orders.metrics.charts import trend_svg
from orders.metrics.definitions import LABELS
from orders.metrics.models import MetricCount, MetricWarehouse, WeeklyHealthReport
from orders.metrics.selectors import DRILL_DOWN, drill_down, health, stuck_by_reason
from orders.metrics.words import cause_label, figure_shown, reason_label
from orders.models import Channel, Hold, Order
from orders.state_machine import FINAL_STATUSES, Status

PERMISSION = "orders.view_metriccount"
DRILL_LIMIT = 200
#: Which orders stand behind each figure (a key of ``selectors.DRILL_DOWN``).
DRILL_OF = {
    "on_time_ship_rate": "late", "channel_fulfilment_rate": "not_fulfilled",
    "payment_to_ship_hours": "shipped", "transit_days": "delivered",
    "breakpoint_rate": "breakpoint", "interventions_per_1000": "intervention",
    "cross_system_consistency": "breakpoint",
}
DRILL_TITLES = {
    "paid": _("Orders paid"), "not_fulfilled": _("Paid orders not handed over"),
    "breakpoint": _("Orders with a breakpoint"),
    "intervention": _("Paid orders with manual interventions"),
    "due": _("Orders due to ship"), "late": _("Orders due and not shipped on time"),
    "shipped": _("Orders handed over"), "delivered": _("Orders delivered"),
}


class FiguresReadOnly(admin.ModelAdmin):
    """Managers and operations read; nobody edits what the hub computed."""

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MetricCount)
class HealthDashboardAdmin(FiguresReadOnly):
    """The model's list is the management page; the aggregates themselves are not edited."""


    def get_urls(self):
        return [path("orders/", self.admin_site.admin_view(self.drill_down_view),
                     name="orders_metriccount_orders")] + super().get_urls()

    def _query(self, request: HttpRequest) -> tuple[dict[str, Any] | None, dict]:
        query = HealthQuerySerializer(data=request.GET)
        if not query.is_valid():
            return None, query.errors
        return query.validated_data, {}

    def _context(self, request: HttpRequest, **extra) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.opts,
                "channels": Channel.objects.order_by("code"),
                "warehouses": MetricWarehouse.objects.all(), **extra}

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        q, errors = self._query(request)
        context = self._context(request, title=gettext("Management health"), errors=errors)
        if q is None:
            return TemplateResponse(request, "admin/orders/metrics/health.html", context)
        channel = q.get("channel")
        where = {"channel_id": channel.pk if channel else None,
                 "warehouse_id": q.get("warehouse")}
        report = health(since=q["since"], until=q["until"], **where)
        params = {"since": q["since"].isoformat(), "until": q["until"].isoformat(),
                  **({"channel": channel.code} if channel else {}),
                  **({"warehouse": q["warehouse"]} if q.get("warehouse") is not None else {})}
        drill_url = reverse("admin:orders_metriccount_orders")
        rows = []
        for code, figure in report["figures"].items():
            label, definition = LABELS[code]
            drill = DRILL_OF.get(code)
            rows.append({
                "code": code, "label": label, "definition": definition,
                "value": figure_shown(code, figure["value"]),
                "numerator": figure["numerator"], "denominator": figure["denominator"],
                "drill": f"{drill_url}?{urlencode({**params, 'figure': drill})}" if drill else "",
            })
        stuck = [{**row, "label": reason_label(row["reason"]),
                  "url": f"{drill_url}?{urlencode({**params, 'figure': 'stuck', 'reason': row['reason']})}"}
                 for row in stuck_by_reason(**where)]
        days = report["days"]
        charts = [
            trend_svg(title=gettext("On-time ship rate and fulfilment rate"), days=days,
                      percent=True, series=[
                          (str(LABELS["on_time_ship_rate"][0]), "on_time_ship_rate"),
                          (str(LABELS["channel_fulfilment_rate"][0]), "channel_fulfilment_rate"),
                      ]),
            trend_svg(title=str(LABELS["order_health_index"][0]), days=days, series=[
                (str(LABELS["order_health_index"][0]), "order_health_index")]),
            trend_svg(title=gettext("Breakpoints and interventions"), days=days, series=[
                (gettext("Breakpoint rate (‰)"), "breakpoint_per_mille"),
                (str(LABELS["interventions_per_1000"][0]), "interventions_per_1000"),
            ]) if _per_mille(days) else "",
            trend_svg(title=gettext("Fulfilment cycle"), days=days, series=[
                (str(LABELS["payment_to_ship_hours"][0]), "payment_to_ship_hours"),
                (str(LABELS["transit_days"][0]), "transit_days"),
            ]),
        ]
        context.update({
            "query": params, "report": report, "rows": rows, "stuck": stuck,
            "charts": [c for c in charts if c],
            "late_causes": [{**c, "label": cause_label(c["cause"])}
                            for c in report["late_causes"][:3]],
            "steps": [{**s, "label": Status(s["step"]).label,
                       "rate_shown": figure_shown("status_timeliness", s["rate"])}
                      for s in report["steps"]],
            "channel": channel, "warehouse": q.get("warehouse"),
        })
        return TemplateResponse(request, "admin/orders/metrics/health.html", context)

    def drill_down_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        q, errors = self._query(request)
        figure = request.GET.get("figure", "")
        reason = request.GET.get("reason", "")
        if q is None or (figure not in DRILL_DOWN and figure != "stuck"):
            errors = errors or {"figure": [gettext("Unknown figure.")]}
            context = self._context(request, title=gettext("Orders behind a figure"),
                                    errors=errors)
            return TemplateResponse(request, "admin/orders/metrics/orders.html", context,
                                    status=400)
        channel = q.get("channel")
        where = {"channel_id": channel.pk if channel else None,
                 "warehouse_id": q.get("warehouse")}
        if figure == "stuck":
            orders = _stuck_orders(reason, **where)
            title = reason_label(reason) if orders is not None else ""
            if orders is None:
                return TemplateResponse(request, "admin/orders/metrics/orders.html",
                                        self._context(request, errors={"reason": [
                                            gettext("Unknown reason.")]}), status=400)
            rows = [_row(order, getattr(order, "flow", None)) for order in orders[:DRILL_LIMIT]]
        else:
            flows = drill_down(figure=figure, since=q["since"], until=q["until"], **where)
            title = DRILL_TITLES[figure]
            rows = [_row(flow.order, flow) for flow in flows[:DRILL_LIMIT]]
        context = self._context(request, title=f"{title} ({q['since']} – {q['until']})",
                                rows=rows, limit=DRILL_LIMIT, back=reverse(
                                    "admin:orders_metriccount_changelist") + "?" + urlencode(
                                    {k: v for k, v in request.GET.items()
                                     if k not in ("figure", "reason")}))
        return TemplateResponse(request, "admin/orders/metrics/orders.html", context)


def _per_mille(days) -> bool:
    for row in days:
        rate = row["figures"].get("breakpoint_rate")
        row["figures"]["breakpoint_per_mille"] = None if rate is None else rate * 1000
    return True


def _stuck_orders(reason: str, *, channel_id, warehouse_id):
    kind, _sep, code = reason.partition(":")
    orders = Order.objects.select_related("channel", "flow").order_by("-id")
    if channel_id is not None:
        orders = orders.filter(channel_id=channel_id)
    if warehouse_id is not None:
        orders = orders.filter(flow__warehouse_id=warehouse_id)
    if kind == "hold" and code in Hold.Source.values:
        return orders.filter(holds__released_at__isnull=True, holds__source=code).distinct()
    if kind == "sla" and code in Status.values:
        return orders.filter(is_stuck=True, status=code).exclude(status__in=FINAL_STATUSES)
    return None


def _row(order: Order, flow) -> dict[str, Any]:
    return {
        "hub_no": order.hub_no,
        "url": reverse("admin:orders_order_change", args=[order.pk]),
        "status": order.get_status_display(), "channel": order.channel_id,
        "paid_at": getattr(flow, "paid_at", order.paid_at),
        "ship_by": getattr(flow, "ship_by", order.ship_by),
        "shipped_at": getattr(flow, "shipped_at", None),
        "delivered_at": getattr(flow, "delivered_at", None),
        "late_cause": cause_label(flow.late_cause) if flow and flow.late_cause else "",
        "interventions": getattr(flow, "interventions", 0),
        "breakpoint": getattr(flow, "breakpoint", False),
    }


@admin.register(WeeklyHealthReport)
class WeeklyHealthReportAdmin(FiguresReadOnly):
    """The weekly reports as sent (read only); the schedule is under Background jobs."""

    list_display = ("week_start", "created_at", "alert_id")
    readonly_fields = ("week_start", "created_at", "alert_id", "report")
    fields = readonly_fields

    @admin.display(description=_("report"))
    def report(self, obj: WeeklyHealthReport):
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', obj.text)

