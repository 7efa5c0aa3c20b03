"""Rules read on every hot path, kept in memory as one snapshot per process.

A snapshot is loaded with a few small queries and kept for the number of seconds its setting
names (60 by default): a change made in another process is seen within that time; in this
process a save or delete of a watched model drops it at once (and again at commit, so that a
snapshot read inside a rolled-back transaction does not outlive it).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")


class Snapshot(Generic[T]):
    """``load()``'s result, cached per process; ``get`` answers from memory."""

    def __init__(self, name: str, load: Callable[[], T], *, max_age_setting: str) -> None:
        self.name = name
        self.load = load
        self.max_age_setting = max_age_setting
        self._lock = threading.Lock()
        self._cached: T | None = None
        self._expires_at = 0.0

    def max_age(self) -> float:
        return float(getattr(settings, self.max_age_setting, 60))

    def get(self) -> T:
        """The current value: from memory, reloaded when older than the configured age.

        The age is read from the settings at each load, not at each ``get``: a hot path asks
        once per order, and a setting left unset costs an exception inside Django's settings
        object every time it is read."""
        value = self._cached
        if value is not None and time.monotonic() < self._expires_at:
            return value
        value = self.load()
        with self._lock:
            self._cached, self._expires_at = value, time.monotonic() + self.max_age()
        return value

    def clear(self) -> None:
        """Forget the value (after a change); the next ``get`` reloads it."""
        with self._lock:
            self._cached = None

    def _changed(self, **kwargs) -> None:
        self.clear()
        transaction.on_commit(self.clear)

    def watch(self, *senders: type[models.Model], m2m: tuple[type[models.Model], ...] = ()) -> None:
        """Drop the snapshot whenever a row of ``senders`` (or an ``m2m`` link) changes."""
        # Infrastructure signals only: they keep the cache true to the tables it copies.
        for sender in senders:
            uid = f"snapshot-{self.name}-{sender._meta.label_lower}"
            post_save.connect(self._changed, sender=sender, weak=False, dispatch_uid=uid)
            post_delete.connect(self._changed, sender=sender, weak=False, dispatch_uid=f"{uid}-del")
        for through in m2m:
            m2m_changed.connect(self._changed, sender=through, weak=False,
                                dispatch_uid=f"snapshot-{self.name}-{through._meta.label_lower}")
