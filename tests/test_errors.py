"""The API's error contract: every error is JSON with a human message; bad input is never a 500."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled
from rest_framework.test import APIClient

from orderhub.core import api as core_api
from orderhub.core.errors import Conflict
from orders.api import views as order_views
from orders.state_machine import Status
from tests.factories import OrderFactory


@pytest.fixture
def client(make_user):
    user = make_user("manager")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


# --- through HTTP -------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/nothing-here/", "/api/orders/X/teleport/", "/api"])
def test_unknown_api_url_answers_404_json(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    assert "There is no API endpoint at" in response.json()["detail"]


@pytest.mark.django_db
def test_unknown_url_outside_the_api_stays_an_html_page():
    response = APIClient().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_malformed_json_answers_400_json_and_changes_nothing(client):
    # given a paid order
    order = OrderFactory(status=Status.PAID)
    # when a transition is posted with a broken JSON body
    response = client.post(
        f"/api/orders/{order.hub_no}/transitions/cancel/", data='{"reason": "oops',
        content_type="application/json",
    )
    # then the answer is a clear 400 and the order is untouched
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("Malformed request body: JSON parse error")
    order.refresh_from_db()
    assert order.status == Status.PAID


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", ["[1, 2]", '"cancel"', '{"reason": NaN}', '{"reason": {"a": 1}}', '{"reason": []}']
)
def test_wrong_json_shapes_answer_400_not_500(client, body):
    order = OrderFactory(status=Status.PAID)
    response = client.post(
        f"/api/orders/{order.hub_no}/transitions/cancel/", data=body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"]
    order.refresh_from_db()
    assert order.status == Status.PAID


@pytest.mark.django_db
def test_wrong_method_and_media_type_answer_json(client):
    order = OrderFactory()
    deleted = client.delete(f"/api/orders/{order.hub_no}/")
    assert deleted.status_code == 405
    assert deleted.json() == {
        "detail": 'Method "DELETE" not allowed.', "code": "method_not_allowed",
    }
    xml = client.post(
        f"/api/orders/{order.hub_no}/hold/", data="<reason/>", content_type="application/xml"
    )
    assert xml.status_code == 415
    assert xml.json()["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_unexpected_error_under_api_answers_500_json_without_traceback(client, monkeypatch):
    # given a bug deep inside the detail view
    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(order_views, "order_get", broken)
    client.raise_request_exception = False
    # when the order is read
    response = client.get("/api/orders/JD2026012800001/")
    # then the answer is a plain JSON 500 that reveals nothing
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_error_pages_outside_the_api_are_django_html():
    request = RequestFactory().get("/admin/whatever/")
    for response in (
        core_api.server_error(request),
        core_api.bad_request(request, Exception()),
        core_api.permission_denied(request, PermissionDenied()),
    ):
        assert response["Content-Type"].startswith("text/html")


def test_error_pages_under_the_api_are_json():
    request = RequestFactory().get("/api/orders/")
    assert core_api.bad_request(request, Exception()).status_code == 400
    denied = core_api.permission_denied(request, PermissionDenied())
    assert denied.status_code == 403
    assert denied["Content-Type"] == "application/json"


# --- the exception handler itself --------------------------------------------------------------
def test_domain_error_keeps_its_status_code_message_and_extra_fields():
    exc = Conflict("Order X cannot 'pay': it is 'paid'.", extra={"current_state": "paid"})
    response = core_api.exception_handler(exc, {})
    assert response.status_code == 409
    assert response.data == {
        "detail": "Order X cannot 'pay': it is 'paid'.", "code": "conflict",
        "current_state": "paid",
    }


def test_extra_fields_cannot_replace_the_message():
    exc = Conflict("the real message", extra={"detail": "spoofed", "code": "spoofed"})
    response = core_api.exception_handler(exc, {})
    assert response.data == {"detail": "the real message", "code": "conflict"}


def test_validation_errors_keep_field_errors_and_summarise_them():
    exc = serializers.ValidationError(
        {"reason": ["Too long."], "lines": [{}, {"quantity": ["Must be positive."]}],
         "non_field_errors": ["Paid before placed."]}
    )
    response = core_api.exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["errors"]["reason"] == ["Too long."]
    assert response.data["detail"] == (
        "Invalid input: reason: Too long.; lines[1].quantity: Must be positive.; "
        "Paid before placed."
    )


def test_plain_validation_error_lands_under_non_field_errors():
    response = core_api.exception_handler(serializers.ValidationError("Nope."), {})
    assert response.data["errors"] == {"non_field_errors": ["Nope."]}
    assert response.data["detail"] == "Invalid input: Nope."


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Http404("No Order matches the given query."), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
        (DjangoValidationError({"phone": ["Not a mainland mobile number."]}), 400, "invalid"),
    ],
)
def test_django_exceptions_become_json_errors(exc, status, code):
    response = core_api.exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["code"] == code
    assert response.data["detail"]


def test_throttled_keeps_its_retry_after_header():
    response = core_api.exception_handler(Throttled(wait=30), {})
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.data["code"] == "throttled"


def test_unexpected_exception_is_left_to_handler500():
    assert core_api.exception_handler(RuntimeError("bug"), {}) is None
