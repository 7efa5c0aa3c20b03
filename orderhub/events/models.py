"""Events: what happened in one app that another app must act on, recorded in the same
transaction as the change, and each registered handler's work on it.

An :class:`Event` is written by the service that made the change (``events_record``), so it
exists exactly when the change committed. Every handler registered for its kind gets an
:class:`EventTask` in the same transaction; the task is marked done in the same transaction as
the handler's own writes, so an effect is applied once, and a task that is not done is retried
until it is (or goes to the dead letters, where staff see it and can retry it).

Infrastructure: this app imports no domain app. ``order_id`` is the order the event is about,
as a plain number (no foreign key): events of one order are handled in the order they happened,
and an event outlives a deleted row.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orderhub.events.kinds import kind_label
from orderhub.events.registry import handler_label


class Event(models.Model):
    """One thing that happened, e.g. ``order.status_changed`` with ``{"from": …, "to": …}``."""

    kind = models.CharField(_("kind"), max_length=64)
    order_id = models.BigIntegerField(_("order id"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # The database fills in the time (and a task's constants below) when ``COPY`` leaves the
    # column out: a peak day's events then travel as a few columns each (events_record).
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_default=Now())

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["order_id", "id"], name="event_order_idx"),
            models.Index(fields=["occurred_at"], name="event_occurred_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {kind_label(self.kind)}"


class EventTask(models.Model):
    """One handler's work on one event: pending until the handler's transaction marks it done."""

    class TaskStatus(models.TextChoices):
        PENDING = "pending", pgettext_lazy("event task", "Pending")
        DONE = "done", pgettext_lazy("event task", "Done")
        DEAD = "dead", _("Dead letter (gave up)")
        DISCARDED = "discarded", _("Discarded by staff")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("event"),
        db_index=False,  # uniq_event_task leads with it
        # Written only with its event, in the same COPY batch (events_record), and deleted
        # with it (events_purge; Django applies CASCADE itself): a database constraint would
        # check the event row once per task at commit, four times per order on a peak day.
        db_constraint=False,
    )
    handler = models.CharField(_("handler"), max_length=100)
    # Copied from the event: the ordering check (an earlier unfinished task of the same order
    # and handler holds the later ones back) is then one index range.
    order_id = models.BigIntegerField(_("order id"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING,
        db_default=TaskStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, db_default=0)
    # When the task may next be claimed: now for a new task, the backoff after a failure, the
    # lease while a dispatcher works on it (a dispatcher that dies leaves it to the next one).
    due_at = models.DateTimeField(_("due at"), default=timezone.now, db_default=Now())
    last_error = models.TextField(_("last error"), blank=True, db_default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_default=Now())
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("retried or discarded by"),
        db_index=False,  # eventtask_resolved_by_idx holds only the tasks staff acted on
    )

    class Meta:
        verbose_name = _("event task")
        verbose_name_plural = _("event tasks")
        ordering = ["id"]
        permissions = (("retry_eventtask", "Can retry or discard event tasks"),)
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="uniq_event_task"),
        ]
        indexes = [
            # The dispatcher's queue: pending tasks by when they are due.
            models.Index(fields=["due_at", "id"], name="eventtask_due_idx",
                         condition=Q(status="pending")),
            # Unfinished tasks per handler and order (the in-order check; the dead letters).
            models.Index(fields=["handler", "order_id", "id"], name="eventtask_open_idx",
                         condition=Q(status__in=["pending", "dead"])),
            models.Index(fields=["done_at"], name="eventtask_done_idx",
                         condition=Q(status="done")),
            models.Index(fields=["resolved_by"], name="eventtask_resolved_by_idx",
                         condition=Q(resolved_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{handler_label(self.handler)} ← #{self.event_id}"
