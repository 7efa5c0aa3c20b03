"""Deliveries: store every one verbatim before processing, process, reprocess.

A delivery is stored in its own (auto-committed) write before anything else happens, so that a
delivery whose processing fails is kept, with its error, for the admin's reprocess action and
``manage.py reprocess_events``. A batch is written in one transaction: all or nothing.
The same body delivered again to the same channel is answered with the first answer and
changes nothing (idempotent re-delivery, e.g. a webhook retried after a timeout).
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from orderhub.core.bulk import binary_write, copy_supported
from orderhub.core.errors import Conflict, DomainError, PermissionRefused
from orders.models import Channel
from orders.services import Actor

from channels.adapters import adapter_for
from channels.models import Delivery, RefusedDelivery
from channels.selectors import delivery_earlier_answer
from channels.services.ingest import CREATED, DROPPED, UPDATED, orders_ingest
from channels.services.parts import WAITING

logger = logging.getLogger(__name__)

REPROCESS_PERMISSION = "channels.reprocess_delivery"
# Credentials are never stored with a delivery, whatever else the headers say.
_SECRET_HEADERS = {"Authorization", "Cookie", "Proxy-Authorization"}
_EXCERPT = 4096
# A refused push is kept as a bounded record: these headers only (what tells why the
# signature failed and who sent it), each value cut, whatever else a caller sends.
_REFUSED_HEADERS = ("Content-Type", "Content-Length", "User-Agent", "X-Hub-Timestamp",
                    "X-Hub-Signature", "X-Shopify-Hmac-Sha256", "X-Shopify-Topic",
                    "X-Shopify-Shop-Domain")
_REFUSED_HEADER_MAX = 256


def storable_text(text: str) -> str:
    """Text PostgreSQL can store: NUL is refused in text and jsonb columns."""
    return text.replace("\x00", "\ufffd")


def headers_from_meta(meta: Mapping[str, Any]) -> dict[str, str]:
    """The request headers as sent (``X-Hub-Signature``), credentials redacted."""
    headers = {}
    for key, value in meta.items():
        if key.startswith("HTTP_"):
            name = "-".join(part.capitalize() for part in key[5:].split("_"))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = "-".join(part.capitalize() for part in key.split("_"))
        else:
            continue
        headers[name] = "[redacted]" if name in _SECRET_HEADERS else storable_text(str(value))
    return headers


def delivery_store(
    *, channel: Channel, body: bytes, source: str, headers: Mapping[str, str] | None = None,
    content_type: str = "", filename: str = "", remote_addr: str | None = None,
    user=None,
) -> Delivery:
    """Keep the delivery exactly as it came, before processing it."""
    with transaction.atomic():
        delivery = Delivery.objects.create(
            channel=channel, source=source, body=b"" if copy_supported() else body,
            body_sha256=hashlib.sha256(body).hexdigest(), headers=dict(headers or {}),
            content_type=content_type[:100], filename=filename[:255], remote_addr=remote_addr,
            received_by=user if getattr(user, "is_authenticated", False) else None,
        )
        if copy_supported():  # a page of a thousand orders is a megabyte: sent as bytes
            binary_write(delivery, "body", body)
    delivery.body = body
    return delivery


def delivery_refuse(
    *, channel_code: str, reason: str, headers: Mapping[str, str], body: bytes,
    remote_addr: str | None = None,
) -> RefusedDelivery:
    """Record a push whose signature was refused, bounded (a few headers, cut; the first
    4 KB of the body); it is never processed."""
    kept = {name: storable_text(headers[name][:_REFUSED_HEADER_MAX])
            for name in _REFUSED_HEADERS if name in headers}
    return RefusedDelivery.objects.create(
        channel_code=storable_text(channel_code[:32]), reason=storable_text(reason[:255]),
        headers=kept, body_excerpt=storable_text(body[:_EXCERPT].decode("utf-8", "replace")),
        body_size=len(body), remote_addr=remote_addr,
    )


def _summary(channel: Channel, answers: list[dict]) -> dict[str, Any]:
    counts = {kind: sum(1 for a in answers if a["result"] == kind)
              for kind in (CREATED, UPDATED, DROPPED, WAITING)}
    return {"channel": channel.code, **counts, "orders": answers}


def delivery_process(
    *, delivery: Delivery, actor: Actor, force: bool = False, dry_run: bool = False,
) -> dict[str, Any]:
    """Process a stored delivery; the answer per order, or the domain error that failed it.

    ``dry_run`` runs everything and rolls it back (the admin's preview); ``force`` re-applies
    orders even when their payload is unchanged (a reprocess after a mapping fix).
    """
    if not (force or dry_run):
        earlier = delivery_earlier_answer(delivery=delivery)
        if earlier is not None:
            _finish(delivery, status=Delivery.Status.PROCESSED, result=earlier.result,
                    count=earlier.order_count, replay_of=earlier)
            return earlier.result
    channel = delivery.channel
    delivery.attempts += 1
    try:
        if not channel.is_active:
            raise Conflict(f"Channel {channel.code} is not active; activate it, then "
                           f"reprocess the delivery.")
        adapter = adapter_for(channel)
        raws = adapter.read(body=delivery.body_bytes, content_type=delivery.content_type,
                            filename=delivery.filename)
        # Its own transactions: hub numbers first (briefly), then the batch (ingest's doc).
        answers = orders_ingest(channel=channel, adapter=adapter, raws=raws, actor=actor,
                                delivery=delivery, force=force, dry_run=dry_run)
        result = _summary(channel, answers)
    except DomainError as exc:
        _finish(delivery, status=Delivery.Status.FAILED, error=exc.message,
                result={"detail": exc.message, **exc.extra})
        raise
    except Exception as exc:
        logger.exception("Delivery #%s failed unexpectedly", delivery.pk)
        _finish(delivery, status=Delivery.Status.FAILED,
                error=f"Internal error ({type(exc).__name__}): {exc}")
        raise
    _finish(delivery, status=(Delivery.Status.PREVIEWED if dry_run else
                              Delivery.Status.PROCESSED), result=result, count=len(answers))
    return result


def _finish(delivery: Delivery, *, status: str, result: dict | None = None, error: str = "",
            count: int = 0, replay_of: Delivery | None = None) -> None:
    delivery.status = status
    # A payload's words quoted in the answer may hold a NUL (JSON's "\u0000"), which no
    # PostgreSQL text or jsonb value can store.
    delivery.error = error.replace("\x00", "\ufffd")
    delivery.result = json.loads(json.dumps(result or {}).replace("\\u0000", "\\ufffd"))
    delivery.order_count = count
    delivery.replay_of = replay_of
    delivery.processed_at = timezone.now()
    delivery.save(update_fields=["status", "error", "result", "order_count", "replay_of",
                                 "processed_at", "attempts"])


def delivery_reprocess(*, delivery: Delivery, actor: Actor) -> dict[str, Any]:
    """Run a stored delivery again (after a mapping fix), re-applying every order in it."""
    if actor is not None and not actor.has_perm(REPROCESS_PERMISSION):
        raise PermissionRefused(
            f"Your role may not reprocess deliveries (needs permission '{REPROCESS_PERMISSION}')."
        )
    if delivery.replay_of_id is not None:
        raise Conflict(f"Delivery #{delivery.pk} repeated delivery #{delivery.replay_of_id}; "
                       f"reprocess that one.")
    return delivery_process(delivery=delivery, actor=actor, force=True)


def deliveries_reprocess(*, deliveries: Iterable[Delivery], actor: Actor) -> tuple[int, list[str]]:
    """Reprocess several deliveries, each on its own; (how many succeeded, the failures)."""
    done, failures = 0, []
    for delivery in deliveries:
        try:
            delivery_reprocess(delivery=delivery, actor=actor)
        except DomainError as exc:
            failures.append(f"#{delivery.pk}: {exc.message}")
        else:
            done += 1
    return done, failures
