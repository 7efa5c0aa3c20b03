"""The seller's own channels: nothing to confirm.

The own WeChat mini-program and the offline stores (POS) have no platform between the seller
and the buyer: the hub's order is the order, and the buyer sees the parcel through the hub's
own tracking page (and, for the mini-program, through the seller's own back end, which reads
the hub). There is no platform API to call and no platform deadline to miss, so a write-back
for these channels is recorded as not needed.
"""
from __future__ import annotations

import datetime as dt

from channels.outbound.base import (
    ApiAccess,
    HttpRequest,
    OutboundAdapter,
    Outcome,
    Reason,
    Send,
    ShipConfirmation,
    refused,
)


class NoConfirmation(OutboundAdapter):
    needs_confirmation = False

    def __init__(self, platform: str) -> None:
        self.platform = platform

    def confirm(self, shipment: ShipConfirmation, *, access: ApiAccess, send: Send,
                now: dt.datetime) -> Outcome:
        return refused(Reason.NO_CONFIRMATION)

    def request(self, shipment, *, access, carrier_code, now) -> HttpRequest:
        raise NotImplementedError(f"{self.platform} takes no shipping confirmation")
