"""Schemathesis over the whole API (issue 13 item 8): every operation of /api/schema/ gets
generated requests, valid and invalid; none may answer 500 or anything the schema does not
describe (status code, content type, body).

Bounded for CI: a few examples per operation, derandomized (the same requests on every run),
no deadline (the machine is shared). Requests are made as a manager (every permission but the
superuser's), through the WSGI application in the test's own database.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.usefixtures("wsgi_keeps_connection")

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(db, wsgi_keeps_connection):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def auth_header(make_user):
    user = make_user("manager", username="fuzz-manager")
    return {"Authorization": f"Token {Token.objects.create(user=user).key}",
            "Accept-Language": "en"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_500_or_outside_its_schema(case, auth_header):
    case.call_and_validate(headers=auth_header, checks=CHECKS)
