"""The one search box (orders/search.py and the header's form): every way customer service
types a phone, a number or a name finds the order, and only that order."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.search import order_search_q, parse_day
from orders.state_machine import Status
from tests.conftest import requires_postgres
from tests.factories import CustomerFactory, GiftOrderFactory, OrderFactory

pytestmark = pytest.mark.django_db
SEARCH = "admin:orders_order_search"


def found(term: str) -> set[str]:
    return set(Order.objects.filter(order_search_q(term)).values_list("hub_no", flat=True))


def beijing(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def book():
    """Two 张伟 with phones ending 1234 on different days, a 李娜 with the same last four."""
    return {
        "zhang_a": OrderFactory(hub_no="TB2026012800001", receiver_name="张伟",
                                receiver_phone="13800001234", channel_order_no="3456789012345678901",
                                tracking_no="SF1400012345678", placed_at=beijing(2026, 1, 28, 9)),
        "zhang_b": OrderFactory(hub_no="JD2026020300002", receiver_name="张伟",
                                receiver_phone="13999991234", placed_at=beijing(2026, 2, 3, 23, 59)),
        "li": OrderFactory(hub_no="PDD2026012800003", receiver_name="李娜",
                           receiver_phone="15000001234", placed_at=beijing(2026, 1, 28, 0, 0)),
        "other": OrderFactory(hub_no="DY2026012800004", receiver_name="王芳",
                              receiver_phone="18612345678", placed_at=beijing(2026, 1, 27, 23, 59)),
    }


@pytest.mark.parametrize("typed", [
    "13800001234", " 138 0000 1234 ", "138-0000-1234", "+86 138 0000 1234", "86-13800001234",
    "(138)0000-1234",
])
def test_a_whole_phone_however_typed(book, typed):
    assert found(typed) == {"TB2026012800001"}


@pytest.mark.parametrize("typed, expected", [
    ("1234 张伟", {"TB2026012800001", "JD2026020300002"}),
    ("张伟 1234", {"TB2026012800001", "JD2026020300002"}),
    ("1234 李娜", {"PDD2026012800003"}),
    ("5678 张伟", set()),
    # the day is Beijing's: 李娜's order at 00:00 on the 28th counts, 王芳's at 23:59 the
    # day before does not
    ("1234 2026-01-28", {"TB2026012800001", "PDD2026012800003"}),
    ("2026/1/28 1234", {"TB2026012800001", "PDD2026012800003"}),
    ("1234 2026年2月3日", {"JD2026020300002"}),
    ("1234 20260203", {"JD2026020300002"}),
    ("5678 2026-01-27", {"DY2026012800004"}),
    ("1234 2026-02-30", set()),  # no such day: nothing, not an error
])
def test_last_four_digits_with_a_name_or_a_day(book, typed, expected):
    assert found(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("TB2026012800001", {"TB2026012800001"}),
    ("tb2026012800001", {"TB2026012800001"}),
    ("3456789012345678901", {"TB2026012800001"}),
    ("SF1400012345678", {"TB2026012800001"}),
    ("sf1400012345678", {"TB2026012800001"}),
    ("张伟", {"TB2026012800001", "JD2026020300002"}),
    ("王芳", {"DY2026012800004"}),
    # fragments find nothing: every lookup is exact
    ("张", set()), ("1234", set()), ("2026012800", set()), ("", set()), ("   ", set()),
])
def test_numbers_and_names(book, typed, expected):
    assert found(typed) == expected


def test_a_gift_number_finds_its_order(book):
    GiftOrderFactory(parent=book["li"])
    assert found("PDD2026012800003GIFT") == {"PDD2026012800003"}


def test_a_day_without_a_year_is_the_latest_one_not_in_the_future():
    today = dt.date(2026, 1, 10)
    assert parse_day("1-28", today) == dt.date(2025, 1, 28)
    assert parse_day("1月9日", today) == dt.date(2026, 1, 9)
    assert parse_day("13-01", today) is None
    assert parse_day("张伟", today) is None


# --- the header's search box ------------------------------------------------------------------
def test_one_hit_opens_the_order(book, client, make_user):
    client.force_login(make_user("customer_service"))
    response = client.get(reverse(SEARCH), {"q": "138 0000 1234"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:orders_order_change", args=[book["zhang_a"].pk])


def test_several_hits_are_listed_by_the_order_list(book, client, make_user):
    client.force_login(make_user("customer_service"))
    response = client.get(reverse(SEARCH), {"q": "1234  张伟"}, follow=True)
    assert response.redirect_chain[0][0].endswith("?q=1234+%E5%BC%A0%E4%BC%9F")
    assert {row.hub_no for row in response.context["cl"].result_list} == {
        "TB2026012800001", "JD2026020300002"}


def test_no_hit_lists_nothing_and_an_empty_search_opens_the_list(book, client, make_user):
    client.force_login(make_user("warehouse"))
    response = client.get(reverse(SEARCH), {"q": "nothing-like-this"}, follow=True)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert client.get(reverse(SEARCH))["Location"] == reverse("admin:orders_order_changelist")


def test_the_search_box_is_in_every_admin_page_header(client, make_user):
    client.force_login(make_user("finance"))
    for url in ("/admin/", "/admin/finance/statementline/", "/admin/orders/order/"):
        html = client.get(url).content.decode()
        assert 'id="header-search"' in html and reverse(SEARCH) in html, url


def test_search_needs_the_permission_to_see_orders(client, make_user):
    client.force_login(make_user(None))
    assert client.get(reverse(SEARCH), {"q": "13800001234"}).status_code == 403
    assert 'id="header-search"' not in client.get("/admin/password_change/").content.decode()


def test_the_customer_page_lists_their_orders_on_every_channel(client, make_user):
    # given a customer with orders on two channels and another customer's order
    customer = CustomerFactory()
    mine = [OrderFactory(customer=customer, status=Status.PAID) for _ in range(2)]
    OrderFactory()
    client.force_login(make_user("customer_service"))
    # when customer service opens the customer's page
    response = client.get(reverse("admin:orders_customer_change", args=[customer.pk]))
    html = response.content.decode()
    # then both orders are listed with their channels, and the link lists exactly them
    for order in mine:
        assert f'data-hub-no="{order.hub_no}"' in html and order.channel.name in html
    listed = client.get(response.context["customer_orders_url"])
    assert {row.hub_no for row in listed.context["cl"].result_list} == {o.hub_no for o in mine}


@requires_postgres("the planner")
@pytest.mark.parametrize("typed, index", [
    ("1234 张伟", "order_phone_last4_name_idx"),
    ("1234 2026-01-28", "order_phone_last4_placed_idx"),
    ("张伟", "order_receiver_name_idx"),
])
def test_postgresql_answers_each_reading_from_its_index(book, typed, index):
    """The query's expression must be an index's, character for character, or PostgreSQL
    scans a million rows: with sequential scans off, the plan reads one of the search's
    indexes (on a tiny table the name index may serve ``1234 张伟`` as well as its own)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Order.objects.filter(order_search_q(typed)).order_by("-id")[:50].explain()
    assert "Seq Scan" not in plan
    # (on a tiny table a last-four query may be served by either last-four index or the name one)
    either = {"order_phone_last4_name_idx", "order_phone_last4_placed_idx",
              "order_receiver_name_idx"}
    assert index in plan or "1234 " in typed and any(name in plan for name in either)
