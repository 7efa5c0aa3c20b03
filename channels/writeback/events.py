"""What the write-back tells integrators: the kinds of event it records, and their payloads.

Recorded in the transaction that settles the write-back (``services``); the webhooks deliver
them to integrators who subscribed to the kind. Payloads are plain JSON values.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from orderhub.events.services import event_record

if TYPE_CHECKING:
    from channels.writeback.models import WriteBack

#: ``{"writeback_id", "channel", "channel_order_no", "carrier", "tracking_no", "shipment_ref",
#: "attempts"}``: the channel accepted the shipment.
WRITEBACK_CONFIRMED = "writeback.confirmed"
#: the same and ``"reason"``, ``"platform_code"``, ``"platform_message"``: the write-back gave
#: up (a refusal, or too many failed attempts); staff may retry it.
WRITEBACK_FAILED = "writeback.failed"


def writeback_event_record(kind: str, *, writeback: "WriteBack", channel_order_no: str) -> None:
    """Record ``kind`` about ``writeback`` in the current transaction."""
    payload = {
        "writeback_id": writeback.pk, "channel": writeback.channel.code,
        "channel_order_no": channel_order_no, "carrier": writeback.carrier,
        "tracking_no": writeback.tracking_no, "shipment_ref": writeback.shipment_ref,
        "attempts": writeback.attempts,
    }
    if kind == WRITEBACK_FAILED:
        payload |= {"reason": writeback.reason, "platform_code": writeback.platform_code,
                    "platform_message": writeback.platform_message}
    event_record(kind, order_id=writeback.order_id, payload=payload)
