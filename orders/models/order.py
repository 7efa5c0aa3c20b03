"""The order, its lines, gift sub-orders and tags, and the daily serials of hub numbers.

The order's status follows the table in ``orders/state_machine.py``; the ``@transition``
methods below are generated from it and only guard and set fields. Every write goes through
``orders.services``.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Least, Right
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from orderhub.core.history import AuditedHistory, bulk_history
from orderhub.core.models import FSMSafeRefreshMixin, TimeStampedModel
from orders.models.catalogue import Channel, Customer, Product
from orders.state_machine import (
    AWAITING_SHIPMENT,
    AfterSalesState,
    MOVES_BY_NAME,
    ORDER_PERMISSIONS,
    STAGE_OF_STATUS,
    Stage,
    Status,
)

ZERO = Decimal("0.00")
# Orders whose promised ship-by time still matters: paid and not yet handed to the courier.
SHIP_BY_WATCHED_STATUSES = AWAITING_SHIPMENT
# After every deadline: what has none sorts last (a constant, not NULLS LAST, which SQLite's
# CREATE INDEX does not take).
NO_DEADLINE = dt.datetime(9999, 12, 31, tzinfo=dt.timezone.utc)
# How soon the order must move: the earlier of its state's due time and, until it is handed
# over, its promised ship-by; orders with neither (finished, unpaid) come after all of them.
# The order list sorts by it (then newest first), with order_urgency_idx behind it.
URGENCY = Coalesce(
    Case(
        When(Q(status__in=SHIP_BY_WATCHED_STATUSES),
             then=Least(Coalesce("state_due_at", "ship_by"), Coalesce("ship_by", "state_due_at"))),
        default=F("state_due_at"),
    ),
    Value(NO_DEADLINE),
)


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=ZERO, **kwargs)


class HubNumberSerial(models.Model):
    """The last daily serial handed out per prefix and day (see services.hub_no_allocate)."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="uniq_serial_day")]


def not_on_hold(order: "Order") -> bool:
    """Forward moves wait while an order is held (intercepted)."""
    return not order.on_hold


def gifts_scanned(order: "Order") -> bool:
    """The label waits until every gift of the order is scanned into the box (issue 4).
    Reads the prefetched gifts when there are any (the API's detail prefetches them)."""
    return not any(g.status == GiftOrder.GiftStatus.PENDING for g in order.gift_orders.all())


def _move(name: str, **extra):
    """``@transition`` arguments for the move ``name`` of the state-machine table."""
    move = MOVES_BY_NAME[name]
    conditions = [not_on_hold] if move.blocked_by_hold else []
    conditions += [move.condition.holds] if move.condition else []
    conditions += extra.pop("conditions", [])
    return {
        "source": list(move.sources),
        "target": move.target,
        "permission": move.permission_name,
        "conditions": conditions,
        "custom": {"label": move.label},
        **extra,
    }


class Order(ConcurrentTransitionMixin, FSMSafeRefreshMixin, FSMModelMixin, TimeStampedModel):
    """A channel order as the hub knows it; its status follows ``orders/state_machine.py``."""

    class Priority(models.IntegerChoices):
        NORMAL = 0, _("Normal")
        HIGH = 10, _("High")
        URGENT = 20, _("Urgent")

    # Unique and the text columns looked up below are indexed in Meta: db_index/unique=True
    # would add a second, LIKE-pattern index to each on PostgreSQL, which no lookup uses (the
    # search box reads equalities only, orders/search.py) and every insert would maintain.
    hub_no = models.CharField(_("hub order number"), max_length=32)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="orders", verbose_name=_("channel"),
        db_index=False,  # uniq_channel_order_no leads with it
    )
    channel_order_no = models.CharField(_("channel order number"), max_length=64)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders",
        verbose_name=_("customer"),
    )
    status = FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT,
        protected=True,
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    goods_amount = money_field(_("goods amount"))
    shipping_amount = money_field(_("shipping amount"))
    discount_amount = money_field(_("discount amount"))
    paid_amount = money_field(_("paid amount"))
    payment_serial_no = models.CharField(
        _("payment serial number"), max_length=64, blank=True
    )
    receiver_name = models.CharField(_("receiver name"), max_length=100, blank=True)
    receiver_phone = models.CharField(_("receiver phone"), max_length=32, blank=True)
    receiver_province = models.CharField(_("province"), max_length=32, blank=True)
    receiver_city = models.CharField(_("city"), max_length=32, blank=True)
    receiver_district = models.CharField(_("district"), max_length=32, blank=True)
    receiver_address = models.CharField(_("address"), max_length=255, blank=True)
    placed_at = models.DateTimeField(_("placed at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    ship_by = models.DateTimeField(_("promised ship-by"), null=True, blank=True)
    priority = models.SmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    on_hold = models.BooleanField(_("on hold"), default=False)
    carrier = models.CharField(_("carrier"), max_length=32, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=64, blank=True)
    buyer_note = models.TextField(_("buyer note"), blank=True)
    channel_status = models.CharField(
        _("channel status"), max_length=40, blank=True,
        help_text=_("The status code as the channel last reported it, e.g. WAIT_SELLER_SEND_GOODS."),
    )
    # Deadlines: set whenever the order moves (the SLA sweep is a range query on state_due_at).
    state_entered_at = models.DateTimeField(_("entered current state at"), null=True, blank=True)
    # Indexed by order_due_idx (below), which holds only orders with a due time.
    state_due_at = models.DateTimeField(_("current state due at"), null=True, blank=True)
    is_stuck = models.BooleanField(
        _("stuck (high risk)"), default=False,
        help_text=_("Set by the deadline sweep when the order breached its SLA."),
    )
    aftersales_state = models.CharField(
        _("after-sales"), max_length=10, choices=AfterSalesState.choices, blank=True,
        default=AfterSalesState.NONE,
        help_text=_("Kept by the after-sales app: a case open, or every case closed (the order "
                    "may then be closed, 售后关闭)."),
    )
    history = bulk_history(not_indexed=["hub_no", "channel", "customer", "payment_serial_no",
                                        "receiver_phone", "paid_at", "tracking_no"])

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        permissions = ORDER_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["hub_no"], name="uniq_order_hub_no"),
            models.UniqueConstraint(
                fields=["channel", "channel_order_no"], name="uniq_channel_order_no"
            ),
        ]
        indexes = [
            models.Index(fields=["channel_order_no"], name="order_channel_no_idx"),
            models.Index(fields=["receiver_phone"], name="order_receiver_phone_idx"),
            models.Index(fields=["payment_serial_no"], name="order_payment_serial_idx"),
            models.Index(fields=["tracking_no"], name="order_tracking_no_idx"),
            models.Index(fields=["status", "-id"], name="order_status_idx"),
            # The search box (orders/search.py): a name alone (newest first, read backwards),
            # a phone's last four digits with a name or with the day the order was placed.
            models.Index(fields=["receiver_name", "id"], name="order_receiver_name_idx"),
            models.Index(Right("receiver_phone", 4), F("receiver_name"),
                         name="order_phone_last4_name_idx"),
            models.Index(Right("receiver_phone", 4), F("placed_at"),
                         name="order_phone_last4_placed_idx"),
            # The SLA sweep's range queries (orders/sla/sweep.py). Partial: they hold only
            # orders with a due time (cleared on leaving the timed states) and orders not yet
            # handed over, so they follow the open work, not the whole table. The columns
            # after the first are what the sweep reads, so that it is answered from the index
            # alone (no random reads in a table of millions).
            models.Index(
                fields=["state_due_at", "id", "status", "channel", "state_entered_at"],
                name="order_due_idx", condition=models.Q(state_due_at__isnull=False),
            ),
            models.Index(
                fields=["ship_by", "id", "status", "channel", "state_entered_at"],
                name="order_ship_by_open_idx",
                condition=models.Q(status__in=SHIP_BY_WATCHED_STATUSES),
            ),
            # The order list's default order (most urgent first, then newest): its first page
            # is read from this index, not sorted out of a million rows.
            models.Index(URGENCY, F("id").desc(), name="order_urgency_idx"),
        ]

    def __str__(self) -> str:
        return self.hub_no

    # --- derived -----------------------------------------------------------------------------
    @property
    def stage(self) -> str:
        return STAGE_OF_STATUS[self.status]

    def get_stage_display(self) -> str:
        return str(Stage(self.stage).label)

    # --- transitions (generated from the table; they only set fields) ------------------------
    @transition(field=status, **_move("pay"))
    def pay(self, *, paid_at=None, payment_serial_no: str = "") -> None:
        if paid_at is not None:
            self.paid_at = paid_at
        if payment_serial_no:
            self.payment_serial_no = payment_serial_no

    @transition(field=status, **_move("send_to_review"))
    def send_to_review(self) -> None:
        pass

    @transition(field=status, **_move("approve"))
    def approve(self) -> None:
        pass

    @transition(field=status, **_move("start_picking"))
    def start_picking(self) -> None:
        pass

    @transition(field=status, **_move("start_packing"))
    def start_packing(self) -> None:
        pass

    @transition(field=status, **_move("print_label", conditions=[gifts_scanned]))
    def print_label(self, *, carrier: str = "", tracking_no: str = "") -> None:
        if carrier:
            self.carrier = carrier
        if tracking_no:
            self.tracking_no = tracking_no

    @transition(field=status, **_move("hand_over"))
    def hand_over(self) -> None:
        pass

    @transition(field=status, **_move("deliver"))
    def deliver(self) -> None:
        pass

    @transition(field=status, **_move("invoice"))
    def invoice(self) -> None:
        pass

    @transition(field=status, **_move("settle"))
    def settle(self) -> None:
        pass

    @transition(field=status, **_move("archive"))
    def archive(self) -> None:
        pass

    @transition(field=status, **_move("close"))
    def close(self) -> None:
        pass

    @transition(field=status, **_move("cancel"))
    def cancel(self) -> None:
        pass

    @transition(field=status, **_move("refund"))
    def refund(self) -> None:
        pass


class OrderLine(models.Model):
    """One line of an order: the channel's SKU and title, mapped to a master SKU when known."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("product"),
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True, help_text=_("Master SKU."))
    channel_sku = models.CharField(_("channel SKU"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = money_field(_("unit price"))
    amount = money_field(_("amount"))
    history = bulk_history(not_indexed=["product"])

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"


class GiftOrder(
    ConcurrentTransitionMixin, FSMSafeRefreshMixin, FSMModelMixin, TimeStampedModel
):
    """A gift sub-order: number = main number + ``GIFT``, with a state of its own.

    The main order's packing cannot complete until the gift has been scanned (issue 4 adds the
    scan guard); the gift is cancelled with its order.
    """

    class GiftStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be scanned")
        SCANNED = "scanned", _("Scanned")
        SHIPPED = "shipped", _("Shipped")
        CANCELLED = "cancelled", _("Cancelled")

    hub_no = models.CharField(_("gift order number"), max_length=40, unique=True)
    parent = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="gift_orders", verbose_name=_("main order")
    )
    status = FSMField(
        _("status"), max_length=20, choices=GiftStatus.choices, default=GiftStatus.PENDING,
        protected=True,
    )
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    promotion = models.CharField(_("promotion"), max_length=100, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("scanned by"),
    )
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("gift sub-order")
        verbose_name_plural = _("gift sub-orders")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.hub_no

    @transition(field=status, source=GiftStatus.PENDING, target=GiftStatus.SCANNED,
                permission="orders.pack_order")
    def scan(self) -> None:
        pass

    @transition(field=status, source=GiftStatus.SCANNED, target=GiftStatus.SHIPPED,
                permission="orders.ship_order")
    def ship(self) -> None:
        pass

    @transition(field=status, source=[GiftStatus.PENDING, GiftStatus.SCANNED],
                target=GiftStatus.CANCELLED, permission="orders.cancel_order")
    def cancel(self) -> None:
        pass


class OrderTag(models.Model):
    """A flag on an order, set by cleaning, rules or staff (e.g. ``duplicate_suspected``).

    Tags explain why an order is where it is; ``note`` says what was seen.
    """

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="tags", verbose_name=_("order")
    )
    tag = models.SlugField(_("tag"), max_length=50)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order tag")
        verbose_name_plural = _("order tags")
        constraints = [models.UniqueConstraint(fields=["order", "tag"], name="uniq_order_tag")]
        indexes = [models.Index(fields=["tag", "order"], name="order_tag_idx")]

    def __str__(self) -> str:
        return self.tag
