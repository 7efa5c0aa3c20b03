"""The back office for orders: lists, the order page with its workflow, and the state machine.

Nothing here changes an order's status or hold directly: the buttons, the bulk actions and the
hold forms call ``orders.services`` (which check the permission, lock the row and record who,
from where and why), and report the outcome with ``message_user``. The only direct write is
the change form, limited to the receiver fields and the buyer note; simple-history records it
with the request's user and IP like any other change.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition
from simple_history.admin import SimpleHistoryAdmin

from orderhub.core.errors import DomainError
from orders import services, texts
from orders.addresses.forms import OrderReceiverForm
from orders.addresses.views import parse_view, regions_view
from orders.holds import HOLD_PERMISSION, holds_text, order_hold, order_release_hold
from orders.models import (
    Channel,
    Customer,
    ExchangeRate,
    GiftOrder,
    Hold,
    Order,
    OrderLine,
    OrderTag,
    Product,
    ProductAlias,
)
from orders.models.order import URGENCY
from orders.admin_deadlines import TrafficLightFilter, traffic_light_column
from orders.admin_filters import CustomerFilter, GiftScanFilter, OpenHoldFilter, OverdueFilter
from orders.blockers import blocker_text, order_blockers
from orderhub.core.history_sentences import field_value
from orders.selectors import order_search_q, order_timeline
from orders.state_diagram import state_machine_svg
from orders.state_machine import (
    FINAL_STATUSES,
    MOVES,
    MOVES_BY_NAME,
    STAGE_OF_STATUS,
    STATUS_COLOURS,
    Move,
    Stage,
    Status,
    statuses_in_stage,
)

# Staff may correct where the parcel goes and the note; everything else comes from the channel
# or from the services.
ORDER_EDITABLE_FIELDS = (
    "receiver_name", "receiver_phone", "receiver_province", "receiver_city",
    "receiver_district", "receiver_address", "buyer_note",
)
# Longer than any number, name or phone anyone types: the rest is cut, not looked up.
SEARCH_MAX_LENGTH = 100
# A bulk action runs one service call (one transaction) per order inside the request.
BULK_MOVE_LIMIT = 500
# Enough refusals to act on; the rest are summed up in one line.
BULK_REPORT_LIMIT = 20

GIFT_STATUS_COLOURS: dict[str, tuple[str, str]] = {
    GiftOrder.GiftStatus.PENDING: STATUS_COLOURS[Status.RISK_REVIEW],
    GiftOrder.GiftStatus.SCANNED: STATUS_COLOURS[Status.PACKING],
    GiftOrder.GiftStatus.SHIPPED: STATUS_COLOURS[Status.IN_TRANSIT],
    GiftOrder.GiftStatus.CANCELLED: STATUS_COLOURS[Status.CANCELLED],
}


# --- presentation helpers -------------------------------------------------------------------
def pill(label: str, colours: tuple[str, str]) -> SafeString:
    """A coloured pill; the colours come from the state-machine table."""
    background, text = colours
    return format_html(
        '<span class="oh-badge" style="background:{};color:{}">{}</span>', background, text, label
    )


def status_pill(status: str) -> SafeString:
    return pill(Status(status).label, STATUS_COLOURS[status])


def _field_label(name: str) -> str:
    try:
        return str(Order._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _value_label(name: str, value) -> str:
    # Labels of choices, yes/no, local times, stored texts rendered: as every history page.
    return field_value(Order, name, value)


def timeline_rows(order: Order, viewer=None) -> list[dict]:
    """The order's history, newest first, with field names and states as staff read them
    (staff IP addresses only for ``viewer``s who may see them)."""
    kinds = {"created": _("Created"), "changed": _("Changed"), "deleted": _("Deleted")}
    rows = []
    for entry in reversed(order_timeline(order=order, viewer=viewer)):
        rows.append(
            {
                **entry,
                "kind": kinds[entry["type"]],
                "status_badge": status_pill(entry["status"]),
                "changes": [
                    {
                        "field": _field_label(change["field"]),
                        "old": _value_label(change["field"], change["old"]),
                        "new": _value_label(change["field"], change["new"]),
                    }
                    for change in entry["changes"]
                ],
            }
        )
    return rows


def state_machine_rows(current: str | None = None) -> list[dict]:
    """The table of legal moves for templates; ``current`` marks the moves that start there."""
    return [
        {
            "move": move,
            "sources": [status_pill(source) for source in move.sources],
            "target": status_pill(move.target),
            "applies": current in move.sources,
        }
        for move in MOVES
    ]


def state_rows() -> list[dict]:
    """Each state with its stage (DESIGN.md section 3)."""
    return [
        {"code": status, "badge": status_pill(status), "stage": Stage(STAGE_OF_STATUS[status]).label,
         "final": status in FINAL_STATUSES}
        for status in Status.values
    ]


# --- large tables ---------------------------------------------------------------------------
class EstimatedCountPaginator(Paginator):
    """Pages a big table without counting it whole.

    An unfiltered list on PostgreSQL takes the planner's row estimate (``pg_class.reltuples``)
    once the table is large: ``COUNT(*)`` over a million orders costs more than the page
    itself. Filtered lists count at most ``count_cap`` rows (a status with 300,000 orders
    would otherwise cost more than its first page; measured 176 ms → 2 ms on 1M orders), so
    the pager offers the first ``count_cap`` rows and narrowing the filter finds the rest.
    """

    exact_below = 100_000
    count_cap = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] >= self.exact_below:
                    return row[0]
        if isinstance(queryset, QuerySet):
            return queryset[: self.count_cap + 1].count()
        return super().count


class LargeTableAdmin(admin.ModelAdmin):
    """No full-table counts and no facet counts on lists that grow to millions of rows."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    list_max_show_all = 200


# --- channels, customers, products ----------------------------------------------------------
@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = (
        "code", "abbreviation", "name", "platform", "currency", "skips_invoicing", "is_active",
    )
    list_filter = ("platform", "is_active", "skips_invoicing")
    search_fields = ("code", "abbreviation", "name")

    def get_readonly_fields(self, request, obj=None):
        # Hub numbers and the API's URLs are built from these: fixed once the channel exists.
        return ("code", "abbreviation") if obj is not None else ()


@admin.register(Customer)
class CustomerAdmin(LargeTableAdmin, SimpleHistoryAdmin):
    list_display = ("__str__", "phone", "level", "email", "created_at")
    list_filter = ("level",)
    # Exact matches on indexed or short columns only: the table is as big as the order book.
    search_fields = ("=phone", "=email")
    search_help_text = _("Exact phone number or e-mail address.")
    readonly_fields = ("created_at", "updated_at")
    ordering = ("-id",)
    # The newest orders shown on the customer's page; the rest are one click away.
    ORDERS_SHOWN = 20
    # Panels other apps add to the customer page (after-sales: the customer's cases):
    # callables (request, customer) -> HTML, appended from the app's own admin module; each
    # checks its own permissions (as OrderAdmin.page_panels).
    page_panels: list[Callable[[HttpRequest, Customer], str]] = []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.customer_orders_context(request, obj))
            context["page_panels"] = [panel(request, obj) for panel in self.page_panels]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def customer_orders_context(self, request: HttpRequest, customer: Customer) -> dict:
        """The customer's orders on every channel, newest first (``customer_id`` is indexed)."""
        if not request.user.has_perm("orders.view_order"):
            return {}
        orders = list(Order.objects.filter(customer=customer).select_related("channel")
                      .order_by("-id")[: self.ORDERS_SHOWN + 1])
        return {
            "customer_orders": [
                {"order": order, "status": status_pill(order.status),
                 "url": reverse("admin:orders_order_change", args=[quote(order.pk)])}
                for order in orders[: self.ORDERS_SHOWN]
            ],
            "customer_orders_more": len(orders) > self.ORDERS_SHOWN,
            "customer_orders_url": (reverse("admin:orders_order_changelist")
                                    + f"?{urlencode({'customer': customer.pk})}"),
            "customer_channels": sorted({order.channel.name for order in orders}),
        }


class ProductAliasInline(admin.TabularInline):
    model = ProductAlias
    extra = 1
    fields = ("alias", "channel")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "barcode", "is_active")
    list_filter = ("is_active", "category")
    search_fields = ("sku", "name", "barcode", "aliases__alias")
    inlines = (ProductAliasInline,)
    list_per_page = 100


# --- gift sub-orders ------------------------------------------------------------------------
class ReadOnlyMixin:
    """Shown, never written here: these rows change through services elsewhere."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GiftStatusMixin:
    @admin.display(description=_("status"), ordering="status")
    def gift_status(self, obj: GiftOrder) -> SafeString:
        return pill(obj.get_status_display(), GIFT_STATUS_COLOURS[obj.status])


@admin.register(GiftOrder)
class GiftOrderAdmin(ReadOnlyMixin, GiftStatusMixin, LargeTableAdmin, SimpleHistoryAdmin):
    """Read-only: gifts change state through the packing and shipping services."""

    list_display = (
        "hub_no", "parent", "gift_status", "sku", "title", "quantity", "promotion", "scanned_at",
        "scanned_by",
    )
    list_filter = ("status",)
    list_select_related = ("parent", "scanned_by")
    search_fields = ("=hub_no", "=parent__hub_no")
    search_help_text = _("Exact gift or main order number.")
    readonly_fields = (
        "hub_no", "parent", "gift_status", "status", "sku", "title", "quantity", "promotion",
        "scanned_at", "scanned_by", "created_at", "updated_at",
    )
    fields = (
        "hub_no", "parent", "gift_status", "sku", "title", "quantity", "promotion", "scanned_at",
        "scanned_by", "created_at", "updated_at",
    )
    ordering = ("-id",)


# --- orders ---------------------------------------------------------------------------------
class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "channel_sku", "title", "quantity", "unit_price", "amount")
    readonly_fields = fields


class GiftOrderInline(GiftStatusMixin, ReadOnlyInline):
    model = GiftOrder
    fields = ("hub_no", "gift_status", "sku", "title", "quantity", "promotion", "scanned_at",
              "scanned_by")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("scanned_by")


class HoldInline(ReadOnlyInline):
    model = Hold
    fields = ("source", "reason", "placed_at", "placed_by", "released_at", "released_by",
              "release_reason")
    readonly_fields = fields
    verbose_name_plural = _("holds (open and lifted)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("placed_by", "released_by")


class OrderTagInline(ReadOnlyInline):
    model = OrderTag
    fields = ("tag", "note", "created_at")
    readonly_fields = fields
    verbose_name_plural = _("tags (why the order is where it is)")


class StageFilter(admin.SimpleListFilter):
    """The 5-stage report view: one stage is a set of statuses (``status__in`` uses the index)."""

    title = _("stage")
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return Stage.choices

    def queryset(self, request, queryset):
        if self.value() in Stage.values:
            return queryset.filter(status__in=statuses_in_stage(self.value()))
        return queryset


class MoveActionForm(ActionForm):
    """The changelist's action bar, with the reason recorded for a bulk move."""

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=255,
        widget=forms.TextInput(attrs={"placeholder": _("optional, kept in the history")}),
    )


@admin.register(Order)
class OrderAdmin(LargeTableAdmin, SimpleHistoryAdmin):
    # What customer service reads at a glance, narrow enough for 1440 pixels beside the menu
    # and the filters (the channel order number and the stage are on the order's page, and
    # the search finds a channel order number).
    list_display = (
        "hub_no", "channel_name", "status_badge", traffic_light_column, "hold_flag",
        "receiver_name", "paid", "paid_time",
    )
    list_filter = (
        "status", StageFilter, TrafficLightFilter, OverdueFilter, OpenHoldFilter, GiftScanFilter,
        "channel", "on_hold", ("paid_at", admin.DateFieldListFilter), CustomerFilter,
    )
    list_select_related = ("channel",)
    # Only columns with an index behind them, so that sorting a million rows stays cheap.
    sortable_by = ("hub_no", "status_badge", "paid_time")
    # Most urgent first (the earlier of the state's due time and the ship-by promise), then
    # newest: order_urgency_idx holds exactly this order.
    ordering = (URGENCY.asc(), "-id")
    # The search box needs a non-empty search_fields; get_search_results does the matching.
    search_fields = ("hub_no",)
    search_help_text = _(
        "Exact hub number, channel order number, tracking number, receiver phone (spaces and "
        "dashes allowed) or name; or a phone's last four digits with the name or the day "
        "ordered, e.g. “1234 张伟” or “1234 2026-01-28”."
    )
    action_form = MoveActionForm
    actions_on_bottom = True
    form = OrderReceiverForm
    inlines = (OrderLineInline, GiftOrderInline, HoldInline, OrderTagInline)
    fieldsets = (
        (_("Order details"), {"fields": (
            ("hub_no", "channel", "channel_order_no"), ("status_badge", "stage", "channel_status"),
            "on_hold", ("priority", "customer"),
        )}),
        (_("Receiver"), {"fields": (
            ("receiver_name", "receiver_phone"),
            ("receiver_province", "receiver_city", "receiver_district"),
            "receiver_address", "buyer_note",
        )}),
        (_("Payment"), {"fields": (
            ("paid_amount", "currency", "payment_serial_no"),
            ("goods_amount", "shipping_amount", "discount_amount"),
            ("placed_at", "paid_at"),
        )}),
        (_("Deadlines and shipping"), {"fields": (
            ("ship_by", "state_entered_at", "state_due_at", "is_stuck"),
            ("carrier", "tracking_no"), ("created_at", "updated_at"),
        )}),
    )

    # --- list columns ------------------------------------------------------------------------
    @admin.display(description=_("channel"))
    def channel_name(self, obj: Order) -> str:
        return obj.channel.name

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Order) -> SafeString:
        # The stage (the 5-state report view) on hover: the list has no room for its column.
        return format_html('<span title="{}">{}</span>', obj.get_stage_display(),
                           status_pill(obj.status))

    @admin.display(description=_("stage"))
    def stage(self, obj: Order) -> str:
        return obj.get_stage_display()

    @admin.display(description=_("paid"))
    def paid(self, obj: Order) -> SafeString:
        return format_html(
            '<span class="oh-money">{}&nbsp;<small>{}</small></span>', obj.paid_amount,
            obj.currency,
        )

    @admin.display(description=_("paid at"), ordering="paid_at")
    def paid_time(self, obj: Order) -> SafeString | str:
        # Compact local time (the year only when it is not this one), the full date on hover.
        if not obj.paid_at:
            return "—"
        local = timezone.localtime(obj.paid_at)
        short = "%m-%d %H:%M" if local.year == timezone.localtime().year else "%Y-%m-%d"
        return format_html('<span title="{}">{}</span>', local.strftime("%Y-%m-%d %H:%M:%S"),
                           local.strftime(short))

    @admin.display(description=_("on hold"), empty_value="")
    def hold_flag(self, obj: Order) -> SafeString | str:
        # Only held orders are marked: a column of "no" icons would hide the few that matter.
        if not obj.on_hold:
            return ""
        return format_html(
            '<span class="oh-hold" title="{}">{}</span>', holds_text(obj.open_hold_list),
            pill(gettext("On hold"), STATUS_COLOURS[Status.RISK_REVIEW]),
        )

    def get_queryset(self, request):
        # The list's hold column names the open holds: one query for the page.
        return super().get_queryset(request).prefetch_related(Prefetch(
            "holds", queryset=Hold.objects.filter(released_at__isnull=True).order_by("id"),
            to_attr="open_hold_list"))

    # --- permissions and fields --------------------------------------------------------------
    def has_add_permission(self, request):
        # Orders arrive from the channels (orders_create), with their numbers and history.
        return False

    def has_delete_permission(self, request, obj=None):
        # The audit trail outlives the order: cancel or refund instead.
        return False

    def get_fieldsets(self, request, obj=None):
        # Those who may change the receiver get the paste box above the receiver's fields.
        fieldsets = super().get_fieldsets(request, obj)
        if not self.has_change_permission(request, obj):
            return fieldsets
        return [(name, {**options, "fields": ("receiver_paste", *options["fields"])})
                if name == _("Receiver") else (name, options) for name, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        # The FSM-protected status must never be a form field.
        model_fields = [f.name for f in Order._meta.concrete_fields if f.name != "id"]
        return ["status_badge", "stage"] + [
            name for name in model_fields if name not in ORDER_EDITABLE_FIELDS
        ]

    def get_search_results(self, request, queryset, search_term):
        """Exact matches on indexed columns only (``order_search_q``): never a table scan."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(order_search_q(search_term)), False

    def save_model(self, request, obj, form, change):
        """Save only what staff edited, in one change through ``order_change_contact`` (the
        history row names the user, the IP and the fields): a new receiver holds an order whose
        picking has started and alerts the warehouse, and is refused once it has left."""
        edited = [name for name in form.changed_data if name in ORDER_EDITABLE_FIELDS]
        if not edited:
            return
        receiver = {name.removeprefix("receiver_"): form.cleaned_data[name]
                    for name in edited if name.startswith("receiver_")}
        note = form.cleaned_data["buyer_note"] if "buyer_note" in edited else None
        try:
            services.order_change_contact(order=obj, receiver=receiver, buyer_note=note,
                                          actor=request.user,
                                          reason=texts.EDITED_IN_ADMIN.encode())
        except DomainError as problem:
            self.message_user(request, problem.message, messages.ERROR)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConcurrentTransition:
            # The status moved while the form was open; the edit was rolled back.
            self.message_user(
                request,
                gettext("The order changed while you were editing it; check it and try again."),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)

    # --- the order page ----------------------------------------------------------------------
    # Panels other apps add to the order page: callables (request, order) -> HTML. Apps that
    # read orders (logistics, finance) append theirs from their own admin module, since orders
    # may not import them (STYLE.md); each panel checks its own permissions. A panel whose
    # callable has ``placement = "summary"`` (the shipments' expected delivery and latest trace
    # event) fills the first screen's delivery slot, beside the status; the others are details,
    # below the timeline.
    page_panels: list[Callable[[HttpRequest, Order], str]] = []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.workflow_context(request, obj))
            placed = [(getattr(panel, "placement", "details"), panel) for panel in self.page_panels]
            context["summary_panels"] = [panel(request, obj) for where, panel in placed
                                         if where == "summary"]
            context["page_panels"] = [panel(request, obj) for where, panel in placed
                                      if where != "summary"]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def moves_for(self, request: HttpRequest, order: Order) -> list[Move]:
        """Moves legal from the order's state, guards met, that this user's role may make."""
        legal = {t.name for t in order.get_available_user_status_transitions(request.user)}
        return [
            move for move in MOVES
            if move.name in legal and request.user.has_perm(move.permission_name)
        ]

    def workflow_context(self, request: HttpRequest, order: Order) -> dict:
        may_hold = request.user.has_perm(HOLD_PERMISSION)
        object_id = quote(order.pk)
        open_holds = list(Hold.objects.filter(order=order, released_at__isnull=True)
                          .select_related("placed_by").order_by("id"))
        gifts = list(order.gift_orders.select_related("scanned_by").order_by("id"))
        timeline = timeline_rows(order, request.user)
        return {
            "blockers": [
                {"text": blocker_text(blocker), "tone": blocker.tone, "code": blocker.code}
                for blocker in order_blockers(order=order, holds=open_holds, gifts=gifts)
            ],
            "gifts": [{"gift": gift, "status": pill(gift.get_status_display(),
                                                    GIFT_STATUS_COLOURS[gift.status])}
                      for gift in gifts],
            "latest_event": timeline[0] if timeline else None,
            "order_status_badge": status_pill(order.status),
            "order_moves": [
                {
                    "move": move,
                    "url": reverse(self._url_name("transition"), args=[object_id, move.name]),
                    "target": status_pill(move.target),
                    "danger": move.target in (Status.CANCELLED, Status.REFUNDED),
                }
                for move in self.moves_for(request, order)
            ],
            "may_hold": may_hold and order.status not in FINAL_STATUSES,
            "may_release": may_hold and order.on_hold,
            "open_holds": open_holds,
            "hold_url": reverse(self._url_name("hold"), args=[object_id]),
            "release_url": reverse(self._url_name("release_hold"), args=[object_id]),
            "timeline": timeline,
            "state_machine": state_machine_rows(order.status),
            "state_machine_url": reverse(self._url_name("state_machine")),
        }

    # --- custom URLs -------------------------------------------------------------------------
    def _url_name(self, view: str) -> str:
        return f"{self.admin_site.name}:orders_order_{view}"

    def get_urls(self):
        def wrap(view: Callable, *, post_only: bool = False) -> Callable:
            return self.admin_site.admin_view(require_POST(view) if post_only else view)

        custom = [
            # The address forms' script (orders/addresses): regions under a choice, a paste.
            path("addresses/regions/", wrap(regions_view), name="orders_address_regions"),
            path("addresses/parse/", wrap(parse_view), name="orders_address_parse"),
            path("state-machine/", wrap(self.state_machine_view),
                 name="orders_order_state_machine"),
            path("search/", wrap(self.search_view), name="orders_order_search"),
            path("<path:object_id>/transition/<slug:name>/",
                 wrap(self.transition_view, post_only=True), name="orders_order_transition"),
            path("<path:object_id>/hold/", wrap(self.hold_view, post_only=True),
                 name="orders_order_hold"),
            path("<path:object_id>/release-hold/", wrap(self.release_hold_view, post_only=True),
                 name="orders_order_release_hold"),
        ]
        # Before the model's own patterns: "<path:object_id>/" would swallow them.
        return custom + super().get_urls()

    def state_machine_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Order state machine"),
            "state_machine": state_machine_rows(),
            "states": state_rows(),
            "state_diagram": mark_safe(state_machine_svg()),  # escaped where it is built
        }
        return TemplateResponse(request, "admin/orders/order/state_machine.html", context)

    def search_view(self, request: HttpRequest) -> HttpResponse:
        """The header's search box: one order found opens it, several (or none) are listed
        by the order list's own search, which reads the term the same way."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        term = " ".join(request.GET.get(SEARCH_VAR, "").split())[:SEARCH_MAX_LENGTH]
        if term:
            found = list(Order.objects.filter(order_search_q(term))
                         .values_list("pk", flat=True)[:2])
            if len(found) == 1:
                return HttpResponseRedirect(
                    reverse(self._url_name("change"), args=[quote(found[0])]))
        changelist = reverse(self._url_name("changelist"))
        return HttpResponseRedirect(f"{changelist}?{urlencode({SEARCH_VAR: term})}"
                                    if term else changelist)

    def _order_or_404(self, request: HttpRequest, object_id: str) -> Order:
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404(gettext("No such order."))
        if not self.has_view_or_change_permission(request, order):
            raise PermissionDenied
        return order

    def _back_to(self, order: Order) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse(self._url_name("change"), args=[quote(order.pk)]))

    def transition_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        """POST: apply one move through its service and report the outcome."""
        order = self._order_or_404(request, object_id)
        move = MOVES_BY_NAME.get(name)
        if move is None:
            raise Http404(gettext("No such transition."))
        if not request.user.has_perm(move.permission_name):
            raise PermissionDenied
        try:
            services.order_move_by_hand(
                order=order, name=move.name, actor=request.user,
                reason=request.POST.get("reason", "").strip()[:255],
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("%(hub_no)s: %(move)s done; the order is now “%(status)s”.") % {
                    "hub_no": order.hub_no, "move": move.label,
                    "status": Status(order.status).label,
                },
                messages.SUCCESS,
            )
        return self._back_to(order)

    def _hold_view(self, request, object_id, service, done: str) -> HttpResponse:
        order = self._order_or_404(request, object_id)
        if not request.user.has_perm(HOLD_PERMISSION):
            raise PermissionDenied
        try:
            service(order=order, actor=request.user, reason=request.POST.get("reason", ""))
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, done % {"hub_no": order.hub_no}, messages.SUCCESS)
        return self._back_to(order)

    def hold_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST: intercept the order (reason required)."""
        return self._hold_view(
            request, object_id, order_hold,
            gettext("%(hub_no)s is on hold: it cannot move forward until released."),
        )

    def release_hold_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST: lift one hold (``hold``) or all of them (reason required)."""
        hold_id = request.POST.get("hold", "")
        holds = [int(hold_id)] if hold_id.isdigit() else None

        def lift(*, order, actor, reason):
            return order_release_hold(order=order, actor=actor, reason=reason, hold_ids=holds)

        return self._hold_view(
            request, object_id, lift,
            gettext("%(hub_no)s: the hold is lifted; the order moves forward once none is "
                    "left."),
        )

    # --- bulk moves --------------------------------------------------------------------------
    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        for move in MOVES:
            if request.user.has_perm(move.permission_name):
                name = f"move_{move.name}"
                description = gettext("%(move)s → %(status)s") % {
                    "move": move.label, "status": Status(move.target).label,
                }
                actions[name] = (self._bulk_action(move), name, description)
        return actions

    def _bulk_action(self, move: Move) -> Callable:
        def action(modeladmin, request, queryset):
            return modeladmin.apply_move(request, queryset, move)

        action.__name__ = f"move_{move.name}"
        return action

    def apply_move(self, request: HttpRequest, queryset: QuerySet[Order], move: Move) -> None:
        """Apply one move to each selected order; one refusal never stops the others."""
        orders = list(queryset.select_related("channel").order_by("pk")[: BULK_MOVE_LIMIT + 1])
        if len(orders) > BULK_MOVE_LIMIT:
            self.message_user(
                request,
                gettext("Select at most %(limit)d orders for one bulk move.")
                % {"limit": BULK_MOVE_LIMIT},
                messages.ERROR,
            )
            return
        reason = request.POST.get("reason", "").strip()[:255]
        moved, refused = [], []
        for order in orders:
            try:
                # Each service call is its own transaction (a savepoint if the request has one).
                with transaction.atomic():
                    services.order_move_by_hand(
                        order=order, name=move.name, actor=request.user, reason=reason
                    )
            except DomainError as error:
                refused.append((order.hub_no, error.message))
            else:
                moved.append(order.hub_no)
        self._report_bulk(request, move, moved, refused)

    def _report_bulk(
        self, request: HttpRequest, move: Move, moved: list[str],
        refused: Iterable[tuple[str, str]],
    ) -> None:
        refused = list(refused)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d order moved to “%(status)s”: %(numbers)s",
                    "%(count)d orders moved to “%(status)s”: %(numbers)s",
                    len(moved),
                ) % {"count": len(moved), "status": Status(move.target).label,
                     "numbers": _shorten(moved)},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d order was not moved:", "%(count)d orders were not moved:",
                    len(refused),
                ) % {"count": len(refused)},
                messages.WARNING,
            )
            for hub_no, message in refused[:BULK_REPORT_LIMIT]:
                self.message_user(request, f"{hub_no}: {message}", messages.ERROR)
            if len(refused) > BULK_REPORT_LIMIT:
                self.message_user(
                    request,
                    gettext("… and %(count)d more.") % {"count": len(refused) - BULK_REPORT_LIMIT},
                    messages.ERROR,
                )


def _shorten(numbers: list[str]) -> str:
    shown = ", ".join(numbers[:BULK_REPORT_LIMIT])
    return shown + (" …" if len(numbers) > BULK_REPORT_LIMIT else "")

# The management health page (orders/metrics/admin.py registers it).
from orders.metrics import admin as _metrics_admin  # noqa: E402,F401

@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Finance keeps the rates; the hub uses them only where amounts in several currencies are
    compared or added (never to change an order's money), and names the rate and its date."""

    list_display = ("currency", "yuan_per_unit", "valid_from", "note", "updated_at")
    list_filter = ("currency",)
    search_fields = ("currency",)
    date_hierarchy = "valid_from"
