"""The one way anything leaves the database: after the transaction commits.

Side effects (a django-q2 task, an e-mail, a chat-robot webhook) are scheduled with
:func:`enqueue_on_commit`, which passes only ids and plain values so that the task re-fetches
what it needs, and never runs if the transaction rolls back.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django_q.tasks import async_task


def enqueue_on_commit(func: str, *args: Any, **kwargs: Any) -> None:
    """Queue the django-q2 task ``func`` (a dotted path) once the current transaction commits."""

    def _send() -> None:
        async_task(func, *args, **kwargs)

    transaction.on_commit(_send)


def on_commit_once(func: Callable[[], None]) -> None:
    """Run ``func`` when the current transaction commits, once however often it is asked for
    in that transaction (one dispatch for a thousand events recorded, not a thousand)."""
    if any(callback is func for _sids, callback, _robust in connection.run_on_commit):
        return
    transaction.on_commit(func)
