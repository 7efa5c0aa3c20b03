"""Raising, escalating, acknowledging and resolving alerts: the one alert mechanism every app uses.

Apps call :func:`alert_raise` with a ``key`` that names what is alerted about (one breach,
one stock row, one statement line). Raising again with the same key returns the existing
alert, so sweeps can run as often as they like.

Every alert climbs the escalation ladder of its kind (``EscalationStep``; level 1 at once to
the responsible team's lead, level 2 to the operations director, level 3 to the owner, each
after its delay) until someone acknowledges or resolves it. Each rung reached plans its
deliveries (``orderhub.alerts.notify``), sent after commit; every step is a line of the alert's
timeline (``AlertEvent``), which outlives the alert's resolution. Saving a rung of a ladder
(:func:`escalation_step_save`, from the admin) reschedules the open alerts it concerns. Reads
are in ``selectors``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from orderhub.alerts import texts
from orderhub.alerts.kinds import alert_kind
from orderhub.alerts.ladder import Rung, ladders, ladders_clear
from orderhub.alerts.models import Alert, AlertEvent, EscalationStep, NotificationTarget
from orderhub.alerts.notify.deliveries import deliveries_plan, message_send
from orderhub.alerts.notify.robots import AlertText
from orderhub.alerts.tasks import alert_deliveries_send
from orderhub.core.errors import Conflict, PermissionRefused, model_permission_check
from orderhub.core.history import history_note
from orderhub.core.tasks import enqueue_on_commit
from orderhub.core.texts import fit

ALERT_PERMISSION = "alerts.change_alert"
OPEN = Alert.AlertStatus.OPEN
ACKNOWLEDGED = Alert.AlertStatus.ACKNOWLEDGED
RESOLVED = Alert.AlertStatus.RESOLVED
UNRESOLVED = (OPEN, ACKNOWLEDGED)


def _check_permission(actor) -> None:
    if actor is not None and not actor.has_perm(ALERT_PERMISSION):
        raise PermissionRefused(
            f"Your role may not acknowledge or resolve alerts (needs '{ALERT_PERMISSION}')."
        )


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def next_escalation_at(*, kind: str, level: int, raised_at: dt.datetime) -> dt.datetime | None:
    """When the alert reaches the next rung of its ladder (``None`` at the top)."""
    higher = [rung for rung in ladders().ladder(kind) if rung.level > level]
    return raised_at + min(rung.after for rung in higher) if higher else None


def _rungs_at(kind: str, level: int) -> list[Rung]:
    return [rung for rung in ladders().ladder(kind) if rung.level == level]


def _notify(pairs: list[tuple[Alert, Rung]]) -> int:
    planned = deliveries_plan(rungs=pairs)
    if planned:
        enqueue_on_commit(alert_deliveries_send)
    return planned


# --- raising ------------------------------------------------------------------------------------
@transaction.atomic
def alert_raise(
    *,
    key: str,
    kind: str,
    title: str,
    message: str = "",
    order: models.Model | None = None,
    team: str = "",
    level: int = Alert.Level.TEAM_LEAD,
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> tuple[Alert, bool]:
    """Raise the alert ``key`` once; returns ``(alert, created)``.

    A new alert starts its ladder at ``level`` and, unless ``notify`` is false, tells that
    rung's recipients (after commit).
    """
    existing = Alert.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                key=key, kind=kind, cause=alert_kind(kind).cause_of(data), title=fit(title, 200),
                message=message, order=order, team=team, level=level, data=data or {},
                raised_at=now,
                next_escalation_at=next_escalation_at(kind=kind, level=level, raised_at=now),
            )
    except IntegrityError:
        # Raised by someone else at the same moment: theirs is the one.
        return Alert.objects.get(key=key), False
    AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.RAISED, at=now, level=level)
    if notify:
        _notify([(alert, rung) for rung in _rungs_at(kind, level)])
    return alert, True


@dataclass
class AlertSpec:
    """An alert to raise in bulk (the sweep), whose key is known not to exist yet."""

    key: str
    kind: str
    title: str
    message: str = ""
    order_id: int | None = None
    team: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def alerts_raise_many(*, specs: Sequence[AlertSpec], now: dt.datetime) -> list[Alert]:
    """Raise many new level-1 alerts at once: bulk inserts, one delivery plan, one task.

    The caller holds the row locks that make the keys its own (the sweep locks the orders).
    """
    if not specs:
        return []
    alerts = [
        Alert(
            key=spec.key, kind=spec.kind, cause=alert_kind(spec.kind).cause_of(spec.data),
            title=fit(spec.title, 200), message=spec.message,
            order_id=spec.order_id, team=spec.team, level=Alert.Level.TEAM_LEAD, data=spec.data,
            raised_at=now, next_escalation_at=next_escalation_at(
                kind=spec.kind, level=Alert.Level.TEAM_LEAD, raised_at=now),
        )
        for spec in specs
    ]
    created = Alert.objects.bulk_create(alerts, batch_size=1000)
    if any(alert.pk is None for alert in created):
        # Databases that do not return ids from bulk inserts: read them back by key.
        ids = dict(Alert.objects.filter(key__in=[a.key for a in created]).values_list("key", "pk"))
        for alert in created:
            alert.pk = alert.id = ids[alert.key]
    AlertEvent.objects.bulk_create(
        [AlertEvent(alert=alert, kind=AlertEvent.Kind.RAISED, at=now, level=alert.level)
         for alert in created],
        batch_size=2000,
    )
    _notify([(alert, rung) for alert in created for rung in _rungs_at(alert.kind, alert.level)])
    return created


# --- escalation ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Climb:
    alert_id: int
    from_level: int
    to_level: int


@transaction.atomic
def alerts_escalate(*, now: dt.datetime | None = None) -> list[Climb]:
    """Move every open alert whose next rung is due up its ladder, and tell that rung.

    A late run climbs every rung that is due at once, telling each (nobody is skipped).
    """
    now = now or timezone.now()
    skip_locked = connection.features.has_select_for_update_skip_locked
    due = list(
        Alert.objects.select_for_update(skip_locked=skip_locked)
        .filter(next_escalation_at__lte=now, status=OPEN)
        .order_by("next_escalation_at", "id")
    )
    climbs, pairs, events = [], [], []
    current = ladders()
    for alert in due:
        reached = [
            rung for rung in current.ladder(alert.kind)
            if rung.level > alert.level and alert.raised_at + rung.after <= now
        ]
        if reached:
            top = max(rung.level for rung in reached)
            climbs.append(Climb(alert.pk, alert.level, top))
            for level in sorted({rung.level for rung in reached}):
                events.append(AlertEvent(alert=alert, kind=AlertEvent.Kind.ESCALATED, at=now,
                                         level=level, note=texts.ESCALATED.encode(
                                             level=level,
                                             minutes=_minutes(now - alert.raised_at))))
            pairs += [(alert, rung) for rung in reached]
            alert.level = top
        alert.next_escalation_at = next_escalation_at(
            kind=alert.kind, level=alert.level, raised_at=alert.raised_at)
        alert.updated_at = timezone.now()
    Alert.objects.bulk_update(due, ["level", "next_escalation_at", "updated_at"], batch_size=500)
    AlertEvent.objects.bulk_create(events, batch_size=1000)
    _notify(pairs)
    return climbs


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


# --- acknowledging and resolving ----------------------------------------------------------------
@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor, now: dt.datetime | None = None) -> Alert:
    """Someone is on it: the alert stops climbing the ladder."""
    _check_permission(actor)
    now = now or timezone.now()
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.status != OPEN:
        raise Conflict(f"Alert #{locked.pk} is already {locked.status}.")
    locked.status = ACKNOWLEDGED
    locked.acknowledged_at = now
    locked.acknowledged_by = _user_or_none(actor)
    locked.next_escalation_at = None
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by",
                               "next_escalation_at", "updated_at"])
    AlertEvent.objects.create(alert=locked, kind=AlertEvent.Kind.ACKNOWLEDGED, at=now,
                              level=locked.level, actor=locked.acknowledged_by)
    return locked


@transaction.atomic
def alert_resolve(
    *, alert: Alert, actor, resolution: str, now: dt.datetime | None = None
) -> Alert:
    """Close the alert, saying how it was resolved (``actor=None`` when the hub saw it end)."""
    _check_permission(actor)
    now = now or timezone.now()
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.status == RESOLVED:
        return locked
    locked.status = RESOLVED
    locked.resolved_at = now
    locked.resolved_by = _user_or_none(actor)
    locked.resolution = resolution[:255]
    locked.next_escalation_at = None
    locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution",
                               "next_escalation_at", "updated_at"])
    AlertEvent.objects.create(alert=locked, kind=AlertEvent.Kind.RESOLVED, at=now,
                              level=locked.level, actor=locked.resolved_by,
                              note=locked.resolution)
    return locked


def alerts_resolve_many(*, resolutions: dict[int, str], now: dt.datetime) -> int:
    """Resolve many alerts as the hub (the sweep: their orders moved on); returns how many."""
    by_text: dict[str, list[int]] = defaultdict(list)
    for alert_id, text in resolutions.items():
        by_text[text[:255]].append(alert_id)
    resolved: list[int] = []
    for text, ids in by_text.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            still_open = list(Alert.objects.filter(pk__in=chunk, status__in=UNRESOLVED)
                              .values_list("pk", "level"))
            Alert.objects.filter(pk__in=[pk for pk, _ in still_open]).update(
                status=RESOLVED, resolved_at=now, resolved_by=None, resolution=text,
                next_escalation_at=None, updated_at=timezone.now(),
            )
            AlertEvent.objects.bulk_create([
                AlertEvent(alert_id=pk, kind=AlertEvent.Kind.RESOLVED, at=now, level=level,
                           note=text)
                for pk, level in still_open
            ])
            resolved += [pk for pk, _ in still_open]
    return len(resolved)


# --- the ladders (from the admin) ---------------------------------------------------------------
@transaction.atomic
def escalation_step_save(*, step: EscalationStep, actor, reason: str = "") -> EscalationStep:
    """Create or change a rung; the open alerts it concerns get their next rung rescheduled."""
    model_permission_check(actor, step, "change" if step.pk else "add")
    history_note(step, actor=actor, reason=reason or texts.STEP_SAVED.encode())
    step.save()
    transaction.on_commit(lambda: open_alerts_reschedule(kind=step.kind))
    return step


@transaction.atomic
def open_alerts_reschedule(*, kind: str) -> int:
    """Recompute the next escalation of open alerts on the ladder of ``kind`` ("" = default)."""
    ladders_clear()
    current = ladders()
    alerts = Alert.objects.select_for_update().filter(status=Alert.AlertStatus.OPEN)
    if kind:
        alerts = alerts.filter(kind=kind)
    else:
        alerts = alerts.exclude(kind__in=current.own_kinds)
    changed = []
    for alert in alerts:
        due = next_escalation_at(kind=alert.kind, level=alert.level, raised_at=alert.raised_at)
        if due != alert.next_escalation_at:
            alert.next_escalation_at = due
            changed.append(alert)
    Alert.objects.bulk_update(changed, ["next_escalation_at"], batch_size=500)
    return len(changed)


# --- checking a target (from the admin) -----------------------------------------------------------
TARGET_TEST_PERMISSION = "alerts.change_notificationtarget"


def notification_target_test(*, target: NotificationTarget, actor) -> None:
    """Send a test message to ``target`` now, so that staff see at once whether the robot or
    the mailbox takes it; raises ``DeliveryError`` with the reason when it does not. Nothing is
    recorded: no alert, no delivery."""
    model_permission_check(actor, target, "change")
    text = AlertText(
        title=gettext("Order Hub test message"),
        lines=(gettext("Sent by %(user)s from the admin to check the target “%(target)s”: "
                       "alerts will arrive here.") % {"user": actor.get_username(),
                                                      "target": target.name},
               timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")),
    )
    message_send(target, text)
