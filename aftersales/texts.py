"""The texts after-sales stores for people (alerts, history notes): codes with parameters,
rendered in the reader's language (``orderhub.core.texts``)."""
from django.utils.translation import gettext_lazy as _

from aftersales.state_machine import CASE_MOVES
from orderhub.core.texts import define

OVERDUE_TITLE = define("aftersales.alert.overdue",
                       _("After-sales %(case)s not answered in time (%(kind)s)"))
OVERDUE_MESSAGE = define(
    "aftersales.alert.overdue_message",
    _("Case %(case)s on order %(order)s was due %(due)s (%(late)s min ago); the platform may "
      "decide for the seller."))
DEADLINE_PASSED = define("aftersales.history.deadline_passed", _("answer deadline passed"))
ORDER_CLOSED_ONCE_IT_MAY = define(
    "aftersales.history.order_closed_once_it_may",
    _("after-sales over: every case had closed before the order could close (not yet "
      "delivered, or held)"))
DEMO_CASE = define("aftersales.demo.case", _("demo data: after-sales case"))

# One history note per case move, when the mover gives no reason: the move's own label.
CASE_MOVE_NOTES = {move.name: define(f"aftersales.move.{move.name}", move.label)
                   for move in CASE_MOVES}

CASE_OPENED = define("aftersales.history.case_opened", _("case opened"))
FROM_CHANNEL = define("aftersales.history.from_channel", _("from %(channel)s: %(status)s"))
ORDER_ARRIVED = define("aftersales.history.order_arrived", _("order %(hub_no)s arrived"))
RETURN_ON_ITS_WAY = define("aftersales.history.return_on_its_way",
                           _("return parcel on its way back"))
RETURN_TRACKED = define("aftersales.history.return_tracked",
                        _("return parcel %(tracking_no)s tracked"))
RETURN_SIGNED = define("aftersales.history.return_signed",
                       _("%(carrier)s %(tracking_no)s: return signed for at the warehouse"))
REFUND_MATCHED = define("aftersales.history.refund_matched",
                        _("refund matched on a statement (%(colour)s)"))
# The colours finance reports (its Colour choices; after-sales does not import finance).
COLOURS = {
    "green": define("aftersales.colour.green", _("green")),
    "yellow": define("aftersales.colour.yellow", _("yellow")),
}

# Notes on the order and its stock, naming the case that caused them.
CASE = define("aftersales.order.case", _("after-sales %(case)s"))
REFUND_ASKED_HOLD = define("aftersales.order.refund_asked",
                           _("after-sales %(case)s: the buyer asked for a refund, stop shipping"))
CASE_MOVED = define("aftersales.order.case_moved", _("after-sales %(case)s: %(move)s"))
FULL_REFUND = define("aftersales.order.full_refund", _("after-sales %(case)s: full refund"))
PARTIAL_REFUND = define("aftersales.order.partial_refund",
                        _("after-sales %(case)s: partial refund, shipping goes on"))
REPLACEMENT_ORDER = define("aftersales.order.replacement",
                           _("after-sales %(case)s: new outbound order"))
CASE_CLOSED = define("aftersales.order.case_closed", _("after-sales %(case)s closed"))
CASE_OPEN = define("aftersales.order.case_open", _("after-sales %(case)s in progress"))
RETURN_GOOD = define("aftersales.stock.return_good",
                     _("return %(case)s: inspected good, back on the shelf"))
RETURN_DAMAGED = define("aftersales.stock.return_damaged",
                        _("return %(case)s: inspected damaged, written off"))
