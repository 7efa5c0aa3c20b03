"""Helpers of the write-back tests: channels connected to fake platforms, orders waiting for
the courier, the hand-over with its after-commit effects run."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from channels.writeback.models import ChannelApiAccess, WriteBack
from orderhub.events.models import Event
from orders.models import Channel
from orders.services import order_hand_over
from orders.state_machine import Status
from tests.channels.fake_platforms import APP_KEY, SECRET, TOKEN, FakePlatform
from tests.factories import OrderFactory

ORDER_NO = {"taobao": "3688123456789012345", "tmall": "3688123456789012346",
            "jd": "298765432101", "pdd": "250128-123456789012345",
            "douyin": "6943123456789012345", "shopify": "5987654321098",
            "miniprogram": "MP20260128001", "pos": "POS-0001",
            "amazon": "114-3941689-8772232", "shopee": "260128ABCD1X2Y",
            "lazada": "473208811150713"}


def channel_of(code: str) -> Channel:
    """The channel ``code`` (the migration's; made again after a transactional test's flush)."""
    channel, _created = Channel.objects.get_or_create(code=code, defaults={
        "abbreviation": code.upper()[:8], "name": code, "platform": code})
    return channel


def connect(code: str, fake: FakePlatform | None = None, **extra) -> Channel:
    """The channel ``code`` with its API access pointing at ``fake`` (a closed port without)."""
    channel = channel_of(code)
    ChannelApiAccess.objects.update_or_create(channel=channel, defaults={
        "base_url": fake.base_url if fake else "http://127.0.0.1:9", "app_key": APP_KEY,
        "app_secret": SECRET, "access_token": TOKEN, **extra})
    return channel


def awaiting_pickup(code: str, **kwargs):
    """An order of channel ``code`` labelled with SF Express and waiting for the courier."""
    defaults = {"carrier": "shunfeng", "tracking_no": "SF1234567890123",
                "ship_by": timezone.now() + dt.timedelta(hours=6),
                "channel_order_no": ORDER_NO[code], "status": Status.AWAITING_PICKUP}
    return OrderFactory(channel=channel_of(code), **{**defaults, **kwargs})


def hand_over(order, capture) -> None:
    """The courier collects the parcel; the events and tasks after commit run inline."""
    with capture(execute=True):
        order_hand_over(order=order, actor=None, reason="courier collected it")


def due_now(writeback: WriteBack) -> None:
    """Let the write-back's backoff (or lease) end now."""
    WriteBack.objects.filter(pk=writeback.pk).update(next_attempt_at=timezone.now())


def events_of(kind: str) -> list[Event]:
    return list(Event.objects.filter(kind=kind).order_by("id"))
