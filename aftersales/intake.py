"""Platform after-sales payloads in: stored verbatim first, then read and applied.

The same terms as orders (``channels.services.deliveries``): a delivery is kept in its own
write before anything else, so that a failed one stays with its error; a body is all or
nothing; the same body delivered again to the same channel gets the first answer and changes
nothing; a case already known by its platform id is updated, never duplicated, never moved
back.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from orderhub.core.errors import DomainError
from orderhub.core.history import Actor
from orders.models import Channel

from aftersales.adapters import cases_read
from aftersales.models import CaseDelivery
from aftersales.services import CREATED, UNCHANGED, UPDATED, case_receive


def case_delivery_store(*, channel: Channel, body: bytes, source: str,
                        headers: Mapping[str, str] | None = None, remote_addr: str | None = None,
                        user=None) -> CaseDelivery:
    """Keep the delivery exactly as it came, before processing it."""
    return CaseDelivery.objects.create(
        channel=channel, source=source, body=body, body_sha256=hashlib.sha256(body).hexdigest(),
        headers=dict(headers or {}), remote_addr=remote_addr,
        received_by=user if getattr(user, "is_authenticated", False) else None,
    )


def _earlier_answer(delivery: CaseDelivery) -> dict[str, Any] | None:
    earlier = (CaseDelivery.objects.filter(
        channel_id=delivery.channel_id, body_sha256=delivery.body_sha256,
        status=CaseDelivery.Status.PROCESSED, pk__lt=delivery.pk).order_by("pk").first())
    return earlier.result if earlier is not None else None


def case_delivery_process(*, delivery: CaseDelivery, actor: Actor) -> dict[str, Any]:
    """Read and apply a stored delivery; the answer per case."""
    earlier = _earlier_answer(delivery)
    if earlier is not None:
        _finish(delivery, CaseDelivery.Status.PROCESSED, result=earlier)
        return earlier
    channel = delivery.channel
    try:
        inputs = cases_read(channel=channel, body=bytes(delivery.body))
        with transaction.atomic():
            answers = []
            for data in inputs:
                case, result = case_receive(channel=channel, data=data, actor=actor)
                answers.append({"id": case.pk, "case_no": case.case_no,
                                "channel_case_no": case.channel_case_no,
                                "hub_no": case.order.hub_no if case.order_id else None,
                                "result": result, "status": case.status})
    except DomainError as exc:
        _finish(delivery, CaseDelivery.Status.FAILED, error=exc.message,
                result={"detail": exc.message, **exc.extra})
        raise
    answer = {"channel": channel.code,
              **{kind: sum(1 for a in answers if a["result"] == kind)
                 for kind in (CREATED, UPDATED, UNCHANGED)},
              "cases": answers}
    _finish(delivery, CaseDelivery.Status.PROCESSED, result=answer)
    return answer


def _finish(delivery: CaseDelivery, status: str, *, result: dict | None = None,
            error: str = "") -> None:
    delivery.status = status
    delivery.result = result or {}
    delivery.error = error
    delivery.save(update_fields=["status", "result", "error"])
