"""The orders-side services the channels app calls: the fast creation path matches
``orders_create``, hub numbers, concurrent duplicate deliveries, customer merge services."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from channels.adapters import adapter_for
from channels.models import Delivery
from channels.services.deliveries import delivery_process, delivery_store
from orderhub.core.errors import PermissionRefused
from orders import channel_sync, texts
from orders.customer_services import customer_merge, customer_unmerge
from orders.models import Channel, Order
from orders.services import LineInput, OrderInput, _build_order, order_row
from orders.state_machine import Status
from tests.channels import payloads as p
from tests.conftest import requires_postgres
from tests.factories import CustomerFactory, OrderFactory
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db


def order_input(number: str = "C1", **overrides) -> OrderInput:
    data = OrderInput(
        channel_order_no=number, status=Status.PAID, shipping_amount=Decimal("5.00"),
        discount_amount=Decimal("1.00"), payment_serial_no="PAY1",
        receiver={"name": "张三", "phone": "13800138000", "province": "浙江省"},
        lines=[LineInput(title="T恤", quantity=2, unit_price=Decimal("9.90"), sku="S1"),
               LineInput(title="袜子", quantity=1, unit_price=Decimal("3.00"),
                         amount=Decimal("2.50"))],
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def test_one_builder_makes_the_row_of_both_paths(db):
    # given a channel's order, built as rows (the COPY path) and as instances (the ORM path)
    channel = Channel.objects.get(code="jd")
    data = order_input()
    order, lines = _build_order(channel, "JD2026012800001", data)
    row, line_rows = order_row(channel, "JD2026012800001", data, order.state_entered_at)
    # then the instances are the rows: every column, the amounts and the deadlines
    for name, value in row.items():
        assert getattr(order, name) == value, name
    assert [line["amount"] for line in line_rows] == [line.amount for line in lines]
    assert row["goods_amount"] == Decimal("22.30") and row["paid_amount"] == Decimal("26.30")
    assert row["state_due_at"] is not None


@requires_postgres()
def test_the_copy_path_writes_orders_lines_and_history_like_orders_create(make_user):
    channel = Channel.objects.get(code="jd")
    actor = make_user("integrator")
    outcome = channel_sync.orders_create_from_channel(
        channel=channel, orders=[order_input("C1"), order_input("C2")], actor=actor,
        reason="test delivery")
    assert sorted(outcome.created) == ["C1", "C2"]
    order = Order.objects.get(channel_order_no="C2")
    assert order.hub_no.startswith("JD") and order.status == Status.PAID
    assert order.lines.count() == 2
    record = order.history.get()
    assert (record.history_user, record.history_change_reason, record.history_type) == (
        actor, "test delivery", "+")
    assert render(order.lines.first().history.get().history_change_reason) == "test delivery"


def test_hub_numbers_are_the_abbreviation_date_and_a_daily_serial(channel, post):
    channel("jd")
    answers = post("jd", p.dumps([p.jd_order(orderId=str(n)) for n in range(3)])).json()
    numbers = [a["hub_no"] for a in answers["orders"]]
    serials = [int(number[-5:]) for number in numbers]
    assert all(number.startswith("JD") and len(number) == 15 for number in numbers)
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2]


@requires_postgres()
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_the_same_new_order_make_one_order():
    # given two different bodies (a webhook and a batch page) carrying the same new order
    # (transactional tests run on a flushed database: the migration's channels may be gone)
    channel, _ = Channel.objects.get_or_create(
        code="jd", defaults={"abbreviation": "JD", "name": "京东POP店", "platform": "jd"})
    bodies = [p.dumps(p.jd_order(modified=f"2026-01-28 10:00:3{i}")) for i in range(2)]
    deliveries = [delivery_store(channel=channel, body=body, source="api") for body in bodies]
    answers, errors = [], []
    barrier = threading.Barrier(2)

    def run(delivery: Delivery) -> None:
        try:
            barrier.wait()
            answers.append(delivery_process(delivery=delivery, actor=None))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(d,)) for d in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then both succeed, there is one order, and both answers name its hub number
    assert not errors
    assert Order.objects.filter(channel=channel).count() == 1
    assert {a["orders"][0]["hub_no"] for a in answers} == {Order.objects.get().hub_no}
    assert sorted(a["orders"][0]["result"] for a in answers) == ["created", "updated"]


def test_an_adapter_exists_for_every_channel():
    for channel in Channel.objects.all():
        assert adapter_for(channel).platform == channel.platform


def test_customer_merge_and_unmerge_move_orders_with_history(make_user):
    survivor, absorbed = CustomerFactory(), CustomerFactory()
    orders = [OrderFactory(customer=absorbed) for _ in range(2)]
    moved = customer_merge(survivor=survivor, absorbed=absorbed, actor=None, reason="same phone")
    assert sorted(moved) == sorted(o.pk for o in orders)
    assert set(Order.objects.values_list("customer_id", flat=True)) == {survivor.pk}
    reason = orders[0].history.order_by("-history_id").first().history_change_reason
    assert reason == texts.CUSTOMER_MERGE.encode(reason="same phone")
    customer_unmerge(survivor=survivor, absorbed=absorbed, order_ids=moved,
                     actor=make_user("operations"), reason="not the same")
    assert set(Order.objects.values_list("customer_id", flat=True)) == {absorbed.pk}
    # the orders' and the absorbed customer's history read in each reader's language
    reason = orders[0].history.order_by("-history_id").first().history_change_reason
    with translation.override("en"):
        assert render(reason) == "customer merge undone: not the same"
    with translation.override("zh-hans"):
        assert render(reason) == "撤销客户合并：not the same"
    absorbed.refresh_from_db()
    notes = list(absorbed.history.order_by("history_id")
                 .values_list("history_change_reason", flat=True))[-2:]
    assert notes == [texts.MERGED_INTO.encode(customer=survivor.pk, reason="same phone"),
                     texts.UNMERGED.encode(customer=survivor.pk, reason="not the same")]
    with translation.override("en"):
        assert render(notes[0]) == f"Merged into customer #{survivor.pk}: same phone"
    # the note staff type into reads as words in the hub's language (English in the tests'
    # settings), never as a code
    assert absorbed.note == (f"Merged into customer #{survivor.pk}: same phone\n"
                             f"Merge into customer #{survivor.pk} undone: not the same")


def test_customer_merge_needs_change_customer(make_user):
    with pytest.raises(PermissionRefused):
        customer_merge(survivor=CustomerFactory(), absorbed=CustomerFactory(),
                       actor=make_user("warehouse"), reason="x")
