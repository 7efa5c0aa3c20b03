"""The order back office: lists, search and filters, the order page's buttons, the transition
and hold views, bulk moves, the state-machine page and the language switch."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.admin import EstimatedCountPaginator
from orders.models import Channel, GiftOrder, Order
from orders.state_machine import MOVES, Status
from tests.conftest import ROLES, requires_postgres
from tests.factories import GiftOrderFactory, OrderFactory, OrderLineFactory, open_reasons
from django.utils import translation

from orderhub.core.texts import render

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:orders_order_changelist"



def change_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def transition_url(order: Order, name: str) -> str:
    return reverse("admin:orders_order_transition", args=[order.pk, name])


def buttons(html: str) -> set[str]:
    """Names of the transition buttons on an order page."""
    return set(re.findall(r'formaction="[^"]*/transition/([a-z_]+)/"', html))


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed(response) -> set[str]:
    return {order.hub_no for order in response.context["cl"].result_list}


# --- the order list -------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_changelist_loads_for_each_role_in_a_bounded_number_of_queries(
    role, login, client, django_assert_max_num_queries
):
    # given 30 orders on three channels, and a user of the role
    channels = [Channel.objects.get(code=code) for code in ("jd", "tmall", "pdd")]
    orders = [
        OrderFactory(status=Status.PAID, paid_at=timezone.now(), channel=channels[n % 3])
        for n in range(30)
    ]
    login(role)
    # (the process reads the deadline settings once and keeps them: not part of a page's cost)
    client.get(reverse(CHANGELIST))
    # when the list is opened, then it loads with a fixed number of queries (no N+1, no
    # second full count; the page's open holds in one)
    with django_assert_max_num_queries(11):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert orders[-1].hub_no in response.content.decode()
    # the status is a coloured pill and the newest order comes first
    assert 'class="oh-badge" style="background:#e3f2fd;color:#0d47a1">Paid<' in response.content.decode()
    assert response.context["cl"].result_list[0] == orders[-1]
    assert response.context["cl"].full_result_count is None


def test_user_without_view_permission_cannot_open_the_list(client, make_user):
    client.force_login(make_user(None))
    assert client.get(reverse(CHANGELIST)).status_code == 403


@pytest.mark.parametrize(
    "field", ["receiver_phone", "hub_no", "channel_order_no", "tracking_no"]
)
def test_search_finds_the_order_by_an_exact_key(field, login, client):
    # given two orders
    wanted = OrderFactory(tracking_no="SF1400012345678")
    OrderFactory(tracking_no="SF1400099999999")
    login("customer_service")
    # when staff search by one of the keys
    response = client.get(reverse(CHANGELIST), {"q": f" {getattr(wanted, field)} "})
    # then only that order is listed
    assert listed(response) == {wanted.hub_no}


def test_search_upper_cases_the_hub_number_and_does_not_match_fragments(login, client):
    order = OrderFactory(hub_no="JD2026012800123")
    login("customer_service")
    assert listed(client.get(reverse(CHANGELIST), {"q": "jd2026012800123"})) == {order.hub_no}
    assert listed(client.get(reverse(CHANGELIST), {"q": "2026012800"})) == set()


def test_filters_status_stage_channel_hold_and_paid_date(login, client):
    # given orders that differ in one attribute each
    jd = Channel.objects.get(code="jd")
    paid = OrderFactory(status=Status.PAID, paid_at=timezone.now())
    packing = OrderFactory(status=Status.PACKING, channel=jd)
    held = OrderFactory(status=Status.PAID, on_hold=True, hold_reason="address")
    old = OrderFactory(status=Status.DELIVERED, paid_at=timezone.now() - dt.timedelta(days=90))
    login("manager")
    url = reverse(CHANGELIST)
    # then each filter keeps exactly the matching orders
    assert listed(client.get(url, {"status__exact": "paid"})) == {paid.hub_no, held.hub_no}
    assert listed(client.get(url, {"stage": "allocated"})) == {packing.hub_no}
    assert listed(client.get(url, {"stage": "completed"})) == {old.hub_no}
    assert listed(client.get(url, {"channel__id__exact": jd.pk})) == {packing.hub_no}
    assert listed(client.get(url, {"on_hold__exact": "1"})) == {held.hub_no}
    # (the "past 7 days" link of the date filter)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    since = {"paid_at__gte": str(midnight - dt.timedelta(days=7)),
             "paid_at__lt": str(midnight + dt.timedelta(days=1))}
    assert listed(client.get(url, since)) == {paid.hub_no}


def test_unknown_stage_value_is_ignored(login, client):
    order = OrderFactory()
    login("manager")
    assert listed(client.get(reverse(CHANGELIST), {"stage": "nonsense"})) == {order.hub_no}


@requires_postgres()
def test_unfiltered_list_on_postgres_takes_the_planner_estimate(
    login, client, monkeypatch
):
    # given a table the planner knows (ANALYZE) and a threshold the table is above
    for _ in range(3):
        OrderFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)
    login("manager")
    # when the unfiltered list is opened, then no COUNT runs over the table
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(CHANGELIST))
    assert response.context["cl"].result_count == 3
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    # and a filtered list still counts exactly
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse(CHANGELIST), {"status__exact": "paid"})
    assert [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


# --- the order page -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status", "on_hold", "expected"),
    [
        ("warehouse", Status.PAID, False, {"start_picking"}),
        ("warehouse", Status.PAID, True, set()),
        ("warehouse", Status.DELIVERED, False, set()),
        ("finance", Status.DELIVERED, False, {"invoice", "refund"}),
        ("finance", Status.PAID, False, {"refund"}),
        ("customer_service", Status.PAID, False, {"cancel"}),
        ("operations", Status.RISK_REVIEW, False, {"approve", "cancel"}),
        ("manager", Status.PAID, False, {"send_to_review", "start_picking", "cancel", "refund"}),
        ("manager", Status.PAID, True, {"cancel", "refund"}),
        ("manager", Status.CLOSED, False, set()),
    ],
)
def test_order_page_shows_exactly_the_moves_the_role_may_make(
    role, status, on_hold, expected, login, client
):
    # given an order in a state, and a user of a role
    order = OrderFactory(status=status, on_hold=on_hold)
    login(role)
    # when the user opens the order
    response = client.get(change_url(order))
    # then the buttons are the legal moves the role holds a permission for
    assert response.status_code == 200
    assert buttons(response.content.decode()) == expected


def test_warehouse_sees_start_picking_but_not_refund(login, client):
    order = OrderFactory(status=Status.PAID)
    login("warehouse")
    html = client.get(change_url(order)).content.decode()
    assert ">Start picking <span" in html
    assert "Refund" not in buttons(html) and ">Refund <span" not in html


def test_order_page_shows_lines_gifts_timeline_and_state_machine(
    login, client, django_assert_max_num_queries
):
    # given an order with a line, a gift and a few history rows
    order = OrderFactory(status=Status.PAID)
    OrderLineFactory(order=order, title="纯棉短袖T恤 白色 L", sku="TS-WHITE-L")
    GiftOrderFactory(parent=order, title="品牌马克杯（赠品）")
    manager = login("manager")
    client.post(transition_url(order, "start_picking"), {"reason": "wave 7"})
    # when the order page is opened
    with django_assert_max_num_queries(30):
        html = client.get(change_url(order)).content.decode()
    # then it shows the line, the gift with its state, the history and the table
    assert "TS-WHITE-L" in html
    assert f"{order.hub_no}GIFT" in html and "Waiting to be scanned" in html
    assert 'id="order-timeline"' in html
    assert "“wave 7”" in html and f"<strong>{manager.username}</strong>" in html
    assert 'class="oh-old">Paid</span> → <span class="oh-new">Picking</span>' in html
    assert 'id="order-state-machine"' in html
    assert 'class="row1 oh-applies" data-move="start_packing"' in html or \
        'class="row2 oh-applies" data-move="start_packing"' in html


def test_status_is_read_only_and_only_receiver_fields_are_editable(login, client):
    order = OrderFactory(status=Status.PAID)
    login("customer_service")
    form = client.get(change_url(order)).context["adminform"].form
    assert set(form.fields) == {
        "receiver_name", "receiver_phone", "receiver_province", "receiver_city",
        "receiver_district", "receiver_address", "buyer_note",
        "receiver_paste",  # the paste box (orders/addresses), never saved
    }


def test_editing_the_receiver_records_history_and_leaves_the_status(login, client):
    # given a paid order without lines or gifts (empty inline formsets)
    order = OrderFactory(status=Status.PAID)
    login("customer_service")
    data = {
        "receiver_name": "王芳", "receiver_phone": "13700001111", "receiver_province": "江苏省",
        "receiver_city": "南京市", "receiver_district": "鼓楼区", "receiver_address": "中山路 1 号",
        "buyer_note": "", "status": Status.CANCELLED,
        "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0",
        "gift_orders-TOTAL_FORMS": "0", "gift_orders-INITIAL_FORMS": "0",
        "tags-TOTAL_FORMS": "0", "tags-INITIAL_FORMS": "0",
        "holds-TOTAL_FORMS": "0", "holds-INITIAL_FORMS": "0",
    }
    # when staff save the change form from an address
    response = client.post(change_url(order), data, REMOTE_ADDR="192.0.2.44")
    # then the receiver changed, the status did not, and the history says who, where, what
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.receiver_phone, order.receiver_name) == ("13700001111", "王芳")
    assert order.status == Status.PAID
    latest = order.history.order_by("-history_id").first()
    assert latest.ip_address == "192.0.2.44"
    assert latest.history_user.groups.filter(name="customer_service").exists()
    assert render(latest.history_change_reason) == "address changed: edited in the admin"
    assert "edited_in_admin" in latest.history_change_reason  # a code, not English words
    with translation.override("zh-hans"):
        assert render(latest.history_change_reason) == "地址已修改：在后台修改"


def contact_form(order, **changes) -> dict[str, str]:
    """The order page's form as the browser posts it: the contact fields (``changes`` over the
    order's own) and the empty management forms of its read-only inlines."""
    data = {name: getattr(order, name) for name in (
        "receiver_name", "receiver_phone", "receiver_province", "receiver_city",
        "receiver_district", "receiver_address", "buyer_note")}
    for inline in ("lines", "gift_orders", "tags", "holds"):
        data |= {f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"}
    return data | changes


def test_editing_the_receiver_after_picking_started_holds_the_order(login, client):
    # given an order the warehouse is picking
    order = OrderFactory(status=Status.PICKING)
    login("customer_service")
    # when staff change the address on the order page
    client.post(change_url(order), contact_form(order, receiver_address="新地址 8 号"))
    # then the address changed through the service: the order is held for the warehouse
    order.refresh_from_db()
    assert order.receiver_address == "新地址 8 号"
    assert order.on_hold
    assert order.holds.get().source == "address_change"


def test_editing_the_receiver_and_the_buyer_note_in_one_save_keeps_both(login, client):
    # given a paid order with a note
    order = OrderFactory(status=Status.PAID, buyer_note="请周末送")
    login("customer_service")
    data = contact_form(order, receiver_address="新地址 9 号", buyer_note="工作日送到前台")
    # when staff change the address and the note in the same save
    assert client.post(change_url(order), data).status_code == 302
    # then both are kept (the note was lost before), in one history row naming both
    order.refresh_from_db()
    assert (order.receiver_address, order.buyer_note) == ("新地址 9 号", "工作日送到前台")
    latest = order.history.order_by("-history_id").first()
    assert render(latest.history_change_reason) == "address changed: edited in the admin"
    assert order.history.count() == 2


def test_orders_cannot_be_added_or_deleted_in_the_admin(login, client):
    order = OrderFactory()
    login("manager")
    assert client.get(reverse("admin:orders_order_add")).status_code == 403
    assert client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code == 403


# --- transition and hold views --------------------------------------------------------------
def test_button_moves_the_order_and_history_records_user_ip_and_reason(login, client):
    # given a paid order and a warehouse user
    order = OrderFactory(status=Status.PAID)
    user = login("warehouse")
    # when the user presses "Start picking" with a reason
    response = client.post(
        transition_url(order, "start_picking"), {"reason": "wave 12"}, REMOTE_ADDR="198.51.100.9"
    )
    # then the order is picking, the page reports it, and the history has who, where and why
    assert response.status_code == 302 and response.url == change_url(order)
    order.refresh_from_db()
    assert order.status == Status.PICKING
    assert any("Start picking done" in m for m in messages_of(response))
    latest = order.history.order_by("-history_id").first()
    assert (latest.history_user, latest.ip_address, latest.history_change_reason) == (
        user, "198.51.100.9", "wave 12"
    )
    html = client.get(change_url(order)).content.decode()
    # (the address is recorded, but shown only to roles that audit staff: managers)
    assert "198.51.100.9" not in html and "“wave 12”" in html


def test_role_without_the_permission_gets_403_and_nothing_changes(login, client):
    order = OrderFactory(status=Status.DELIVERED)
    login("warehouse")
    response = client.post(transition_url(order, "refund"), {"reason": "buyer asked"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert order.history.count() == 1


def test_illegal_move_reports_the_services_message(login, client):
    # given a paid order (packing needs picking first)
    order = OrderFactory(status=Status.PAID)
    login("warehouse")
    # when the warehouse tries to start packing
    response = client.post(transition_url(order, "start_packing"), follow=True)
    # then it is refused with the current state and what is allowed, and nothing changed
    assert response.status_code == 200
    [message] = [m for m in response.context["messages"]]
    assert message.level_tag == "error"
    assert "cannot 'start_packing': it is 'paid'" in str(message)
    order.refresh_from_db()
    assert order.status == Status.PAID and order.history.count() == 1


def test_held_order_reports_the_hold(login, client):
    order = OrderFactory(status=Status.PAID, on_hold=True, hold_reason="address changed")
    login("warehouse")
    response = client.post(transition_url(order, "start_picking"))
    assert any("address changed" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == Status.PAID


@pytest.mark.parametrize("view", ["transition", "hold", "release_hold"])
def test_get_changes_nothing(view, login, client):
    order = OrderFactory(status=Status.PAID, on_hold=view == "release_hold")
    login("manager")
    args = [order.pk, "start_picking"] if view == "transition" else [order.pk]
    response = client.get(reverse(f"admin:orders_order_{view}", args=args))
    assert response.status_code == 405
    assert order.history.count() == 1


def test_unknown_move_and_unknown_order_are_404(login, client):
    order = OrderFactory(status=Status.PAID)
    login("manager")
    assert client.post(transition_url(order, "teleport")).status_code == 404
    missing = reverse("admin:orders_order_transition", args=[999999, "cancel"])
    assert client.post(missing).status_code == 404


def test_hold_and_release_through_the_page(login, client):
    # given a paid order and customer service
    order = OrderFactory(status=Status.PAID)
    login("customer_service")
    page = client.get(change_url(order)).content.decode()
    assert reverse("admin:orders_order_hold", args=[order.pk]) in page
    # when they hold it with a reason, then it is held and the page offers the release
    client.post(reverse("admin:orders_order_hold", args=[order.pk]), {"reason": "buyer moved"})
    order.refresh_from_db()
    assert order.on_hold and open_reasons(order) == ["buyer moved"]
    page = client.get(change_url(order)).content.decode()
    assert reverse("admin:orders_order_release_hold", args=[order.pk]) in page
    # a release without a reason is refused with the service's message
    response = client.post(reverse("admin:orders_order_release_hold", args=[order.pk]), {})
    assert "Say why the hold is released." in messages_of(response)
    order.refresh_from_db()
    assert order.on_hold
    client.post(reverse("admin:orders_order_release_hold", args=[order.pk]), {"reason": "ok"})
    order.refresh_from_db()
    assert not order.on_hold
    reasons = [render(reason) for reason in order.history.order_by("history_id")
               .values_list("history_change_reason", flat=True)]
    assert reasons[1:] == ["hold: buyer moved", "release: ok"]


def test_role_without_hold_permission_sees_no_hold_form_and_gets_403(login, client):
    order = OrderFactory(status=Status.PAID)
    login("finance")
    assert 'id="order-hold-form"' not in client.get(change_url(order)).content.decode()
    response = client.post(reverse("admin:orders_order_hold", args=[order.pk]), {"reason": "x"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert not order.on_hold


# --- bulk moves -----------------------------------------------------------------------------
def test_bulk_move_reports_moved_and_refused_orders(login, client):
    # given two paid orders, a delivered one and a held one
    first, second = OrderFactory(status=Status.PAID), OrderFactory(status=Status.PAID)
    delivered = OrderFactory(status=Status.DELIVERED)
    held = OrderFactory(status=Status.PAID, on_hold=True, hold_reason="refund asked")
    user = login("warehouse")
    selected = [first, second, delivered, held]
    # when the warehouse applies "Start picking" to all four
    response = client.post(
        reverse(CHANGELIST),
        {"action": "move_start_picking", "_selected_action": [o.pk for o in selected],
         "reason": "morning wave"},
    )
    # then the two paid ones moved, the others did not, and each refusal says why
    assert response.status_code == 302
    statuses = dict(Order.objects.values_list("hub_no", "status"))
    assert statuses[first.hub_no] == statuses[second.hub_no] == Status.PICKING
    assert statuses[delivered.hub_no] == Status.DELIVERED
    assert statuses[held.hub_no] == Status.PAID
    texts = messages_of(response)
    assert texts[0] == f"2 orders moved to “Picking”: {first.hub_no}, {second.hub_no}"
    assert texts[1] == "2 orders were not moved:"
    assert texts[2].startswith(f"{delivered.hub_no}: Order {delivered.hub_no} cannot 'start_picking'")
    assert texts[3].startswith(
        f"{held.hub_no}: Order {held.hub_no} is on hold (Staff: refund asked)")
    latest = first.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason) == (user, "morning wave")


def test_bulk_actions_are_offered_only_for_the_roles_moves(login, client):
    OrderFactory()
    login("warehouse")
    response = client.get(reverse(CHANGELIST))
    choices = {name for name, _label in response.context["action_form"].fields["action"].choices}
    assert {"move_start_picking", "move_start_packing", "move_print_label",
            "move_hand_over"} <= choices
    assert not {"move_refund", "move_cancel", "move_invoice", "delete_selected"} & choices


def test_bulk_action_for_a_move_the_role_lacks_changes_nothing(login, client):
    order = OrderFactory(status=Status.DELIVERED)
    login("warehouse")
    client.post(reverse(CHANGELIST), {"action": "move_refund", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == Status.DELIVERED


# --- state machine, other models, language ---------------------------------------------------
def test_state_machine_page_lists_every_move_and_is_linked_from_the_list(login, client):
    login("warehouse")
    url = reverse("admin:orders_order_state_machine")
    assert f'href="{url}"' in client.get(reverse(CHANGELIST)).content.decode()
    html = client.get(url).content.decode()
    for move in MOVES:
        assert f'data-move="{move.name}"' in html
        assert move.permission_name in html
        assert str(move.note).replace("'", "&#x27;") in html
    for status in Status:
        assert f"<code>{status.value}</code>" in html


def test_gift_orders_are_read_only(login, client):
    gift = GiftOrderFactory()
    login("manager")
    response = client.get(reverse("admin:orders_giftorder_change", args=[gift.pk]))
    assert response.status_code == 200
    assert not response.context["adminform"].form.fields
    assert client.get(reverse("admin:orders_giftorder_changelist")).status_code == 200
    assert GiftOrder.objects.get().status == GiftOrder.GiftStatus.PENDING


@pytest.mark.parametrize(
    "name", ["orders_channel", "orders_customer", "orders_product", "orders_giftorder"]
)
def test_other_lists_load(name, login, client):
    GiftOrderFactory()
    login("manager")
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_language_switch_changes_the_admin_language(login, client):
    # given a signed-in user reading the admin in English
    login("warehouse")
    page = client.get(reverse("admin:index")).content.decode()
    assert '<html lang="en"' in page
    assert 'action="/i18n/setlang/"' in page and 'value="zh-hans"' in page
    # when they switch to Chinese, then the admin speaks Chinese
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"
    page = client.get("/admin/").content.decode()
    assert '<html lang="zh-hans"' in page and "Order Hub" in page and "订单中枢" in page
    # and back to English
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert '<html lang="en"' in client.get("/admin/").content.decode()
