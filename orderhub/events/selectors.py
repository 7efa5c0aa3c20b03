"""Reads of the event mechanism: the backlog (for ``/healthz``) and the dead letters."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from orderhub.events.models import EventTask

Status = EventTask.TaskStatus


@dataclass(frozen=True)
class Backlog:
    pending: int
    dead: int
    oldest_pending_age: dt.timedelta | None


def events_backlog(*, now: dt.datetime | None = None) -> Backlog:
    """How much waits: pending tasks, dead letters and the age of the oldest pending task
    (from when its event was recorded). Two indexed queries."""
    now = now or timezone.now()
    counts = dict(EventTask.objects.filter(status__in=[Status.PENDING, Status.DEAD])
                  .order_by().values_list("status").annotate(n=Count("id")))
    oldest = EventTask.objects.filter(status=Status.PENDING).aggregate(at=Min("created_at"))["at"]
    return Backlog(pending=counts.get(Status.PENDING, 0), dead=counts.get(Status.DEAD, 0),
                   oldest_pending_age=(now - oldest) if oldest else None)


def dead_letters() -> QuerySet[EventTask]:
    """Tasks the hub gave up on, oldest first, with their events."""
    return EventTask.objects.filter(status=Status.DEAD).select_related("event").order_by("id")
