"""The logistics admin: warehouses, stock (import/export), the ledger, the rules operations
staff write, decisions with the rules that matched, merged parcels and the picking queue.

Counters, decisions and the ledger are read-only here: stock changes through the import (which
writes ledger rows), orders through ``orders.services``. The order page's fulfilment panel
(``logistics.templatetags.logistics_admin``) posts to the order-action views below, which call
one service each and report with ``message_user``.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from logistics import texts
from logistics.board import warehouse_board
from logistics.warehouse.admin import pick_list_link
from logistics.warehouse.models import WaveOrder, wave_number
from logistics.warehouse.selectors import locations_of
from logistics.warehouse.services import (
    HANDOVER_PERMISSIONS,
    STATION_PERMISSIONS,
    waves_create,
)
from logistics.forms import (
    AddressChangeForm,
    GiftScanForm,
    RefundRequestForm,
    RuleActionForm,
    RuleConditionForm,
    StockImportConfirmForm,
    StockImportForm,
)
from logistics.importers import read_sheet, stock_export, stock_import
from logistics.rules import rule_try
from logistics.models import (
    FulfilmentDecision,
    FulfilmentRule,
    FulfilmentSettings,
    Parcel,
    ParcelMember,
    PickingQueueEntry,
    Reservation,
    RuleAction,
    RuleCondition,
    RuleMatch,
    Stock,
    StockMovement,
    Warehouse,
    WarehouseDay,
)
from logistics.templatetags.logistics_admin import order_fulfilment_panel
from logistics.selectors import (
    PICKING_ORDER,
    QUEUE_STATUSES,
    decision_outcome_text,
    pending_gifts,
)
from logistics.services.fulfilment import fulfilment_retry
from orderhub.core.errors import DomainError
from orders.addresses.forms import PARTS
from orders.addresses.parsing import address_parse
from orders.admin import ReadOnlyInline, ReadOnlyMixin
from orders.holds import ADDRESS_CHANGE_KEY, holds_text, open_holds
from orders.models import Hold, Order
from orders.state_machine import Status
from orders.services import (
    gift_scan,
    order_change_address,
    order_request_refund,
    order_start_picking,
)


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Rows written by services only: viewable, never edited here."""


def report_bulk(modeladmin: admin.ModelAdmin, request: HttpRequest, *, done: str,
                count: int, refused: list[str]) -> None:
    """One summary line for a bulk action, then the first refusals, each with its reason."""
    modeladmin.message_user(request, done % {"count": count},
                            messages.SUCCESS if count else messages.WARNING)
    for message in refused[:10]:
        modeladmin.message_user(request, message, messages.ERROR)


def order_link(order: Order) -> str:
    url = reverse("admin:orders_order_change", args=[quote(order.pk)])
    return format_html('<a href="{}">{}</a>', url, order.hub_no)


# --- warehouses ---------------------------------------------------------------------------------
@admin.register(Warehouse)
class WarehouseAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "provinces", "priority", "daily_capacity", "used_today",
                    "is_active")
    list_editable = ("priority", "daily_capacity", "is_active")
    search_fields = ("code", "name")

    def get_queryset(self, request):
        today = WarehouseDay.objects.filter(warehouse=OuterRef("pk"), day=timezone.localdate())
        return super().get_queryset(request).annotate(
            assigned_today=Coalesce(Subquery(today.values("assigned")[:1]), Value(0),
                                    output_field=IntegerField()))

    @admin.display(description=_("orders today"), ordering="assigned_today")
    def used_today(self, obj: Warehouse) -> int:
        return obj.assigned_today


# --- stock --------------------------------------------------------------------------------------
class LowStockFilter(admin.SimpleListFilter):
    title = _("stock level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("low", _("At or under the threshold")),
                ("out", pgettext_lazy("stock level", "None available"))]

    def queryset(self, request, queryset):
        available = F("on_hand") - F("reserved") - F("samples")
        if self.value() == "low":
            return queryset.alias(left=available).filter(left__lte=F("low_stock_threshold"))
        if self.value() == "out":
            return queryset.alias(left=available).filter(left__lte=0)
        return queryset


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ("sku", "warehouse", "on_hand", "reserved", "samples", "available_units",
                    "low_stock_threshold", "low_flag")
    list_filter = ("warehouse", LowStockFilter)
    list_select_related = ("warehouse",)
    search_fields = ("=sku",)
    search_help_text = _("Exact SKU.")
    readonly_fields = ("warehouse", "sku", "on_hand", "reserved", "samples", "available_units",
                       "low_stock_alerted", "updated_at")
    fields = (("warehouse", "sku"), ("on_hand", "reserved", "samples", "available_units"),
              ("low_stock_threshold", "low_stock_alerted"), "updated_at")
    show_full_result_count = False
    change_list_template = "admin/logistics/stock/change_list.html"

    def has_add_permission(self, request):
        return False  # rows come from the import, with their ledger rows

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("available"))
    def available_units(self, obj: Stock) -> int:
        return obj.available

    @admin.display(description=_("low"), boolean=True)
    def low_flag(self, obj: Stock) -> bool:
        return obj.available <= obj.low_stock_threshold

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": request.user.has_perm("logistics.import_stock"),
            "can_export": request.user.has_perm("logistics.export_stock"),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="logistics_stock_import"),
            path("export/<slug:file_format>/", view(self.export_view),
                 name="logistics_stock_export"),
        ] + super().get_urls()

    def export_view(self, request: HttpRequest, file_format: str) -> HttpResponse:
        if not request.user.has_perm("logistics.export_stock"):
            raise PermissionDenied
        content, content_type, name = stock_export(
            file_format="xlsx" if file_format == "xlsx" else "csv")
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload → dry run (every change and every bad row) → confirm → applied, or nothing."""
        if not request.user.has_perm("logistics.import_stock"):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": gettext("Import stock levels")}
        form = StockImportForm()
        if request.method == "POST" and "stored" in request.POST:
            confirm = StockImportConfirmForm(request.POST)
            if confirm.is_valid() and default_storage.exists(confirm.cleaned_data["stored"]):
                return self._apply_import(request, confirm.cleaned_data, context)
            context["problem"] = gettext("The preview expired; upload the file again.")
        elif request.method == "POST":
            form = StockImportForm(request.POST, request.FILES)
            if form.is_valid():
                self._preview_import(request, form.cleaned_data["file"], context)
        context["form"] = form
        return TemplateResponse(request, "admin/logistics/stock_import.html", context)

    def _preview_import(self, request: HttpRequest, upload, context: dict) -> None:
        content = upload.read()
        name = upload.name or "stock.csv"
        try:
            result = stock_import(dataset=read_sheet(content, file_name=name),
                                  actor=request.user, dry_run=True)
        except DomainError as refused:
            context["problem"] = refused.message
            return
        context.update(result=result, file_name=name)
        if result.ok and result.changes:
            suffix = "xlsx" if name.lower().endswith(".xlsx") else "csv"
            context["stored"] = default_storage.save(
                f"stock-imports/{uuid.uuid4().hex}.{suffix}", ContentFile(content))

    def _apply_import(self, request: HttpRequest, data: dict, context: dict) -> HttpResponse:
        stored, name = data["stored"], data["file_name"]
        with default_storage.open(stored, "rb") as handle:
            content = handle.read()
        try:
            result = stock_import(dataset=read_sheet(content, file_name=stored),
                                  actor=request.user, dry_run=False,
                                  reason=texts.STOCK_IMPORT.encode(file=name))
        except DomainError as refused:
            context.update(problem=refused.message, form=StockImportForm())
            return TemplateResponse(request, "admin/logistics/stock_import.html", context)
        if not result.ok:
            context.update(result=result, file_name=name, form=StockImportForm(),
                           problem=gettext("Nothing was imported: the stock changed since the "
                                           "preview and some rows no longer fit."))
            return TemplateResponse(request, "admin/logistics/stock_import.html", context)
        default_storage.delete(stored)
        self.message_user(request, gettext("%(count)d stock row(s) imported from %(name)s.")
                          % {"count": len(result.levels), "name": name}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:logistics_stock_changelist"))


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "stock", "quantity", "on_hand_delta",
                    "reserved_delta", "samples_delta", "order", "reason", "actor")
    list_filter = ("kind", "stock__warehouse")
    list_select_related = ("stock__warehouse", "order", "actor")
    search_fields = ("=stock__sku", "=order__hub_no")
    search_help_text = _("Exact SKU or hub order number.")
    show_full_result_count = False


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("order", "stock", "quantity", "status", "created_at", "closed_at")
    list_filter = ("status", "stock__warehouse")
    list_select_related = ("order", "stock__warehouse")
    search_fields = ("=order__hub_no", "=stock__sku")
    show_full_result_count = False


# --- rules --------------------------------------------------------------------------------------
class RuleConditionInline(admin.TabularInline):
    model = RuleCondition
    form = RuleConditionForm
    extra = 1


class RuleActionInline(admin.TabularInline):
    model = RuleAction
    form = RuleActionForm
    extra = 1


@admin.register(FulfilmentRule)
class FulfilmentRuleAdmin(SimpleHistoryAdmin):
    list_display = ("name", "priority", "match", "conditions_text", "actions_text", "is_active",
                    "stop_processing")
    list_editable = ("priority", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = (RuleConditionInline, RuleActionInline)
    fields = ("name", ("priority", "match"), ("is_active", "stop_processing"), "description")

    change_form_template = "admin/logistics/fulfilmentrule/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("conditions", "actions__warehouse")

    # --- "try on order": the rule as typed, judged against one order, nothing saved ----------
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.method == "POST" and TRY_BUTTON in request.POST:
            # The form refuses to save (RuleTrialForm.clean); render_change_form shows the
            # trial instead of the refusal.
            form = type("RuleTrialForm", (RuleTrialForm, form), {})
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if isinstance(form, RuleTrialForm) and _only_the_trial_stopped(form):
            form.errors.pop(NON_FIELD_ERRORS, None)
            formsets = [inline.formset for inline in context["inline_admin_formsets"]]
            context["errors"] = helpers.AdminErrorList(form, formsets)
            if not any(formset.total_error_count() for formset in formsets) and not form.errors:
                context.update(self.rule_trial_context(request, form, formsets))
        context["try_hub_no"] = request.POST.get(TRY_HUB_NO, "") if request.method == "POST" else ""
        return super().render_change_form(request, context, add, change, form_url, obj)

    def rule_trial_context(self, request, form, formsets) -> dict:
        hub_no = request.POST.get(TRY_HUB_NO, "").strip().upper()[:32]
        order = Order.objects.filter(hub_no=hub_no).first() if hub_no else None
        if order is None:
            return {"rule_trial_problem": gettext("No order with hub number “%(hub_no)s”.")
                    % {"hub_no": hub_no} if hub_no else gettext("Type a hub number to try.")}
        typed = {RuleCondition: [], RuleAction: []}
        for formset in formsets:
            for inline_form in formset.forms:
                data = getattr(inline_form, "cleaned_data", None) or {}
                if data and not data.get("DELETE") and (inline_form.has_changed()
                                                         or inline_form.instance.pk):
                    typed[formset.model].append(inline_form.save(commit=False))
        trial = rule_try(match=form.cleaned_data["match"], conditions=typed[RuleCondition],
                         order=order)
        return {"rule_trial": trial, "rule_trial_actions": [
            _action_text(action) for action in typed[RuleAction]]}

    @admin.display(description=_("conditions"))
    def conditions_text(self, obj: FulfilmentRule) -> str:
        joiner = " & " if obj.match == FulfilmentRule.Match.ALL else " | "
        return joiner.join(
            f"{c.get_fact_display()} {c.get_operator_display()} {c.value}"
            for c in obj.conditions.all()) or "—"

    @admin.display(description=_("actions"))
    def actions_text(self, obj: FulfilmentRule) -> str:
        return ", ".join(_action_text(a) for a in obj.actions.all()) or "—"


def _action_text(action: RuleAction) -> str:
    return (f"{action.get_kind_display()}"
            + (f" {action.warehouse.code}" if action.warehouse_id else "")
            + (f" {action.get_priority_display()}" if action.priority is not None else "")
            + (f" {action.value}" if action.value else ""))


TRY_BUTTON = "_try_on_order"
TRY_HUB_NO = "try_hub_no"


class RuleTrialForm(forms.ModelForm):
    """The rule's form when staff try it on an order: valid or not, it is never saved."""

    def clean(self):
        cleaned = super().clean()
        raise ValidationError(gettext("Tried on an order, not saved."), code="trial")


def _only_the_trial_stopped(form) -> bool:
    errors = form.errors.as_data()
    return list(errors) == [NON_FIELD_ERRORS] and all(
        error.code == "trial" for error in errors[NON_FIELD_ERRORS])


@admin.register(FulfilmentSettings)
class FulfilmentSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "merge_min_orders", "merge_window_hours",
                    "near_identical_window_minutes")

    def has_add_permission(self, request):
        return not FulfilmentSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


# --- decisions, parcels ---------------------------------------------------------------------------
class RuleMatchInline(ReadOnlyInline):
    model = RuleMatch
    fields = ("rule_priority", "rule_name", "seen", "done")
    readonly_fields = fields


@admin.register(FulfilmentDecision)
class FulfilmentDecisionAdmin(ReadOnlyAdmin):
    list_display = ("order_no", "outcome_shown", "warehouse", "over_capacity", "attempts",
                    "decided_at", "summary")
    list_filter = ("outcome", "warehouse", "over_capacity")
    list_select_related = ("order", "warehouse")
    search_fields = ("=order__hub_no",)
    search_help_text = _("Exact hub order number.")
    inlines = (RuleMatchInline,)
    actions = ("retry_reservation",)
    show_full_result_count = False

    @admin.display(description=_("order"), ordering="order__hub_no")
    def order_no(self, obj: FulfilmentDecision) -> str:
        return order_link(obj.order)

    @admin.display(description=_("outcome"), ordering="outcome")
    def outcome_shown(self, obj: FulfilmentDecision) -> str:
        return decision_outcome_text(obj, status=obj.order.status)

    @admin.action(description=_("Retry the stock reservation"),
                  permissions=["retry"])
    def retry_reservation(self, request: HttpRequest, queryset: QuerySet) -> None:
        done, refused = 0, []
        for decision in queryset.select_related("order").order_by("order_id"):
            try:
                result = fulfilment_retry(order_id=decision.order_id, actor=request.user)
            except DomainError as problem:
                refused.append(problem.message)
                continue
            done += result.outcome == FulfilmentDecision.Outcome.ALLOCATED
        report_bulk(self, request, done=gettext("%(count)d order(s) now have their stock."),
                    count=done, refused=refused)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("logistics.retry_fulfilment")

    # --- the order-page actions (posted from the fulfilment panel) ---------------------------
    def get_urls(self):
        def wrap(view: Callable, *, post_only: bool = False) -> Callable:
            return self.admin_site.admin_view(require_POST(view) if post_only else view)

        return [
            path("order/<int:order_id>/scan/", wrap(self.scan_view, post_only=True),
                 name="logistics_order_scan"),
            path("order/<int:order_id>/address/", wrap(self.address_view),
                 name="logistics_order_address"),
            path("order/<int:order_id>/refund-request/", wrap(self.refund_request_view),
                 name="logistics_order_refund_request"),
        ] + super().get_urls()

    def _back(self, order: Order) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[quote(order.pk)]))

    def _form_page(self, request, order: Order, form, *, title: str, submit: str,
                   extra: dict | None = None):
        context = {**self.admin_site.each_context(request), "opts": Order._meta, "title": title,
                   "order": order, "form": form, "submit": submit, **(extra or {}),
                   "hold_text": holds_text(open_holds(order)),
                   "order_url": reverse("admin:orders_order_change", args=[quote(order.pk)])}
        return TemplateResponse(request, "admin/logistics/order_form.html", context)

    def scan_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = get_object_or_404(Order, pk=order_id)
        form = GiftScanForm(request.POST)
        gifts = pending_gifts(order=order)
        if not form.is_valid():
            self.message_user(request, gettext("Scan or type the gift's code."), messages.ERROR)
        elif not gifts:
            self.message_user(request, gettext("Order %(no)s has no gift waiting to be scanned.")
                              % {"no": order.hub_no}, messages.WARNING)
        else:
            code = form.cleaned_data["code"].strip()
            gift = next((g for g in gifts if g.sku.lower() == code.lower()), gifts[0])
            try:
                gift_scan(gift=gift, actor=request.user, code=code)
                self.message_user(request, gettext("Gift %(no)s scanned.") % {"no": gift.hub_no},
                                  messages.SUCCESS)
            except DomainError as refused:
                self.message_user(request, refused.message, messages.ERROR)
        return self._back(order)

    def address_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = get_object_or_404(Order, pk=order_id)
        stored = {part: getattr(order, f"receiver_{part}") for part in PARTS}
        parsed = None
        if request.method == "POST" and "split" in request.POST:
            # Without the script: split the pasted text here and show the parts to check;
            # nothing is saved until the person submits the form again.
            parsed = address_parse(request.POST.get("pasted", ""))
            initial = {**{part: request.POST.get(part, "") for part in PARTS},
                       **{part: value for part, value in parsed.receiver().items() if value},
                       "pasted": request.POST.get("pasted", ""),
                       "reason": request.POST.get("reason", "")}
            form = AddressChangeForm(initial=initial, stored=stored)
        elif request.method == "POST":
            form = AddressChangeForm(request.POST, stored=stored)
            if form.is_valid():
                try:
                    changed = order_change_address(order=order, receiver=form.receiver(),
                                                   actor=request.user,
                                                   reason=form.cleaned_data["reason"])
                except DomainError as refused:
                    form.add_error(None, refused.message)
                else:
                    self.message_user(request, _address_message(changed), messages.SUCCESS)
                    return self._back(order)
        else:
            form = AddressChangeForm(initial=stored, stored=stored)
        return self._form_page(request, order, form, submit=gettext("Change the address"),
                               title=gettext("Change the address of %(no)s") % {"no": order.hub_no},
                               extra={"parsed": parsed, "split": True})

    def refund_request_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = get_object_or_404(Order, pk=order_id)
        form = RefundRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                order_request_refund(order=order, actor=request.user,
                                     reason=form.cleaned_data["reason"])
            except DomainError as refused:
                form.add_error(None, refused.message)
            else:
                self.message_user(request, gettext("Order %(no)s is held for the refund request.")
                                  % {"no": order.hub_no}, messages.SUCCESS)
                return self._back(order)
        return self._form_page(request, order, form, submit=gettext("Hold for refund"),
                               title=gettext("Refund request for %(no)s") % {"no": order.hub_no})


def _address_message(order: Order) -> str:
    if Hold.objects.filter(order=order, key=ADDRESS_CHANGE_KEY, released_at__isnull=True).exists():
        return gettext("Address changed. Picking had started: the order is held and the "
                       "warehouse alerted.")
    return gettext("Address changed; the old one is kept in the history.")


class ParcelMemberInline(ReadOnlyInline):
    model = ParcelMember
    fields = ("order", "shipping_waived", "waived_amount", "joined_at")
    readonly_fields = fields


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "warehouse", "status", "member_count", "window_ends_at",
                    "created_at")
    list_filter = ("status", "warehouse")
    list_select_related = ("warehouse",)
    search_fields = ("=members__order__hub_no",)
    inlines = (ParcelMemberInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members")

    @admin.display(description=_("orders"))
    def member_count(self, obj: Parcel) -> int:
        return len(obj.members.all())


# --- the picking queue --------------------------------------------------------------------------
class PickingQueueChangeList(ChangeList):
    """Reads the shown page's pick locations and waves in one query each."""

    def get_results(self, request):
        super().get_results(request)
        entries = list(self.result_list)
        locations = locations_of((entry.warehouse_id, line.sku) for entry in entries
                                 for line in entry.order.lines.all())
        waves = dict(WaveOrder.objects.filter(order_id__in=[e.order_id for e in entries])
                     .values_list("order_id", "wave_id"))
        for entry in entries:
            entry.pick_locations = locations
            entry.wave_id = waves.get(entry.order_id)


@admin.register(PickingQueueEntry)
class PickingQueueAdmin(ReadOnlyAdmin):
    """Across warehouses, the most overdue step first (how far past its due time the order's
    current step is), then the earliest ship-by; each row shows what to pick and where."""

    list_display = ("order_no", "warehouse_code", "status", "goods", "due", "ship_by", "marks",
                    "wave")
    list_filter = ("warehouse", "order__status", "order__on_hold")
    list_select_related = ("order", "warehouse", "order__channel")
    search_fields = ("=order__hub_no",)
    actions = ("make_wave", "start_picking")
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            outcome=FulfilmentDecision.Outcome.ALLOCATED, order__status__in=QUEUE_STATUSES,
        ).prefetch_related("order__gift_orders", "order__lines")

    def get_ordering(self, request):
        return PICKING_ORDER

    def get_changelist(self, request, **kwargs):
        return PickingQueueChangeList

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "floor_links": floor_links(request)}
        return super().changelist_view(request, extra_context)

    # --- the warehouse board (issue 12 item 8) --------------------------------------------------
    BOARD_REFRESH_SECONDS = 30

    def get_urls(self):
        return [path("board/", self.admin_site.admin_view(self.board_view),
                     name="logistics_board")] + super().get_urls()

    def board_view(self, request: HttpRequest) -> HttpResponse:
        """Open work by warehouse and step, most overdue first. The page asks for its table
        again every ``BOARD_REFRESH_SECONDS`` (``?fragment=1``: the table alone), so the floor
        watches it without reloading."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {"board": warehouse_board(), "now": timezone.now()}
        asked = request.GET.get("refresh", "")
        refresh = (min(max(int(asked), 2), 3600) if asked.isdigit()
                   else self.BOARD_REFRESH_SECONDS)
        if request.GET.get("fragment") == "1":
            return TemplateResponse(request, "admin/logistics/includes/board_table.html", context)
        return TemplateResponse(request, "admin/logistics/board.html", {
            **self.admin_site.each_context(request), **context, "opts": self.opts,
            "title": gettext("Warehouse board"), "refresh_seconds": refresh,
            "fragment_url": f"{reverse('admin:logistics_board')}?fragment=1",
            "floor_links": floor_links(request),
        })

    @admin.display(description=_("order"))
    def order_no(self, obj) -> str:
        return order_link(obj.order)

    @admin.display(description=_("warehouse"), ordering="warehouse__code")
    def warehouse_code(self, obj) -> str:
        return obj.warehouse.code if obj.warehouse else "—"

    @admin.display(description=_("status"))
    def status(self, obj) -> str:
        return obj.order.get_status_display()

    @admin.display(description=_("SKU × quantity @ location"))
    def goods(self, obj) -> str:
        where = getattr(obj, "pick_locations", {})
        return format_html_join(
            mark_safe("<br>"), '<span class="oh-goods"><b>{}</b> × {} @ {}</span>',
            ((line.sku, line.quantity, where.get((obj.warehouse_id, line.sku), "—"))
             for line in obj.order.lines.all()))

    @admin.display(description=_("due"), ordering="order__state_due_at")
    def due(self, obj) -> str:
        due = obj.order.state_due_at
        if due is None:
            return "—"
        late = timezone.now() - due
        if late.total_seconds() > 0:
            return format_html('<span class="oh-overdue" style="color:#b91c1c;font-weight:600">'
                               '{}</span>', gettext("%(time)s overdue") % {
                                   "time": timesince(due, depth=2)})
        return gettext("in %(time)s") % {"time": timeuntil(due, depth=2)}

    @admin.display(description=_("ship by"))
    def ship_by(self, obj):
        return obj.order.ship_by

    @admin.display(description=_("marks"))
    def marks(self, obj) -> str:
        """Only what is out of the ordinary: held, urgent, a gift to scan (a normal order
        carries no mark)."""
        marks = []
        if obj.order.on_hold:
            marks.append(('oh-mark-held', "#b91c1c", gettext("Held")))
        if obj.order.priority > Order.Priority.NORMAL:
            marks.append(('oh-mark-urgent', "#c2410c", obj.order.get_priority_display()))
        if any(g.status == "pending" for g in obj.order.gift_orders.all()):
            marks.append(('oh-mark-gift', "#1d4ed8", gettext("Gift to scan")))
        return format_html_join(" ", '<span class="{}" style="color:{};font-weight:600">{}</span>',
                                marks)

    @admin.display(description=_("pick list"))
    def wave(self, obj) -> str:
        wave_id = getattr(obj, "wave_id", None)
        return pick_list_link(wave_id, wave_number(wave_id)) if wave_id else "—"

    @admin.action(description=_("Make a wave and open its pick list"), permissions=["pick"])
    def make_wave(self, request: HttpRequest, queryset: QuerySet):
        ordered = list(queryset.order_by(*PICKING_ORDER).values_list("order_id", flat=True))
        try:
            made = waves_create(order_ids=ordered, actor=request.user)
        except DomainError as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return None
        for message in made.refused[:10]:
            self.message_user(request, message, messages.ERROR)
        if len(made.waves) == 1:
            return HttpResponseRedirect(reverse("admin:logistics_wave_picklist",
                                                args=[made.waves[0].pk]))
        for wave in made.waves:
            self.message_user(request, format_html(gettext("Wave {} made: {}"), wave.number,
                                                   pick_list_link(wave.pk, gettext("pick list"))),
                              messages.SUCCESS)
        return None

    @admin.action(description=_("Start picking"), permissions=["pick"])
    def start_picking(self, request: HttpRequest, queryset: QuerySet) -> None:
        started, refused = 0, []
        for entry in queryset.select_related("order").order_by("order_id"):
            try:
                order_start_picking(order=entry.order, actor=request.user,
                                    reason=texts.PICKING_QUEUE.encode())
                started += 1
            except DomainError as problem:
                refused.append(problem.message)
        report_bulk(self, request, done=gettext("Picking started for %(count)d order(s)."),
                    count=started, refused=refused)

    def has_pick_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.pick_order")


def floor_links(request: HttpRequest) -> list[tuple[str, str]]:
    """The floor's pages the user may open, for the queue's header."""
    links = []
    if all(request.user.has_perm(perm) for perm in STATION_PERMISSIONS):
        links.append((reverse("admin:logistics_scan_station"), gettext("Scan station")))
    if all(request.user.has_perm(perm) for perm in HANDOVER_PERMISSIONS):
        links.append((reverse("admin:logistics_handover"), gettext("Hand over to the courier")))
    if request.user.has_perm("logistics.view_wave"):
        links.append((reverse("admin:logistics_wave_changelist"), gettext("Waves")))
    return links


def order_page_fulfilment_panel(request: HttpRequest, order: Order) -> str:
    """The logistics card on the order page: gifts to scan, address change, refund request,
    why the order is where it is, the stock it holds and its parcel."""
    context = order_fulfilment_panel({"request": request, "csrf_token": get_token(request)}, order)
    return render_to_string(
        "admin/logistics/includes/order_fulfilment_panel.html", context, request=request
    )


# Orders may not import logistics (STYLE.md): logistics adds its card to the order page.
admin.site.get_model_admin(Order).page_panels.append(order_page_fulfilment_panel)


# Shipments' admin pages live beside their code; importing them registers them.
from logistics.shipments import admin as _shipment_admin  # noqa: E402,F401
