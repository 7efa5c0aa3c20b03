"""The manager's home page shows the health figures of the last 7 days against the 7 before,
read from the daily aggregates and computed by hand here from the definitions
(``orders/metrics/definitions.py``)."""
from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from orderhub.workbench.selectors import workbench_for
from orders.metrics.models import MetricCount
from orders.metrics.selectors import recent_against_before
from orders.metrics.workbench import health_scores
from tests.orders.test_metrics_scenario import scenario  # noqa: F401 (the 33-order fixture)

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 11, 8)  # the last 7 days: 11-02 … 11-08; the 7 before: 10-26 … 11-01
NOON = dt.datetime(2026, 11, 8, 12, 0, tzinfo=SH)


def counts(day: dt.date, channel: int, warehouse: int, **values: int) -> None:
    MetricCount.objects.bulk_create(
        MetricCount(day=day, channel_id=channel, warehouse_id=warehouse, key=key, value=value)
        for key, value in values.items())


@pytest.fixture
def two_weeks():
    """Aggregates as the handler keeps them, on two channels and warehouses."""
    recent, recent2, before = dt.date(2026, 11, 8), dt.date(2026, 11, 2), dt.date(2026, 11, 1)
    counts(recent, 1, 1, paid=150, fulfilled=140, due=60, on_time=57, shipped=60,
           ship_seconds=60 * 36_000, breakpoint=1, intervention=1, steps=100, steps_on_time=90,
           holds_lifted=4, self_healed=3)
    counts(recent2, 2, 0, paid=50, fulfilled=50, due=40, on_time=38, shipped=40,
           ship_seconds=40 * 18_000, delivered=10, transit_seconds=10 * 2 * 86_400)
    counts(before, 1, 1, paid=100, fulfilled=90, due=100, on_time=90, shipped=80,
           ship_seconds=80 * 18_000, delivered=20, transit_seconds=20 * 3 * 86_400,
           intervention=2, steps=50, steps_on_time=50)
    # outside both periods: never counted
    counts(dt.date(2026, 10, 25), 1, 1, paid=1000, due=1000)
    counts(dt.date(2026, 11, 9), 1, 1, paid=1000, due=1000)


def test_the_two_periods_are_summed_from_the_aggregates(two_weeks, django_assert_num_queries):
    # when the figures are read: one query of the aggregates, one of the undecided due orders
    with django_assert_num_queries(2):
        data = recent_against_before(today=TODAY, now=NOON)
    now, before = data["figures"], data["before"]
    assert (data["since"], data["until"]) == (dt.date(2026, 11, 2), TODAY)
    assert (data["before_since"], data["before_until"]) == (dt.date(2026, 10, 26),
                                                            dt.date(2026, 11, 1))
    # then, by hand: on time (57 + 38) / (60 + 40) against 90 / 100
    assert (now["on_time_ship_rate"].numerator, now["on_time_ship_rate"].denominator) == (95, 100)
    assert (before["on_time_ship_rate"].numerator,
            before["on_time_ship_rate"].denominator) == (90, 100)
    # fulfilment 190 / 200 against 90 / 100
    assert now["channel_fulfilment_rate"].value == pytest.approx(0.95)
    assert before["channel_fulfilment_rate"].value == pytest.approx(0.9)
    # payment → ship: (60 × 10 h + 40 × 5 h) / 100 = 8 h against 5 h
    assert now["payment_to_ship_hours"].value == pytest.approx(8)
    assert before["payment_to_ship_hours"].value == pytest.approx(5)
    # transit: 2 days against 3
    assert now["transit_days"].value == pytest.approx(2)
    assert before["transit_days"].value == pytest.approx(3)
    # breakpoints 1 / 200 against 0 / 100; interventions 1000 / 200 = 5 against 20
    assert now["breakpoint_rate"].value == pytest.approx(0.005)
    assert before["breakpoint_rate"].value == 0
    assert now["interventions_per_1000"].value == pytest.approx(5)
    assert before["interventions_per_1000"].value == pytest.approx(20)
    # OHI: 40 × 0.9 + 35 × 199/200 + 25 × 3/4 = 36 + 34.825 + 18.75 = 89.575
    assert now["order_health_index"].value == pytest.approx(89.575)
    # before: 40 × 1 + 35 × 1 + 25 × 1 (no hold lifted: counts as 1) = 100
    assert before["order_health_index"].value == pytest.approx(100)


def test_the_scorecard_shows_each_figure_against_the_week_before(two_weeks):
    with mock.patch("django.utils.timezone.now", lambda: NOON):
        scores = health_scores()
    shown = {m.code: (m.current, m.previous, m.trend, m.arrow) for m in scores.measures}
    assert shown == {
        "on_time_ship_rate": ("95.00%", "90.00%", "better", "▲"),
        "channel_fulfilment_rate": ("95.00%", "90.00%", "better", "▲"),
        "payment_to_ship_hours": ("8.00", "5.00", "worse", "▲"),
        "transit_days": ("2.00", "3.00", "better", "▼"),
        "breakpoint_rate": ("0.50%", "0.00%", "worse", "▲"),
        "interventions_per_1000": ("5.00", "20.00", "better", "▼"),
        "order_health_index": ("89.6", "100.0", "worse", "▼"),
        "status_timeliness": ("90.00%", "100.00%", "worse", "▼"),
        "cross_system_consistency": ("99.50%", "100.00%", "worse", "▼"),
        "self_healed": ("75.00%", "—", "", ""),
    }
    page = reverse("admin:orders_metriccount_changelist")
    assert all(m.url == f"{page}?since=2026-11-02&until=2026-11-08#figure-{m.code}"
               for m in scores.measures)
    assert [m.code for m in scores.measures if m.indent] == [
        "status_timeliness", "cross_system_consistency", "self_healed"]


def test_only_the_manager_sees_the_health_figures(two_weeks, make_user):
    with mock.patch("django.utils.timezone.now", lambda: NOON):
        manager = workbench_for(make_user("manager"))
        warehouse = workbench_for(make_user("warehouse"))
    assert [card.key for card, _scores in manager.scorecards] == ["orders.health"]
    assert warehouse.scorecards == []


def test_the_scenario_week_is_the_hand_computed_one(scenario):  # noqa: F811
    # given the 33-order scenario (11-02 … 11-06), maintained by the event handler
    data = recent_against_before(today=TODAY, now=NOON)
    now = data["figures"]
    # then the last 7 days hold every figure of the scenario (see its docstring) ...
    assert (now["on_time_ship_rate"].numerator, now["on_time_ship_rate"].denominator) == (17, 26)
    assert (now["channel_fulfilment_rate"].numerator,
            now["channel_fulfilment_rate"].denominator) == (23, 29)
    assert (now["breakpoint_rate"].numerator, now["breakpoint_rate"].denominator) == (3, 29)
    assert now["interventions_per_1000"].numerator == 14000
    assert now["order_health_index"].value == pytest.approx(
        40 * 81 / 94 + 35 * 26 / 29 + 25 * 3 / 5, abs=1e-4)
    # ... and the week before had nothing: no rate, an index of 100
    assert data["before"]["on_time_ship_rate"].value is None
    assert data["before"]["order_health_index"].value == pytest.approx(100)


def test_the_manager_home_page_lists_the_figures(two_weeks, client, make_user):
    client.force_login(make_user("manager"))
    with mock.patch("django.utils.timezone.now", lambda: NOON):
        html = client.get(reverse("admin:index")).content.decode()
    assert 'data-scorecard="orders.health"' in html
    assert "95.00%" in html and "89.6" in html
    assert "#figure-order_health_index" in html
