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
from hypothesis import HealthCheck, Phase, settings

from tests.api.conftest import CHECKS

pytestmark = pytest.mark.usefixtures("wsgi_keeps_connection")

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
schema = schemathesis.pytest.from_fixture("api_schema")  # tests/api/conftest.py


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_500_or_outside_its_schema(case, auth_header):
    case.call_and_validate(headers=auth_header, checks=CHECKS)
