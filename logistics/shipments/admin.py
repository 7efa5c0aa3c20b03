"""The shipments admin: carriers (operations edit them), parcels with their trace (read-only:
they change through labels and courier pushes), the couriers' pushes as they arrived, and the
parcels panel on the order page (``OrderAdmin.page_panels``)."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from logistics.shipments.buyer_page import tracking_page_url, tracking_qr_svg, tracking_token
from logistics.shipments.carriers import OTHER
from logistics.shipments.services import (
    LABELLABLE,
    PRINT_LABEL_PERMISSION,
    shipment_label_print,
    waybill_number_get,
)
from orderhub.core.errors import DomainError
from logistics.shipments.delivery import shipment_expected, shipments_expected
from logistics.shipments.models import Carrier, CourierPush, Shipment, ShipmentEvent, Trust
from orders.models import Order

TRUST_COLOURS = {Trust.COURIER: "#2e7d32", Trust.AGGREGATOR: "#f9a825", Trust.PERSON: "#c62828"}


def trust_badge(shipment: Shipment) -> str:
    return format_html('<span style="color:{};font-weight:bold">●</span> {}',
                       TRUST_COLOURS.get(shipment.trust, "#666"), shipment.get_trust_display())


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "phone", "tracking_pattern", "kuaidi100_code",
                    "stale_hours", "is_active"]
    list_editable = ["stale_hours", "is_active"]
    search_fields = ["code", "name", "name_en", "aliases"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # parcels keep their carrier: switch it off instead


class ShipmentEventInline(admin.TabularInline):
    model = ShipmentEvent
    fields = ["at", "kind", "description", "location", "courier_code", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ["tracking_no", "carrier", "status", "trust_shown", "orders_shown",
                    "warehouse", "last_event_at", "created_at"]
    list_filter = ["status", "trust", "carrier", "source", "warehouse"]
    search_fields = ["tracking_no", "orders__hub_no"]
    list_select_related = ["carrier", "warehouse"]
    show_full_result_count = False
    inlines = [ShipmentEventInline]
    readonly_fields = ["carrier", "tracking_no", "status", "trust", "source", "warehouse",
                       "origin_province", "dest_province", "created_at", "picked_up_at",
                       "delivered_at", "last_event_at", "sorting_holds", "failed_attempts",
                       "subscribed_at", "subscribe_error", "created_by"]
    exclude = ["stale_alerted_at", "subscribe_attempts"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("orders")

    def get_urls(self):
        return [path("label/<int:order_id>/",
                     self.admin_site.admin_view(require_POST(self.label_view)),
                     name="logistics_shipment_label")] + super().get_urls()

    def label_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        """POST from the order page's label form: the parcel's carrier and its number typed or
        scanned, or one from the electronic waybill; the order then waits for the courier."""
        order = get_object_or_404(Order, pk=order_id)
        if not request.user.has_perm(PRINT_LABEL_PERMISSION):
            raise PermissionDenied
        carrier = request.POST.get("carrier", "").strip()[:50]
        number = request.POST.get("tracking_no", "").strip()[:40]
        source = Shipment.Source.LABEL
        try:
            if not number and request.POST.get("waybill"):
                number = waybill_number_get(order=order, carrier_code=carrier)
                source = Shipment.Source.WAYBILL
            shipment = shipment_label_print(orders=[order], carrier_code=carrier,
                                            tracking_no=number, actor=request.user,
                                            source=source)
        except DomainError as problem:
            self.message_user(request, problem.message, messages.ERROR)
        else:
            self.message_user(request, gettext(
                "Label printed: %(carrier)s %(number)s; the order waits for the courier.")
                % {"carrier": shipment.carrier.name, "number": shipment.tracking_no},
                messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))

    @admin.display(description=_("trust"), ordering="trust")
    def trust_shown(self, shipment: Shipment) -> str:
        return trust_badge(shipment)

    @admin.display(description=_("orders"))
    def orders_shown(self, shipment: Shipment) -> str:
        return ", ".join(order.hub_no for order in shipment.orders.all())


@admin.register(CourierPush)
class CourierPushAdmin(ReadOnlyAdmin):
    list_display = ["id", "source", "received_at", "outcome", "tracking_nos", "error"]
    list_filter = ["source", "outcome"]
    search_fields = ["tracking_nos"]
    show_full_result_count = False


def order_page_shipments_panel(request: HttpRequest, order: Order) -> str:
    """The parcels card on the order page: each parcel, its trust, trace and expected delivery,
    and the buyer's tracking link with its QR code (shown, and downloadable as SVG)."""
    if not request.user.has_perm("logistics.view_shipment"):
        return ""
    shipments = list(Shipment.objects.filter(orders=order).select_related("carrier")
                     .prefetch_related("events").order_by("pk"))
    rows = [{"shipment": s, "trust": trust_badge(s), "expected": shipment_expected(s),
             "events": list(s.events.all()[:20])} for s in shipments]
    may_label = (order.status in LABELLABLE
                 and request.user.has_perm(PRINT_LABEL_PERMISSION))
    link = tracking_page_url(order, request)
    return render_to_string("admin/logistics/includes/order_shipments_panel.html", {
        "rows": rows, "expected": shipments_expected(shipments), "tracking_link": link,
        "tracking_qr": mark_safe(tracking_qr_svg(link, scale=3)),  # segno's own SVG markup
        "tracking_token": tracking_token(order),
        "label_url": reverse("admin:logistics_shipment_label", args=[order.pk]) if may_label
        else "",
        "carriers": Carrier.objects.filter(is_active=True).exclude(code=OTHER) if may_label
        else [],
    }, request=request)


# Orders may not import logistics (STYLE.md): logistics adds its card to the order page.
admin.site.get_model_admin(Order).page_panels.append(order_page_shipments_panel)
