"""Writes of the webhooks app: subscribing, unsubscribing, and what staff do in the admin.

The API and the admin call these; each checks the actor's permission (``actor=None`` is the
hub itself). A URL is checked (``orderhub.webhooks.addresses``) before any transaction opens,
since resolving its host is a network call.
"""
from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orderhub.core.errors import PermissionRefused, ValidationFailed
from orderhub.core.tasks import on_commit_once
from orderhub.webhooks import texts
from orderhub.webhooks.addresses import url_target
from orderhub.webhooks.fanout import delivery_body
from orderhub.webhooks.models import Delivery, DeliveryAttempt, Subscription
from orderhub.webhooks.registry import PING, PUBLIC_EVENT_TYPES
from orderhub.webhooks.sender import kinds_changed, queue_send, subscription_switch_off

SUBSCRIBE_PERMISSION = "webhooks.add_subscription"
MANAGE_PERMISSION = "webhooks.change_subscription"
DELETE_PERMISSION = "webhooks.delete_subscription"
RETRY_PERMISSION = "webhooks.change_delivery"
MAX_SUBSCRIPTIONS_PER_OWNER = 20
SECRET_MIN_LENGTH = 16
SECRET_MAX_LENGTH = 200
Status = Delivery.DeliveryStatus


def _check(actor, permission: str, message: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionRefused(message % {"permission": permission})


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, extra={"errors": {field: [message]}})


def event_types_clean(events: Iterable[str]) -> list[str]:
    """The subscribed types, without repeats, in the contract's order; refuses unknown ones."""
    given = list(dict.fromkeys(str(kind).strip() for kind in events))
    unknown = [kind for kind in given if kind not in PUBLIC_EVENT_TYPES]
    if unknown or not given:
        raise _field_error("events", _(
            "Unknown event types: %(unknown)s. Subscribe to one or more of: %(valid)s."
        ) % {"unknown": ", ".join(unknown) or "—", "valid": ", ".join(PUBLIC_EVENT_TYPES)})
    return [kind for kind in PUBLIC_EVENT_TYPES if kind in given]


def secret_clean(secret: str | None) -> str:
    """The secret given (at least 16 characters), or a new random one."""
    if secret is None or secret == "":
        return secrets.token_urlsafe(32)
    if len(secret) < SECRET_MIN_LENGTH or len(secret) > SECRET_MAX_LENGTH \
            or secret != secret.strip():
        raise _field_error("secret", _(
            "A secret has %(min)d to %(max)d characters and no spaces around it; leave it "
            "out to have one made for you."
        ) % {"min": SECRET_MIN_LENGTH, "max": SECRET_MAX_LENGTH})
    return secret


def subscription_create(*, owner, url: str, events: Sequence[str], secret: str | None = None,
                        actor) -> tuple[Subscription, str]:
    """Subscribe the owner's URL to event types; returns the subscription and its secret (the
    only time the secret is handed out)."""
    _check(actor, SUBSCRIBE_PERMISSION,
           _("Your role may not subscribe to webhooks (needs permission '%(permission)s')."))
    url = url.strip()
    url_target(url)  # resolves the host: before the transaction
    kinds = event_types_clean(events)
    secret = secret_clean(secret)
    with transaction.atomic():
        if Subscription.objects.filter(owner=owner).count() >= MAX_SUBSCRIPTIONS_PER_OWNER:
            raise ValidationFailed(_(
                "%(user)s has %(count)d webhook subscriptions already, the most one user may "
                "have; delete one first."
            ) % {"user": owner.get_username(), "count": MAX_SUBSCRIPTIONS_PER_OWNER})
        subscription = Subscription.objects.create(owner=owner, url=url, secret=secret,
                                                   events=kinds)
        kinds_changed()
    return subscription, secret


def subscription_update(*, subscription: Subscription, url: str, events: Sequence[str],
                        secret: str | None = None, actor) -> Subscription:
    """Change where and what a subscription receives (staff, in the admin); an empty
    ``secret`` keeps the current one."""
    _check(actor, MANAGE_PERMISSION,
           _("Your role may not change webhook subscriptions (needs permission "
             "'%(permission)s')."))
    url = url.strip()
    if url != subscription.url:
        url_target(url)
    kinds = event_types_clean(events)
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        locked.url, locked.events = url, kinds
        if secret:
            locked.secret = secret_clean(secret)
        locked.save(update_fields=["url", "events", "secret", "updated_at"])
        kinds_changed()
    return locked


@transaction.atomic
def subscription_delete(*, subscription: Subscription, actor) -> None:
    """Unsubscribe: the subscription goes, with its deliveries and their attempts. Owners
    remove their own; staff with the delete permission anyone's."""
    if actor is not None and actor.pk != subscription.owner_id:
        _check(actor, DELETE_PERMISSION,
               _("Your role may not delete other users' webhook subscriptions (needs "
                 "permission '%(permission)s')."))
    _deliveries_delete(Delivery.objects.filter(subscription=subscription))
    subscription.delete()
    kinds_changed()


@transaction.atomic
def subscription_enable(*, subscription: Subscription, actor) -> bool:
    """Switch a subscription on again (staff, once the receiver works): new events are
    delivered, and what it was owed goes out now, in order. Returns whether it was off."""
    _check(actor, MANAGE_PERMISSION,
           _("Your role may not change webhook subscriptions (needs permission "
             "'%(permission)s')."))
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if locked.is_active:
        return False
    locked.is_active, locked.disabled_reason, locked.disabled_at = True, "", None
    locked.consecutive_failures, locked.failing_since = 0, None
    locked.save(update_fields=["is_active", "disabled_reason", "disabled_at",
                               "consecutive_failures", "failing_since", "updated_at"])
    if Delivery.objects.filter(subscription=locked, status=Status.PENDING).update(
            next_attempt_at=timezone.now()):
        on_commit_once(queue_send)
    kinds_changed()
    return True


@transaction.atomic
def subscription_disable(*, subscription: Subscription, reason: str, actor) -> bool:
    """Switch a subscription off by hand; returns whether it was on."""
    _check(actor, MANAGE_PERMISSION,
           _("Your role may not change webhook subscriptions (needs permission "
             "'%(permission)s')."))
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if not locked.is_active:
        return False
    who = actor.get_username() if actor is not None else texts.THE_HUB.encode()
    subscription_switch_off(subscription=locked, now=timezone.now(),
                            reason=texts.SWITCHED_OFF_BY.encode(who=who,
                                                                reason=reason.strip() or "—"))
    return True


@transaction.atomic
def subscription_ping(*, subscription: Subscription, actor) -> Delivery:
    """Queue a test delivery (type ``ping``, tried once, also to a switched-off endpoint):
    staff see in its attempt what the receiver answers."""
    _check(actor, MANAGE_PERMISSION,
           _("Your role may not change webhook subscriptions (needs permission "
             "'%(permission)s')."))
    now = timezone.now()
    delivery = Delivery.objects.create(
        subscription=subscription, event_type=PING, created_at=now, next_attempt_at=now,
        body=delivery_body(event_id=f"ping_{uuid.uuid4().hex}", event_type=PING,
                           occurred_at=now, object_type=None, obj=None,
                           details={"subscription": subscription.pk,
                                    "message": "A test delivery from Order Hub."}),
    )
    on_commit_once(queue_send)
    return delivery


@transaction.atomic
def deliveries_retry(*, delivery_ids: Sequence[int], actor) -> int:
    """Try given-up deliveries once more, now (staff); returns how many. One that fails
    again gives up again; later deliveries of its order do not wait for it."""
    _check(actor, RETRY_PERMISSION,
           _("Your role may not retry webhook deliveries (needs permission '%(permission)s')."))
    retried = Delivery.objects.filter(pk__in=list(delivery_ids), status=Status.FAILED).update(
        status=Status.PENDING, next_attempt_at=timezone.now())
    if retried:
        on_commit_once(queue_send)
    return retried


def deliveries_purge(*, keep_days: int | None = None, batch: int = 5000) -> int:
    """Delete sent and given-up deliveries (with their attempts) older than ``keep_days``
    (``ORDERHUB_WEBHOOKS_KEEP_DAYS``, 14); returns how many."""
    keep_days = keep_days if keep_days is not None else int(
        getattr(settings, "ORDERHUB_WEBHOOKS_KEEP_DAYS", 14))
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    return _deliveries_delete(
        Delivery.objects.filter(created_at__lt=cutoff).exclude(status=Status.PENDING),
        batch=batch)


def _deliveries_delete(deliveries: QuerySet[Delivery], *, batch: int = 5000) -> int:
    """Delete these deliveries with their attempts, a batch at a time, never loading their
    bodies; returns how many."""
    deleted = 0
    while ids := list(deliveries.order_by("id").values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            DeliveryAttempt.objects.filter(delivery_id__in=ids).delete()
            Delivery.objects.filter(pk__in=ids).only("pk").delete()
        deleted += len(ids)
    return deleted
