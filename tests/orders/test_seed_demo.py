"""Demo data (``seed_demo``) and demo logins (``demo_admin``)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from orders.demo_data import DEMO_REASON, DEMO_STAFF, LEGACY_DEMO_REASONS
from orders.models import Channel, Customer, GiftOrder, Order
from orders.state_machine import MAIN_PATH, Status
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db

CHANNEL_CODES = {"taobao", "tmall", "jd", "pdd", "douyin", "miniprogram", "pos", "shopify",
                 "amazon", "shopee", "lazada"}
# The currencies each cross-border store sells in; the others sell in yuan.
CURRENCIES = {"shopify": {"USD"}, "amazon": {"USD"}, "shopee": {"SGD", "MYR", "PHP"},
              "lazada": {"MYR", "THB"}}
CHANNEL_NUMBER = {
    "taobao": r"\d{19}",
    "tmall": r"\d{19}",
    "jd": r"\d{12}",
    "pdd": r"\d{6}-\d{15}",
    "douyin": r"\d{19}",
    "miniprogram": r"WX\d{18}",
    "pos": r"[A-Z]{2}\d{2}-\d{8}-\d{4}",
    "shopify": r"\d{13}",
    "amazon": r"\d{3}-\d{7}-\d{7}",
    "shopee": r"\d{6}[A-Z0-9]{8}",
    "lazada": r"\d{15}",
}
SHIPPED = {Status.AWAITING_PICKUP, Status.IN_TRANSIT, Status.DELIVERED, Status.INVOICED,
           Status.SETTLED, Status.ARCHIVED, Status.CLOSED}


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_makes_complete_consistent_orders_with_real_histories():
    # given 120 seeded orders (one run: it is the slow part, the checks below share it)
    started = timezone.now()
    output = seed(orders=120, seed=1)
    # then they cover every state and channel, with gifts, holds and VIPs
    check_coverage(output)
    # and their numbers, amounts and contacts are in the channels' and providers' formats
    check_numbers_and_amounts()
    # and each history walks the main path forward in time, inside the 30-day window
    check_history(window_start=started - dt.timedelta(days=30))


def check_coverage(output: str) -> None:
    orders = Order.objects.annotate(line_count=Count("lines"))
    assert orders.count() == 120
    assert set(orders.values_list("status", flat=True)) == set(Status.values)
    assert set(orders.values_list("channel__code", flat=True)) == CHANNEL_CODES
    # cross-border stores in several currencies
    assert len(set(orders.values_list("currency", flat=True))) >= 3
    assert {o.line_count for o in orders} <= {1, 2, 3, 4}
    # gift sub-orders are numbered after their main order
    gifts = list(GiftOrder.objects.select_related("parent"))
    assert gifts
    assert all(gift.hub_no == f"{gift.parent.hub_no}GIFT" for gift in gifts)
    held = Order.objects.filter(on_hold=True)
    assert held.exists() and all(order.holds.filter(released_at__isnull=True).exists()
                                 for order in held)
    assert Customer.objects.exclude(level=Customer.Level.NORMAL).exists()
    # the summary lists every state
    assert all(status in output for status in Status.values)


def check_numbers_and_amounts() -> None:
    for order in Order.objects.select_related("channel").prefetch_related("lines"):
        code = order.channel.code
        # the hub number is the channel abbreviation, the day placed (local) and a serial
        day = timezone.localtime(order.placed_at).strftime("%Y%m%d")
        assert re.fullmatch(rf"{order.channel.abbreviation}{day}\d{{5}}", order.hub_no)
        assert re.fullmatch(CHANNEL_NUMBER[code], order.channel_order_no), order.channel_order_no
        # the money adds up
        lines_total = sum((line.amount for line in order.lines.all()), Decimal("0"))
        assert order.goods_amount == lines_total
        assert order.paid_amount == (
            order.goods_amount + order.shipping_amount - order.discount_amount
        )
        assert order.paid_amount > 0
        assert order.currency in CURRENCIES.get(code, {"CNY"})
        if code not in CURRENCIES:
            assert re.fullmatch(r"1\d{10}", order.receiver_phone)
        # paid orders carry the payment serial in the payment provider's format
        if order.paid_at is not None:
            assert order.paid_at >= order.placed_at
            if code in {"taobao", "tmall"}:
                assert re.fullmatch(r"\d{28}", order.payment_serial_no)
            if code == "miniprogram":
                assert re.fullmatch(r"4200\d{24}", order.payment_serial_no)
        if order.status == Status.PENDING_PAYMENT:
            assert order.payment_serial_no == ""
        if order.status in SHIPPED:
            assert order.carrier and order.tracking_no


def check_history(*, window_start: dt.datetime) -> None:
    for order in Order.objects.all():
        rows = list(order.history.order_by("history_date", "history_id"))
        assert rows[0].history_change_reason == DEMO_REASON
        assert window_start <= rows[0].history_date <= timezone.now()
        if order.status != Status.PENDING_PAYMENT:
            assert len(rows) > 1
        # the statuses follow the main path forward, in the order of their dates (risk review
        # is a side trip: approve goes back to paid)
        path = [MAIN_PATH.index(row.status) for row in rows
                if row.status in MAIN_PATH and row.status != Status.RISK_REVIEW]
        assert path == sorted(path), order.hub_no
        assert rows[-1].status == order.status
        # the order entered its state when the last move happened, not when it was seeded
        changes = [rows[0]] + [row for before, row in zip(rows, rows[1:])
                               if row.status != before.status]
        assert order.state_entered_at == changes[-1].history_date
    closed = Order.objects.filter(status=Status.CLOSED).first()
    actors = {row.history_user.username for row in closed.history.all()}
    assert {"system", "warehouse", "finance"} <= actors


def test_seed_again_adds_and_reset_replaces():
    # given a first run
    seed(orders=15, seed=2)
    first_ids = set(Order.objects.values_list("pk", flat=True))
    # when it runs again with the same seed, then it adds orders without clashing
    seed(orders=15, seed=2)
    assert Order.objects.count() == 30
    # when it runs with --reset, then only the new run's orders (and history) are left
    seed(orders=15, seed=2, reset=True)
    assert Order.objects.count() == 15
    assert not Order.objects.filter(pk__in=first_ids).exists()
    assert not Order.history.filter(id__in=first_ids).exists()


def test_demo_history_reads_in_chinese_and_reset_finds_the_english_of_earlier_releases():
    # given demo orders, one of them seeded by a release that wrote English words
    seed(orders=6, seed=4)
    old = Order.objects.order_by("pk").first()
    row = old.history.earliest("history_date")
    assert row.history_change_reason == DEMO_REASON
    with translation.override("zh-hans"):
        assert render(row.history_change_reason) == "演示数据：订单从渠道接收"
    Order.history.filter(history_id=row.history_id).update(
        history_change_reason=LEGACY_DEMO_REASONS[DEMO_REASON])
    # when the demo is seeded again with --reset, then that order is gone too
    seed(orders=6, seed=4, reset=True)
    assert not Order.objects.filter(pk=old.pk).exists()
    assert Order.objects.count() == 6


def test_seed_if_empty_leaves_a_database_with_orders_alone():
    seed(orders=14, seed=3)
    output = seed(orders=50, if_empty=True)
    assert Order.objects.count() == 14
    assert "no demo data added" in output


def test_demo_admin_creates_the_logins_and_a_token():
    # when the demo logins are made with a known password
    out = StringIO()
    call_command("demo_admin", password="demo-pass-1234", stdout=out)
    users = get_user_model().objects
    # then admin is a superuser with that password, printed
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("demo-pass-1234")
    assert "admin / demo-pass-1234" in out.getvalue()
    # and each role has a staff user in its group, with the same password
    for username, (role, _first, _last) in DEMO_STAFF.items():
        user = users.get(username=username)
        assert user.is_staff and user.check_password("demo-pass-1234")
        assert list(user.groups.values_list("name", flat=True)) == [role]
    # and the integrator has a token that is printed
    token = Token.objects.get(user__username="integrator")
    assert token.key in out.getvalue()
    assert users.get(username="integrator").groups.filter(name="integrator").exists()


def test_demo_admin_again_draws_a_new_password_and_keeps_the_token():
    call_command("demo_admin", password="first-pass-5678", stdout=StringIO())
    key = Token.objects.get(user__username="integrator").key
    out = StringIO()
    call_command("demo_admin", stdout=out)
    admin = get_user_model().objects.get(username="admin")
    assert not admin.check_password("first-pass-5678")
    password = re.search(r"admin / (\S+)", out.getvalue()).group(1)
    assert admin.check_password(password)
    assert Token.objects.get(user__username="integrator").key == key


def test_seed_channels_come_from_the_migration():
    # the demo relies on the eight channels of orders/migrations/0002
    assert set(Channel.objects.values_list("code", flat=True)) >= CHANNEL_CODES
