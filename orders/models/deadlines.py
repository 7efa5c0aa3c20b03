"""The deadline rules: how long each timed step of an order may take (per channel), the
promised ship-by time and the traffic-light thresholds (the rules at work are in
``orders/sla/``)."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orderhub.alerts.models import Team
from orderhub.core.history import AuditedHistory
from orders.models.catalogue import Channel
from orders.state_machine import Status


class SlaStep(models.TextChoices):
    """A timed step of an order's life. Each happens in one state (``SLA_STEP_STATUS``); a state's
    allowance is the sum of its steps (packing and weighing, then the label, both end with
    ``print_label``)."""

    BUYER_PAYMENT = "buyer_payment", _("Buyer pays")
    PAYMENT_CONFIRMED = "payment_confirmed", _("Payment confirmed and released to the warehouse")
    RISK_REVIEW = "risk_review", _("Risk review")
    PICKING = "picking", _("Picking")
    PACKING = "packing", _("Packing and weighing")
    LABEL = "label", _("Label printed")
    HANDOVER = "handover", _("Handed over to the courier")
    DELIVERY = "delivery", _("Delivery (in transit)")


SLA_STEP_STATUS: dict[str, str] = {
    SlaStep.BUYER_PAYMENT: Status.PENDING_PAYMENT,
    SlaStep.PAYMENT_CONFIRMED: Status.PAID,
    SlaStep.RISK_REVIEW: Status.RISK_REVIEW,
    SlaStep.PICKING: Status.PICKING,
    SlaStep.PACKING: Status.PACKING,
    SlaStep.LABEL: Status.PACKING,
    SlaStep.HANDOVER: Status.AWAITING_PICKUP,
    SlaStep.DELIVERY: Status.IN_TRANSIT,
}


def _channel_or_global(name: str, *fields: str) -> models.UniqueConstraint:
    """One row per ``fields`` and channel, the global row (no channel) included: NULL never
    equals NULL in a plain unique constraint, so the channel is compared as COALESCE(id, 0)."""
    return models.UniqueConstraint(
        *fields, Coalesce("channel", models.Value(0)), name=name,
        violation_error_message=_("There is already a row for this channel (or the default)."),
    )


class SlaPolicy(models.Model):
    """How long one step may take: the default (no channel) or a channel's override."""

    step = models.CharField(_("step"), max_length=30, choices=SlaStep.choices)
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("channel"), help_text=_("Empty: the default for every channel."),
    )
    minutes = models.PositiveIntegerField(
        _("minutes allowed"), validators=[MinValueValidator(1)],
    )
    team = models.CharField(
        _("responsible team"), max_length=30, choices=Team.choices,
        help_text=_("Its lead gets the level-1 alert."),
    )
    is_active = models.BooleanField(
        _("active"), default=True,
        help_text=_("Untick to switch the step off (for this channel, or by default). A deleted "
                    "default comes back with the built-in value."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["step", "channel__code"]
        constraints = [_channel_or_global("uniq_sla_step_channel", "step")]

    def __str__(self) -> str:
        where = self.channel.code if self.channel_id else _("default")
        return f"{self.get_step_display()} ({where}): {self.minutes} min"

    @property
    def status(self) -> str:
        return SLA_STEP_STATUS[self.step]


class ShipByPromise(models.Model):
    """The promised ship-by time, counted from payment: the default or a channel's own."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("channel"), help_text=_("Empty: the default for every channel."),
    )
    hours = models.PositiveIntegerField(
        _("hours from payment"), default=48, validators=[MinValueValidator(1)]
    )
    urgent_hours = models.PositiveIntegerField(
        _("hours for urgent orders"), default=12, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("ship-by promise")
        verbose_name_plural = _("ship-by promises")
        ordering = ["channel__code"]
        constraints = [_channel_or_global("uniq_ship_by_channel")]

    def __str__(self) -> str:
        where = self.channel.name if self.channel_id else _("default")
        return gettext("%(where)s: %(hours)s h (%(urgent)s h urgent)") % {
            "where": where, "hours": self.hours, "urgent": self.urgent_hours}


class TrafficLightSettings(models.Model):
    """The one row of traffic-light thresholds (hours left to the ship-by time)."""

    yellow_hours = models.DecimalField(
        _("yellow below (hours left, not yet picked)"), max_digits=4, decimal_places=1,
        default=Decimal("6.0"), validators=[MinValueValidator(Decimal("0.1"))],
    )
    red_hours = models.DecimalField(
        _("red below (hours left, no label yet)"), max_digits=4, decimal_places=1,
        default=Decimal("2.0"), validators=[MinValueValidator(Decimal("0.1"))],
    )
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("traffic-light thresholds")
        verbose_name_plural = _("traffic-light thresholds")

    def __str__(self) -> str:
        return str(_("yellow < %(yellow)s h, red < %(red)s h") % {
            "yellow": self.yellow_hours, "red": self.red_hours,
        })

    def clean(self) -> None:
        # One row of thresholds (the built-in 6 h / 2 h apply while there is none).
        if self._state.adding and TrafficLightSettings.objects.exists():
            raise ValidationError(_("The thresholds exist already: change them instead."))
        if (
            self.red_hours is not None and self.yellow_hours is not None
            and self.red_hours >= self.yellow_hours
        ):
            raise ValidationError(
                {"red_hours": _("Red must start closer to the ship-by time than yellow.")}
            )
