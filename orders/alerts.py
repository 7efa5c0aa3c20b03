"""Raising, acknowledging and resolving alerts: the one alert mechanism every app uses.

Apps call :func:`alert_raise` with a ``key`` that names what is alerted about (one breach,
one stock row, one statement line). Raising again with the same key returns the existing
alert, so sweeps can run as often as they like. Delivery (e-mail, chat robots, the inbox) and
escalation are scheduled after commit by the deadlines code.
"""
from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from orderhub.core.errors import Conflict
from orders.models import Alert, Order


@transaction.atomic
def alert_raise(
    *,
    key: str,
    kind: str,
    title: str,
    message: str = "",
    order: Order | None = None,
    team: str = "",
    level: int = Alert.Level.TEAM_LEAD,
    data: dict[str, Any] | None = None,
) -> tuple[Alert, bool]:
    """Raise the alert ``key`` once; returns ``(alert, created)``."""
    existing = Alert.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                key=key, kind=kind, title=title[:200], message=message, order=order, team=team,
                level=level, data=data or {},
            )
    except IntegrityError:
        # Raised by someone else at the same moment: theirs is the one.
        return Alert.objects.get(key=key), False
    return alert, True


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor) -> Alert:
    """Someone is on it: the alert stops climbing the ladder."""
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.status != Alert.AlertStatus.OPEN:
        raise Conflict(f"Alert #{locked.pk} is already {locked.status}.")
    locked.status = Alert.AlertStatus.ACKNOWLEDGED
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    return locked


@transaction.atomic
def alert_resolve(*, alert: Alert, actor, resolution: str) -> Alert:
    """Close the alert, saying how it was resolved (``actor=None`` when the hub saw it end)."""
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.status == Alert.AlertStatus.RESOLVED:
        return locked
    locked.status = Alert.AlertStatus.RESOLVED
    locked.resolved_at = timezone.now()
    locked.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.resolution = resolution[:255]
    locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution", "updated_at"])
    return locked
