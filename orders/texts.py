"""The texts the orders app stores for people (history notes, hold reasons, alert titles): codes
with parameters, rendered in the reader's language (``orderhub.core.texts``)."""
from django.utils.translation import gettext_lazy as _

from orderhub.core.texts import define
from orders.state_machine import MOVES

# One history note per move, when the mover gives no reason: the move's own label.
MOVE_NOTES = {move.name: define(f"orders.move.{move.name}", move.label) for move in MOVES}

HOLD = define("orders.history.hold", _("hold: %(reason)s"))
RELEASE = define("orders.history.release", _("release: %(reason)s"))
PRIORITY = define("orders.history.priority", _("priority %(priority)s: %(reason)s"))
ADDRESS_CHANGED = define("orders.history.address_changed", _("address changed: %(reason)s"))
ADDRESS_CHANGED_HELD = define("orders.history.address_changed_held",
                              _("address changed: %(reason)s; held: picking had started"))
EDITED = define("orders.history.edited", _("edited: %(fields)s: %(reason)s"))
REFUND_REQUESTED = define("orders.history.refund_requested", _("refund requested: %(reason)s"))
GIFT_SCANNED = define("orders.history.gift_scanned", _("gift scanned: %(code)s"))
MAIN_CANCELLED = define("orders.history.main_cancelled", _("main order cancelled"))
MAIN_REFUNDED = define("orders.history.main_refunded", _("main order refunded"))
EDITED_IN_ADMIN = define("orders.history.edited_in_admin", _("edited in the admin"))

ADDRESS_CHANGED_TITLE = define(
    "orders.alert.address_changed",
    _("Order %(hub_no)s: address changed after picking started (held)"))
ADDRESS_CHANGED_MESSAGE = define(
    "orders.alert.address_changed_message",
    _("New address: %(address)s. Reason: %(reason)s. Relabel the parcel, then release the "
      "hold."))
REFUND_TITLE = define("orders.alert.refund_requested",
                      _("Order %(hub_no)s: refund requested, stop packing (held)"))
REFUND_MESSAGE = define("orders.alert.refund_requested_message",
                        _("The buyer asked for a refund (%(reason)s); the order is held."))
SHIPPED_LATE_TITLE = define("orders.alert.shipped_late",
                            _("%(hub_no)s: shipped after its promised ship-by time"))
STEP_LATE_TITLE = define("orders.alert.step_late", _("%(hub_no)s: %(status)s took %(taken)s"))
STEP_LATE_MESSAGE = define(
    "orders.alert.step_late_message",
    _("Order %(hub_no)s stayed in %(status)s from %(entered)s to %(left)s, past its due time "
      "%(due)s; it moved on before a sweep saw the breach."))
SHIPPED_LATE_MESSAGE = define(
    "orders.alert.shipped_late_message",
    _("Order %(hub_no)s was promised to ship by %(ship_by)s and left the warehouse at %(left)s; "
      "it moved on before a sweep saw the breach."))
SHIPPED_LATE_RESOLUTION = define("orders.alert.shipped_late_resolution",
                                 _("shipped late, before a sweep"))
SLA_TITLE = define("orders.alert.sla", _("%(hub_no)s: %(status)s over its SLA (%(minutes)s min)"))
SLA_MESSAGE = define(
    "orders.alert.sla_message",
    _("Order %(hub_no)s has been in %(status)s since %(entered)s; it was due by %(due)s "
      "(%(late)s min late).%(held)s"))
SHIP_BY_TITLE = define("orders.alert.ship_by",
                       _("%(hub_no)s: not shipped by the promised %(due)s"))
SHIP_BY_MESSAGE = define(
    "orders.alert.ship_by_message",
    _("Order %(hub_no)s was promised to ship by %(due)s and is still %(status)s (%(late)s min "
      "late).%(held)s"))
HELD_NOTE = define("orders.alert.held_note", _(" It is on hold: %(holds)s."))
HOLD_LINE = define("orders.hold.line", _("%(source)s: %(reason)s"))
DEADLINE_SWEEP = define("orders.history.deadline_sweep", _("deadline sweep: %(title)s"))
DURATION_MINUTES = define("orders.duration.minutes", _("%(minutes)s min"))
DURATION_HOURS = define("orders.duration.hours", _("%(hours)s h %(minutes)s min"))
CUSTOMER_MERGE = define("orders.history.customer_merge", _("customer merge: %(reason)s"))
CUSTOMER_UNMERGE = define("orders.history.customer_unmerge",
                          _("customer merge undone: %(reason)s"))
MERGED_INTO = define("orders.customer.merged_into",
                     _("Merged into customer #%(customer)s: %(reason)s"))
UNMERGED = define("orders.customer.unmerged",
                  _("Merge into customer #%(customer)s undone: %(reason)s"))
CHANNEL_FIELDS = define("orders.history.channel_fields", _("%(source)s: %(fields)s"))
CHANNEL_CANCELLED_LATE = define(
    "orders.hold.channel_cancelled_late",
    _("%(source)s: the channel cancelled the order after the warehouse took it"))
CHANNEL_REFUNDED_LATE = define(
    "orders.hold.channel_refunded_late",
    _("%(source)s: the channel refunded the order after the warehouse took it"))
CHANNEL_AWAITS_REVIEW = define("orders.channel.awaiting_review",
                               _("the reviewer decides before it moves on"))
CHANNEL_BLOCKED = define("orders.channel.on_hold", _("on hold: %(holds)s"))
CHANGED_IN_ADMIN = define("orders.history.changed_in_admin", _("changed in the admin"))
DELETED_IN_ADMIN = define("orders.history.deleted_in_admin", _("deleted in the admin"))
SLA_POLICY_CHANGED = define("orders.history.sla_policy_changed",
                            _("SLA policy for '%(step)s' changed: new due time"))
MOVED_ON_LATE = define("orders.alert.moved_on_late", _("moved on late, before a sweep"))

# What the demo commands write (``seed_demo``), found again by ``--reset``.
DEMO_ORDER = define("orders.demo.order", _("demo data: order received from the channel"))
DEMO_CUSTOMER = define("orders.demo.customer", _("demo data: customer"))
