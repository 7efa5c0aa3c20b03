"""The API's own OpenAPI schema, loaded through the WSGI application in the test's database,
and a manager's token to call it with (schemathesis)."""
from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: What a response must pass: no 500, and its status, content type and body as documented.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(db, wsgi_keeps_connection):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture
def auth_header(make_user):
    user = make_user("manager", username="fuzz-manager")
    return {"Authorization": f"Token {Token.objects.create(user=user).key}",
            "Accept-Language": "en"}
