"""Fixtures of the finance tests: a finance user, the real channels, statement files."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from orders.models import Channel
from orders.state_machine import Status
from tests.factories import OrderFactory

FILES = Path(__file__).parent / "files"
JAN_28 = timezone.make_aware(dt.datetime(2026, 1, 28, 9))


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Imported statement files are kept in storage: keep the tests' in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def finance_user(make_user):
    return make_user("finance", username="cashier")


@pytest.fixture
def taobao(db):
    return Channel.objects.get(code="taobao")


@pytest.fixture
def miniprogram(db):
    return Channel.objects.get(code="miniprogram")


def _wechat_file_order(channel, hub_no: str, serial: str, paid: str):
    return OrderFactory(
        channel=channel, hub_no=hub_no, payment_serial_no=serial, paid_amount=Decimal(paid),
        status=Status.DELIVERED, paid_at=JAN_28, placed_at=JAN_28,
    )


@pytest.fixture
def wechat_order_refunded(miniprogram):
    """The order files/wechatpay_all_20260128.csv pays 199.00 for and refunds 20.00 of."""
    return _wechat_file_order(miniprogram, "MP2026012800011", "4200001234202601281234567890", "199.00")


@pytest.fixture
def wechat_order_exact(miniprogram):
    """The order files/wechatpay_all_20260128.csv pays 99.00 for, without a fee."""
    return _wechat_file_order(miniprogram, "MP2026012800012", "4200001234202601281234567891", "99.00")


@pytest.fixture
def statement_file():
    """``statement_file("alipay_account_20260128.csv")``: the bytes of a hand-written file."""

    def read(name: str) -> bytes:
        return (FILES / name).read_bytes()

    return read


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """django-q2 tasks queued after commit run at once, and the test sees which ran."""
    ran: list[str] = []

    def run(func, *args, **kwargs):
        ran.append(f"{func.__module__}.{func.__qualname__}")
        return func(*args, **kwargs)

    monkeypatch.setattr("orderhub.core.tasks.async_task", run)
    return ran
