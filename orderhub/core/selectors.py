"""Reads about the hub itself (not about orders), for ``/healthz`` and monitoring.

The worker heartbeat (DESIGN.md section 4) is read from what django-q2 already records, with
no table or write of its own: the monitor process of ``qcluster`` saves a ``Task`` row for each
task a worker finished, with ``stopped`` (when the worker finished it) and ``cluster`` (stamped
by the pusher, which hands tasks from the broker to the workers). Why that is sound:

- Only a real worker counts: tasks run inline (``Q_SYNC``, ``sync=True``, the test suite) are
  saved too, but never pass through a pusher, so their ``cluster`` is empty.
- Successes only. django-q2 keeps the newest ``save_limit`` successes (250, pinned in
  ``Q_CLUSTER`` for this reason) and PostgreSQL reads them through django-q2's partial index on
  successful tasks: 0.1 ms with 100,000 failed tasks in the table, against 48 ms for the newest
  of all rows (failures are never pruned). A worker whose every task fails is not doing the
  hub's work either.
- A healthy cluster finishes something every minute: the SLA sweep and the event sweep are
  scheduled every minute, and the scheduler wakes every 30 s. An age of a few minutes means no
  worker runs, or none gets its work done.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.utils import timezone
from django_q.models import Success


def worker_heartbeat_age() -> dt.timedelta | None:
    """How long ago a background worker last finished a task; ``None`` if none ever did."""
    last = (Success.objects.filter(cluster__isnull=False)
            .aggregate(last=Max("stopped"))["last"])
    if last is None:
        return None
    # A worker host whose clock runs ahead would give a negative age; it just ran.
    return max(timezone.now() - last, dt.timedelta(0))
