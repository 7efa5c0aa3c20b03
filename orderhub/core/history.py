"""Who, when, from where and why, on every audited change.

Audited models declare ``HistoricalRecords(bases=[AuditedHistory])``. simple-history fills in
the user (from ``HistoryRequestMiddleware`` for admin and API requests, DRF token users
included, or from ``instance._history_user`` set by a service) and the reason
(``instance._change_reason``). This module adds the request's IP address and makes sure a change
with no user at all (a background task, a command, a signed webhook) is recorded as the system
user, never as nobody.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

#: Who does something: a staff user, or ``None`` for the hub itself (tasks, commands, webhooks).
Actor = AbstractBaseUser | AnonymousUser | None


class AuditedHistory(models.Model):
    """Extra columns on every history table."""

    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        abstract = True


def bulk_history(*, not_indexed: Sequence[str] = ()) -> HistoricalRecords:
    """History for the tables a peak day fills at thousands of rows a second (orders, their
    lines, customers).

    Their history rows are only ever read per object (``id``, the history date) or by user, so
    the indexes simple-history copies from the model's own looked-up columns (``not_indexed``:
    phone, payment serial, hub number, …) are left out, and the user column keeps its index
    but no database constraint: PostgreSQL would otherwise check the user row once per history
    row at commit, about as much work as writing the row. Django still applies the column's
    ``on_delete`` (SET_NULL) when a user is deleted, and every row is written by the hub with
    the acting user or the system user (:func:`system_user_id`).
    """
    return HistoricalRecords(bases=[AuditedHistory], user_db_constraint=False,
                             no_db_index=list(not_indexed))


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


# --- writing history: the one way, whichever path writes the rows ------------------------------
def history_user(actor: Actor):
    """The user a history row names: the actor, or the system user for the hub itself."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor
    # An unsaved stand-in with the cached id: naming the system user costs no query.
    return get_user_model()(pk=system_user_id(), username=settings.ORDERHUB_SYSTEM_USERNAME)


def request_ip() -> str | None:
    """The IP address of the request being served, if any (``None`` in tasks and commands)."""
    request = current_request()
    return client_ip(request) if request is not None else None


def audit(instance: models.Model, *, actor: Actor, reason: str) -> None:
    """Name who and why on the history row that ``instance.save()`` writes (the IP comes from
    the request through :func:`stamp_history`)."""
    instance._history_user = history_user(actor)
    instance._change_reason = reason


def audited_bulk_create(objs: Sequence[models.Model], model: type[models.Model], *,
                        actor: Actor, reason: str, batch_size: int = 1000) -> list:
    """``bulk_create`` with a history row each naming who, why and from where."""
    return bulk_create_with_history(
        objs, model, batch_size=batch_size, default_user=history_user(actor),
        default_change_reason=reason, custom_historical_attrs={"ip_address": request_ip()},
    )


def audited_bulk_update(objs: Sequence[models.Model], model: type[models.Model], *,
                        fields: Sequence[str], actor: Actor, reason: str,
                        batch_size: int = 500) -> int:
    """``bulk_update`` with a history row each naming who, why and from where (an object's own
    ``_change_reason`` wins over ``reason``). With no fields, only the history rows."""
    return bulk_update_with_history(
        objs, model, list(fields), batch_size=batch_size, default_user=history_user(actor),
        default_change_reason=reason, custom_historical_attrs={"ip_address": request_ip()},
    )


def history_row_constants(*, actor: Actor, reason: str, history_type: str,
                          date) -> dict[str, Any]:
    """The columns every history row of one set-based write shares (the COPY paths)."""
    return {"history_date": date, "history_change_reason": reason,
            "history_type": history_type, "history_user_id": history_user(actor).pk,
            "ip_address": request_ip()}
