"""The texts the channels app stores for people (history notes and hold reasons of deliveries):
codes with parameters, rendered in the reader's language (``orderhub.core.texts``)."""
from django.utils.translation import gettext_lazy as _

from orderhub.core.texts import define

NEW_ORDER = define("channels.history.new_order", _("%(source)s: new order"))
CHANNEL_DATA = define("channels.history.channel_data", _("%(source)s: channel data"))
CHANNEL_STOPS = define("channels.hold.stops", _("%(source)s: the channel stops the order: %(why)s"))
RECEIVER_CHANGED = define("channels.hold.receiver_changed",
                          _("%(source)s: receiver changed after the warehouse started"))
CHANNEL_REPORTS = define("channels.history.channel_reports",
                         _("%(source)s: channel reports %(status)s"))
NO_LONGER_STOPS = define("channels.hold.no_longer_stops",
                         _("%(source)s: the channel no longer stops the order"))
DELIVERY = define("channels.delivery", _("%(channel)s delivery #%(id)s"))
DELIVERY_NO_ID = define("channels.delivery_no_id", _("%(channel)s delivery"))

# --- a delivery's answers and the flags it puts on orders (stored in the delivery's result and
# on the orders' tags; the API and the admin render them in the reader's language) -----------
TEST_ORDER = define("channels.answer.test_order", _("test order: %(why)s"))
TEST_MARKED = define("channels.test_order.marked", _("the platform marks it as a test order"))
TEST_RULE = define("channels.test_order.rule", _("test-order rule '%(rule)s'"))
SAME_AS_LAST = define("channels.answer.same_as_last", _("same as the last delivery"))
OLDER_IGNORED = define("channels.answer.older_ignored",
                       _("older than the last delivery applied: ignored"))
WAITING_FOR_ORDER = define("channels.answer.waiting_for_order",
                           _("kept until %(call)s arrives"))
WAITING_FOR_ITEMS = define("channels.answer.waiting_for_items",
                           _("kept until %(call)s arrive"))
THE_ORDER = define("channels.part.the_order", _("the order"))
ITS_ITEMS = define("channels.part.its_items", _("its items"))
PART_CALL = define("channels.part.call", _("%(call)s (%(what)s)"))
UNMAPPED_SKU = define("channels.flag.unmapped_sku", _("no master SKU for: %(skus)s"))
NO_RECEIVER_PHONE = define("channels.flag.no_receiver_phone", _("no receiver phone"))
NOT_MAINLAND_MOBILE = define(
    "channels.flag.not_mainland_mobile",
    _("receiver phone '%(phone)s' is not a mainland mobile (11 digits starting with 1)"))
NOT_DIALABLE = define("channels.flag.not_dialable",
                      _("receiver phone '%(phone)s' is not a dialable number"))
NEGATIVE_AMOUNTS = define("channels.flag.negative_amounts", _("negative: %(amounts)s"))
NEGATIVE_AMOUNT = define("channels.flag.negative_amount", _("%(name)s %(value)s"))
NEGATIVE_LINE_AMOUNT = define("channels.flag.negative_line_amount",
                              _("line %(line)s %(name)s %(value)s"))
DUPLICATE_SUSPECTED = define("channels.flag.duplicate_suspected",
                             _("same customer and items as %(hub_no)s, %(minutes)s min apart"))
SAME_PERSON = define("channels.history.same_person",
                     _("same person: shared identities in %(source)s"))

# --- shipping write-backs: the alerts when a confirmation fails or its deadline nears ----------
WRITEBACK_FAILED_TITLE = define("channels.alert.writeback_failed",
                                _("%(order)s: shipping confirmation to %(channel)s failed"))
WRITEBACK_FAILED_MESSAGE = define(
    "channels.alert.writeback_failed_message",
    _("The hub could not confirm %(carrier)s %(tracking)s to the channel after %(attempts)s "
      "attempt(s): %(reason)s. %(words)s Fix the cause (the channel's API access or carrier "
      "codes, the order), then retry it (Channels → Shipping write-backs, 'Retry now')."))
PLATFORM_ANSWERED = define("channels.writeback.platform_answered",
                           _("The channel answered: %(answer)s."))
WRITEBACK_DEADLINE_TITLE = define(
    "channels.alert.writeback_deadline",
    _("%(order)s: shipment not confirmed to %(channel)s, ship-by %(when)s"))
WRITEBACK_DEADLINE_MESSAGE = define(
    "channels.alert.writeback_deadline_message",
    _("The write-back of %(carrier)s %(tracking)s is %(state)s after %(attempts)s attempt(s): "
      "%(problem)s. The channel's ship-by time is %(deadline)s; a late confirmation is "
      "penalised. Confirm it in the channel's seller center, or fix the cause and retry it "
      "(Channels → Shipping write-backs)."))
IN_MINUTES = define("channels.time.in_minutes", _("in %(minutes)s min"))
MINUTES_AGO = define("channels.time.minutes_ago", _("%(minutes)s min ago"))
WRITEBACK_CONFIRMED = define("channels.alert.writeback_confirmed",
                             _("confirmed to the channel"))

# --- holds the channels' status tables put on orders (the "why" of CHANNEL_STOPS): the
# platform's name and its own status code stay parameters, so a support ticket can quote it --
HOLD_PAUSED = define("channels.hold.paused", _("%(platform)s: order paused (%(status)s)"))
HOLD_LOCKED_CANCEL = define("channels.hold.locked_cancel",
                            _("%(platform)s: order locked, the buyer asked to cancel (%(status)s)"))
HOLD_CANCEL_ASKED = define("channels.hold.cancel_asked",
                           _("%(platform)s: the buyer asked to cancel (%(status)s)"))
HOLD_INVOICE_PENDING = define("channels.hold.invoice_pending",
                              _("%(platform)s: the invoice is pending (%(status)s)"))
HOLD_SHIPPING_FORBIDDEN = define("channels.hold.shipping_forbidden",
                                 _("%(platform)s: paid but shipping forbidden (%(status)s)"))
HOLD_REFUND_ASKED = define("channels.hold.refund_asked",
                           _("%(platform)s: the buyer asked for a refund before shipping"))
HOLD_GROUP_FORMING = define("channels.hold.group_forming",
                            _("%(platform)s: group buy not formed yet (group_status %(status)s)"))
FLAG_LINE_REFUND = define("channels.flag.line_refund",
                          _("%(platform)s: a line's refund is in progress"))
FLAG_SOME_LINES_REFUNDED = define("channels.flag.some_lines_refunded",
                                  _("%(platform)s: some lines refunded"))
