"""Staff IP addresses in an order's history are shown only to roles that audit staff
(managers), not to finance, customer service or integrators (issue 13 item 9)."""
from __future__ import annotations

import pytest
from django.test import Client

from orders.holds import order_hold
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_from_an_address(as_request, make_user):
    order = OrderFactory()
    cs = make_user("customer_service")
    with as_request(cs, ip="203.0.113.77"):
        order_hold(order=order, actor=cs, reason="buyer called")
    return order


@pytest.mark.parametrize("role, sees", [("integrator", False), ("finance", False),
                                        ("customer_service", False), ("manager", True)])
def test_the_api_history_shows_staff_ips_only_to_managers(token_client, held_from_an_address,
                                                          role, sees):
    response = token_client(role).get(f"/api/orders/{held_from_an_address.hub_no}/")
    assert response.status_code == 200
    addresses = {entry["ip_address"] for entry in response.json()["history"]}
    assert ("203.0.113.77" in addresses) == sees
    if not sees:
        assert addresses == {None}


@pytest.mark.parametrize("role, sees", [("finance", False), ("manager", True)])
def test_the_order_page_shows_staff_ips_only_to_managers(make_user, held_from_an_address, role,
                                                         sees):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))
    page = client.get(f"/admin/orders/order/{held_from_an_address.pk}/change/")
    assert page.status_code == 200
    assert ("203.0.113.77" in page.content.decode()) == sees
