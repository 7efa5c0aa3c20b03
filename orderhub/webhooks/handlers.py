"""The webhooks app's share of the events: every public event fans out to its subscribers.

``wants`` reads the cached set of subscribed types (``orderhub.webhooks.selectors``), so an
event nobody subscribed to gets no task at all: recording events costs nothing more while no
integrator listens.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from orderhub.events.registry import handles
from orderhub.webhooks.fanout import deliveries_fan_out
from orderhub.webhooks.registry import PUBLIC_EVENT_TYPES
from orderhub.webhooks.selectors import subscribed_kinds


def _subscribed(kind: str, payload: dict) -> bool:
    return kind in subscribed_kinds()


@handles(*PUBLIC_EVENT_TYPES, name="webhooks.fan_out", wants=_subscribed,
         label=_("Webhook deliveries to the subscribers"))
def fan_out(events) -> None:
    deliveries_fan_out(events=events)
