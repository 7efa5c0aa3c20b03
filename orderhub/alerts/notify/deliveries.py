"""Alert deliveries: planned with the alert, sent after commit, retried with backoff.

Planning writes one ``AlertDelivery`` per alert, level and target (a unique constraint makes it
idempotent: raising or climbing twice never sends twice). Sending runs in a django-q2 task
(queued on commit by whoever planned, and by the every-minute sweep for retries). It claims due
rows in a short transaction, pushing their next attempt out by the backoff first, so that a
worker that dies mid-send leaves them to be retried, never lost; it then sends with no
transaction or lock held, and records each outcome in a second short transaction.
"""
from __future__ import annotations

import datetime as dt
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from orderhub.alerts.ladder import Rung
from orderhub.alerts.models import Alert, AlertDelivery, AlertEvent, NotificationTarget, Team
from orderhub.alerts.notify.robots import AlertText, DeliveryError, robot_post
from orderhub.core.site import site_url
from orderhub.alerts import texts
from orderhub.core.texts import choice, fit, label, render

Transport = NotificationTarget.Transport
Status = AlertDelivery.DeliveryStatus
# Minutes before attempt 2, 3, ...; the last value repeats.
BACKOFF_MINUTES = (1, 2, 5, 15, 30, 60)


def max_attempts() -> int:
    return int(getattr(settings, "ORDERHUB_ALERT_DELIVERY_ATTEMPTS", 6))


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th attempt failed."""
    return dt.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


# --- planning -----------------------------------------------------------------------------------
def deliveries_plan(*, rungs: Iterable[tuple[Alert, Rung]]) -> int:
    """Queue a delivery for each target of each (alert, rung); returns how many were new."""
    pairs = list(rungs)
    if not pairs:
        return 0
    targets = {target.pk: target for target in NotificationTarget.objects.filter(is_active=True)}
    if not targets:
        return 0
    leads: dict[str, list[NotificationTarget]] = defaultdict(list)
    for target in targets.values():
        if target.team:
            leads[target.team].append(target)
    now = timezone.now()
    rows = []
    for alert, rung in pairs:
        chosen = {pk: targets[pk] for pk in rung.recipient_ids if pk in targets}
        if rung.to_team_lead and alert.team:
            chosen.update({target.pk: target for target in leads[alert.team]})
        rows += [
            AlertDelivery(alert=alert, target=target, level=rung.level,
                          transport=target.transport, next_attempt_at=now, created_at=now)
            for target in chosen.values()
        ]
    if not rows:
        return 0
    planned = set(
        AlertDelivery.objects.filter(alert__in={row.alert_id for row in rows})
        .values_list("alert_id", "target_id", "level")
    )
    rows = [row for row in rows if (row.alert_id, row.target_id, row.level) not in planned]
    # ignore_conflicts: a concurrent planner of the same rung loses quietly (unique row).
    AlertDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


# --- sending ------------------------------------------------------------------------------------
@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"sent": len(self.sent), "retrying": len(self.retrying), "failed": len(self.failed)}


def alert_text(alert: Alert, *, language: str | None = None) -> AlertText:
    """What a delivery says about an alert, in ``language`` (the recipient's; by default the
    hub's, zh-hans): the stored title and message rendered from their codes."""
    with translation.override(language or settings.LANGUAGE_CODE):
        lines = [
            gettext("Level %(level)s: %(label)s") % {"level": alert.level,
                                                      "label": alert.get_level_display()},
            gettext("Raised: %(at)s") % {
                "at": timezone.localtime(alert.raised_at).strftime("%Y-%m-%d %H:%M")},
        ]
        if alert.team:
            lines.insert(1, gettext("Team: %(team)s") % {"team": label(Team, alert.team)})
        if alert.order_id:
            lines.append(gettext("Order: %(hub_no)s") % {"hub_no": alert.order.hub_no})
        if alert.message:
            lines.append(render(alert.message))
        lines.append(site_url(reverse("admin:alerts_alert_change", args=[alert.pk])))
        return AlertText(title=f"[L{alert.level}] {render(alert.title)}", lines=tuple(lines))


def _claim(*, now: dt.datetime, limit: int) -> list[AlertDelivery]:
    """Take the due deliveries: count the attempt and push the next one out, then commit."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        due = list(
            AlertDelivery.objects.select_for_update(skip_locked=skip_locked, of=("self",))
            .filter(status=Status.PENDING, next_attempt_at__lte=now)
            .select_related("alert", "alert__order", "target")
            .order_by("next_attempt_at", "id")[:limit]
        )
        for delivery in due:
            delivery.attempts += 1
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        AlertDelivery.objects.bulk_update(due, ["attempts", "next_attempt_at"])
    return due


def _send(delivery: AlertDelivery) -> None:
    target = delivery.target
    if target is None:
        raise DeliveryError("the target was deleted")
    if not target.is_active:
        raise DeliveryError(f"the target {target.name} is switched off")
    message_send(target, alert_text(delivery.alert, language=target.language))


def message_send(target: NotificationTarget, text: AlertText) -> None:
    """Send ``text`` to ``target`` now (no transaction may be open around a network call);
    raises :class:`DeliveryError` with the reason when it does not get through."""
    if target.transport == Transport.EMAIL:
        message = EmailMessage(
            subject=text.title, body=text.plain, from_email=settings.DEFAULT_FROM_EMAIL,
            to=target.addresses,
        )
        try:
            message.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"e-mail not sent: {exc}") from None
        return
    robot_post(target, text)


@transaction.atomic
def _record(delivery: AlertDelivery, *, error: str | None, now: dt.datetime) -> str:
    transport = choice(NotificationTarget.Transport, delivery.transport)
    target_name = delivery.target.name if delivery.target else transport
    fields = ["status", "last_error", "next_attempt_at", "sent_at"]
    if error is None:
        delivery.status, delivery.last_error = Status.SENT, ""
        delivery.sent_at, delivery.next_attempt_at = now, None
        note = texts.NOTIFIED.encode(transport=transport, target=target_name)
        kind = AlertEvent.Kind.NOTIFIED
    elif delivery.attempts >= max_attempts() or delivery.target is None:
        delivery.status, delivery.last_error, delivery.next_attempt_at = Status.FAILED, error, None
        note = texts.GAVE_UP.encode(target=target_name, attempts=delivery.attempts, error=error)
        kind = AlertEvent.Kind.DELIVERY_FAILED
    else:
        delivery.last_error = error
        note = texts.RETRY_AT.encode(target=target_name, attempts=delivery.attempts, error=error,
                                     time=delivery.next_attempt_at)
        kind = AlertEvent.Kind.DELIVERY_FAILED
    delivery.save(update_fields=fields)
    AlertEvent.objects.create(
        alert_id=delivery.alert_id, kind=kind, at=now, level=delivery.level, note=fit(note, 255)
    )
    return delivery.status


def alert_deliveries_send(*, now: dt.datetime | None = None, limit: int = 200) -> SendReport:
    """Send the deliveries that are due; failures wait for their backoff, then give up."""
    now = now or timezone.now()
    report = SendReport()
    for delivery in _claim(now=now, limit=limit):
        try:
            _send(delivery)
            error = None
        except DeliveryError as exc:
            error = str(exc)
        status = _record(delivery, error=error, now=now)
        if status == Status.SENT:
            report.sent.append(delivery.pk)
        elif status == Status.FAILED:
            report.failed.append(delivery.pk)
        else:
            report.retrying.append(delivery.pk)
    return report


@transaction.atomic
def delivery_retry_now(*, delivery: AlertDelivery) -> AlertDelivery:
    """Try a pending or given-up delivery again at once (the admin's action)."""
    locked = AlertDelivery.objects.select_for_update().get(pk=delivery.pk)
    if locked.status == Status.SENT:
        return locked
    # One more attempt: a given-up delivery gives up again if this one fails too.
    locked.status, locked.next_attempt_at = Status.PENDING, timezone.now()
    locked.save(update_fields=["status", "next_attempt_at"])
    return locked
