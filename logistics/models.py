"""Warehouses, stock and its ledger, the fulfilment rules, their decisions and merged parcels.

Why these live in ``logistics`` and not in ``orders``: the app arrows run channels → orders →
logistics/finance/aftersales, and orders never imports logistics. Deciding where and how a paid
order ships needs warehouses, their capacity and their stock, so the rules engine, its recorded
decisions and the parcels are here; whatever they change on the order itself (review, priority,
holds, gifts, tags) goes through ``orders.services``.

Stock counters (``Stock``) are only ever changed together with a ledger row (``StockMovement``)
by ``logistics.services.stock``; the drift check compares the two. Reservations are rows too
(one per order line and warehouse), so the reserved counter can be checked against them.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orderhub.core.history import AuditedHistory
from orderhub.core.models import TimeStampedModel
from orders.models import Order, OrderLine


class Warehouse(TimeStampedModel):
    """A warehouse that ships orders; routing prefers those that serve the destination."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    daily_capacity = models.PositiveIntegerField(
        _("daily capacity (orders)"), null=True, blank=True,
        help_text=_("Orders it can take per day; empty means no limit. When a day's capacity is "
                    "used, routing overflows to the next warehouse."),
    )
    provinces = models.CharField(
        _("provinces served"), max_length=500, blank=True,
        help_text=_("Comma-separated, e.g. 上海, 江苏, 浙江. Empty: serves no province first."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower is preferred among equal candidates."),
    )
    province = models.CharField(
        _("province"), max_length=32, blank=True,
        help_text=_("Where the warehouse is, e.g. 上海: the origin of its parcels' routes "
                    "(expected delivery)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class WarehouseDay(models.Model):
    """How many orders a warehouse was given on one day (its capacity counter)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    assigned = models.PositiveIntegerField(_("orders assigned"), default=0)

    class Meta:
        verbose_name = _("warehouse day")
        verbose_name_plural = _("warehouse days")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "day"], name="uniq_warehouse_day"),
        ]


class Stock(models.Model):
    """One SKU in one warehouse. Available = on hand − reserved − samples."""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stock", verbose_name=_("warehouse")
    )
    sku = models.CharField(_("SKU"), max_length=64, db_index=True, help_text=_("Master SKU."))
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved for orders"), default=0)
    samples = models.IntegerField(_("reserved samples"), default=0)
    low_stock_threshold = models.PositiveIntegerField(
        _("low-stock threshold"), default=3,
        help_text=_("An alert is raised when the available quantity falls to this or below."),
    )
    # Armed/disarmed state of the low-stock alert: each crossing below the threshold alerts once.
    low_stock_alerted = models.BooleanField(_("low-stock alert raised"), default=False)
    low_stock_crossings = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["warehouse", "sku"]
        permissions = (
            ("import_stock", "Can import and adjust stock levels"),
            ("export_stock", "Can export stock levels"),
        )
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "sku"], name="uniq_stock_sku"),
            # The database itself refuses any write that would oversell or go negative.
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_gte_0"),
            models.CheckConstraint(condition=Q(samples__gte=0), name="stock_samples_gte_0"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("reserved") + F("samples")),
                name="stock_available_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} @ {self.warehouse.code}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.samples


class StockMovement(models.Model):
    """The ledger: one row per change of a stock row, with its reason and order."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("Received")
        ADJUST = "adjust", _("Adjusted")
        RESERVE = "reserve", _("Reserved")
        RELEASE = "release", _("Released")
        DEDUCT = "deduct", _("Deducted (shipped)")

    stock = models.ForeignKey(
        Stock, on_delete=models.PROTECT, related_name="movements", verbose_name=_("stock")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    quantity = models.IntegerField(_("quantity"))
    on_hand_delta = models.IntegerField(_("on hand change"), default=0)
    reserved_delta = models.IntegerField(_("reserved change"), default=0)
    samples_delta = models.IntegerField(_("samples change"), default=0)
    reason = models.CharField(_("reason"), max_length=255)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("order"),
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("order line"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("by"), help_text=_("Empty: the hub itself."),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-id"]
        indexes = [models.Index(fields=["stock", "-id"], name="movement_stock_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.stock_id}"


class Reservation(models.Model):
    """Units of one order line held in one warehouse until shipped or released."""

    class ReservationStatus(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        RELEASED = "released", _("Released")
        DEDUCTED = "deducted", _("Shipped")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("order")
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="reservations",
        verbose_name=_("order line"),
    )
    stock = models.ForeignKey(
        Stock, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("stock")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReservationStatus.choices,
        default=ReservationStatus.RESERVED,
    )
    created_at = models.DateTimeField(_("reserved at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("released or shipped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order_line", "stock"], name="uniq_reservation_line"),
        ]
        indexes = [models.Index(fields=["stock", "status"], name="reservation_stock_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.order_line_id} × {self.quantity}"


class FulfilmentSettings(models.Model):
    """One row of settings operations staff tune in the admin (created by migration 0002)."""

    merge_min_orders = models.PositiveSmallIntegerField(
        _("orders to merge into one parcel"), default=3,
        help_text=_("This many orders to the same address within the window ship as one parcel."),
    )
    merge_window_hours = models.PositiveSmallIntegerField(_("merge window (hours)"), default=24)
    near_identical_window_minutes = models.PositiveSmallIntegerField(
        _("near-identical orders window (minutes)"), default=30,
        help_text=_("The window of the rule field 'near-identical orders by the same buyer'."),
    )

    class Meta:
        verbose_name = _("fulfilment settings")
        verbose_name_plural = _("fulfilment settings")

    def __str__(self) -> str:
        return str(_("Fulfilment settings"))

    @classmethod
    def current(cls) -> FulfilmentSettings:
        return cls.objects.order_by("pk").first() or cls()


class FulfilmentRule(TimeStampedModel):
    """A rule operations staff write in the admin: conditions on the order, then actions."""

    class Match(models.TextChoices):
        ALL = "all", _("all conditions hold")
        ANY = "any", _("any condition holds")

    name = models.CharField(_("name"), max_length=150, unique=True)
    priority = models.PositiveIntegerField(
        _("priority"), default=100, help_text=_("Rules run from the lowest number up."),
    )
    match = models.CharField(_("match when"), max_length=3, choices=Match.choices,
                             default=Match.ALL)
    is_active = models.BooleanField(_("active"), default=True)
    stop_processing = models.BooleanField(
        _("stop after this rule"), default=False,
        help_text=_("When this rule matches, later rules are not evaluated."),
    )
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("fulfilment rule")
        verbose_name_plural = _("fulfilment rules")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class RuleCondition(models.Model):
    """One test on an order fact (``logistics.rules`` knows the facts and operators)."""

    class Fact(models.TextChoices):
        AMOUNT = "amount", _("paid amount")
        PROVINCE = "province", _("destination province")
        CITY = "city", _("destination city")
        CHANNEL = "channel", _("channel code")
        CUSTOMER_LEVEL = "customer_level", _("customer level (normal, vip, svip)")
        TAGS = "tags", _("order tags")
        CATEGORIES = "categories", _("product categories")
        SKUS = "skus", _("SKUs")
        ITEM_COUNT = "item_count", _("item count")
        HOUR = "hour", _("hour of payment (0-23)")
        NEAR_IDENTICAL_ORDERS = "near_identical_orders", _(
            "near-identical orders by the same buyer (within the window)"
        )
        RETURN_RISK = "return_risk", _("return-risk score (0-100)")

    class Operator(models.TextChoices):
        EQ = "eq", _("equals")
        NE = "ne", _("does not equal")
        GT = "gt", _("greater than")
        GTE = "gte", _("at least")
        LT = "lt", _("less than")
        LTE = "lte", _("at most")
        IN = "in", _("is one of / contains any of")
        NOT_IN = "not_in", _("is none of / contains none of")
        CONTAINS = "contains", _("contains")

    rule = models.ForeignKey(FulfilmentRule, on_delete=models.CASCADE, related_name="conditions")
    fact = models.CharField(_("order field"), max_length=30, choices=Fact.choices)
    operator = models.CharField(_("operator"), max_length=10, choices=Operator.choices)
    value = models.CharField(
        _("value"), max_length=500,
        help_text=_("A number, a word, or a comma-separated list for 'is one of'."),
    )
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_fact_display()} {self.get_operator_display()} {self.value}"


class RuleAction(models.Model):
    """What a matching rule does; the services in ``orders`` carry it out."""

    class Kind(models.TextChoices):
        RISK_REVIEW = "risk_review", _("Send to risk review")
        SET_PRIORITY = "set_priority", _("Set priority")
        ASSIGN_WAREHOUSE = "assign_warehouse", _("Assign warehouse")
        ADD_TAG = "add_tag", _("Add a tag")
        HOLD = "hold", _("Hold the order")
        ADD_GIFT = "add_gift", _("Add a gift (promotion)")

    rule = models.ForeignKey(FulfilmentRule, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=20, choices=Kind.choices)
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("warehouse"), help_text=_("For 'assign warehouse'."),
    )
    priority = models.SmallIntegerField(
        _("priority"), choices=Order.Priority.choices, null=True, blank=True,
        help_text=_("For 'set priority'."),
    )
    value = models.CharField(
        _("value"), max_length=255, blank=True,
        help_text=_("The tag for 'add a tag', the reason for 'hold', the gift SKU for 'add a "
                    "gift'."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class FulfilmentDecision(models.Model):
    """What the hub decided for a paid order, and why: one per order (its existence means the
    order was processed, which makes processing idempotent)."""

    class Outcome(models.TextChoices):
        ALLOCATED = "allocated", _("Allocated")
        OUT_OF_STOCK = "out_of_stock", _("Out of stock")

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="fulfilment", verbose_name=_("order")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions",
        verbose_name=_("warehouse"),
    )
    summary = models.TextField(_("why"), blank=True)
    over_capacity = models.BooleanField(_("over capacity"), default=False)
    address_key = models.CharField(_("address key"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("reservation attempts"), default=1)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fulfilment decision")
        verbose_name_plural = _("fulfilment decisions")
        ordering = ["-id"]
        permissions = (("retry_fulfilment", "Can retry the stock reservation of an order"),)
        indexes = [
            models.Index(fields=["outcome", "id"], name="decision_outcome_idx"),
            models.Index(fields=["warehouse", "outcome"], name="decision_warehouse_idx"),
            # Merged parcels look up the other orders to one address from one warehouse.
            models.Index(fields=["address_key", "warehouse"], name="decision_address_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.get_outcome_display()}"


class RuleMatch(models.Model):
    """A rule that matched an order, what it saw and what it did (staff read these)."""

    decision = models.ForeignKey(
        FulfilmentDecision, on_delete=models.CASCADE, related_name="matches"
    )
    rule = models.ForeignKey(
        FulfilmentRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("rule"),
    )
    rule_name = models.CharField(_("rule"), max_length=150)
    rule_priority = models.PositiveIntegerField(_("priority"))
    seen = models.TextField(_("conditions seen"), blank=True)
    done = models.TextField(_("actions taken"), blank=True)

    class Meta:
        verbose_name = _("matched rule")
        verbose_name_plural = _("matched rules")
        ordering = ["rule_priority", "id"]

    def __str__(self) -> str:
        return self.rule_name


class Parcel(TimeStampedModel):
    """Orders to one address within the merge window, shipped together as one parcel."""

    class ParcelStatus(models.TextChoices):
        OPEN = "open", _("Open (more orders may join)")
        CLOSED = "closed", _("Closed (window over)")
        SHIPPED = "shipped", _("Shipped")

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="parcels", verbose_name=_("warehouse")
    )
    address_key = models.CharField(_("address key"), max_length=64, db_index=True)
    address = models.CharField(_("address"), max_length=400)
    status = models.CharField(_("status"), max_length=10, choices=ParcelStatus.choices,
                              default=ParcelStatus.OPEN)
    window_ends_at = models.DateTimeField(_("accepts orders paid until"))

    class Meta:
        verbose_name = _("merged parcel")
        verbose_name_plural = _("merged parcels")
        ordering = ["-id"]
        constraints = [
            # One open parcel per address and warehouse, even when two orders arrive at once.
            models.UniqueConstraint(
                fields=["address_key", "warehouse"], condition=Q(status="open"),
                name="uniq_open_parcel_address",
            ),
        ]

    def __str__(self) -> str:
        return f"P{self.pk} {self.address}"


class ParcelMember(models.Model):
    """An order in a merged parcel; the shipping waiver is recorded here, not on the order."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="members")
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="parcel_membership", verbose_name=_("order")
    )
    shipping_waived = models.BooleanField(_("shipping waived"), default=False)
    waived_amount = models.DecimalField(
        _("shipping waived (amount)"), max_digits=14, decimal_places=2, default=0
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("parcel member")
        verbose_name_plural = _("parcel members")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.parcel_id}: {self.order_id}"


class PickingQueueEntry(FulfilmentDecision):
    """The warehouse's picking queue (an admin list over the allocated decisions)."""

    class Meta:
        proxy = True
        verbose_name = _("picking queue entry")
        verbose_name_plural = _("picking queue")


# Shipments and courier tracking live in their own module; importing them here registers
# them with the app (``from logistics.models import Shipment`` works too).
from logistics.shipments.models import (  # noqa: E402,F401
    STATUS_RANK,
    Carrier,
    CourierPush,
    Shipment,
    ShipmentEvent,
    ShipmentOrder,
    ShipmentStatus,
    Trust,
)

# The warehouse floor's waves and pick locations (``logistics.warehouse``).
from logistics.warehouse.models import PickLocation, Wave, WaveOrder  # noqa: E402,F401
