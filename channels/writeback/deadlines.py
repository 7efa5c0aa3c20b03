"""The write-back deadline: a platform penalises a shipment confirmed after its ship-by time, so
a write-back still not confirmed ``ORDERHUB_WRITEBACK_ALERT_MINUTES`` (60) before the order's
promised ship-by time raises an alert, once.

The sweep reads the partial index ``writeback_deadline_idx``, which holds only the write-backs
that are unconfirmed and not alerted yet: its cost grows with those, never with all orders or
all write-backs. A write-back younger than ``GRACE`` with no attempt yet is left for its first
attempt (a hand-over 30 minutes before the deadline is not an alert until it has failed).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from orderhub.alerts.services import alert_raise

from channels import texts
from channels.outbound.base import Reason
from channels.writeback.models import WriteBack
from channels.writeback.outcomes import ALERT_KIND_DEADLINE

Status = WriteBack.WriteBackStatus
UNCONFIRMED = (Status.PENDING, Status.SENT, Status.FAILED)
GRACE = dt.timedelta(minutes=2)
SWEEP_BATCH = 500


def writeback_deadlines_check(*, now: dt.datetime | None = None,
                              limit: int = SWEEP_BATCH) -> int:
    """Alert on every unconfirmed write-back whose order's ship-by time is within the alert
    window; returns how many were alerted."""
    now = now or timezone.now()
    due = list(writebacks_near_deadline(now=now, limit=limit).select_related("order", "channel"))
    for writeback in due:
        with transaction.atomic():
            _alert(writeback, now=now)
            WriteBack.objects.filter(pk=writeback.pk, deadline_alerted_at__isnull=True).update(
                deadline_alerted_at=now)
    return len(due)


def writebacks_near_deadline(*, now: dt.datetime, limit: int = SWEEP_BATCH) -> QuerySet:
    """The unconfirmed write-backs, not alerted yet, whose order ships within the alert window
    (and that had an attempt or their grace): a range over ``writeback_deadline_idx``."""
    horizon = now + dt.timedelta(minutes=settings.ORDERHUB_WRITEBACK_ALERT_MINUTES)
    return (WriteBack.objects.filter(status__in=UNCONFIRMED, deadline_alerted_at__isnull=True,
                                     ship_by__isnull=False, ship_by__lte=horizon)
            .filter(Q(attempts__gt=0) | Q(created_at__lte=now - GRACE))
            .order_by("ship_by", "id")[:limit])


def _alert(writeback: WriteBack, *, now: dt.datetime) -> None:
    order = writeback.order
    minutes = int((writeback.ship_by - now).total_seconds() // 60)
    # Stored as codes, read in each reader's language; the platform's own words are data.
    when = (texts.IN_MINUTES.encode(minutes=minutes) if minutes >= 0
            else texts.MINUTES_AGO.encode(minutes=-minutes))
    platform = " ".join(filter(None, [writeback.platform_code, writeback.platform_message]))
    problem = [part for part in (Reason(writeback.reason) if writeback.reason else "",
                                 texts.PLATFORM_ANSWERED.encode(answer=platform) if platform
                                 else "") if part]
    title = texts.WRITEBACK_DEADLINE_TITLE.encode(order=order.hub_no,
                                                  channel=writeback.channel.code, when=when)
    message = texts.WRITEBACK_DEADLINE_MESSAGE.encode(
        carrier=writeback.carrier, tracking=writeback.tracking_no or "—",
        state=Status(writeback.status), attempts=writeback.attempts,
        problem=problem or "—", deadline=writeback.ship_by)
    alert_raise(
        key=f"writeback-deadline:{writeback.pk}", kind=ALERT_KIND_DEADLINE, team="operations",
        order=order, now=now, title=title, message=message,
        data={"writeback_id": writeback.pk, "ship_by": writeback.ship_by.isoformat()},
    )
