"""``GET /healthz``: is this hub able to do its work? For load balancers and monitoring.

No login and no personal data: three checks, each with its figures, and 200 when all pass or
503 naming what failed (DESIGN.md section 4).

- database: a ``SELECT 1`` answers (and how long it took);
- worker: a background worker finished a task recently (``orderhub.core.selectors``), unless
  tasks run inline (``Q_SYNC``), where there is no worker to wait for;
- events: the oldest effect still waiting (an event no handler has finished) is younger than
  the limit; dead letters are counted (they alert operations; they do not stop the hub).
"""
from __future__ import annotations

import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from orderhub.core.selectors import worker_heartbeat_age
from orderhub.events.selectors import events_backlog


def _database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "problem": f"the database does not answer ({type(error).__name__})"}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _worker() -> dict:
    if settings.Q_CLUSTER.get("sync"):
        return {"ok": True, "mode": "inline", "last_task_seconds_ago": None}
    limit = settings.ORDERHUB_HEALTH_WORKER_MAX_SECONDS
    age = worker_heartbeat_age()
    seconds = None if age is None else round(age.total_seconds())
    check = {"ok": seconds is not None and seconds <= limit, "mode": "worker",
             "last_task_seconds_ago": seconds, "limit_seconds": limit}
    if seconds is None:
        check["problem"] = "no background worker has finished a task (is qcluster running?)"
    elif seconds > limit:
        check["problem"] = f"no background worker has finished a task for {seconds} s"
    return check


def _events() -> dict:
    limit = settings.ORDERHUB_HEALTH_EVENT_MAX_SECONDS
    backlog = events_backlog()
    age = backlog.oldest_pending_age
    seconds = None if age is None else round(age.total_seconds())
    check = {"ok": seconds is None or seconds <= limit, "pending": backlog.pending,
             "oldest_pending_seconds": seconds, "dead_letters": backlog.dead,
             "limit_seconds": limit}
    if not check["ok"]:
        check["problem"] = f"an effect has waited {seconds} s to be handled"
    return check


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok", ...}`` when the hub can work, 503 with the problems when not."""
    checks = {"database": _database()}
    if checks["database"]["ok"]:
        checks["worker"] = _worker()
        checks["events"] = _events()
    problems = [check["problem"] for check in checks.values() if not check["ok"]]
    healthy = not problems
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "problems": problems,
                         "checks": checks}, status=200 if healthy else 503)
