"""Orders, their lines and gift sub-orders, customers, the product master and sales channels.

The order's status follows the table in ``orders/state_machine.py``; the ``@transition``
methods below are generated from it and only guard and set fields. Every write goes through
``orders.services``.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from orderhub.core.history import AuditedHistory
from orderhub.core.models import TimeStampedModel
from orders.state_machine import (
    MOVES_BY_NAME,
    ORDER_PERMISSIONS,
    STAGE_OF_STATUS,
    Stage,
    Status,
)

ZERO = Decimal("0.00")


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=ZERO, **kwargs)


class Channel(models.Model):
    """A sales channel (one shop on one platform). ``code`` is the API's channel code."""

    class Platform(models.TextChoices):
        TAOBAO = "taobao", _("Taobao")
        TMALL = "tmall", _("Tmall")
        JD = "jd", _("JD")
        PDD = "pdd", _("Pinduoduo")
        DOUYIN = "douyin", _("Douyin shop")
        MINIPROGRAM = "miniprogram", _("Own mini-program")
        POS = "pos", _("Offline store (POS)")
        SHOPIFY = "shopify", _("Shopify")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    abbreviation = models.CharField(
        _("abbreviation"), max_length=8, unique=True,
        help_text=_("Upper-case prefix of hub order numbers, e.g. JD in JD2026012800123."),
    )
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    skips_invoicing = models.BooleanField(
        _("channel invoices the buyer itself"), default=False,
        help_text=_("Delivered orders of this channel may be settled without an invoice step."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Customer(TimeStampedModel):
    """One person, across channels (identities are matched by the channels app)."""

    class Level(models.TextChoices):
        NORMAL = "normal", _("Normal")
        VIP = "vip", _("VIP")
        SVIP = "svip", _("Super VIP")

    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.NORMAL)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name or self.phone or f"#{self.pk}"


class Product(TimeStampedModel):
    """A master SKU: what the warehouse stocks, whatever each channel calls it."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=64, blank=True, db_index=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductAlias(models.Model):
    """Another name for a master SKU: a channel SKU code or a title as a channel spells it."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("product")
    )
    alias = models.CharField(_("alias"), max_length=200)
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("channel"), help_text=_("Empty: the alias holds on every channel."),
    )

    class Meta:
        verbose_name = _("product alias")
        verbose_name_plural = _("product aliases")
        constraints = [
            models.UniqueConstraint(fields=["alias", "channel"], name="uniq_alias_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.product.sku}"


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


def invoicing_done_or_skipped(order: "Order") -> bool:
    """Settle after invoicing, or straight from delivered where the channel invoices itself."""
    return order.status == Status.INVOICED or order.channel.skips_invoicing


def _move(name: str, **extra):
    """``@transition`` arguments for the move ``name`` of the state-machine table."""
    move = MOVES_BY_NAME[name]
    conditions = [not_on_hold] if move.blocked_by_hold else []
    conditions += extra.pop("conditions", [])
    return {
        "source": list(move.sources),
        "target": move.target,
        "permission": move.permission_name,
        "conditions": conditions,
        "custom": {"label": move.label},
        **extra,
    }


class Order(ConcurrentTransitionMixin, FSMModelMixin, TimeStampedModel):
    """A channel order as the hub knows it; its status follows ``orders/state_machine.py``."""

    class Priority(models.IntegerChoices):
        NORMAL = 0, _("Normal")
        HIGH = 10, _("High")
        URGENT = 20, _("Urgent")

    hub_no = models.CharField(_("hub order number"), max_length=32, unique=True)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="orders", verbose_name=_("channel")
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
        _("payment serial number"), max_length=64, blank=True, db_index=True
    )
    receiver_name = models.CharField(_("receiver name"), max_length=100, blank=True)
    receiver_phone = models.CharField(_("receiver phone"), max_length=32, blank=True, db_index=True)
    receiver_province = models.CharField(_("province"), max_length=32, blank=True)
    receiver_city = models.CharField(_("city"), max_length=32, blank=True)
    receiver_district = models.CharField(_("district"), max_length=32, blank=True)
    receiver_address = models.CharField(_("address"), max_length=255, blank=True)
    placed_at = models.DateTimeField(_("placed at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    ship_by = models.DateTimeField(_("promised ship-by"), null=True, blank=True)
    priority = models.SmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    on_hold = models.BooleanField(_("on hold"), default=False)
    hold_reason = models.CharField(_("hold reason"), max_length=255, blank=True)
    carrier = models.CharField(_("carrier"), max_length=32, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=64, blank=True, db_index=True)
    buyer_note = models.TextField(_("buyer note"), blank=True)
    channel_status = models.CharField(
        _("channel status"), max_length=40, blank=True,
        help_text=_("The status code as the channel last reported it, e.g. WAIT_SELLER_SEND_GOODS."),
    )
    # Deadlines: set whenever the order moves (the SLA sweep is a range query on state_due_at).
    state_entered_at = models.DateTimeField(_("entered current state at"), null=True, blank=True)
    state_due_at = models.DateTimeField(
        _("current state due at"), null=True, blank=True, db_index=True
    )
    is_stuck = models.BooleanField(
        _("stuck (high risk)"), default=False,
        help_text=_("Set by the deadline sweep when the order breached its SLA."),
    )
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        permissions = ORDER_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "channel_order_no"], name="uniq_channel_order_no"
            ),
        ]
        indexes = [
            models.Index(fields=["channel_order_no"], name="order_channel_no_idx"),
            models.Index(fields=["status", "-id"], name="order_status_idx"),
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

    @transition(field=status, **_move("print_label"))
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

    @transition(field=status, **_move("settle", conditions=[invoicing_done_or_skipped]))
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
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"


class GiftOrder(ConcurrentTransitionMixin, FSMModelMixin, TimeStampedModel):
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


class Alert(TimeStampedModel):
    """The hub's one alert mechanism: every app raises alerts here (``orders.alerts``).

    ``key`` identifies the thing alerted about (e.g. one SLA breach of one order), so raising
    the same alert twice never makes two. Delivery and escalation build on these rows.
    """

    class Level(models.IntegerChoices):
        TEAM_LEAD = 1, _("Team lead")
        DIRECTOR = 2, _("Operations director")
        OWNER = 3, _("Owner")

    class AlertStatus(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=50, db_index=True)
    level = models.SmallIntegerField(_("level"), choices=Level.choices, default=Level.TEAM_LEAD)
    status = models.CharField(
        _("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    team = models.CharField(_("responsible team"), max_length=50, blank=True)
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"), blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts",
        verbose_name=_("order"),
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("acknowledged by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("resolved by"),
    )
    resolution = models.CharField(_("resolution"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-id"], name="alert_status_idx"),
            models.Index(fields=["order", "-id"], name="alert_order_idx"),
        ]

    def __str__(self) -> str:
        return f"[{self.get_level_display()}] {self.title}"
