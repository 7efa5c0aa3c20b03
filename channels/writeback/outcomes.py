"""Settling a write-back after an attempt: confirmed, retried after a backoff, or given up.

:func:`writeback_attempt_record` is the one writer of an attempt's outcome. It runs in its own
short transaction after the platform answered (the sender holds no transaction while it
calls), locks the write-back, and applies the outcome only if the attempt is still the
write-back's current one (the sender's claim token): a sender that lost its lease to another
never overwrites the newer attempt, except with a confirmation, which is the platform's truth.
A confirmation or a give-up records an event for integrators in the same transaction; a give-up
raises an alert for operations.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orderhub.alerts.models import Alert
from orderhub.alerts.services import UNRESOLVED, alert_raise, alerts_resolve_many

from channels import texts
from channels.outbound.base import Outcome, Reason, Verdict
from channels.writeback.events import (
    WRITEBACK_CONFIRMED,
    WRITEBACK_FAILED,
    writeback_event_record,
)
from channels.writeback.models import WriteBack, WriteBackAttempt

logger = logging.getLogger(__name__)
Status = WriteBack.WriteBackStatus

# Seconds before attempt 2, 3, …; the last value repeats until the attempts run out.
BACKOFF_SECONDS = (10, 60, 300, 900, 1800, 3600)
#: Outcomes that end a write-back without a platform call being due at all.
NOT_NEEDED_REASONS = frozenset({Reason.NO_CONFIRMATION, Reason.WRITEBACK_OFF,
                                Reason.CHANNEL_REPORTED_SHIPPED, Reason.ALREADY_CONFIRMED})
#: An earlier attempt ending so may have reached the platform: its "already shipped" is then
#: most likely our own confirmation, whose answer we never got.
UNCERTAIN_REASONS = frozenset({Reason.TIMEOUT, Reason.UNREACHABLE, Reason.SERVER_ERROR,
                               Reason.BAD_ANSWER, Reason.ANSWER_LOST})
ALERT_KIND_FAILED = "writeback_failed"
ALERT_KIND_DEADLINE = "writeback_deadline"


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th attempt failed."""
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def max_attempts() -> int:
    return settings.ORDERHUB_WRITEBACK_MAX_ATTEMPTS


@transaction.atomic
def writeback_attempt_record(
    *, writeback_id: int, token: int, outcome: Outcome, started_at: dt.datetime,
    duration_ms: int = 0,
) -> WriteBack:
    """Record one attempt's outcome and settle the write-back accordingly (see the module doc).
    ``token`` is the attempt number the sender claimed it with."""
    writeback = WriteBack.objects.select_for_update().get(pk=writeback_id)
    attempt = WriteBackAttempt.objects.create(
        writeback=writeback, number=token, started_at=started_at, duration_ms=duration_ms,
        verdict=str(outcome.verdict), reason=outcome.reason, http_status=outcome.http_status,
        platform_code=outcome.platform_code[:120], platform_message=outcome.platform_message[:500],
        detail=outcome.detail[:4000], excerpt=outcome.excerpt,
    )
    current = writeback.status == Status.SENT and writeback.attempts == token
    if not current and not (outcome.verdict == Verdict.CONFIRMED
                            and writeback.status != Status.CONFIRMED):
        logger.info("write-back %s: attempt %s answered after another took over (%s)",
                    writeback.pk, token, outcome.summary)
        return writeback
    now = timezone.now()
    _note(writeback, outcome)
    if outcome.verdict == Verdict.CONFIRMED:
        _confirm(writeback, now=now)
    elif outcome.verdict == Verdict.ALREADY_SHIPPED and _uncertain_before(writeback, attempt):
        writeback.last_error = ("The platform says the order is shipped already; an earlier "
                                "attempt's answer was lost, so this is our confirmation.")
        _confirm(writeback, now=now)
    elif outcome.verdict != Verdict.RETRY and outcome.reason in NOT_NEEDED_REASONS:
        _finish(writeback, Status.NOT_NEEDED)
    elif outcome.verdict != Verdict.RETRY or writeback.attempts >= max_attempts():
        writeback_give_up(writeback, key_suffix=str(attempt.pk))
    else:
        wait = backoff(writeback.attempts)
        if outcome.retry_after:
            wait = max(wait, dt.timedelta(seconds=outcome.retry_after))
        writeback.status = Status.PENDING
        writeback.next_attempt_at = now + wait
        writeback.save()
        logger.warning("write-back %s (%s) attempt %s failed, next in %s s: %s %s",
                       writeback.pk, writeback.channel_id, writeback.attempts,
                       int(wait.total_seconds()), outcome.reason, outcome.summary)
    return writeback


def _note(writeback: WriteBack, outcome: Outcome) -> None:
    writeback.reason = "" if outcome.verdict == Verdict.CONFIRMED else outcome.reason
    writeback.platform_code = outcome.platform_code[:120]
    writeback.platform_message = outcome.platform_message[:500]
    writeback.last_error = outcome.detail[:4000]
    if outcome.excerpt:
        writeback.answer_excerpt = outcome.excerpt


def _uncertain_before(writeback: WriteBack, attempt: WriteBackAttempt) -> bool:
    return writeback.attempt_log.filter(pk__lt=attempt.pk,
                                        reason__in=UNCERTAIN_REASONS).exists()


def _finish(writeback: WriteBack, status: str) -> None:
    writeback.status = status
    writeback.next_attempt_at = None
    writeback.save()


def _confirm(writeback: WriteBack, *, now: dt.datetime) -> None:
    writeback.reason = ""
    writeback.confirmed_at = now
    _finish(writeback, Status.CONFIRMED)
    writeback_event_record(WRITEBACK_CONFIRMED, writeback=writeback,
                           channel_order_no=writeback.order.channel_order_no)
    # Its alerts are over: the channel has the shipment.
    open_alerts = Alert.objects.filter(
        order_id=writeback.order_id, kind__in=[ALERT_KIND_FAILED, ALERT_KIND_DEADLINE],
        status__in=UNRESOLVED,
    ).values_list("pk", "data")
    resolved = {pk: texts.WRITEBACK_CONFIRMED.encode() for pk, data in open_alerts
                if (data or {}).get("writeback_id") == writeback.pk}
    if resolved:
        alerts_resolve_many(resolutions=resolved, now=now)


def writeback_give_up(writeback: WriteBack, *, key_suffix: str) -> None:
    """Fail the write-back for good (until staff retry it): event and alert, in the caller's
    transaction."""
    _finish(writeback, Status.FAILED)
    order = writeback.order
    writeback_event_record(WRITEBACK_FAILED, writeback=writeback,
                           channel_order_no=order.channel_order_no)
    words = " ".join(filter(None, [writeback.platform_code, writeback.platform_message,
                                   writeback.last_error]))
    logger.error("write-back %s of order %s gave up after %s attempts: %s %s", writeback.pk,
                 order.hub_no, writeback.attempts, writeback.reason, words)
    # Stored as codes, read in each reader's language; the platform's own words are data.
    title = texts.WRITEBACK_FAILED_TITLE.encode(order=order.hub_no, channel=writeback.channel.code)
    message = texts.WRITEBACK_FAILED_MESSAGE.encode(
        carrier=writeback.carrier, tracking=writeback.tracking_no or "—",
        attempts=writeback.attempts,
        reason=Reason(writeback.reason) if writeback.reason else "—",
        words=texts.PLATFORM_ANSWERED.encode(answer=words) if words else "")
    alert_raise(
        key=f"writeback-failed:{writeback.pk}:{key_suffix}", kind=ALERT_KIND_FAILED,
        team="operations", order=order, title=title, message=message,
        data={"writeback_id": writeback.pk, "reason": writeback.reason,
              "platform_code": writeback.platform_code},
    )
