"""The hub's public address (``orderhub.core.site``): every link that leaves the hub is
absolute, and production is warned while ``ORDERHUB_BASE_URL`` is unset."""
from __future__ import annotations

import pytest
from django.test import RequestFactory

from logistics.shipments.buyer_page import tracking_page_path
from orderhub.core.site import DEFAULT_BASE_URL, base_url_check, site_url
from orders.webhooks import orders_for_webhooks
from tests.factories import OrderFactory


def test_the_setting_wins_then_the_request_then_the_default(settings):
    settings.ALLOWED_HOSTS = ["hub.internal"]
    request = RequestFactory().get("/", HTTP_HOST="hub.internal:8443")
    settings.ORDERHUB_BASE_URL = "https://hub.example.com/"
    assert site_url("/t/x/", request) == "https://hub.example.com/t/x/"
    settings.ORDERHUB_BASE_URL = ""
    assert site_url("/t/x/", request) == "http://hub.internal:8443/t/x/"
    assert site_url("/t/x/") == f"{DEFAULT_BASE_URL}/t/x/" == "http://localhost:8000/t/x/"


@pytest.mark.django_db
@pytest.mark.parametrize("base, link", [("", DEFAULT_BASE_URL),
                                        ("https://hub.example.com", "https://hub.example.com")])
def test_a_webhook_delivery_carries_an_absolute_tracking_link(settings, base, link):
    # given an order, and the hub's address set or not
    settings.ORDERHUB_BASE_URL = base
    order = OrderFactory()

    # when a delivery renders it (no request to take a host from)
    rendered = orders_for_webhooks([order.pk])[order.pk]

    # then the buyer's link is absolute all the same
    assert rendered["tracking_page"] == f"{link}{tracking_page_path(order)}"


def test_production_is_warned_while_the_address_is_unset(settings):
    settings.DEBUG, settings.ORDERHUB_BASE_URL = False, ""
    [warning] = base_url_check()
    assert warning.id == "orderhub.W001" and "ORDERHUB_BASE_URL" in warning.msg
    assert "https://hub.example.com" in warning.hint

    settings.ORDERHUB_BASE_URL = "https://hub.example.com"
    assert base_url_check() == []
    settings.DEBUG, settings.ORDERHUB_BASE_URL = True, ""
    assert base_url_check() == []
