"""Deadlines and escalation with a controlled clock (``now`` passed explicitly, no sleeping):
due times, ship-by promises, traffic lights, the sweep and its ladder, rehearsals, the command,
the schedule and the admin's rehearsal preview."""
from __future__ import annotations

import datetime as dt
import importlib
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, clear_url_caches, reverse
from django.utils import translation
from django_q.models import Schedule

import orderhub.urls
from orderhub.alerts.models import (
    Alert,
    AlertDelivery,
    AlertEvent,
    EscalationStep,
    NotificationTarget,
    Team,
)
from orderhub.alerts.services import alert_acknowledge
from orders import admin_deadlines, services
from orders.models import (
    Channel,
    Order,
    ShipByPromise,
    SlaPolicy,
    SlaStep,
    TrafficLightSettings,
)
from orders.services import LineInput, OrderInput
from orders.sla.config import deadline_config_clear
from orders.sla.deadlines import TrafficLight, order_traffic_light, sla_breach_key
from orders.sla.policies import open_orders_due_refresh
from orders.sla.rehearsal import sla_policy_rehearse
from orders.sla.sweep import sla_sweep, sla_sweep_until_done
from orders.state_machine import Status
from tests.factories import OrderFactory
from orderhub.core.texts import render
from orders import texts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rules")]

MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def paid_order(channel_code: str = "jd", **kwargs) -> Order:
    order = OrderFactory(status=Status.PENDING_PAYMENT,
                         channel=Channel.objects.get(code=channel_code), **kwargs)
    return services.order_pay(order=order, actor=None, reason="test payment")


def picking_order(channel_code: str = "jd") -> Order:
    order = paid_order(channel_code)
    return services.order_start_picking(order=order, actor=None, reason="test picking")


def sla_alert(order: Order) -> Alert:
    return Alert.objects.get(order=order, kind="sla")


# --- due times and promises ---------------------------------------------------------------------
def test_each_move_stores_the_new_states_due_time():
    # given a paid order (payment confirmed ≤ 15 min before the warehouse takes it)
    order = paid_order()
    assert order.state_due_at == order.state_entered_at + 15 * MIN
    # when picking starts, then picking is due in 2 h
    order = services.order_start_picking(order=order, actor=None)
    assert order.state_due_at == order.state_entered_at + 2 * HOUR
    # when packing starts, then packing and the label are due in 1 h 3 min
    order = services.order_start_packing(order=order, actor=None)
    assert order.state_due_at == order.state_entered_at + 63 * MIN
    # when it is labelled, the courier has 30 min; once handed over there is no SLA
    order = services.order_print_label(order=order, actor=None)
    assert order.state_due_at == order.state_entered_at + 30 * MIN
    order = services.order_hand_over(order=order, actor=None)
    assert order.state_due_at is None


def test_a_channel_override_and_a_switched_off_step():
    # given JD picks within 1 h, and the default handover step is switched off
    SlaPolicy.objects.create(step=SlaStep.PICKING, channel=Channel.objects.get(code="jd"),
                             minutes=60, team=Team.WAREHOUSE)
    SlaPolicy.objects.filter(step=SlaStep.HANDOVER, channel__isnull=True).update(is_active=False)
    deadline_config_clear()
    # when a JD and a Taobao order start picking
    jd, taobao = picking_order("jd"), picking_order("taobao")
    # then each gets its channel's allowance
    assert jd.state_due_at == jd.state_entered_at + HOUR
    assert taobao.state_due_at == taobao.state_entered_at + 2 * HOUR


def test_ship_by_is_promised_from_payment_per_channel_and_shorter_when_urgent():
    # when a Taobao, a JD and an urgent Taobao order are paid
    taobao = paid_order("taobao")
    jd = paid_order("jd")
    urgent = paid_order("taobao", priority=Order.Priority.URGENT)
    # then the promise is 48 h, 24 h (JD) and 12 h (urgent) after payment
    assert taobao.ship_by == taobao.paid_at + 48 * HOUR
    assert jd.ship_by == jd.paid_at + 24 * HOUR
    assert urgent.ship_by == urgent.paid_at + 12 * HOUR
    # when Pinduoduo gets a promise of its own, then orders paid afterwards follow it
    ShipByPromise.objects.create(channel=Channel.objects.get(code="pdd"), hours=36,
                                 urgent_hours=8)
    pdd = paid_order("pdd")
    assert pdd.ship_by == pdd.paid_at + 36 * HOUR


def test_created_orders_get_their_deadlines_without_a_query_per_order():
    channel = Channel.objects.get(code="tmall")
    paid_at = dt.datetime(2026, 1, 28, 9, 0, tzinfo=SHANGHAI)

    def make(count: int, start: int) -> list[OrderInput]:
        return [OrderInput(channel_order_no=f"D{start + n}", status=Status.PAID, paid_at=paid_at,
                           lines=[LineInput(title="T恤", quantity=1, unit_price=Decimal("9.90"))])
                for n in range(count)]

    services.orders_create(channel=channel, orders=make(1, 0), actor=None, reason="warm up")
    # given the rules are cached, creating 1 or 25 orders costs the same queries
    with CaptureQueriesContext(connection) as one:
        services.orders_create(channel=channel, orders=make(1, 100), actor=None, reason="t")
    with CaptureQueriesContext(connection) as many:
        created = services.orders_create(channel=channel, orders=make(25, 200), actor=None,
                                         reason="t")
    # (SQLite splits a bulk insert past its 999-variable limit: with one event task per handler
    # of order.created, 25 orders' tasks may take a second INSERT; a query per order would add 24)
    assert len(one.captured_queries) <= len(many.captured_queries) <= len(one.captured_queries) + 2
    # and each has its due time and Tmall's 24 h promise
    order = Order.objects.get(pk=created[-1].pk)
    assert order.state_due_at == paid_at + 15 * MIN
    assert order.ship_by == paid_at + 24 * HOUR


# --- traffic lights -----------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "hours_left", "light"), [
    (Status.PAID, 7, TrafficLight.GREEN),
    (Status.PICKING, 5, TrafficLight.YELLOW),
    (Status.PACKING, 5, TrafficLight.GREEN),  # picked: no longer yellow
    (Status.PACKING, 1.5, TrafficLight.RED),
    (Status.AWAITING_PICKUP, 1, TrafficLight.GREEN),  # labelled: no longer red
    (Status.PAID, -1, TrafficLight.RED),
])
def test_traffic_lights(status, hours_left, light):
    now = dt.datetime(2026, 1, 28, 10, 0, tzinfo=SHANGHAI)
    order = Order(status=status, ship_by=now + dt.timedelta(hours=hours_left))
    assert order_traffic_light(order, now=now) == light


def test_traffic_light_thresholds_are_configurable():
    now = dt.datetime(2026, 1, 28, 10, 0, tzinfo=SHANGHAI)
    order = Order(status=Status.PICKING, ship_by=now + 7 * HOUR)
    assert order_traffic_light(order, now=now) == TrafficLight.GREEN
    # when operations move yellow to 8 h
    settings_row = TrafficLightSettings.objects.get()
    settings_row.yellow_hours = Decimal("8.0")
    settings_row.save()
    # then the same order is yellow
    assert order_traffic_light(order, now=now) == TrafficLight.YELLOW


# --- the sweep and the ladder -------------------------------------------------------------------
def test_two_hours_one_minute_in_picking_raises_level_1_and_marks_the_order_stuck():
    # given an order picking since t0
    order = picking_order()
    t0 = order.state_entered_at
    # when the sweep runs at 1 h 59 min, then nothing happens
    assert sla_sweep(now=t0 + 119 * MIN).raised == []
    # when it runs at 2 h 1 min
    report = sla_sweep(now=t0 + 121 * MIN)
    # then one level-1 alert for the warehouse, and the order is stuck, with a history row
    alert = sla_alert(order)
    assert [breach.order_id for breach in report.raised] == [order.pk]
    assert (alert.level, alert.status, alert.team) == (1, "open", "warehouse")
    assert alert.key == sla_breach_key(order_id=order.pk, status="picking", entered_at=t0)
    assert alert.next_escalation_at == t0 + 121 * MIN + 30 * MIN
    order.refresh_from_db()
    assert order.is_stuck
    record = order.history.first()
    assert (record.history_type, record.is_stuck, record.status) == ("~", True, "picking")
    assert record.history_user.username == settings.ORDERHUB_SYSTEM_USERNAME
    assert render(record.history_change_reason) == f"deadline sweep: {render(alert.title)}"
    assert record.hub_no == order.hub_no and record.state_due_at == t0 + 2 * HOUR


def test_thirty_minutes_later_level_2_and_once_acknowledged_no_level_3(manager):
    order = picking_order()
    t0 = order.state_entered_at
    sla_sweep(now=t0 + 121 * MIN)
    # when the sweep runs 30 min later, then the alert climbs to level 2
    report = sla_sweep(now=t0 + 151 * MIN)
    assert [(c.from_level, c.to_level) for c in report.climbs] == [(1, 2)]
    assert sla_alert(order).level == 2
    # when someone acknowledges it and the sweep runs long after
    alert_acknowledge(alert=sla_alert(order), actor=manager, now=t0 + 152 * MIN)
    report = sla_sweep(now=t0 + 6 * HOUR)
    # then it stays at level 2
    assert report.climbs == []
    assert (sla_alert(order).level, sla_alert(order).status) == (2, "acknowledged")


def test_an_unacknowledged_alert_reaches_the_owner():
    order = picking_order()
    t0 = order.state_entered_at
    sla_sweep(now=t0 + 121 * MIN)
    sla_sweep(now=t0 + 151 * MIN)
    sla_sweep(now=t0 + 181 * MIN)
    alert = sla_alert(order)
    assert alert.level == 3 and alert.next_escalation_at is None
    assert list(alert.events.values_list("kind", "level")) == [
        ("raised", 1), ("escalated", 2), ("escalated", 3),
    ]


def test_moving_to_packing_resolves_the_alert_and_keeps_its_timeline():
    order = picking_order()
    t0 = order.state_entered_at
    sla_sweep(now=t0 + 121 * MIN)
    # when the order moves on and the sweep runs
    order = services.order_start_packing(order=order, actor=None)
    report = sla_sweep(now=order.state_entered_at + 5 * MIN)
    # then the alert is resolved by the hub, the order is not stuck, the timeline is all there
    alert = sla_alert(order)
    assert report.resolved == 1
    assert (alert.status, alert.resolved_by, alert.next_escalation_at) == ("resolved", None, None)
    assert "packing" in alert.resolution
    assert list(alert.events.values_list("kind", flat=True)) == ["raised", "resolved"]
    order.refresh_from_db()
    assert not order.is_stuck


def test_running_twice_or_late_never_duplicates_and_never_misses():
    # given two orders breached at different times and a sweep that was down for hours
    first, second = picking_order(), picking_order()
    t0 = max(first.state_entered_at, second.state_entered_at)
    # when the sweep finally runs, twice
    report = sla_sweep(now=t0 + 5 * HOUR)
    again = sla_sweep(now=t0 + 5 * HOUR)
    # then each breach has exactly one alert, raised once
    assert len(report.raised) == 2 and again.raised == []
    assert Alert.objects.filter(kind="sla").count() == 2
    assert AlertEvent.objects.filter(kind=AlertEvent.Kind.RAISED).count() == 2
    # and the ladder counts from when the team lead was told (level 2 only 30 min later)
    assert again.climbs == []
    assert len(sla_sweep(now=t0 + 5 * HOUR + 30 * MIN).climbs) == 2


def test_a_burst_is_raised_in_batches_most_overdue_first():
    # given three orders breached at different times
    orders = [picking_order() for _ in range(3)]
    for minutes, order in zip((10, 30, 20), orders):
        Order.objects.filter(pk=order.pk).update(
            state_entered_at=order.state_entered_at - minutes * MIN,
            state_due_at=order.state_due_at - minutes * MIN)
    now = max(order.state_due_at for order in orders) + MIN
    # when a run may raise two alerts
    report = sla_sweep(now=now, limit=2)
    # then the two most overdue come first, and the third waits for the next batch
    assert [breach.order_id for breach in report.raised] == [orders[1].pk, orders[2].pk]
    assert report.backlog == 1
    reports = sla_sweep_until_done(now=now)
    assert [len(r.raised) for r in reports] == [1] and reports[-1].backlog == 0


def test_a_stay_that_ended_late_before_any_sweep_is_still_recorded():
    # given an order that sat in picking past its due time while no sweep ran
    order = picking_order()
    Order.objects.filter(pk=order.pk).update(state_due_at=order.state_entered_at - MIN)
    entered = order.state_entered_at
    # when it moves on
    services.order_start_packing(order=order, actor=None)
    # then the breach is recorded, resolved at once (nobody is told about the past)
    alert = Alert.objects.get(key=sla_breach_key(order_id=order.pk, status="picking",
                                                 entered_at=entered))
    assert alert.status == "resolved" and "before a sweep" in render(alert.resolution)
    assert not AlertDelivery.objects.exists()


def test_a_missed_ship_by_raises_its_own_alert_until_handed_over():
    order = paid_order("jd")
    order = services.order_start_picking(order=order, actor=None)
    services.order_start_packing(order=order, actor=None)
    now = order.ship_by + MIN
    # when the sweep runs past the promise (the SLA breach is there too)
    sla_sweep(now=now)
    assert Alert.objects.filter(order=order, kind="ship_by", status="open").count() == 1
    # when it is handed over, the ship-by alert resolves
    order.refresh_from_db()
    order = services.order_print_label(order=order, actor=None)
    services.order_hand_over(order=order, actor=None)
    sla_sweep(now=now + MIN)
    assert Alert.objects.get(order=order, kind="ship_by").status == "resolved"


def test_a_kind_can_have_its_own_ladder():
    # given ship-by breaches go to level 2 after 10 min
    EscalationStep.objects.create(kind="ship_by", level=1, after_minutes=0, to_team_lead=True)
    EscalationStep.objects.create(kind="ship_by", level=2, after_minutes=10)
    order = paid_order("jd")
    sla_sweep(now=order.ship_by + MIN)
    sla_sweep(now=order.ship_by + 12 * MIN)
    # then the ship-by alert is at level 2 (its ladder has no level 3), the SLA one at 1
    ship_alert = Alert.objects.get(order=order, kind="ship_by")
    assert (ship_alert.level, ship_alert.next_escalation_at) == (2, None)


def test_each_rung_tells_its_recipients_once():
    # given a warehouse lead's mailbox and the director's, on the default ladder
    lead = NotificationTarget.objects.create(name="仓库主管", transport="email", team="warehouse",
                                             email_to="lead@example.com")
    director = NotificationTarget.objects.create(name="运营总监", transport="email",
                                                 email_to="director@example.com")
    EscalationStep.objects.get(kind="", level=2).recipients.add(director)
    order = picking_order()
    t0 = order.state_entered_at
    # when the sweep raises, climbs, and runs again
    for minutes in (121, 151, 151):
        sla_sweep(now=t0 + minutes * MIN)
    # then one delivery per rung and target
    assert sorted(AlertDelivery.objects.values_list("level", "target__name")) == [
        (1, lead.name), (2, director.name),
    ]


def test_a_policy_change_applies_to_orders_already_in_the_state():
    order = picking_order("taobao")
    # when picking is cut to 90 min by default
    SlaPolicy.objects.filter(step=SlaStep.PICKING, channel__isnull=True).update(minutes=90)
    changed = open_orders_due_refresh(step=SlaStep.PICKING)
    # then the open order's due time follows, with a history row saying why
    order.refresh_from_db()
    assert changed == 1
    assert order.state_due_at == order.state_entered_at + 90 * MIN
    reason = order.history.first().history_change_reason
    assert reason == texts.SLA_POLICY_CHANGED.encode(step=SlaStep.PICKING)
    assert render(reason) == "SLA policy for 'Picking' changed: new due time"
    with translation.override("zh-hans"):
        assert render(reason) == f"“{SlaStep.PICKING.label}”的时效规则已修改：重新计算截止时间"


# --- rehearsal ----------------------------------------------------------------------------------
def stays_in_picking(*hours: float) -> list[Order]:
    """Orders that picked for the given hours (their history rewritten to those times)."""
    orders = []
    for index, taken in enumerate(hours):
        order = picking_order("taobao")
        order = services.order_start_packing(order=order, actor=None)
        left = order.state_entered_at - dt.timedelta(hours=index)
        entered = left - dt.timedelta(hours=taken)
        Order.history.filter(id=order.pk, status="picking").update(state_entered_at=entered)
        Order.history.filter(id=order.pk, status="packing").update(state_entered_at=left)
        orders.append(order)
    return orders


def test_rehearsal_counts_the_alerts_a_changed_policy_would_have_raised():
    # given stays in picking of 0.5 h, 1.5 h and 3 h over the last days
    stays_in_picking(0.5, 1.5, 3)
    # when a 1 h default for picking is rehearsed
    policy = SlaPolicy.objects.get(step=SlaStep.PICKING, channel__isnull=True)
    policy.minutes = 60
    rehearsal = sla_policy_rehearse(policy=policy, days=7)
    # then 2 stays would have breached, against 1 under the 2 h in force
    assert (rehearsal.stays, rehearsal.proposed_alerts, rehearsal.current_alerts) == (3, 2, 1)


# --- the command and the schedule ---------------------------------------------------------------
def test_the_command_runs_the_sweep_as_at_a_given_time():
    order = picking_order()
    at = (order.state_entered_at + 3 * HOUR).astimezone(SHANGHAI).isoformat()
    out = io.StringIO()
    call_command("sla_sweep", "--now", at, "--dry-run", stdout=out)
    assert f"raised sla alert for {order.hub_no}" in out.getvalue()
    assert "dry run" in out.getvalue() and not Alert.objects.exists()
    call_command("sla_sweep", "--now", at, stdout=out)
    assert Alert.objects.filter(order=order, kind="sla").count() == 1


def test_the_command_refuses_a_bad_time():
    with pytest.raises(Exception, match="not an ISO 8601"):
        call_command("sla_sweep", "--now", "yesterday")


def test_the_sweep_is_scheduled_every_minute():
    schedule = Schedule.objects.get(name="orders: SLA sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "orders.tasks.sla_sweep_task", Schedule.MINUTES, 1, -1)


# --- the admin: rehearsal before saving, the inbox ----------------------------------------------
@pytest.fixture
def deadline_admin(client, make_user):
    """The admin with these pages, signed in as operations, in English. (Until orders/admin.py
    imports orders.admin_deadlines, the URLconf predates their registration: reload it.)"""
    try:
        reverse("admin:orders_slapolicy_changelist")
    except NoReverseMatch:
        importlib.reload(orderhub.urls)
        clear_url_caches()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(make_user("operations"))
    return client


def test_saving_a_changed_policy_shows_its_rehearsal_first(deadline_admin):
    stays_in_picking(1.5, 3)
    policy = SlaPolicy.objects.get(step=SlaStep.PICKING, channel__isnull=True)
    url = reverse("admin:orders_slapolicy_change", args=[policy.pk])
    form = {"step": "picking", "channel": "", "minutes": "60", "team": "warehouse",
            "is_active": "on", "note": "", "rehearsal_days": "7"}
    # when operations save 60 min, then they see what it would have raised, and nothing changes
    response = deadline_admin.post(url, form)
    assert response.status_code == 200
    assert "would have raised 2 alerts; the rules in force raised 1" in response.content.decode()
    assert SlaPolicy.objects.get(pk=policy.pk).minutes == 120
    # when they confirm, then it is saved, with its history
    response = deadline_admin.post(url, {**form, "confirm_rehearsal": "on"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.minutes == 60
    reason = policy.history.first().history_change_reason
    assert reason == texts.CHANGED_IN_ADMIN.encode() and render(reason) == "changed in the admin"
    with translation.override("zh-hans"):
        assert render(reason) == "在后台修改"


def test_the_inbox_counts_unread_alerts_and_acknowledges(deadline_admin):
    order = picking_order()
    sla_sweep(now=order.state_entered_at + 3 * HOUR)
    alert = sla_alert(order)
    response = deadline_admin.get(reverse("admin:alerts_alert_changelist")
                                   + "?status=open&for=all")
    assert "1 unread (open)" in response.content.decode()
    response = deadline_admin.post(reverse("admin:alerts_alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by.username.startswith("staff")
    page = deadline_admin.get(reverse("admin:alerts_alert_change", args=[alert.pk]))
    assert page.status_code == 200 and "Acknowledged" in page.content.decode()


def test_notification_secrets_are_never_shown(deadline_admin):
    target = NotificationTarget.objects.create(
        name="运营群", transport="dingtalk", secret="SECtopsecret123",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789",
    )
    listing = deadline_admin.get(reverse("admin:alerts_notificationtarget_changelist"))
    page = deadline_admin.get(reverse("admin:alerts_notificationtarget_change",
                                      args=[target.pk]))
    for response in (listing, page):
        html = response.content.decode()
        assert "abcdef0123456789" not in html and "SECtopsecret123" not in html
    assert "access_token=••••6789" in listing.content.decode()
    # saving the form with the secret fields left empty keeps them
    form = {"name": "运营群", "transport": "dingtalk", "team": "", "email_to": "",
            "webhook_url": "", "secret": "", "mention_mobiles": "", "is_active": "on"}
    deadline_admin.post(reverse("admin:alerts_notificationtarget_change", args=[target.pk]), form)
    target.refresh_from_db()
    assert (target.secret, target.webhook_url.endswith("abcdef0123456789")) == (
        "SECtopsecret123", True)


def test_the_order_list_column_and_filter_show_the_lights():
    now_order = paid_order("jd")
    Order.objects.filter(pk=now_order.pk).update(ship_by=now_order.paid_at + HOUR)
    now_order.refresh_from_db()
    assert "Red" in admin_deadlines.traffic_light_column(now_order)
    light_filter = admin_deadlines.TrafficLightFilter(
        None, {"light": ["red"]}, Order, None)
    assert list(light_filter.queryset(None, Order.objects.all())) == [now_order]


def test_a_parcel_that_left_after_its_ship_by_before_any_sweep_is_still_recorded():
    # given an order whose promised ship-by passed while no sweep ran
    order = paid_order("jd")
    for move in ("start_picking", "start_packing", "print_label"):
        order = services.order_transition(order=order, name=move, actor=None)
    Order.objects.filter(pk=order.pk).update(ship_by=order.ship_by - dt.timedelta(days=3))
    order.refresh_from_db()
    # when it is handed over to the courier
    services.order_hand_over(order=order, actor=None)
    # then the late shipment is recorded, resolved at once, and nobody is told about the past
    alert = Alert.objects.get(order=order, kind="ship_by")
    assert alert.status == "resolved" and "before a sweep" in render(alert.resolution)
    assert not AlertDelivery.objects.exists()
