"""Alerts, their timeline and deliveries, where they go (notification targets) and the
escalation ladder: the hub's one alert mechanism, which every app uses and which imports none.

Its one link to a domain model is ``Alert.order``, a foreign key named by string
(``"orders.Order"``) so that no Python import points from here to an app: an alert may concern
an order, shown and looked up by its hub number (``order.hub_no``, through that key). Alert
kinds are the raising apps' own strings (``sla``, ``low_stock``, ...); nothing here lists them.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orderhub.core.history import AuditedHistory
from orderhub.core.models import TimeStampedModel


class Alert(TimeStampedModel):
    """The hub's one alert mechanism: every app raises alerts here (``services.alert_raise``).

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

    # Unique through Meta.constraints (one index; unique=True would add a LIKE index too) and
    # kind without an index of its own: every index costs on each of a sweep's bulk inserts.
    key = models.CharField(_("key"), max_length=200)
    kind = models.CharField(_("kind"), max_length=50)
    # What the alerts of one kind have in common (a carrier, a state): the inbox shows the
    # open alerts of one kind and cause as one row. Filled from the kind's ``cause_key``.
    cause = models.CharField(_("cause"), max_length=100, blank=True, default="")
    level = models.SmallIntegerField(_("level"), choices=Level.choices, default=Level.TEAM_LEAD)
    status = models.CharField(
        _("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    team = models.CharField(_("responsible team"), max_length=50, blank=True)
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"), blank=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts",
        verbose_name=_("order"), db_index=False,  # alert_order_idx leads with it
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
    # The ladder counts from raised_at (the sweep's clock, so a rehearsal or a catch-up run
    # is consistent); next_escalation_at is when the next rung is due, None once acknowledged,
    # resolved or at the top: the sweep's climb is a range query on it.
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["key"], name="uniq_alert_key")]
        indexes = [
            models.Index(fields=["status", "-id"], name="alert_status_idx"),
            # The inbox's groups: open alerts of one kind and cause.
            models.Index(fields=["status", "kind", "cause", "-id"], name="alert_group_idx"),
            models.Index(fields=["order", "-id"], name="alert_order_idx"),
            models.Index(
                fields=["next_escalation_at"], name="alert_escalation_due_idx",
                condition=models.Q(next_escalation_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.get_level_display()}] {self.title}"


class Team(models.TextChoices):
    """The teams an alert can be the responsibility of (their leads get level 1)."""

    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    WAREHOUSE = "warehouse", _("Warehouse")
    OPERATIONS = "operations", _("Operations")
    FINANCE = "finance", _("Finance")


class NotificationTarget(TimeStampedModel):
    """Where alerts go: e-mail addresses or a chat group's robot (DingTalk, Feishu, WeCom)."""

    class Transport(models.TextChoices):
        EMAIL = "email", _("E-mail")
        DINGTALK = "dingtalk", _("DingTalk robot")
        FEISHU = "feishu", _("Feishu robot")
        WECOM = "wecom", _("WeCom robot")

    name = models.CharField(_("name"), max_length=100)
    transport = models.CharField(_("transport"), max_length=20, choices=Transport.choices)
    team = models.CharField(
        _("lead of team"), max_length=30, choices=Team.choices, blank=True,
        help_text=_("Set for a team lead's channel: the team's level-1 alerts go here."),
    )
    email_to = models.CharField(
        _("e-mail addresses"), max_length=500, blank=True, help_text=_("Comma-separated."),
    )
    webhook_url = models.URLField(_("robot webhook URL"), max_length=500, blank=True)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True,
        help_text=_("DingTalk (SEC…) and Feishu signature secrets; WeCom robots have none."),
    )
    mention_mobiles = models.CharField(
        _("mention mobiles"), max_length=300, blank=True,
        help_text=_("Comma-separated mobile numbers to @ in DingTalk and WeCom messages."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification target")
        verbose_name_plural = _("notification targets")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_transport_display()})"

    def clean(self) -> None:
        if self.transport == self.Transport.EMAIL and not self.email_to.strip():
            raise ValidationError({"email_to": _("An e-mail target needs at least one address.")})
        if self.transport != self.Transport.EMAIL and not self.webhook_url:
            raise ValidationError({"webhook_url": _("A robot target needs its webhook URL.")})

    @property
    def addresses(self) -> list[str]:
        return [part.strip() for part in self.email_to.split(",") if part.strip()]

    @property
    def mobiles(self) -> list[str]:
        return [part.strip() for part in self.mention_mobiles.split(",") if part.strip()]


class EscalationStep(models.Model):
    """One rung of an escalation ladder: who hears of an alert of ``kind``, and when."""

    kind = models.CharField(
        _("alert kind"), max_length=50, blank=True,
        help_text=_("e.g. sla, ship_by, low_stock. Empty: the ladder of every kind without a "
                    "ladder of its own."),
    )
    level = models.SmallIntegerField(_("level"), choices=Alert.Level.choices)
    after_minutes = models.PositiveIntegerField(
        _("minutes after the alert was raised"), default=0,
    )
    to_team_lead = models.BooleanField(
        _("to the responsible team's lead"), default=False,
        help_text=_("Also notify the targets marked as lead of the alert's team."),
    )
    recipients = models.ManyToManyField(
        NotificationTarget, blank=True, related_name="escalation_steps",
        verbose_name=_("recipients"),
    )
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation ladder")
        ordering = ["kind", "level"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "level"], name="uniq_escalation_kind_level"),
        ]

    def __str__(self) -> str:
        return f"{self.kind or '*'} L{self.level} +{self.after_minutes} min"


class AlertEvent(models.Model):
    """One line of an alert's timeline: raised, escalated, notified, acknowledged, resolved."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        ESCALATED = "escalated", _("Escalated")
        NOTIFIED = "notified", _("Notified")
        DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="events", verbose_name=_("alert")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    level = models.SmallIntegerField(_("level"), choices=Alert.Level.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        # In the order the hub recorded them (``at`` may be a sweep's clock, e.g. a catch-up).
        ordering = ["alert", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} L{self.level}"


class AlertDelivery(models.Model):
    """One message of one alert level to one target, with its attempts (sent after commit)."""

    class DeliveryStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (gave up)")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("alert"),
        db_index=False,  # the unique (alert, target, level) constraint leads with it
    )
    target = models.ForeignKey(
        NotificationTarget, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="deliveries", verbose_name=_("target"),
    )
    level = models.SmallIntegerField(_("level"), choices=Alert.Level.choices)
    transport = models.CharField(
        _("transport"), max_length=20, choices=NotificationTarget.Transport.choices
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "target", "level"], name="uniq_delivery_alert_target_level"
            ),
        ]
        indexes = [
            # The sender's queue: pending deliveries by when they are due.
            models.Index(
                fields=["next_attempt_at"], name="delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.alert_id} L{self.level} → {self.target or self.transport}"
