"""The texts logistics stores for people (alerts, hold reasons, fulfilment summaries): codes with
parameters, rendered in the reader's language (``orderhub.core.texts``)."""
from django.utils.translation import gettext_lazy as _

from orderhub.core.texts import define

LOW_STOCK_TITLE = define("logistics.alert.low_stock",
                         _("Low stock: %(sku)s at %(warehouse)s (%(available)s left)"))
LOW_STOCK_MESSAGE = define(
    "logistics.alert.low_stock_message",
    _("%(sku)s in %(warehouse)s: %(available)s available (threshold %(threshold)s; on hand "
      "%(on_hand)s, reserved %(reserved)s, samples %(samples)s)."))
DRIFT_TITLE = define("logistics.alert.stock_drift",
                     _("Stock counters drifted: %(sku)s at %(warehouse)s"))
DRIFT_MESSAGE = define(
    "logistics.alert.stock_drift_message",
    _("%(sku)s at %(warehouse)s: counters on hand %(on_hand)s / reserved %(reserved)s / samples "
      "%(samples)s; ledger %(ledger_on_hand)s / %(ledger_reserved)s / %(ledger_samples)s; open "
      "reservations %(reservations)s"))
ORDER_HOLDS_AFTER_END = define(
    "logistics.alert.order_holds_after_end",
    _("Order %(hub_no)s is %(status)s but still holds %(units)s reserved unit(s): they should "
      "have been released or deducted."))
ORDER_HOLDS_NONE = define(
    "logistics.alert.order_holds_none",
    _("Order %(hub_no)s is %(status)s (paid, in the warehouse's hands) but holds no stock: it "
      "was never decided, or its reservation was lost."))
OVER_CAPACITY_TITLE = define("logistics.alert.over_capacity",
                             _("%(warehouse)s is over its daily capacity"))
OVER_CAPACITY_MESSAGE = define(
    "logistics.alert.over_capacity_message",
    _("Every candidate warehouse was full; %(hub_no)s was given to %(warehouse)s anyway."))
HELD_TITLE = define("logistics.alert.order_held", _("Order %(hub_no)s held, %(reason)s"))
NO_WAREHOUSE = define("logistics.shortage.no_warehouse", _("no active warehouse can ship it"))
SHORTAGE = define("logistics.shortage.sku",
                  _("SKU %(sku)s (needs %(needed)s, %(available)s available)"))
OUT_OF_STOCK = define("logistics.hold.out_of_stock", _("out of stock: %(shortages)s"))
ROUTED = define("logistics.summary.routed",
                _("routed to %(warehouse)s; %(units)s unit(s) reserved"))
OVER_CAPACITY = define("logistics.summary.over_capacity",
                       _("every candidate warehouse was at capacity: taken over capacity"))
AT_CAPACITY = define("logistics.summary.at_capacity", _("at capacity today: %(warehouses)s"))
SHORT = define("logistics.summary.short", _("short: %(shortages)s"))
SHORT_AT = define("logistics.summary.short_at",
                  _("%(sku)s at %(warehouse)s (needs %(needed)s, %(available)s available)"))
UNTRACKED = define("logistics.summary.untracked",
                   _("not stock-managed (nothing reserved): %(skus)s"))
SUMMARY = define("logistics.summary", _("%(parts)s"))
STALE_TITLE = define("logistics.alert.shipment_stale",
                     _("%(carrier)s %(tracking_no)s: no movement for %(hours)s h"))
STALE_MESSAGE = define(
    "logistics.alert.shipment_stale_message",
    _("Last movement %(last)s; the carrier's limit is %(limit)s h."))
SORTING_HOLD_TITLE = define(
    "logistics.alert.sorting_hold",
    _("%(carrier)s %(tracking_no)s: held at a sorting centre %(times)s times"))
FAILED_ATTEMPT_TITLE = define(
    "logistics.alert.failed_attempt",
    _("%(carrier)s %(tracking_no)s: delivery attempt %(attempt)s failed"))
ORDER_PAID = define("logistics.stock.order_paid", _("order %(hub_no)s paid"))
RESERVATION_RETRIED = define("logistics.stock.reservation_retried",
                             _("order %(hub_no)s: reservation retried"))
RESERVED_ON_RETRY = define("logistics.hold.reserved_on_retry", _("stock reserved on retry"))
RULE = define("logistics.rule", _("rule '%(rule)s'"))
RULE_SEEN = define("logistics.rule_seen", _("rule '%(rule)s': %(seen)s"))
NOT_ROUTED = define("logistics.summary.not_routed", _("not routed"))
DECISION = define("logistics.summary.decision",
                  _("%(summary)s. Rules matched: %(rules)s."))
DECISION_RETRY = define("logistics.summary.retry", _("%(summary)s (attempt %(attempt)s)."))
NO_RULES = define("logistics.summary.no_rules", _("none"))
NOTE_PREFER = define("logistics.note.prefer", _("prefer warehouse %(warehouse)s"))
NOTE_TAG = define("logistics.note.tag", _("tag %(tag)s"))
NOTE_PRIORITY = define("logistics.note.priority", _("priority %(priority)s"))
NOTE_PRIORITY_KEPT = define("logistics.note.priority_kept",
                            _("priority %(priority)s (not raised: already %(current)s)"))
NOTE_GIFT = define("logistics.note.gift", _("gift %(gift)s (%(sku)s)"))
NOTE_REVIEW = define("logistics.note.review", _("sent to risk review"))
NOTE_REVIEW_SKIPPED = define("logistics.note.review_skipped",
                             _("risk review skipped: the order is already %(status)s"))
NOTE_HELD = define("logistics.note.held", _("held: %(reason)s"))
NOTE_SKIPPED = define("logistics.note.skipped", _("%(action)s skipped: %(why)s"))
NO_RESERVATION = define("logistics.stock.no_reservation",
                        _("order %(hub_no)s left the warehouse without a reservation"))
DECIDED_LATE = define(
    "logistics.summary.decided_late",
    _("%(summary)s. Decided when the order had already left the warehouse (status "
      "%(status)s)."))
SHIPPED_WITHOUT_STOCK_TITLE = define(
    "logistics.alert.shipped_without_stock",
    _("Order %(hub_no)s left the warehouse, but the hub had no stock for it (%(shortages)s)"))
SHIPPED_WITHOUT_STOCK_MESSAGE = define(
    "logistics.alert.shipped_without_stock_message",
    _("%(summary)s. Count the stock of these SKUs: the hub's figures are higher than what is "
      "on the shelves."))
MISSING_PARCEL_TITLE = define("logistics.alert.shipment_missing",
                              _("Order %(hub_no)s: handed over without a parcel"))
MISSING_PARCEL_MESSAGE = define(
    "logistics.alert.shipment_missing_message",
    _("The order left with no carrier and tracking number: record its parcel (on the order "
      "page, or through the API)."))
TRACE_REFUSED_TITLE = define("logistics.alert.trace_refused",
                             _("Order %(hub_no)s: the courier's trace could not move it"))
TRACE_REFUSED_MESSAGE = define("logistics.alert.trace_refused_message", _("%(reason)s\n%(why)s"))
RETURNED_REASON = define("logistics.hold.returned", _("%(carrier)s %(tracking_no)s: %(what)s"))
RETURNED_TITLE = define("logistics.alert.shipment_returned",
                        _("Order %(hub_no)s: parcel %(tracking_no)s %(status)s"))

# --- the warehouse floor: the scan station's answers and the history of its moves -------------
STATION = define("logistics.history.scan_station", _("scan station"))
STATION_PACKED = define("logistics.history.scan_station_packed",
                        _("scan station: all %(total)s item(s) scanned"))
WAVE_PICKING = define("logistics.history.wave", _("wave pick list"))
HANDOVER_ALL = define("logistics.history.handover_all",
                      _("batch hand-over: %(carrier)s, all labelled parcels"))
HANDOVER_MANIFEST = define("logistics.history.handover_manifest",
                           _("batch hand-over: manifest"))
HANDOVER_CARRIER_MANIFEST = define("logistics.history.handover_carrier_manifest",
                                   _("batch hand-over: %(carrier)s manifest"))
SCAN_ORDER = define("logistics.scan.order_first",
                    _("Scan the order: its hub number, channel order number or the pick list's "
                      "barcode."))
SCAN_UNKNOWN = define("logistics.scan.unknown",
                      _("No order or pick list has the code '%(code)s'."))
SCAN_SEVERAL = define("logistics.scan.several",
                      _("Several orders have the channel number '%(code)s' (%(orders)s): scan "
                        "the hub number."))
SCAN_NOTHING_TO_DO = define("logistics.scan.nothing_to_do",
                            _("Order %(hub_no)s is '%(status)s': the station has nothing to do "
                              "with it."))
SCAN_HELD = define("logistics.scan.held",
                   _("Order %(hub_no)s is held: put it aside and tell the team lead."))
SCAN_EACH_ITEM = define("logistics.scan.each_item", _("Order %(hub_no)s: scan each item."))
SCAN_ON_TABLE = define("logistics.scan.on_table", _("Order %(hub_no)s is on the table."))
SCAN_NEXT_ITEM = define("logistics.scan.next_item", _("Scan the next item."))
SCAN_GIFT_DONE = define("logistics.scan.gift_scanned", _("Gift %(sku)s scanned."))
SCAN_WRONG_ITEM = define("logistics.scan.wrong_item",
                         _("Wrong item: '%(code)s' is not in order %(hub_no)s. Put it back; "
                           "nothing was recorded."))
SCAN_TOO_MANY = define("logistics.scan.too_many",
                       _("Too many: order %(hub_no)s needs %(wanted)s × %(sku)s and all are "
                         "scanned. Put this one back; nothing was recorded."))
SCAN_ALL_ITEMS = define("logistics.scan.all_items",
                        _("All items of order %(hub_no)s are scanned: packing."))
SCAN_COUNTED = define("logistics.scan.counted", _("%(sku)s: %(counted)s of %(wanted)s."))
SCAN_WRONG_GIFT = define("logistics.scan.wrong_gift",
                         _("Wrong gift: '%(code)s' is not the gift of order %(hub_no)s "
                           "(%(gifts)s). Nothing was recorded."))
SCAN_CARRIER_FIRST = define("logistics.scan.carrier_first",
                            _("Choose the carrier first: scan or type its code (e.g. SF, ZTO, "
                              "YTO)."))
SCAN_LABEL = define("logistics.scan.label",
                    _("Scan or type the tracking number, or press F2 for an electronic "
                      "waybill."))
SCAN_CARRIER = define("logistics.scan.carrier", _("Carrier: %(name)s."))
SCAN_LABELLED = define("logistics.scan.labelled",
                       _("Order %(hub_no)s labelled: %(carrier)s %(number)s. Scan the label "
                         "again (or press Enter) to hand it over."))
SCAN_NOT_THE_LABEL = define("logistics.scan.not_the_label",
                            _("'%(code)s' is not the label of order %(hub_no)s: scan its label, "
                              "press Enter to hand it over, or Esc to leave it."))
SCAN_HANDED_OVER = define("logistics.scan.handed_over",
                          _("Order %(hub_no)s handed over to the courier. Next order."))
SCAN_WAYBILL_TOO_EARLY = define("logistics.scan.waybill_too_early",
                                _("An electronic waybill is asked for once the order is packed "
                                  "and its gifts are scanned."))
SCAN_LEFT = define("logistics.scan.left",
                   _("Order %(hub_no)s left where it is; scan the next order."))
SCAN_NEXT_ORDER = define("logistics.scan.next_order", _("Scan the next order."))
HANDOVER_NO_PARCEL = define("logistics.handover.no_parcel", _("No parcel has this number."))
HANDOVER_NOT_WAITING = define("logistics.handover.not_waiting",
                              _("The order is '%(status)s', not waiting for the courier."))

# --- the fulfilment rules: what a rule saw of an order ----------------------------------------
SEEN = define("logistics.rule.seen", _("%(fact)s %(seen)s %(op)s %(value)s"))
SEEN_NOTHING = define("logistics.rule.seen_nothing", _("none"))
SEEN_CONVERTED = define("logistics.rule.seen_converted", _("%(seen)s (from %(paid)s)"))
SEEN_NO_RATE = define("logistics.rule.seen_no_rate", _("%(paid)s (no exchange rate)"))
SEEN_BECAUSE = define("logistics.rule.seen_because", _("%(seen)s (%(reasons)s)"))
SEEN_ALL = define("logistics.rule.conditions_seen", _("%(conditions)s"))
PICKING_QUEUE = define("logistics.history.picking_queue", _("picking queue"))
RESTOCKED = define("logistics.alert.restocked", _("restocked: %(available)s available"))
PARCEL_HAD_LEFT = define("logistics.stock.parcel_had_left",
                         _("%(reason)s; the parcel had left the warehouse"))
STOCK_IMPORT = define("logistics.stock.import", _("stock import: %(file)s"))
# A stock import with no file named (a sheet handed over in code).
STOCK_IMPORT_UNNAMED = define("logistics.stock.import_unnamed", _("stock import"))
