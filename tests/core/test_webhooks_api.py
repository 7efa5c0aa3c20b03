"""/api/webhooks/ (subscribe, list one's own, unsubscribe): status codes, messages, query
counts, permissions by role, the schema."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orderhub.webhooks.models import Delivery, DeliveryAttempt, Subscription
from orderhub.webhooks.registry import PUBLIC_EVENT_TYPES
from orderhub.webhooks.services import MAX_SUBSCRIPTIONS_PER_OWNER
from tests.core.conftest import SECRET

pytestmark = pytest.mark.django_db
URL = "https://hooks.erp.example/orderhub"


@pytest.fixture(autouse=True)
def public_dns(fake_dns):
    fake_dns["hooks.erp.example"] = ["93.184.216.34"]
    fake_dns["other.erp.example"] = ["93.184.216.35"]
    fake_dns["intranet.erp.example"] = ["10.20.30.40"]
    return fake_dns


@pytest.fixture
def api(token_client):
    """``api()``: an integrator's API client; ``api("manager")`` another role's."""
    return lambda role="integrator", **kwargs: token_client(role, **kwargs)


def subscribe(client, **body):
    return client.post("/api/webhooks/", {"url": URL, "events": ["order.status_changed"],
                                          **body}, format="json")


# --- subscribing --------------------------------------------------------------------------------
def test_an_integrator_subscribes_and_gets_a_secret_once(api):
    client = api()
    response = subscribe(client, events=["order.held", "order.created", "order.held"])
    assert response.status_code == 201, response.json()
    body = response.json()
    # the types without repeats, in the contract's order; a secret made for the caller
    assert body["events"] == ["order.created", "order.held"]
    assert body["url"] == URL and body["is_active"] is True
    assert len(body["secret"]) >= 32
    assert body["health"] == {
        "state": "new", "consecutive_failures": 0, "failing_since": None,
        "last_success_at": None, "last_attempt_at": None, "last_status_code": None,
        "last_error": "", "pending": 0, "failed": 0}
    subscription = Subscription.objects.get()
    assert (subscription.owner, subscription.secret) == (client.user, body["secret"])
    # and the list never shows it again
    listed = client.get("/api/webhooks/").json()
    assert [row["id"] for row in listed] == [body["id"]] and "secret" not in listed[0]


def test_a_secret_given_is_kept(api):
    response = subscribe(api(), secret=SECRET)
    assert response.status_code == 201 and response.json()["secret"] == SECRET
    assert Subscription.objects.get().secret == SECRET


@pytest.mark.parametrize(("body", "field", "says"), [
    ({"events": ["order.shipped"]}, "events",
     '"order.shipped" is not a valid choice. Valid values: order.created, '),
    ({"events": []}, "events", "This list may not be empty."),
    ({"secret": "too-short"}, "secret", "at least 16 characters"),
    ({"url": "ftp://hooks.erp.example/x"}, "url", "Only http and https URLs"),
    ({"url": "http://127.0.0.1:8000/admin/"}, "url", "127.0.0.1, a loopback address"),
    ({"url": "http://localhost/x"}, "url", "a loopback address"),
    ({"url": "http://169.254.169.254/latest/meta-data/"}, "url", "a link-local address"),
    ({"url": "http://[::1]/x"}, "url", "a loopback address"),
    ({"url": "https://intranet.erp.example/x"}, "url",
     "intranet.erp.example resolves to 10.20.30.40, a private address"),
    ({"url": "https://no-such-host.invalid/x"}, "url", "cannot be resolved"),
    ({"url": ""}, "url", "This field may not be blank."),
])
def test_a_bad_subscription_is_refused_with_a_message(api, body, field, says):
    response = subscribe(api(), **body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid"
    assert says in answer["detail"] and says in str(answer["errors"][field])
    assert not Subscription.objects.exists()


def test_private_urls_are_accepted_when_the_hub_allows_them(api, settings):
    settings.ORDERHUB_WEBHOOKS_ALLOW_PRIVATE = True
    assert subscribe(api(), url="http://127.0.0.1:9000/hook").status_code == 201


def test_one_user_has_at_most_twenty_subscriptions(api):
    client = api()
    for _ in range(MAX_SUBSCRIPTIONS_PER_OWNER):
        assert subscribe(client).status_code == 201
    response = subscribe(client)
    assert response.status_code == 400
    assert "has 20 webhook subscriptions already" in response.json()["detail"]


def test_a_manager_subscribes_too(api):
    assert subscribe(api("manager")).status_code == 201


@pytest.mark.parametrize("role", ["customer_service", "warehouse", "finance", "operations"])
def test_other_roles_may_not_subscribe(api, role):
    client = api(role)
    for response in (subscribe(client), client.get("/api/webhooks/")):
        assert response.status_code == 403
        assert response.json()["detail"] == ("Your role may not subscribe to webhooks (needs "
                                             "permission 'webhooks.add_subscription').")
    assert not Subscription.objects.exists()


def test_without_credentials_it_is_401():
    response = APIClient().get("/api/webhooks/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


# --- listing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("count", [1, 6])
def test_the_list_shows_only_ones_own_with_health_in_fixed_queries(
    api, django_assert_num_queries, count
):
    # given subscriptions of the caller, with deliveries waiting and given up, and another's
    client, other = api(), api(username="other-erp")
    for _ in range(count):
        subscribe(client)
    subscribe(other, url="https://other.erp.example/x")
    mine = Subscription.objects.filter(owner=client.user).order_by("id").first()
    for n, status in enumerate(["pending", "pending", "failed", "sent"]):
        Delivery.objects.create(subscription=mine, event_id=n, event_type="order.created",
                                body="{}", status=status)
    Subscription.objects.filter(pk=mine.pk).update(
        consecutive_failures=3, failing_since=timezone.now() - dt.timedelta(hours=1),
        last_status_code=502, last_error="HTTP 502")

    # when listed: token, user permissions, group permissions, the subscriptions with counts
    with django_assert_num_queries(4):
        response = client.get("/api/webhooks/")

    # then only the caller's, each with its health
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == count and {row["url"] for row in rows} == {URL}
    health = rows[0]["health"]
    assert (health["state"], health["pending"], health["failed"], health["last_status_code"],
            health["last_error"]) == ("failing", 2, 1, 502, "HTTP 502")
    assert health["failing_since"].endswith("+08:00")


# --- unsubscribing ------------------------------------------------------------------------------
def test_an_integrator_removes_its_own_subscription_with_its_deliveries(api):
    client = api()
    subscription_id = subscribe(client).json()["id"]
    delivery = Delivery.objects.create(subscription_id=subscription_id, event_id=1,
                                       event_type="order.created", body="{}")
    DeliveryAttempt.objects.create(delivery=delivery, number=1, at=timezone.now(),
                                   duration_ms=3, status_code=500)
    response = client.delete(f"/api/webhooks/{subscription_id}/")
    assert response.status_code == 204
    assert not Subscription.objects.exists() and not Delivery.objects.exists()
    assert not DeliveryAttempt.objects.exists()


def test_subscribing_and_unsubscribing_cost_fixed_queries(api, django_assert_num_queries):
    client = api()
    # token, user permissions, group permissions, then in a transaction: count, insert
    with django_assert_num_queries(7):
        first = subscribe(client).json()["id"]
    second = subscribe(client).json()["id"]
    for subscription_id, deliveries in ((first, 1), (second, 5)):
        for n in range(deliveries):
            delivery = Delivery.objects.create(subscription_id=subscription_id, event_id=n,
                                               event_type="order.created", body="{}")
            DeliveryAttempt.objects.create(delivery=delivery, number=1, at=timezone.now(),
                                           duration_ms=3, status_code=500)
        # token, permissions, the subscription, then its deliveries a batch at a time
        with django_assert_num_queries(16):
            assert client.delete(f"/api/webhooks/{subscription_id}/").status_code == 204
    assert not Delivery.objects.exists()


def test_another_users_subscription_is_not_found(api):
    theirs = subscribe(api(username="other-erp")).json()["id"]
    client = api()
    for subscription_id in (theirs, 999999):
        response = client.delete(f"/api/webhooks/{subscription_id}/")
        assert response.status_code == 404
        assert response.json() == {"detail": f"You have no webhook subscription "
                                             f"{subscription_id}.", "code": "not_found"}
    assert Subscription.objects.filter(pk=theirs).exists()
    assert client.delete("/api/webhooks/abc/").status_code == 404  # JSON too


def test_the_schema_documents_the_endpoints_and_the_delivery_body():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/webhooks/"]["post"]
    assert set(post["responses"]) == {"201", "400", "401", "403"}
    assert set(schema["paths"]["/api/webhooks/{subscription_id}/"]["delete"]["responses"]) == {
        "204", "401", "403", "404"}
    callback = post["callbacks"]["event"]["{$request.body#/url}"]["post"]
    assert "X-Hub-Signature" in callback["description"]
    body = schema["components"]["schemas"]["WebhookDelivery"]
    assert set(body["properties"]) == {"id", "type", "occurred_at", "data"}
    assert schema["components"]["schemas"]["WebhookEventType"]["enum"] == list(
        PUBLIC_EVENT_TYPES)
