"""The one way anything leaves the database: after the transaction commits.

Side effects that are not another app's business (an e-mail, a chat-robot webhook, a long
import run off the request) are queued with :func:`enqueue_on_commit`: the task is a function,
never a string (django-q2 stores a reference to it), it gets only ids and plain values so that
it re-fetches what it needs, and it never runs if the transaction rolls back. What one app's
change means for another app is an event instead (``orderhub.events``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django_q.tasks import async_task


def enqueue_on_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Queue the django-q2 task ``func`` once the current transaction commits."""
    if not callable(func):
        raise TypeError(f"enqueue_on_commit takes the task function itself, not {func!r}.")

    def _send() -> None:
        async_task(func, *args, **kwargs)

    transaction.on_commit(_send)
