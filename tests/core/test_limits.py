"""Bodies refused on their headers, before anything reads them (orderhub/core/limits.py):
too large (413, signed or not, upload or not), an upload from a caller who is not logged in
(401/403), a Content-Length that is not a number (400). Each request goes through the whole
WSGI stack with a body stream that fails the test if it is read."""
from __future__ import annotations

import json

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.usefixtures("wsgi_keeps_connection")


class ExplodingStream:
    """A request body that must not be read."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def _call(path: str, *, content_type: str, length: str, **headers: str) -> tuple[int, bytes]:
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": ExplodingStream(),
        "wsgi.errors": None, "CONTENT_TYPE": content_type, "CONTENT_LENGTH": length,
        "REMOTE_ADDR": "198.51.100.4", "HTTP_ACCEPT_LANGUAGE": "en",
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    status = {}

    def start_response(line, response_headers, exc_info=None):
        status["code"] = int(line.split()[0])

    body = b"".join(WSGIHandler()(environ, start_response))
    return status["code"], body


UPLOADS = ["/api/finance/statements/", "/api/logistics/stock/import/",
           "/api/channels/pos/orders/", "/admin/channels/delivery/upload/",
           "/admin/finance/statement/upload/", "/admin/logistics/stocklevel/import/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", UPLOADS)
def test_an_upload_from_a_caller_not_logged_in_is_refused_unread(path):
    # Given a 1 MB multipart upload and no session or token
    # When it arrives
    status, body = _call(path, content_type="multipart/form-data; boundary=x",
                         length=str(1024 * 1024))

    # Then it is refused without reading a byte
    assert status == (401 if path.startswith("/api/") else 403)
    assert b"Log in" in body


@pytest.mark.django_db
def test_a_wrong_token_is_no_authentication(make_user):
    Token.objects.create(user=make_user("finance"))
    status, body = _call("/api/finance/statements/", content_type="multipart/form-data; b=x",
                         length="2048", AUTHORIZATION="Token " + "0" * 40)
    assert status == 401
    assert json.loads(body)["code"] == "not_authenticated"


@pytest.mark.django_db
@override_settings(ORDERHUB_UPLOAD_MAX_BYTES=1000)
def test_an_upload_over_the_limit_is_413_even_with_a_valid_token(make_user):
    token = Token.objects.create(user=make_user("finance"))
    status, body = _call("/api/finance/statements/", content_type="multipart/form-data; b=x",
                         length="1001", AUTHORIZATION=f"Token {token.key}")
    assert status == 413
    assert json.loads(body) == {
        "detail": "The body is 1001 bytes; at most 1000 are accepted. Send smaller files or "
                  "batches.", "code": "too_large"}


@pytest.mark.django_db
@override_settings(ORDERHUB_MAX_BODY_BYTES=5000)
@pytest.mark.parametrize("headers", [{}, {"X_HUB_SIGNATURE": "ab" * 32, "X_HUB_TIMESTAMP": "1"}],
                         ids=["unsigned", "signed"])
def test_a_body_over_the_limit_is_413_signed_or_not(headers):
    status, body = _call("/api/channels/jd/orders/", content_type="application/json",
                         length="5001", **headers)
    assert status == 413
    assert json.loads(body)["code"] == "too_large"


@pytest.mark.django_db
def test_a_content_length_that_is_no_number_is_400():
    status, body = _call("/api/channels/jd/orders/", content_type="application/json",
                         length="12abc")
    assert status == 400
    assert json.loads(body)["code"] == "invalid"


@pytest.mark.django_db
def test_a_logged_in_upload_under_the_limit_reaches_the_view(make_user):
    # Given a valid token and a small upload without its file
    token = Token.objects.create(user=make_user("finance"))
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # When it is posted
    response = client.post("/api/finance/statements/", {"source": "generic"}, format="multipart")

    # Then the view reads it and names the missing file
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
