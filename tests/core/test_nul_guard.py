"""A NUL in any field is a 400 with nothing written, on PostgreSQL as on SQLite (issue 13 item 8).

PostgreSQL refuses NUL in every text it stores or compares; before the guard, a NUL in the
statement upload's ``channel`` field reached ``Channel.objects.get(code=…)`` during validation
and answered 500 there. These tests run on both databases (CI runs them on PostgreSQL)."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError
from rest_framework.test import APIClient

from finance.models import Statement
from django.urls import URLResolver, get_resolver

from orderhub.core.api import exception_handler
from orderhub.core.parsers import MultiPartParser as GuardedMultiPartParser
from orders.models import Order
from tests.factories import OrderFactory
from tests.orders.test_admin import contact_form

pytestmark = pytest.mark.django_db
STATEMENTS = "/api/finance/statements/"
NUL_MESSAGE = "Null characters are not allowed."


@pytest.fixture
def api(make_user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(make_user("manager", username="nul-manager"))
    return client


def _bill() -> SimpleUploadedFile:
    return SimpleUploadedFile("bill.csv", b"a,b\n1,2\n", content_type="text/csv")


@pytest.mark.parametrize("field, value", [
    ("channel", "tao\x00bao"), ("source", "wechat\x00pay"), ("dry_run", "true\x00"),
    ("extra\x00field", "x"),
])
def test_a_nul_in_a_statement_upload_field_is_a_400_and_nothing_is_stored(api, field, value):
    response = api.post(STATEMENTS, {"file": _bill(), field: value}, format="multipart")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {field.replace("\x00", "\\x00"): [NUL_MESSAGE]}
    assert NUL_MESSAGE in body["detail"] and "\x00" not in response.content.decode()
    assert Statement.objects.count() == 0


def test_a_nul_in_a_file_field_name_is_refused(api):
    response = api.post(STATEMENTS, {"fi\x00le": _bill(), "source": "generic"},
                        format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {"fi\\x00le": [NUL_MESSAGE]}
    assert Statement.objects.count() == 0


@pytest.mark.parametrize("url", [
    "/api/metrics/health/?channel=tao%00bao",  # answered 500 on PostgreSQL before the guard
    "/api/orders/?q=139%00",
    "/api/alerts/?order=JD%00",
])
def test_a_nul_in_a_query_string_is_a_400(api, url):
    response = api.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.json()["detail"]


def test_admin_search_with_a_nul_is_refused_and_a_form_says_which_field(client, make_user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(make_user("customer_service", username="nul-cs"))
    order = OrderFactory(receiver_name="张三")

    search = client.get("/admin/orders/order/?q=%E5%BC%A0%00")
    edit = client.post(f"/admin/orders/order/{order.pk}/change/",
                       contact_form(order, receiver_name="李\x00四"))

    assert search.status_code == 400 and "Nothing was saved" in search.content.decode()
    assert edit.status_code == 200
    assert edit.context["adminform"].form.errors["receiver_name"] == [NUL_MESSAGE]
    order.refresh_from_db()
    assert order.receiver_name == "张三"


def test_a_push_that_needs_its_raw_body_still_gets_it_from_a_multipart_form(api):
    # The courier push stores the body as received: the guard must not have parsed it first.
    response = api.post("/api/logistics/tracking/kuaidi100/", {"param": "{}", "sign": "x"},
                        format="multipart")
    assert response.status_code in (400, 403, 404), response.content


def test_every_api_view_that_takes_multipart_refuses_nul():
    views = [pattern.callback.cls for pattern in _api_patterns(get_resolver().url_patterns)
             if hasattr(pattern.callback, "cls")]
    assert len(views) > 20
    for view in views:
        for parser in view().get_parsers():
            if parser.media_type.startswith("multipart/"):
                assert isinstance(parser, GuardedMultiPartParser), view


def _api_patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif (prefix + str(pattern.pattern)).startswith("api/"):
            yield pattern


def test_a_malformed_multipart_body_is_left_to_the_view(api):
    # No boundary: Django cannot parse the form; the view answers its usual 400, not a 500.
    response = api.generic("POST", STATEMENTS, b"x", content_type="multipart/form-data")
    assert response.status_code == 400


def test_a_json_body_is_left_to_its_serializer(api):
    # JSON strings are checked by DRF's CharField; channel payloads keep a quoted NUL as U+FFFD.
    response = api.post("/api/webhooks/", {"url": "https://example.com/\x00", "events": []},
                        format="json")
    assert response.status_code == 400


def test_a_nul_that_reaches_postgresql_anyway_is_a_400_not_a_500():
    refused = DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    response = exception_handler(refused, {})
    assert response.status_code == 400
    assert response.data["code"] == "invalid" and NUL_MESSAGE in response.data["detail"]


def test_a_clean_request_passes(api):
    OrderFactory(receiver_phone="13900001111")
    response = api.get("/api/orders/?q=13900001111")
    assert response.status_code == 200 and Order.objects.count() == 1
