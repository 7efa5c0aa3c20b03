"""Fixtures shared by every test package."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from simple_history.models import HistoricalRecords

from logistics.models import Warehouse
from orderhub.alerts.ladder import ladders_clear
from orderhub.webhooks.selectors import subscribed_kinds_clear
from orders.sla.config import deadline_config_clear
from tests.factories import UserFactory

ROLES = ["customer_service", "warehouse", "operations", "finance", "manager", "integrator"]


@pytest.fixture
def make_user(db):
    """``make_user("warehouse")``: a staff user in that role (the group's permissions)."""

    def make(role: str | None = None, **kwargs):
        user = UserFactory(role=role, **kwargs)
        # Permissions are cached on the instance; start clean.
        return type(user).objects.get(pk=user.pk)

    return make


@pytest.fixture
def login(client, make_user):
    """``login("warehouse")``: the test client, signed in as a new user of that role, asking for
    English pages (a language the test switches to, e.g. through ``/i18n/setlang/``, wins)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def sign_in(role: str):
        user = make_user(role)
        client.force_login(user)
        return user

    return sign_in


@pytest.fixture
def token_client(make_user):
    """``token_client("integrator")``: an API client with a token of a new user in that role,
    asking for English messages (whatever the default language, the admin's zh-hans)."""

    def client_for(role: str | None, **kwargs) -> APIClient:
        user = make_user(role, **kwargs)
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        client.user = user
        return client

    return client_for


@pytest.fixture
def fresh_rules():
    """The deadline rules and escalation ladders of the test's own database: both are cached
    per process, and a rolled-back test leaves its rows' snapshot behind."""
    deadline_config_clear()
    ladders_clear()
    yield
    deadline_config_clear()
    ladders_clear()


@pytest.fixture
def manager(make_user):
    return make_user("manager", username="manager")


@pytest.fixture
def as_request():
    """Run code as inside a request from ``ip`` by ``user`` (what HistoryRequestMiddleware sets)."""

    @contextlib.contextmanager
    def context(user, ip="203.0.113.7"):
        request = RequestFactory().post("/", REMOTE_ADDR=ip)
        request.user = user
        HistoricalRecords.context.request = request
        try:
            yield request
        finally:
            del HistoricalRecords.context.request

    return context


def run_together(work: Callable[[], object], *, threads: int = 4,
                 timeout: float = 120) -> list[str]:
    """Run ``work`` in ``threads`` threads released at the same instant (PostgreSQL
    concurrency tests); each gives its connection back so that the flush can run. Returns
    what any of them raised."""
    errors: list[str] = []
    barrier = threading.Barrier(threads)

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except Exception as problem:  # noqa: BLE001 - the caller asserts there is none
            errors.append(repr(problem))
        finally:
            connection.close()

    started = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=timeout)
    return errors


@pytest.fixture
def a_warehouse(db):
    """An active warehouse. Transactional tests run on a flushed database (the migration's
    warehouses are gone); without one, a paid order's decision holds it ("no active warehouse
    can ship it"), which adds to the history that such tests look at."""
    return Warehouse.objects.create(code="TW", name="Test warehouse", priority=1)


def requires_postgres(why: str = "row locks"):
    """The ``postgres`` marker (pytest.ini) with why the test needs PostgreSQL; such tests are
    skipped on another database (``pytest_collection_modifyitems`` below), and
    ``pytest -m postgres`` runs just them."""
    return pytest.mark.postgres(why)


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker is not None:
            why = marker.args[0] if marker.args else "row locks"
            item.add_marker(pytest.mark.skip(reason=f"needs PostgreSQL ({why})"))


@pytest.fixture(autouse=True)
def _default_language_restored():
    """A request through Django's handler activates the language it asked for (zh-hans for the
    admin's Chinese pages) in the thread and leaves it active; the next test would then read
    Chinese where it expects English. After each test no language is active, so the next reads
    the settings' ``LANGUAGE_CODE`` (whatever that test sets it to)."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _webhook_subscriptions_forgotten():
    """The set of subscribed event types is cached per process; a test's subscriptions roll
    back with it, so no test sees another's."""
    subscribed_kinds_clear()
    yield
    subscribed_kinds_clear()


@pytest.fixture
def wsgi_keeps_connection():
    """A raw ``WSGIHandler`` closes the database connection at each request's start and end,
    as a server must; inside a test's transaction (PostgreSQL) the next query would then need a
    new connection. Django's test client disconnects the same signal handler; so do these tests."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
