"""Login attempts are throttled by django-axes: the admin's form and POST /api/auth/token/
(settings: AXES_FAILURE_LIMIT failures per user name and address, then a cool-off)."""
from __future__ import annotations

import pytest
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("axes_on")]


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def _token_login(client, username, password):
    return client.post("/api/auth/token/", {"username": username, "password": password},
                       format="json")


def test_the_token_login_answers_the_users_token(make_user):
    user = make_user("integrator", username="erp")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    response = _token_login(client, "erp", "pass-for-tests-1")

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


def test_the_token_login_locks_out_after_the_failure_limit(make_user):
    # Given a user and three wrong passwords from one address
    make_user("integrator", username="erp")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    answers = [_token_login(client, "erp", "wrong").status_code for _ in range(3)]

    # When the right password follows
    locked = _token_login(client, "erp", "pass-for-tests-1")

    # Then the failures were 401 and the lock-out holds even against the right password
    assert answers == [401, 401, 429]
    assert locked.status_code == 429
    assert not Token.objects.filter(user__username="erp").exists()


def test_the_admin_login_locks_out_after_the_failure_limit(make_user):
    make_user("manager", username="boss")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = {"username": "boss", "password": "wrong", "next": "/admin/"}
    statuses = [client.post("/admin/login/", form).status_code for _ in range(3)]

    locked = client.post("/admin/login/", {**form, "password": "pass-for-tests-1"})

    assert statuses[:2] == [200, 200]  # the form again, with its error
    assert statuses[2] == 429
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(make_user):
    make_user("integrator", username="erp")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    _token_login(client, "erp", "wrong")
    _token_login(client, "erp", "wrong")
    assert _token_login(client, "erp", "pass-for-tests-1").status_code == 200

    # two more failures are again below the limit
    assert [_token_login(client, "erp", "wrong").status_code for _ in range(2)] == [401, 401]
