"""The fan-out: one delivery per public event and matching subscription, body rendered now.

Runs as the event handler ``webhooks.fan_out`` (``orderhub.webhooks.handlers``), right after
the change commits, in the handler's transaction: the deliveries and the "handled" mark of the
events commit together, and the sender is queued once that transaction commits.

A batch of events costs a fixed number of queries, whatever its size: the active
subscriptions, which of their owners may read each kind of object, one batched render per kind
of object, one insert. The object is rendered here, so that a delivery carries the object as it
was when its change was handled (normally milliseconds after it; changes of one order that
commit before the fan-out runs carry the same, latest state, and ``details`` tells them apart).

The body (documented in the API schema and the README)::

    {"id": "evt_8812", "type": "order.status_changed",
     "occurred_at": "2026-01-28T10:15:02.123456+08:00",
     "data": {"object_type": "order", "object": {…the order's JSON…},
              "details": {"from": "paid", "to": "picking", "move": "start_picking"}}}

``id`` is the event's, the same on every attempt and for every subscriber: receivers drop a
repeat by it (delivery is at least once).
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from orderhub.core.tasks import on_commit_once
from orderhub.webhooks.models import Delivery, Subscription
from orderhub.webhooks.registry import Renderer, renderer_for
from orderhub.webhooks.sender import send_soon


def delivery_body(*, event_id: str, event_type: str, occurred_at: dt.datetime,
                  object_type: str | None, obj: dict[str, Any] | None,
                  details: dict[str, Any]) -> str:
    """The JSON text a delivery sends (compact, UTF-8 as is)."""
    return json.dumps(
        {"id": event_id, "type": event_type,
         "occurred_at": timezone.localtime(occurred_at).isoformat(),
         "data": {"object_type": object_type, "object": obj, "details": details}},
        ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder,
    )


def deliveries_fan_out(*, events: Sequence[Any]) -> int:
    """Write the deliveries of these events (``orderhub.events`` rows) to every active
    subscription that wants them and whose owner may read their object; returns how many."""
    subscriptions = list(Subscription.objects.filter(is_active=True, owner__is_active=True)
                         .only("pk", "owner_id", "events"))
    wanted = [(event, [s for s in subscriptions if event.kind in s.events]) for event in events]
    wanted = [(event, chosen) for event, chosen in wanted if chosen]
    if not wanted:
        return 0
    # A type whose app registers no renderer yet is not delivered: the object is part of the
    # contract, and the renderer says who may read it.
    renderers = {event.pk: renderer_for(event.kind) for event, _chosen in wanted}
    wanted = [(event, chosen) for event, chosen in wanted if renderers[event.pk] is not None]
    readers = _readers({renderers[event.pk].permission for event, _chosen in wanted},
                       {s.owner_id for s in subscriptions})
    objects = _render(wanted, renderers)
    now = timezone.now()
    rows = []
    for event, chosen in wanted:
        renderer = renderers[event.pk]
        chosen = [s for s in chosen if s.owner_id in readers[renderer.permission]]
        if not chosen:
            continue
        body = delivery_body(
            event_id=f"evt_{event.pk}", event_type=event.kind, occurred_at=event.occurred_at,
            object_type=renderer.object_type, obj=objects.get(event.pk), details=event.payload,
        )
        rows += [Delivery(subscription_id=s.pk, event_id=event.pk, event_type=event.kind,
                          order_id=event.order_id, body=body, created_at=now,
                          next_attempt_at=now) for s in chosen]
    # ignore_conflicts: an event fanned out twice (a retried batch) is owed once.
    Delivery.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    if rows:
        on_commit_once(send_soon)
    return len(rows)


def _render(wanted, renderers: dict[int, Renderer | None]) -> dict[int, dict | None]:
    """The object of each event, by event id: one call of each renderer for the whole batch."""
    ids: dict[Renderer, dict[int, int | None]] = defaultdict(dict)
    for event, _chosen in wanted:
        renderer = renderers[event.pk]
        ids[renderer][event.pk] = renderer.object_id(event)
    objects: dict[int, dict | None] = {}
    for renderer, by_event in ids.items():
        rendered = renderer.func(sorted({pk for pk in by_event.values() if pk is not None}))
        objects.update({event_id: rendered.get(pk) for event_id, pk in by_event.items()})
    return objects


def _readers(permissions: set[str], owner_ids: set[int]) -> dict[str, set[int]]:
    """Which of the owners hold each permission, as the model backend grants it (directly,
    through a group, or as a superuser): one query per permission, usually one in all."""
    readers: dict[str, set[int]] = {}
    for name in permissions:
        app_label, codename = name.split(".", 1)
        permission = Permission.objects.filter(content_type__app_label=app_label,
                                               codename=codename)
        readers[name] = set(
            get_user_model().objects.filter(pk__in=owner_ids, is_active=True)
            .filter(Q(is_superuser=True) | Q(user_permissions__in=permission)
                    | Q(groups__permissions__in=permission))
            .values_list("pk", flat=True).distinct()
        )
    return readers
