"""The floor's pages (admin views, wrapped by ``admin_site.admin_view`` in ``admin``): the
printable pick list of a wave, the scan station and a courier's batch hand-over. Each parses
the request, reads through ``selectors`` and calls one service."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from logistics import texts
from logistics.models import FulfilmentDecision, Warehouse
from logistics.shipments.carriers import OTHER
from logistics.shipments.models import Carrier
from logistics.warehouse.barcodes import code128_svg
from logistics.warehouse.models import Wave
from logistics.warehouse.selectors import locations_of, pick_list, waiting_by_carrier, wave_get
from logistics.warehouse.services import (
    HANDOVER_PERMISSIONS,
    LOCATION_PERMISSIONS,
    STATION_PERMISSIONS,
    StationState,
    Step,
    handover_batch,
    items_to_scan,
    location_lines,
    manifest_numbers,
    pick_locations_set,
    station_carrier_name,
    station_order,
    station_scan,
    station_step,
    station_waybill,
)
from orderhub.core.errors import DomainError, ValidationFailed
from orders.models import GiftOrder

SESSION_KEY = "orderhub.scan_station"
STEPS = (Step.ORDER, Step.ITEMS, Step.GIFTS, Step.LABEL, Step.HAND_OVER)


def _require(request: HttpRequest, permissions) -> None:
    if not all(request.user.has_perm(perm) for perm in permissions):
        raise PermissionDenied


# --- the pick list ------------------------------------------------------------------------------
def pick_list_view(request: HttpRequest, pk: int, admin_site) -> HttpResponse:
    """A wave's pick list, laid out for A4 paper (the print stylesheet hides the toolbar)."""
    _require(request, ["logistics.view_wave"])
    try:
        wave = wave_get(pk=pk)
    except Wave.DoesNotExist:
        raise Http404(_("No such wave.")) from None
    listed = pick_list(wave=wave)
    return TemplateResponse(request, "logistics/warehouse/pick_list.html", {
        **admin_site.each_context(request), "wave": wave, "pick": listed,
        "wave_barcode": code128_svg(wave.number, height_mm=12),
        "order_barcodes": [(order, code128_svg(order.hub_no)) for order in listed.orders],
        "printed_at": timezone.localtime(), "title": _("Pick list %(wave)s") % {
            "wave": wave.number},
        "queue_url": reverse("admin:logistics_pickingqueueentry_changelist"),
    })


# --- the scan station ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def scan_station_view(request: HttpRequest, admin_site) -> HttpResponse:
    """One input, always focused: Enter sends the scan, Esc leaves the order, F2 asks the
    electronic-waybill provider for the label's number. Post, then redirect (a reload never
    scans twice); the last result is shown once."""
    _require(request, STATION_PERMISSIONS)
    state = StationState.load(request.session.get(SESSION_KEY))
    if request.method == "POST":
        action = request.POST.get("action", "scan")
        if action == "cancel":
            order = station_order(state)
            state.leave()
            result = {"ok": True, "message": (texts.SCAN_LEFT.encode(hub_no=order.hub_no)
                                              if order else texts.SCAN_NEXT_ORDER.encode())}
        else:
            try:
                scanned = (station_waybill(state=state, actor=request.user)
                           if action == "waybill" else
                           station_scan(state=state, code=request.POST.get("code", "")[:100],
                                        actor=request.user))
            except DomainError as refused:  # a permission lost mid-shift, an order gone
                result = {"ok": False, "message": refused.message}
            else:
                result = {"ok": scanned.ok, "message": scanned.message,
                          "finished": scanned.finished}
        request.session[SESSION_KEY] = {**state.dump(), "result": result}
        return HttpResponseRedirect(request.path)
    result = (request.session.get(SESSION_KEY) or {}).get("result")
    if result:
        request.session[SESSION_KEY] = state.dump()
    order = station_order(state)
    step = station_step(state, order)
    if order is not None and step == Step.ORDER:
        order = None
    items, gifts = [], []
    if order is not None:
        warehouse_id = (FulfilmentDecision.objects.filter(order=order)
                        .values_list("warehouse_id", flat=True).first())
        counts = items_to_scan(state, order)
        where = locations_of((warehouse_id, sku) for sku, _c, _w in counts)
        titles = dict(order.lines.values_list("sku", "title"))
        items = [{"sku": sku, "title": titles.get(sku, ""), "counted": counted,
                  "wanted": wanted, "location": where.get((warehouse_id, sku), "—"),
                  "done": step != Step.ITEMS or counted >= wanted}
                 for sku, counted, wanted in counts]
        gifts = list(order.gift_orders.exclude(status=GiftOrder.GiftStatus.CANCELLED)
                     .order_by("pk"))
    return TemplateResponse(request, "logistics/warehouse/scan_station.html", {
        **admin_site.each_context(request), "title": _("Scan station"),
        "order": order, "step": step, "steps": _steps(step), "items": items, "gifts": gifts,
        "result": result, "carrier": state.carrier,
        "carrier_name": station_carrier_name(state.carrier),
        "carriers": Carrier.objects.filter(is_active=True).exclude(code=OTHER)
        .values_list("code", "name"),
        "prompt": _prompt(step),
    })


def _steps(current: str) -> list[dict]:
    labels = {Step.ORDER: _("Scan the order"), Step.ITEMS: _("Items"), Step.GIFTS: _("Gifts"),
              Step.LABEL: _("Tracking number"), Step.HAND_OVER: _("Hand over")}
    at = STEPS.index(current)
    return [{"key": key, "label": labels[key], "done": index < at, "current": index == at}
            for index, key in enumerate(STEPS)]


def _prompt(step: str) -> str:
    return {
        Step.ORDER: _("Scan the order (hub number, channel order number or pick-list barcode)"),
        Step.ITEMS: _("Scan each item (SKU or barcode)"),
        Step.GIFTS: _("Scan the gift"),
        Step.LABEL: _("Scan or type the tracking number (a carrier code changes the carrier; "
                      "F2: electronic waybill)"),
        Step.HAND_OVER: _("Scan the label again or press Enter to hand over"),
    }[step]


# --- the batch hand-over ------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def handover_view(request: HttpRequest, admin_site) -> HttpResponse:
    """Hand the courier all of a carrier's labelled parcels, or those its manifest lists."""
    _require(request, HANDOVER_PERMISSIONS)
    carrier = request.POST.get("carrier", "")[:16]
    manifest = request.POST.get("manifest", "")[:20_000]
    results = None
    if request.method == "POST":
        try:
            numbers = manifest_numbers(manifest)
            results = handover_batch(actor=request.user, carrier_code=carrier,
                                     tracking_numbers=numbers)
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            moved = sum(result.moved for result in results)
            messages.add_message(request, messages.SUCCESS if moved else messages.WARNING,
                                 _("%(moved)d order(s) handed over; %(refused)d not (why: "
                                   "below).") % {"moved": moved,
                                                 "refused": len(results) - moved})
    return TemplateResponse(request, "logistics/warehouse/handover.html", {
        **admin_site.each_context(request), "title": _("Hand over to the courier"),
        "carriers": waiting_by_carrier(), "chosen": carrier, "manifest": manifest,
        "results": results,
    })


# --- pick locations pasted from a spreadsheet ---------------------------------------------------
@require_http_methods(["GET", "POST"])
def pick_locations_paste_view(request: HttpRequest, admin_site) -> HttpResponse:
    """A warehouse's pick locations, many at once: two columns pasted (SKU, location)."""
    _require(request, LOCATION_PERMISSIONS)
    warehouses = list(Warehouse.objects.filter(is_active=True).order_by("priority", "code"))
    chosen = request.POST.get("warehouse", "")
    text = request.POST.get("lines", "")[:400_000]
    if request.method == "POST":
        warehouse = next((w for w in warehouses if str(w.pk) == chosen), None)
        try:
            if warehouse is None:
                raise ValidationFailed(_("Choose the warehouse."))
            added, changed = pick_locations_set(warehouse_id=warehouse.pk,
                                                rows=location_lines(text), actor=request.user)
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("%(warehouse)s: %(added)d location(s) added, "
                                        "%(changed)d changed.")
                             % {"warehouse": warehouse.code, "added": added,
                                "changed": changed})
            return HttpResponseRedirect(
                f"{reverse('admin:logistics_picklocation_changelist')}"
                f"?warehouse__id__exact={warehouse.pk}")
    return TemplateResponse(request, "logistics/warehouse/pick_locations_paste.html", {
        **admin_site.each_context(request), "title": _("Paste pick locations"),
        "warehouses": warehouses, "chosen": chosen, "lines": text,
    })
