"""The one way anything leaves the database: after the transaction commits.

Side effects that are not another app's business (an e-mail, a chat-robot webhook, a long
import run off the request) are queued with :func:`enqueue_on_commit`: the task is a function,
never a string (django-q2 stores a reference to it), it gets only ids and plain values so that
it re-fetches what it needs, and it never runs if the transaction rolls back. What one app's
change means for another app is an event instead (``orderhub.events``).

Jobs that do whatever is due when they run (the event dispatch, the webhook sender) are
wanted after every commit that gives them work, tens of times a second on a busy hub; each
queued run costs the worker a task start and a poll of the broker even when an earlier
run already did the work. :func:`enqueue_coalesced` keeps one run queued at a time instead.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_q import tasks as q_tasks
from django_q.tasks import async_task

from orderhub.core.models import QueuedRun

# A run queued this long ago and not started is taken to be lost (the broker dropped it, a
# worker died holding it): the next request queues another. The every-minute sweeps that
# call the same jobs catch up meanwhile.
QUEUED_RUN_STALE = dt.timedelta(seconds=60)


def enqueue_on_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Queue the django-q2 task ``func`` once the current transaction commits."""
    if not callable(func):
        raise TypeError(f"enqueue_on_commit takes the task function itself, not {func!r}.")

    def _send() -> None:
        async_task(func, *args, **kwargs)

    transaction.on_commit(_send)


class AfterCommitOnce:
    """The on-commit callback :func:`on_commit_once` registers: runs ``func``, and remembers
    that it ran (a test's captured callbacks stay registered after they ran)."""

    def __init__(self, func: Callable[[], object]) -> None:
        self.func = func
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        self.func()


_pending = threading.local()


def on_commit_once(func: Callable[[], object], *,
                   callback: type[AfterCommitOnce] = AfterCommitOnce) -> None:
    """Run ``func`` when the current transaction commits, once however often it is asked for
    in that transaction (one dispatch for a thousand events recorded, not a thousand).

    While a callback for ``func`` is registered and has not run, later requests ride on it. A
    savepoint rolled back takes its callback with it (and whatever asked for it); the next
    request then registers a new one.
    """
    pending: dict = getattr(_pending, "callbacks", None) or {}
    _pending.callbacks = pending
    registered = pending.get(func)
    if registered is not None and not registered.ran and any(
            queued is registered for _sids, queued, _robust in connection.run_on_commit):
        return
    pending[func] = callback(func)
    transaction.on_commit(pending[func])


def enqueue_coalesced(name: str, func: Callable[[], Any]) -> bool:
    """Queue the django-q2 task ``func`` unless a run of it is queued and has not started yet;
    returns whether it queued one. ``func`` calls :func:`coalesced_started` with the same
    ``name`` before it looks for work, and does all the work due when it runs: so a run queued
    before this commit, not started yet, covers this commit's work too."""
    now = timezone.now()
    taken = QueuedRun.objects.filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=now - QUEUED_RUN_STALE), name=name,
    ).update(queued_at=now)
    if not taken:
        _run, taken = QueuedRun.objects.get_or_create(name=name, defaults={"queued_at": now})
    if taken:
        # Through django-q2's module, not this module's ``async_task``: tests that catch what
        # enqueue_on_commit queues leave the coalesced jobs alone.
        q_tasks.async_task(func, q_options={"save": False})
    return bool(taken)


def coalesced_started(name: str) -> None:
    """A coalesced job starts: from now on, a commit that wants it queues a new run."""
    QueuedRun.objects.filter(name=name).update(queued_at=None)
