"""Fixtures of the webhook tests: real local receivers, subscriptions, events recorded as the
services record them, and a stand-in DNS."""
from __future__ import annotations

import contextlib

import pytest
from django.db import transaction

from orderhub.events.services import event_record
from orderhub.webhooks import addresses
from orderhub.webhooks.services import subscription_create
from tests.core.webhook_receiver import Receiver

SECRET = "a-secret-the-integrator-chose-1234"


@pytest.fixture
def receiver(settings):
    """``receiver()``: a new local HTTP receiver (private addresses allowed for it)."""
    settings.ORDERHUB_WEBHOOKS_ALLOW_PRIVATE = True
    made: list[Receiver] = []

    def make(secret: str = SECRET) -> Receiver:
        made.append(Receiver(secret=secret))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture
def integrator(make_user):
    return make_user("integrator", username="erp")


@pytest.fixture
def subscribe(integrator):
    """``subscribe(url, "order.created", ...)``: the integrator's subscription (all order
    events when no type is given)."""

    def make(url: str, *events: str, owner=None, secret: str = SECRET):
        subscription, _secret = subscription_create(
            owner=owner or integrator, url=url, secret=secret,
            events=events or ["order.created", "order.status_changed", "order.held",
                              "order.released"], actor=None,
        )
        return subscription

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` as if the block's transaction committed: its after-commit
    callbacks run (the dispatch, the fan-out and the sender, inline in tests)."""

    @contextlib.contextmanager
    def commit():
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                yield

    return commit


@pytest.fixture
def record(committed):
    """``record([("order.status_changed", order, {...}), ...])``: events recorded in one
    transaction as a service records them, then committed (see ``committed``), against the
    real receivers."""

    def run(events) -> None:
        with committed():
            for kind, order, payload in events:
                event_record(kind, order_id=order.pk, payload=payload)

    return run


@pytest.fixture
def fake_dns(monkeypatch):
    """``fake_dns["hooks.erp.example"] = ["93.184.216.34"]``: names the tests resolve
    themselves; anything else goes to the real resolver (IP literals need no network)."""
    names: dict[str, list[str]] = {}
    real = addresses.resolve_host

    def resolve(host: str, port: int) -> list[str]:
        return list(names[host]) if host in names else real(host, port)

    monkeypatch.setattr(addresses, "resolve_host", resolve)
    return names
