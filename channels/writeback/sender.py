"""Sending due write-backs: claim in a short transaction, call the platform with none open,
record the outcome in another short one.

1. Claim: due write-backs (``pending`` whose backoff passed, or ``sent`` whose lease ran out
   because a sender died mid-call), oldest due first, locked with ``SKIP LOCKED`` so that
   concurrent senders (several workers, the after-commit task and the sweep) take different
   rows. Each gets ``sent``, an attempt counted (the claim token) and a lease (``LEASE``): a
   sender that dies leaves it to be claimed again when the lease ends, never lost. A re-claimed
   one notes that the earlier attempt's answer was lost.
2. Call: the platform's outbound adapter, no transaction and no row lock held, a timeout on
   every request.
3. Record: ``outcomes.writeback_attempt_record`` settles it (confirmed, backoff, given up).
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.outbound import outbound_for
from channels.outbound.base import Outcome, Reason, ShipConfirmation, refused, retry
from channels.outbound.http import http_send
from channels.writeback.models import ChannelApiAccess, WriteBack, WriteBackAttempt
from channels.writeback.outcomes import writeback_attempt_record

logger = logging.getLogger(__name__)
Status = WriteBack.WriteBackStatus

# Longer than any attempt can take (Shopify's two calls at the timeout each, plus recording).
LEASE = dt.timedelta(minutes=2)
CLAIM_BATCH = 20


@dataclass
class SendReport:
    claimed: int = 0
    confirmed: int = 0
    more: bool = False

    def as_dict(self) -> dict[str, int | bool]:
        return {"claimed": self.claimed, "confirmed": self.confirmed, "more": self.more}


def writebacks_send(*, max_seconds: float = 50.0, batch: int = CLAIM_BATCH) -> SendReport:
    """Claim and send due write-backs until none is due or ``max_seconds`` have passed."""
    report = SendReport()
    deadline = time.monotonic() + max_seconds
    while True:
        claimed = writebacks_claim(limit=batch)
        if not claimed:
            return report
        report.claimed += len(claimed)
        accesses = {access.channel_id: access for access in ChannelApiAccess.objects.filter(
            channel_id__in={writeback.channel_id for writeback in claimed})}
        for writeback in claimed:
            settled = writeback_send(writeback, access=accesses.get(writeback.channel_id))
            report.confirmed += settled.status == Status.CONFIRMED
        if time.monotonic() > deadline:
            report.more = True
            return report


def writebacks_claim(*, limit: int = CLAIM_BATCH) -> list[WriteBack]:
    """Take up to ``limit`` due write-backs (see the module doc); each comes back with its
    claim token in ``attempts``."""
    now = timezone.now()
    with transaction.atomic():
        due = (WriteBack.objects.filter(status__in=[Status.PENDING, Status.SENT],
                                        next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id"))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values_list("pk", "status", "attempts")[:limit])
        if not rows:
            return []
        ids = [pk for pk, _status, _attempts in rows]
        WriteBack.objects.filter(pk__in=ids).update(
            status=Status.SENT, next_attempt_at=now + LEASE, attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
        WriteBackAttempt.objects.bulk_create([
            WriteBackAttempt(writeback_id=pk, number=attempts, started_at=now,
                             verdict="lost", reason=Reason.ANSWER_LOST,
                             detail="the sender holding this attempt stopped before recording "
                                    "its answer")
            for pk, status, attempts in rows if status == Status.SENT
        ])
    return list(WriteBack.objects.filter(pk__in=ids).select_related("order", "channel")
                .order_by("next_attempt_at", "id"))


def writeback_send(writeback: WriteBack, *, access: ChannelApiAccess | None) -> WriteBack:
    """One attempt of a claimed write-back: the platform's answer, recorded."""
    started_at = timezone.now()
    started = time.monotonic()
    outcome = _attempt(writeback, access=access, now=started_at)
    return writeback_attempt_record(
        writeback_id=writeback.pk, token=writeback.attempts, outcome=outcome,
        started_at=started_at, duration_ms=int((time.monotonic() - started) * 1000),
    )


def _attempt(writeback: WriteBack, *, access: ChannelApiAccess | None,
             now: dt.datetime) -> Outcome:
    if access is None or not access.writeback_enabled:
        return refused(Reason.WRITEBACK_OFF)
    if WriteBack.objects.filter(~Q(pk=writeback.pk), order_id=writeback.order_id,
                                status=Status.CONFIRMED).exists():
        return refused(Reason.ALREADY_CONFIRMED)
    shipment = ShipConfirmation(channel_order_no=writeback.order.channel_order_no,
                                carrier=writeback.carrier, tracking_no=writeback.tracking_no)
    api = access.as_access()
    try:
        return outbound_for(writeback.channel.platform).confirm(
            shipment, access=api, send=http_send, now=now)
    except Exception as problem:  # noqa: BLE001 - an adapter's bug must not stop the others
        # Logged redacted: an exception's text may quote a URL with the access token in it.
        logger.error("write-back %s: the %s adapter failed\n%s", writeback.pk,
                     writeback.channel.platform, api.redact(traceback.format_exc()))
        return retry(Reason.BAD_ANSWER,
                     detail=api.redact(f"{type(problem).__name__}: {problem}"))
