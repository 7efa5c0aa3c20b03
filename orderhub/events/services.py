"""Recording events: in the transaction of the change, with a task for each handler.

Call :func:`event_record` (one) or :func:`events_record` (a batch: ingestion writes thousands
with ``COPY``) from the service that makes the change, inside its transaction. After the
transaction commits, one dispatch is queued for it (not one per event); if that never runs (a
worker died, the broker lost it), the every-minute sweep finds the pending tasks.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from orderhub.core.bulk import copy_supported, copy_tuples, next_ids
from orderhub.core.errors import PermissionRefused, ValidationFailed
from orderhub.core.tasks import AfterCommitOnce, on_commit_once
from orderhub.events.dispatch import dispatch_running, queue_dispatch
from orderhub.events.models import Event, EventTask
from orderhub.events.registry import handlers_for

# Above this many events a batch goes in with COPY (PostgreSQL); below, two INSERTs are faster.
COPY_ABOVE = 200
# COPY leaves out what the database fills in (``db_default``: the time, a new task's status,
# attempts and error): per row it sends only what differs.
_EVENT_COLUMNS = ("id", "kind", "order_id", "payload")
_TASK_COLUMNS = ("event_id", "handler", "order_id")


@dataclass(frozen=True)
class NewEvent:
    """An event to record: its kind, the order it is about (if any) and plain JSON values."""

    kind: str
    order_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def event_record(kind: str, *, order_id: int | None = None,
                 payload: dict[str, Any] | None = None) -> None:
    """Record one event in the current transaction (see the module doc)."""
    events_record([NewEvent(kind, order_id, payload or {})])


def events_record(events: Sequence[NewEvent]) -> int:
    """Record events in the current transaction, with their handlers' tasks; returns how many
    tasks were written. The dispatch is queued once, after commit."""
    if not events:
        return 0
    plans = [[h.name for h in handlers_for(e.kind, e.payload)] for e in events]
    if copy_supported() and len(events) > COPY_ABOVE:
        ids = next_ids(Event, len(events))
        copy_tuples(Event._meta.db_table, _EVENT_COLUMNS, (
            # psycopg adapts Jsonb for COPY (Django's JSONField does it for INSERTs).
            (pk, e.kind, e.order_id, Jsonb(e.payload)) for pk, e in zip(ids, events)
        ))
    else:
        now = timezone.now()
        created = Event.objects.bulk_create(
            [Event(kind=e.kind, order_id=e.order_id, payload=e.payload, occurred_at=now)
             for e in events], batch_size=1000,
        )
        ids = [event.pk for event in created]
    tasks = [(event_id, name, e.order_id)
             for event_id, e, names in zip(ids, events, plans) for name in names]
    if tasks:
        if copy_supported() and len(tasks) > COPY_ABOVE:
            copy_tuples(EventTask._meta.db_table, _TASK_COLUMNS, tasks)
        else:
            now = timezone.now()
            EventTask.objects.bulk_create(
                [EventTask(event_id=event_id, handler=name, order_id=order_id, due_at=now,
                           created_at=now) for event_id, name, order_id in tasks],
                batch_size=1000,
            )
        _dispatch_after_commit()
    return len(tasks)


class DispatchAfterCommit(AfterCommitOnce):
    """The on-commit callback that queues one dispatch for everything a transaction recorded
    (one per transaction, ``orderhub.core.tasks.on_commit_once``)."""


def _dispatch_after_commit() -> None:
    """Queue one dispatch when the current transaction commits (not one per event)."""
    if dispatch_running():
        return  # the running dispatcher goes on until nothing is due
    on_commit_once(queue_dispatch, callback=DispatchAfterCommit)


def events_purge(*, keep_days: int | None = None, batch: int = 10000) -> int:
    """Delete events older than ``keep_days`` whose every task is done or discarded; returns
    how many. A pending or dead task keeps its event."""
    keep_days = keep_days if keep_days is not None else settings.ORDERHUB_EVENTS_KEEP_DAYS
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    unfinished = EventTask.objects.filter(
        event_id=OuterRef("pk"), status__in=[EventTask.TaskStatus.PENDING,
                                             EventTask.TaskStatus.DEAD])
    deleted = 0
    while True:
        ids = list(Event.objects.filter(occurred_at__lt=cutoff).exclude(Exists(unfinished))
                   .order_by("id").values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        with transaction.atomic():
            EventTask.objects.filter(event_id__in=ids).delete()
            Event.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


@transaction.atomic
def event_tasks_retry(*, task_ids: Sequence[int], actor) -> int:
    """Staff retry dead or failing tasks now, from the first attempt; returns how many."""
    _check_retry_permission(actor)
    changed = EventTask.objects.filter(
        pk__in=list(task_ids), status__in=[EventTask.TaskStatus.DEAD, EventTask.TaskStatus.PENDING],
    ).update(status=EventTask.TaskStatus.PENDING, due_at=timezone.now(), attempts=0,
             resolved_by=_user(actor))
    if changed:
        _dispatch_after_commit()
    return changed


@transaction.atomic
def event_tasks_discard(*, task_ids: Sequence[int], actor, reason: str) -> int:
    """Staff give up on dead tasks (the effect will never be applied); returns how many.
    Later tasks of the same order and handler then go ahead."""
    _check_retry_permission(actor)
    if not reason.strip():
        raise ValidationFailed(_("Say why these tasks are discarded."))
    tasks = list(EventTask.objects.select_for_update().filter(
        pk__in=list(task_ids), status=EventTask.TaskStatus.DEAD))
    for task in tasks:
        task.status = EventTask.TaskStatus.DISCARDED
        task.done_at = timezone.now()
        task.resolved_by = _user(actor)
        task.last_error = f"discarded: {reason.strip()}\n\n{task.last_error}"[:4000]
    EventTask.objects.bulk_update(tasks, ["status", "done_at", "resolved_by", "last_error"])
    if tasks:
        _dispatch_after_commit()
    return len(tasks)


RETRY_PERMISSION = "events.retry_eventtask"


def _check_retry_permission(actor) -> None:
    if actor is not None and not actor.has_perm(RETRY_PERMISSION):
        raise PermissionRefused(
            _("Your role may not retry or discard event tasks (needs permission '%(perm)s').")
            % {"perm": RETRY_PERMISSION}
        )


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
