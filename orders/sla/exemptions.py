"""Orders the hub's deadlines do not apply to: those the channel fulfils itself.

Amazon ships its AFN orders (Fulfilled by Amazon) from its own warehouses; the adapter tags them
``fulfilled_by_channel`` and logistics never routes them (``orders.selectors``). Nobody in the
hub can pick, pack or hand them over, so the hub's SLAs and its ship-by promise mean nothing
for them: such an order has no state due time and no ship-by (both ``NULL``), so the sweep's
range queries never find it, it is never overdue, its traffic light stays green, it is never
alerted and it is not due in the on-time ship rate.

Three places keep that true:

- when the tag is put on (``orders.channel_sync.order_tags_add``, in the delivery's
  transaction, right after the order was created or updated), :func:`orders_deadlines_exempt`
  clears both times and resolves any breach alert the order had;
- on every later move (``deadlines.order_deadlines_on_move`` and ``bulk_moves``),
  :func:`exempt_order_ids` says which orders keep no deadline. It queries the tags only for
  orders of a channel whose platform can fulfil orders itself (the cached
  ``DeadlineConfig.self_fulfilling_channels``), so that a Taobao order's move costs nothing
  more.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from orderhub.alerts.models import Alert
from orderhub.alerts.services import UNRESOLVED, alerts_resolve_many
from orderhub.core.history import system_user
from orders.models import Order, OrderTag
from orders.selectors import FULFILLED_BY_CHANNEL
from orders.sla.config import SHIP_BY_KIND, SLA_KIND, DeadlineConfig, deadline_config

EXEMPT_REASON = "fulfilled by the channel (Amazon AFN): the hub's deadlines do not apply"


def exempt_order_ids(*, channel_of: Mapping[int, int],
                     config: DeadlineConfig | None = None) -> set[int]:
    """Those of the orders (``{order id: channel id}``) that keep no deadline: no query unless
    one of them is on a channel that can fulfil orders itself."""
    channels = (config or deadline_config()).self_fulfilling_channels
    candidates = [order_id for order_id, channel_id in channel_of.items()
                  if channel_id in channels]
    if not candidates:
        return set()
    return set(OrderTag.objects.filter(order_id__in=candidates, tag=FULFILLED_BY_CHANNEL)
               .values_list("order_id", flat=True))


@transaction.atomic
def orders_deadlines_exempt(*, order_ids: Iterable[int]) -> int:
    """Take the deadlines off these orders (tagged ``fulfilled_by_channel``): no state due
    time, no ship-by, not stuck, their breach alerts resolved. Idempotent; returns how many
    orders changed."""
    ids = sorted(set(order_ids))
    if not ids:
        return 0
    orders = list(Order.objects.select_for_update()
                  .filter(pk__in=ids, tags__tag=FULFILLED_BY_CHANNEL).order_by("pk"))
    changed = [order for order in orders
               if order.state_due_at is not None or order.ship_by is not None or order.is_stuck]
    for order in changed:
        order.state_due_at = None
        order.ship_by = None
        order.is_stuck = False
        order._change_reason = EXEMPT_REASON
    if changed:
        bulk_update_with_history(changed, Order, ["state_due_at", "ship_by", "is_stuck"],
                                 batch_size=500, default_user=system_user(),
                                 default_change_reason=EXEMPT_REASON)
    open_breaches = Alert.objects.filter(order_id__in=[o.pk for o in orders],
                                         kind__in=(SLA_KIND, SHIP_BY_KIND),
                                         status__in=UNRESOLVED).values_list("pk", flat=True)
    alerts_resolve_many(resolutions={pk: EXEMPT_REASON for pk in open_breaches},
                        now=timezone.now())
    return len(changed)
