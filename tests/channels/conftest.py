"""Fixtures for the channels tests: channels with secrets, an integrator client, products, fake
platforms."""
from __future__ import annotations

import time

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import ChannelEndpoint
from channels.services.signatures import shopify_signature
from orderhub.core.signing import hub_signature
from orders.models import Channel
from tests.channels.fake_platforms import FakePlatform
from tests.factories import ProductFactory

SECRET = "test-secret-made-by-the-test"


@pytest.fixture
def channel(db):
    """``channel("jd")``: one of the eight channels, with a webhook secret set."""

    def get(code: str) -> Channel:
        found = Channel.objects.get(code=code)
        ChannelEndpoint.objects.update_or_create(channel=found,
                                                 defaults={"webhook_secret": SECRET})
        return found

    return get


@pytest.fixture
def integrator(make_user):
    user = make_user("integrator", username="erp")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.user = user
    return client


@pytest.fixture
def post(integrator):
    """``post("jd", body_bytes)``: the batch API as the integrator."""

    def send(code: str, body: bytes, content_type: str = "application/json", client=None):
        return (client or integrator).post(f"/api/channels/{code}/orders/", data=body,
                                           content_type=content_type)

    return send


@pytest.fixture
def signed_post(db):
    """``signed_post("jd", body)``: an unauthenticated push signed as the platform signs it."""

    def send(code: str, body: bytes, *, secret: str = SECRET, timestamp: int | None = None):
        client = APIClient()
        url = f"/api/channels/{code}/orders/"
        if code == "shopify":
            return client.post(url, data=body, content_type="application/json",
                               HTTP_X_SHOPIFY_HMAC_SHA256=shopify_signature(secret=secret,
                                                                            body=body))
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        return client.post(url, data=body, content_type="application/json",
                           HTTP_X_HUB_TIMESTAMP=stamp,
                           HTTP_X_HUB_SIGNATURE=hub_signature(secret=secret, timestamp=stamp,
                                                              body=body))

    return send


@pytest.fixture
def products(db):
    """Master SKUs the payloads' seller codes map to."""
    return {sku: ProductFactory(sku=sku, name=sku) for sku in
            ("MB-C200", "SKU-TEE-WHITE-L", "SKU-SOCK-5", "CUP-500", "MP-TEA-01", "POS-BAG")}


@pytest.fixture
def platform():
    """``platform("jd")``: a fake JD (tests/channels/fake_platforms.py) running for the test."""
    fakes = []

    def start(name: str) -> FakePlatform:
        fake = FakePlatform(name).__enter__()
        fakes.append(fake)
        return fake

    yield start
    for fake in fakes:
        fake.__exit__(None, None, None)
