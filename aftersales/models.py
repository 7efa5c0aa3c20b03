"""After-sales cases, their lines, the raw platform deliveries, and the rules staff keep.

A case's status follows ``aftersales/state_machine.py``; the ``@transition`` methods below are
built from it and only guard and set fields. Every write goes through ``aftersales.services``.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from orderhub.core.history import AuditedHistory
from orderhub.core.models import FSMSafeRefreshMixin, TimeStampedModel
from orders.models import Channel, Order, OrderLine

from aftersales.state_machine import (
    CASE_MOVES_BY_NAME,
    CASE_PERMISSIONS,
    OPEN_CASE_STATUSES,
    CaseStatus,
    Kind,
)

ZERO = Decimal("0.00")


class ReasonCategory(models.TextChoices):
    WRONG_ITEM = "wrong_item", _("Wrong item sent")
    MISSING_ITEM = "missing_item", _("Missing item")
    DAMAGED = "damaged", _("Damaged in transit")
    QUALITY = "quality", _("Quality problem")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    NO_LONGER_WANTED = "no_longer_wanted", _("No longer wanted")
    OTHER = "other", _("Other")


class Team(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    LOGISTICS_CLAIMS = "logistics_claims", _("Logistics claims")
    OPERATIONS = "operations", _("Operations")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")


class Inspection(models.TextChoices):
    NONE = "", _("Not inspected")
    GOOD = "good", _("Good: restocked")
    DAMAGED = "damaged", _("Damaged: written off")


def _kind_allows(name: str):
    kinds = CASE_MOVES_BY_NAME[name].kinds

    def kind_allows(case: "Case") -> bool:
        return case.kind in kinds

    kind_allows.__name__ = f"kind_allows_{name}"
    return kind_allows


def _move(name: str) -> dict:
    move = CASE_MOVES_BY_NAME[name]
    return {"source": list(move.sources), "target": move.target,
            "permission": move.permission_name, "conditions": [_kind_allows(name)],
            "custom": {"label": move.label}}


class Case(ConcurrentTransitionMixin, FSMSafeRefreshMixin, FSMModelMixin, TimeStampedModel):
    """One after-sales request about one order: from a platform, or opened by staff."""

    class Priority(models.IntegerChoices):
        NORMAL = 0, _("Normal")
        HIGH = 10, _("High")
        URGENT = 20, _("Urgent")

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("channel"))
    channel_case_no = models.CharField(
        _("platform case number"), max_length=64, blank=True,
        help_text=_("The platform's own id of the request; empty for cases staff opened."))
    channel_order_no = models.CharField(_("channel order number"), max_length=64)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="aftersales_cases",
        verbose_name=_("order"),
        help_text=_("Empty until the order reaches the hub; linked when it arrives."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = FSMField(_("status"), max_length=20, choices=CaseStatus.choices,
                      default=CaseStatus.REQUESTED, protected=True)
    channel_status = models.CharField(_("platform status"), max_length=40, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=ZERO)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    buyer_words = models.TextField(_("buyer's words"), blank=True)
    platform_reason = models.CharField(_("platform reason"), max_length=255, blank=True)
    reason_category = models.CharField(_("reason"), max_length=20,
                                       choices=ReasonCategory.choices,
                                       default=ReasonCategory.OTHER)
    deciding_words = models.CharField(
        _("deciding words"), max_length=255, blank=True,
        help_text=_("The phrases of the buyer's words (or the platform reason) that decided it."))
    team = models.CharField(_("team"), max_length=20, choices=Team.choices,
                            default=Team.CUSTOMER_SERVICE)
    priority = models.SmallIntegerField(_("priority"), choices=Priority.choices,
                                        default=Priority.NORMAL)
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    due_at = models.DateTimeField(
        _("answer due"), null=True, blank=True,
        help_text=_("The platform's response window: unanswered by then, the platform decides "
                    "for the seller."))
    first_answered_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    return_carrier = models.CharField(_("return carrier"), max_length=32, blank=True)
    return_tracking_no = models.CharField(_("return tracking number"), max_length=64,
                                          blank=True, db_index=True)
    return_shipment_id = models.BigIntegerField(_("return shipment"), null=True, blank=True)
    inspection = models.CharField(_("inspection"), max_length=10, choices=Inspection.choices,
                                  blank=True, default=Inspection.NONE)
    new_order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("new outbound order"))
    refund_confirmed_at = models.DateTimeField(_("refund confirmed by finance"), null=True,
                                               blank=True)
    refund_statement_line_id = models.BigIntegerField(_("statement line"), null=True,
                                                      blank=True)
    refund_colour = models.CharField(_("reconciliation colour"), max_length=10, blank=True)
    raw = models.JSONField(_("platform payload"), default=dict, blank=True)
    history = HistoricalRecords(bases=[AuditedHistory], excluded_fields=["raw"])

    class Meta:
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        ordering = ["-priority", "due_at", "id"]
        permissions = CASE_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["channel", "channel_case_no"],
                                    condition=~Q(channel_case_no=""),
                                    name="uniq_channel_case_no"),
        ]
        indexes = [
            # The queue: open cases, priority then deadline (a partial index: closed cases
            # pile up, the queue does not).
            models.Index(fields=["-priority", "due_at", "id"], name="case_queue_idx",
                         condition=Q(status__in=OPEN_CASE_STATUSES)),
            # The whole list (closed cases too), in the same order: its first page without
            # sorting every case.
            models.Index(fields=["-priority", "due_at", "id"], name="case_list_idx"),
            # The queue narrowed to one reason or one team (each a team's daily view): the page
            # in order without walking past the other reasons' or teams' cases.
            models.Index(fields=["reason_category", "-priority", "due_at", "id"],
                         name="case_queue_reason_idx",
                         condition=Q(status__in=OPEN_CASE_STATUSES)),
            models.Index(fields=["team", "-priority", "due_at", "id"], name="case_queue_team_idx",
                         condition=Q(status__in=OPEN_CASE_STATUSES)),
            models.Index(fields=["channel", "channel_order_no"], name="case_channel_order_idx"),
            models.Index(fields=["order", "id"], name="case_order_idx"),
        ]

    def __str__(self) -> str:
        return self.case_no

    @property
    def case_no(self) -> str:
        return f"AS{self.pk:08d}" if self.pk else "AS(new)"

    # --- transitions (from the table; they only guard and set fields) ------------------------
    @transition(field=status, **_move("approve"))
    def approve(self) -> None:
        pass

    @transition(field=status, **_move("approve_return"))
    def approve_return(self) -> None:
        pass

    @transition(field=status, **_move("receive_return"))
    def receive_return(self) -> None:
        pass

    @transition(field=status, **_move("inspect"))
    def inspect(self, *, inspection: str = Inspection.GOOD) -> None:
        self.inspection = inspection

    @transition(field=status, **_move("refund"))
    def refund(self) -> None:
        pass

    @transition(field=status, **_move("reship"))
    def reship(self) -> None:
        pass

    @transition(field=status, **_move("close"))
    def close(self) -> None:
        pass

    @transition(field=status, **_move("reject"))
    def reject(self) -> None:
        pass

    @transition(field=status, **_move("withdraw"))
    def withdraw(self) -> None:
        pass


class CaseLine(models.Model):
    """A line of the order the case is about, and how many of it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lines",
                             verbose_name=_("case"))
    order_line = models.ForeignKey(OrderLine, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("order line"))
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    channel_sku = models.CharField(_("channel SKU"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    class Meta:
        verbose_name = _("case line")
        verbose_name_plural = _("case lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.title or self.sku} × {self.quantity}"


class CaseDelivery(models.Model):
    """A platform's after-sales payload exactly as it came, kept before it is processed."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("channel"))
    source = models.CharField(_("source"), max_length=20)
    body = models.BinaryField(_("body"))
    body_sha256 = models.CharField(_("body SHA-256"), max_length=64, db_index=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("received by"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.RECEIVED)
    result = models.JSONField(_("answer"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("after-sales delivery")
        verbose_name_plural = _("after-sales deliveries")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel_id} {self.status}"


class ReasonPhrase(models.Model):
    """A phrase of buyers' words and the reason it points to; operations edit the table."""

    phrase = models.CharField(_("phrase"), max_length=40, unique=True)
    category = models.CharField(_("reason"), max_length=20, choices=ReasonCategory.choices)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=10,
        help_text=_("When several reasons are found, the heavier (then the earlier) decides."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reason phrase")
        verbose_name_plural = _("reason phrases")
        ordering = ["category", "phrase"]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.get_category_display()}"


class TeamRoute(models.Model):
    """Which team fixes the cause of a reason, and the case's priority."""

    category = models.CharField(_("reason"), max_length=20, choices=ReasonCategory.choices,
                                unique=True)
    team = models.CharField(_("team"), max_length=20, choices=Team.choices)
    priority = models.SmallIntegerField(_("priority"), choices=Case.Priority.choices,
                                        default=Case.Priority.NORMAL)

    class Meta:
        verbose_name = _("team route")
        verbose_name_plural = _("team routes")
        ordering = ["category"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.get_team_display()}"


class ReturnRisk(models.Model):
    """How likely a paid order is to come back (0–100), and why, in words (``aftersales.risk``)."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="return_risk",
                                 verbose_name=_("order"))
    score = models.PositiveSmallIntegerField(_("return-risk score"))
    reasons = models.JSONField(_("top reasons"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("return risk")
        verbose_name_plural = _("return risks")
        indexes = [models.Index(fields=["-score"], name="return_risk_score_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.score}"
