"""The manager's home page in a real browser (Debian's chromium), in Chinese at 1440 × 900:
the health figures of the last 7 days against the 7 before, each opening its card on the
management health page. ``BROWSER_SCREENSHOTS=/some/dir`` keeps the screenshots."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.metrics.models import MetricCount
from tests.browser import CHINESE_SCREEN, browser_type_launch_args, shot, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CHINESE_SCREEN}


@pytest.fixture
def two_weeks(db):
    today = timezone.localdate()
    rows = {today: dict(paid=200, fulfilled=190, due=100, on_time=95, breakpoint=1,
                        intervention=1, steps=100, steps_on_time=90),
            today - dt.timedelta(days=8): dict(paid=100, fulfilled=90, due=100, on_time=90,
                                               intervention=2, steps=50, steps_on_time=50)}
    MetricCount.objects.bulk_create(
        MetricCount(day=day, channel_id=1, warehouse_id=1, key=key, value=value)
        for day, values in rows.items() for key, value in values.items())


def test_manager_reads_the_week_against_the_week_before(live_server, page, make_user,
                                                        two_weeks):
    sign_in(page, live_server, make_user("manager"))
    card = page.locator('[data-scorecard="orders.health"]')
    expect(card).to_contain_text("订单健康")
    expect(card).to_contain_text("最近 7 天")
    on_time = card.locator('tr[data-figure="on_time_ship_rate"]')
    expect(on_time.locator('[data-value="current"]')).to_have_text("95.00%")
    expect(on_time.locator('[data-value="previous"]')).to_have_text("90.00%")
    expect(on_time.locator('[data-trend="better"]')).to_have_text("▲")
    expect(card.locator('tr[data-figure="interventions_per_1000"] [data-trend]')).to_have_text("▼")
    expect(card.locator('tr[data-figure="self_healed"]')).to_contain_text("占指数 25%")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    shot(page, "home-manager-health")
    # each figure opens the management page on its own card, for the same 7 days
    card.locator('tr[data-figure="order_health_index"] a').click()
    expect(page.locator("#figure-order_health_index")).to_be_visible()
    assert "since=" in page.url and page.url.endswith("#figure-order_health_index")
    shot(page, "health-from-home")
