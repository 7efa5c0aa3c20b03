"""Money: payment statements and their lines, the reconciliation colours, invoices and costs.

A :class:`Statement` is one imported file (an Alipay account or trade bill, a WeChat Pay trade
bill, or any spreadsheet through the generic template). Each of its rows is a
:class:`StatementLine`, matched to an order on the payment serial number and coloured: green
(to the cent), yellow (a difference explained in words), red (no order, money that should not
be there, or an unexplained difference) or grey (not an order: withdrawals, transfers). All
writes go through ``finance.services``.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orderhub.core.models import TimeStampedModel
from orders.models import Channel, Order

ZERO = Decimal("0.00")


def _money(verbose_name: str, **kwargs) -> models.DecimalField:
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class Source(models.TextChoices):
    """Where a statement comes from: the API's ``source`` values (DESIGN.md section 4)."""

    ALIPAY_ACCOUNT = "alipay_account", _("Alipay account bill")
    ALIPAY_TRADE = "alipay_trade", _("Alipay trade bill")
    WECHATPAY = "wechatpay", _("WeChat Pay trade bill")
    GENERIC = "generic", _("Spreadsheet (column template)")
    AMAZON_SETTLEMENT = "amazon_settlement", _("Amazon settlement report (flat file V2)")


class Colour(models.TextChoices):
    GREEN = "green", _("Green: matched to the cent")
    YELLOW = "yellow", _("Yellow: explained difference")
    RED = "red", _("Red: unmatched or unexplained")
    GREY = "grey", _("Grey: not an order")


class Kind(models.TextChoices):
    """What a statement row is about."""

    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    FEE = "fee", _("Fee or commission")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    TRANSFER = "transfer", _("Transfer")
    OTHER = "other", _("Other (not an order)")
    MISSING = "missing", _("No money received")


# Rows that never belong to an order.
NOT_ORDER_KINDS = frozenset({Kind.WITHDRAWAL, Kind.TRANSFER, Kind.OTHER})


class Cause(models.TextChoices):
    """Why a line has its colour (for filters and the monthly report's commonest causes)."""

    EXACT = "exact", _("Exact match")
    FEE = "fee", _("Payment fee")
    COMMISSION = "commission", _("Commission")
    FULFILMENT_FEE = "fulfilment_fee", _("Fulfilment fee")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    FULL_REFUND = "full_refund", _("Full refund")
    COUPON = "coupon", _("Coupon or discount")
    NO_PAYMENT_SEEN = "no_payment_seen", _("Refund or fee without a payment")
    UNKNOWN_SERIAL = "unknown_serial", _("No order with this serial number")
    AMOUNT_MISMATCH = "amount_mismatch", _("Unexplained amount difference")
    CANCELLED_WITH_MONEY = "cancelled_with_money", _("Money for a cancelled order")
    NO_MONEY = "no_money", _("No money after the settlement window")
    NOT_ORDER = "not_order", _("Not an order")
    AFTERSALES_REFUND = "aftersales_refund", _("After-sales refund")


class Statement(TimeStampedModel):
    """One imported statement file; the same file (by SHA-256) is imported only once."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("channel"),
        help_text=_(
            "The channel whose money this is; inferred from the matched orders when empty."
        ),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, unique=True)
    original = models.FileField(
        _("file as imported"), upload_to="finance/statements/", blank=True,
        help_text=_("The statement exactly as uploaded; each line keeps its row number in it."),
    )
    account = models.CharField(_("account"), max_length=64, blank=True)
    period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    period_end = models.DateTimeField(_("period end"), null=True, blank=True)
    summary = models.JSONField(_("summary lines"), default=dict, blank=True)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    duplicate_line_count = models.PositiveIntegerField(
        _("lines already imported"), default=0,
        help_text=_("Rows skipped because another statement already holds them."),
    )
    green_count = models.PositiveIntegerField(_("green"), default=0)
    yellow_count = models.PositiveIntegerField(_("yellow"), default=0)
    red_count = models.PositiveIntegerField(_("red"), default=0)
    grey_count = models.PositiveIntegerField(_("not orders"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("imported by"),
    )

    class Meta:
        verbose_name = _("payment statement")
        verbose_name_plural = _("payment statements")
        ordering = ["-id"]
        permissions = [
            ("import_statement", "Can import payment statements"),
            ("export_finance", "Can export finance reports"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.file_name}"


class StatementLine(models.Model):
    """One row of a statement, with the order it belongs to and its colour.

    Money fields are from the merchant's side: ``gross_amount`` is what the platform says the
    order was, ``amount`` the cash it moves (negative for refunds, fees and withdrawals),
    ``fee`` the fee the platform charged on the row (five decimals as WeChat Pay prints them;
    negative when a refund gives it back), ``discount`` coupons and discounts that never
    reached the merchant.
    """

    # No database-level foreign keys on this ledger of millions of rows: PostgreSQL would check
    # each of them for every row COPY writes (measured: most of a million-line import). The ORM
    # still applies on_delete; the rows are written only by finance.services.
    statement = models.ForeignKey(
        Statement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("statement"),
        db_constraint=False,
        db_index=False,
        help_text=_(
            "Empty for the lines the hub adds itself (no money after the settlement window)."
        ),
    )
    line_no = models.PositiveIntegerField(_("row in file"), default=0)
    line_key = models.CharField(
        _("line key"), max_length=40,
        help_text=_("Hash of the row's identity, so that a row imported twice is kept once."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    payment_serial_no = models.CharField(_("payment serial number"), max_length=64, blank=True)
    merchant_order_no = models.CharField(_("merchant order number"), max_length=64, blank=True)
    business_serial_no = models.CharField(
        _("business serial number"), max_length=64, blank=True,
        help_text=_("Ledger entry, refund number or refund batch, as the platform numbers it."),
    )
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    gross_amount = _money(_("order amount per platform"))
    amount = _money(_("cash amount"))
    fee = models.DecimalField(_("fee"), max_digits=16, decimal_places=5, default=Decimal("0"))
    fee_label = models.CharField(_("fee label"), max_length=40, blank=True)
    discount = _money(_("coupons and discounts"))
    refund_amount = _money(_("refund amount"))
    business_type = models.CharField(_("business type"), max_length=40, blank=True)
    item_name = models.CharField(_("item"), max_length=255, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=128, blank=True)
    remark = models.CharField(_("remark"), max_length=255, blank=True)
    # --- reconciliation ------------------------------------------------------------------
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="statement_lines",
        verbose_name=_("order"), db_constraint=False,
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("channel"), db_constraint=False, db_index=False,
    )
    colour = models.CharField(_("colour"), max_length=6, choices=Colour.choices)
    cause = models.CharField(_("cause"), max_length=24, choices=Cause.choices)
    # A stored text (``finance.texts``): a code with its amounts and the statement's fee labels,
    # nested parts and all (widening a varchar rewrites no row on PostgreSQL).
    explanation = models.CharField(_("explanation"), max_length=1000, blank=True)
    expected_amount = models.DecimalField(
        _("expected"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    received_amount = models.DecimalField(
        _("received"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    difference = models.DecimalField(
        _("difference"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    red_since = models.DateTimeField(_("red since"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("confirmed or resolved at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("confirmed or resolved by"), db_index=False,
        db_constraint=False,
    )
    review_reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["id"]
        permissions = [("review_statementline", "Can confirm yellow and resolve red lines")]
        # Each index costs every imported row (a third of a million-line import when measured):
        # these serve the lines API (statement), matching (order, line key), the search by
        # serial number, the board's period filter and the red sweep. Declared here rather than
        # with unique=/db_index=, which on PostgreSQL add a second, LIKE index to text columns.
        constraints = [models.UniqueConstraint(fields=["line_key"], name="fin_line_key_unique")]
        indexes = [
            models.Index(fields=["payment_serial_no"], name="fin_line_serial_idx"),
            models.Index(fields=["statement", "id"], name="fin_line_statement_idx"),
            models.Index(fields=["channel", "occurred_at"], name="fin_line_period_idx"),
            # The escalation sweep reads only unresolved red lines.
            models.Index(
                fields=["red_since"], name="fin_line_red_open_idx",
                condition=models.Q(colour="red", reviewed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_serial_no or self.business_serial_no or self.line_key[:12]}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class LineReview(models.Model):
    """The audit trail of finance's decisions on lines: who, when, from where, why."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("Confirmed the explained difference")
        RESOLVE = "resolve", _("Resolved the red line")

    line = models.ForeignKey(
        StatementLine, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("line")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    colour = models.CharField(_("colour at the time"), max_length=6, choices=Colour.choices)
    reason = models.CharField(_("reason"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("by"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("line review")
        verbose_name_plural = _("line reviews")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.reason}"


class Invoice(TimeStampedModel):
    """A fully digital invoice (全电发票) issued for an order."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("order")
    )
    number = models.CharField(
        _("invoice number"), max_length=20, unique=True,
        help_text=_("The 20-digit number of the fully digital invoice."),
    )
    issued_on = models.DateField(_("issued on"))
    amount = _money(_("amount including tax"))
    tax_amount = _money(_("tax"))
    buyer_name = models.CharField(_("buyer (invoice title)"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number


class OrderCost(models.Model):
    """Per-order cost breakdown: what the order really earned after the platforms took theirs."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="cost", verbose_name=_("order"),
        primary_key=True,
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    revenue = _money(_("revenue (paid less refunds)"))
    commission = _money(_("platform commission"))
    payment_fee = _money(_("payment fee"))
    # Fulfilment by the platform's warehouse (Amazon FBA) is a service apart from its commission.
    fulfilment_fee = _money(_("fulfilment fee"))
    shipping_cost = _money(_("shipping"))
    tax = _money(_("tax"))
    tax_from_invoice = models.BooleanField(
        _("tax from invoice"), default=False,
        help_text=_("Otherwise estimated from the VAT rate until the invoice is recorded."),
    )
    net_revenue = _money(_("net revenue"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order cost breakdown")
        verbose_name_plural = _("order cost breakdowns")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.net_revenue}"


class ChannelFigure(models.Model):
    """The channel's own count of paid orders for a day (from its statements or its API)."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="+", verbose_name=_("channel")
    )
    day = models.DateField(_("day"))
    source = models.CharField(_("source"), max_length=20)
    paid_orders = models.PositiveIntegerField(_("paid orders"))
    paid_amount = _money(_("paid amount"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("channel figure")
        verbose_name_plural = _("channel figures")
        ordering = ["-day", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "day", "source"], name="fin_uniq_channel_figure"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.day}: {self.paid_orders}"


class ConsistencyCheck(models.Model):
    """The latest comparison of the hub's paid orders with a channel's figure for one day."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="+", verbose_name=_("channel")
    )
    day = models.DateField(_("day"))
    source = models.CharField(_("source"), max_length=20)
    hub_paid_orders = models.PositiveIntegerField(_("paid orders in the hub"))
    channel_paid_orders = models.PositiveIntegerField(_("paid orders per channel"))
    deviation = models.DecimalField(_("deviation"), max_digits=9, decimal_places=6)
    within_tolerance = models.BooleanField(_("within tolerance"))
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("consistency check")
        verbose_name_plural = _("consistency checks")
        ordering = ["-day", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "day", "source"], name="fin_uniq_consistency_check"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.day}: {self.deviation:.4%}"


def _percent(verbose_name, default: str, help_text) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=2, default=Decimal(default),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
        help_text=help_text,
    )


class FeeCeiling(models.Model):
    """How much a channel's platform may take of an order as fees and commissions before a
    person looks (``finance.reconciliation.Ceiling``); channels without a row take the
    defaults. Finance edits them in the admin."""

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, related_name="+", verbose_name=_("channel")
    )
    payment_fee_percent = _percent(
        _("payment fee ceiling (% of the order)"), "3.00",
        _("Alipay and WeChat Pay service fees up to this share of the order are a cost of the "
          "order (green); above it the line is yellow."),
    )
    commission_percent = _percent(
        _("commission ceiling (% of the order)"), "30.00",
        _("Commissions (淘宝客佣金, platform technical service fees) up to this share of the "
          "order are a cost of the order (green); above it the line is yellow."),
    )
    fulfilment_fee_percent = _percent(
        _("fulfilment fee ceiling (% of the order)"), "35.00",
        _("Fees the platform charges for fulfilling the order from its own warehouse (Amazon "
          "FBA fees) up to this share of the order are a cost of the order (green); above it "
          "the line is yellow. Checked apart from the commission."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fee ceiling")
        verbose_name_plural = _("fee ceilings")
        ordering = ["channel"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payment_fee_percent__gte=0, payment_fee_percent__lte=100)
                & models.Q(commission_percent__gte=0, commission_percent__lte=100)
                & models.Q(fulfilment_fee_percent__gte=0, fulfilment_fee_percent__lte=100),
                name="fin_fee_ceiling_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return (f"{self.channel}: {self.payment_fee_percent}% / {self.commission_percent}% / "
                f"{self.fulfilment_fee_percent}%")


class ExpectedRefund(models.Model):
    """Money after-sales approved to give back for an order (event
    ``aftersales.refund_approved``): the refund rows of the Alipay and WeChat Pay statements
    are matched to it, green to the cent, yellow with the words when they differ."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="expected_refunds", verbose_name=_("order")
    )
    case_id = models.PositiveBigIntegerField(_("after-sales case id"), unique=True)
    case_no = models.CharField(_("after-sales case number"), max_length=64)
    kind = models.CharField(_("case kind"), max_length=20, blank=True)
    amount = _money(_("refund approved"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    statement_line = models.OneToOneField(
        StatementLine, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="expected_refund", verbose_name=_("matched statement line"),
    )
    colour = models.CharField(_("colour"), max_length=6, choices=Colour.choices, blank=True)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    created_at = models.DateTimeField(_("approved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expected refund")
        verbose_name_plural = _("expected refunds")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="fin_refund_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.case_no}: {self.amount} {self.currency}"
