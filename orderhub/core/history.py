"""Who, when, from where and why, on every audited change.

Audited models declare ``HistoricalRecords(bases=[AuditedHistory])``. simple-history fills in
the user (from ``HistoryRequestMiddleware`` for admin and API requests, DRF token users
included, or from ``instance._history_user`` set by a service) and the reason
(``instance._change_reason``). This module adds the request's IP address and makes sure a change
with no user at all (a background task, a command, a signed webhook) is recorded as the system
user, never as nobody.
"""
from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


class AuditedHistory(models.Model):
    """Extra columns on every history table."""

    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        abstract = True


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; X-Forwarded-For is trusted only behind a configured proxy."""
    if getattr(settings, "ORDERHUB_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def ensure_system_user(user_model=None):
    """Create (or find) the inactive user that stands for the hub itself."""
    user_model = user_model or get_user_model()
    user, _created = user_model.objects.get_or_create(
        username=settings.ORDERHUB_SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "Order Hub", "last_name": "system"},
    )
    return user


@lru_cache(maxsize=1)
def system_user_id() -> int:
    """The id of the system user (tasks, commands, webhooks). Cached; the cache is cleared
    after migrate/flush (see ``apps.py``), the only times the row is re-created."""
    return ensure_system_user().pk


def system_user():
    return get_user_model().objects.get(pk=system_user_id())


def current_request() -> HttpRequest | None:
    return getattr(HistoricalRecords.context, "request", None)


@receiver(pre_create_historical_record)
def stamp_history(sender, history_instance, **kwargs) -> None:
    request = current_request()
    if request is not None and hasattr(history_instance, "ip_address"):
        history_instance.ip_address = client_ip(request)
    if getattr(history_instance, "history_user_id", None) is None:
        history_instance.history_user_id = system_user_id()


def history_note(instance: models.Model, *, actor, reason: str) -> None:
    """Who and why for the history row that ``instance``'s next save writes (a service sets it;
    no authenticated actor means the system user)."""
    instance._history_user = actor if getattr(actor, "is_authenticated", False) else None
    instance._change_reason = reason
