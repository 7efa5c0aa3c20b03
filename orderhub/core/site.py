"""The hub's own absolute address, for the links that leave it: the buyer's tracking link and
its QR code, the order objects of webhook deliveries, links in alert messages, the address
couriers push traces to.

``ORDERHUB_BASE_URL`` (e.g. ``https://hub.example.com``) is the address buyers, integrators and
couriers reach from outside, and wins wherever it is set. Unset, a link is made under the host
of the request that asks for it (the API, the admin), and where there is none (a webhook
delivery, an alert, a task) under :data:`DEFAULT_BASE_URL`, the address ``make demo`` serves:
a link is always absolute. With ``DEBUG`` off that fallback is wrong for everyone outside, so
the deployment checks (``manage.py check --deploy``) warn (``orderhub.W001``) while the setting
is missing.
"""
from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.http import HttpRequest

DEFAULT_BASE_URL = "http://localhost:8000"


def site_url(path: str, request: HttpRequest | None = None) -> str:
    """``path`` (from ``reverse``) as an absolute link: under ``ORDERHUB_BASE_URL``, else the
    asking request's host, else :data:`DEFAULT_BASE_URL`."""
    base = settings.ORDERHUB_BASE_URL.rstrip("/")
    if not base and request is not None:
        return request.build_absolute_uri(path)
    return f"{base or DEFAULT_BASE_URL}{path}"


@checks.register(checks.Tags.security, deploy=True)
def base_url_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn in production (``DEBUG`` off) while ``ORDERHUB_BASE_URL`` is unset: a deployment
    check (``manage.py check --deploy``, as Django's own production warnings are), so that
    every other command on a developer's machine stays quiet."""
    if settings.DEBUG or settings.ORDERHUB_BASE_URL.strip():
        return []
    return [checks.Warning(
        "ORDERHUB_BASE_URL is not set: links made without a request (the buyer's tracking "
        f"link in webhook deliveries, links in alerts, the courier push address) point at "
        f"{DEFAULT_BASE_URL}.",
        hint="Set ORDERHUB_BASE_URL to the address buyers, integrators and couriers reach the "
             "hub at, e.g. https://hub.example.com.",
        id="orderhub.W001",
    )]
