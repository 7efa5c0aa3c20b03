"""The texts finance stores for people (alert titles and messages, history notes, reconciliation
explanations): codes with parameters, rendered in the reader's language (``orderhub.core.texts``)."""
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from orderhub.core.texts import define

CANCELLED_WITH_MONEY = define("finance.alert.cancelled_with_money",
                              _("Money received for cancelled order %(order)s: refund or check"))
AMOUNT_MISMATCH = define("finance.alert.amount_mismatch",
                         _("Amount differs from order %(order)s: check the payment"))
RED_LINE = define("finance.alert.red_line",
                  _("Unresolved red statement line for 2 hours: %(what)s"))
IMPORT_FAILED = define("finance.alert.import_failed", _("Statement %(file)s was not imported"))
CONSISTENCY = define(
    "finance.alert.consistency",
    _("Paid orders on %(channel)s for %(day)s differ from the channel's figure by "
      "%(deviation)s"))
CONSISTENCY_MESSAGE = define(
    "finance.alert.consistency_message",
    _("%(day)s %(channel)s: %(hub)s paid orders in the hub, %(figure)s in the channel's "
      "figures (%(source)s), a deviation of %(deviation)s, above %(limit)s"))
LINE_RESOLVED = define("finance.alert.line_resolved", _("statement line resolved: %(reason)s"))

# History notes of the orders finance moves.
SETTLED_BY_STATEMENT = define("finance.history.settled_by_statement",
                              _("money matched in payment statement #%(statement)s"))
SETTLED = define("finance.history.settled", _("money matched in the payment statements"))
INVOICE_ISSUED = define("finance.history.invoice_issued",
                        _("invoice %(number)s issued %(day)s"))

# --- reconciliation's explanations (``finance.reconciliation``) -----------------------------------
# Amounts are Decimal parameters to the cent; fee labels are the statement's own words (data).
# The Chinese reads as finance files it ("应收199.00元，实收198.50元，…").
EXACT = define("finance.line.exact",
               _("%(prefix)samounts agree: expected %(expected)s, received %(received)s"))
COSTS = define("finance.line.costs",
               _("%(prefix)sexpected %(expected)s, received %(received)s; %(costs)s booked as "
                 "the order's costs"))
REFUND_APPROVED = define("finance.line.refund_approved",
                         _("%(prefix)sexpected %(expected)s, received %(received)s; after-sales "
                           "refund %(refunded)s approved"))
REFUND_APPROVED_COSTS = define(
    "finance.line.refund_approved_costs",
    _("%(prefix)sexpected %(expected)s, received %(received)s; after-sales refund "
      "%(refunded)s approved; %(costs)s booked as the order's costs"))
EXPLAINED = define("finance.line.explained",
                   _("%(prefix)sexpected %(expected)s, received %(received)s; the difference of "
                     "%(difference)s is %(what)s%(over)s%(note)s"))
SURPLUS = define("finance.line.surplus",
                 _("Amount mismatch: %(prefix)sexpected %(expected)s, received %(received)s; "
                   "%(surplus)s too much that nothing explains: check whether to refund"))
SHORTFALL = define("finance.line.shortfall",
                   _("Amount mismatch: %(prefix)sexpected %(expected)s, received %(received)s; "
                     "the difference of %(difference)s is unexplained: please check"))
CANCELLED_MONEY = define("finance.line.cancelled_with_money",
                         _("%(prefix)sthe order is cancelled, yet %(amount)s was received: "
                           "refund or check"))
NO_PAYMENT_SEEN = define("finance.line.no_payment_seen",
                         _("%(prefix)sonly %(seen)s seen, no payment (expected %(expected)s)"))
FULL_REFUND = define("finance.line.full_refund", _("%(prefix)srefunded in full: %(refunded)s"))
FULL_REFUND_OPEN = define("finance.line.full_refund_open",
                          _("%(prefix)srefunded in full: %(refunded)s, but the order is not "
                            "marked refunded: please check"))
NOT_ORDER = define("finance.line.not_order", _("%(what)s %(amount)s: not an order's money"))
UNREFERENCED_FEE = define("finance.line.unreferenced_fee",
                          _("%(what)s %(amount)s: not the fee of one order"))
UNMATCHED_SERIAL = define("finance.line.unmatched_serial",
                          _("No order found (payment serial number %(serial)s)"))
UNMATCHED_MERCHANT = define("finance.line.unmatched_merchant",
                            _("No order found (merchant order number %(merchant)s)"))
UNMATCHED_BOTH = define("finance.line.unmatched_both",
                        _("No order found (payment serial number %(serial)s, merchant order "
                          "number %(merchant)s)"))
UNMATCHED_NONE = define("finance.line.unmatched_none", _("No order found (no serial number)"))
NO_MONEY = define("finance.line.no_money",
                  _("The order is finished, yet no money came %(days)s days after payment "
                    "(expected %(expected)s)"))
REFUND_AGREES = define("finance.line.refund_agrees",
                       _("Refund %(refunded)s, as after-sales case %(case)s approved"))
REFUND_MORE = define("finance.line.refund_more",
                     _("After-sales case %(case)s approved a refund of %(approved)s, "
                       "%(refunded)s was refunded: %(gap)s too much, please check"))
REFUND_LESS = define("finance.line.refund_less",
                     _("After-sales case %(case)s approved a refund of %(approved)s, "
                       "%(refunded)s was refunded: %(gap)s too little, please check"))

# The pieces of an explanation (nested stored texts).
MERGED = define("finance.part.merged", _("%(count)s orders paid together: "))
AMOUNT = define("finance.part.amount", _("%(label)s %(amount)s"))
REFUND = define("finance.part.refund", _("refund %(amount)s"))
PARTIAL_REFUND = define("finance.part.partial_refund", _("a partial refund"))
COUPON = define("finance.part.coupon", _("a coupon"))
FEE = define("finance.part.fee", _("fee"))
CHARGE = define("finance.part.charge", _("a charge"))
OTHER_MONEY = define("finance.part.other_money", _("other money"))
ZERO_ROWS = define("finance.part.zero_rows", _("zero-amount rows"))
OVER_ITEM = define("finance.part.over_item",
                   _("%(kind)s %(amount)s above the ceiling of %(limit)s%%"))
OVER = define("finance.part.over", _(" (%(items)s: please check)"))
REFUND_NOTE = define("finance.part.refund_note",
                     _(" (after-sales approved a refund of %(approved)s, %(refunded)s was "
                       "refunded)"))
# Each kind of cost held to its own ceiling, in finance's words.
CEILING_KINDS = {
    "fee": define("finance.part.ceiling_fee", pgettext_lazy("ceiling", "payment fees")),
    "commission": define("finance.part.ceiling_commission",
                         pgettext_lazy("ceiling", "commissions")),
    "fulfilment_fee": define("finance.part.ceiling_fulfilment",
                             pgettext_lazy("ceiling", "fulfilment fees")),
}

# --- statement and invoice imports: why a file or a row was refused ------------------------------
# Shown at once to whoever uploads (in their language); stored as codes when the import ran off
# the request (the alert of a failed import).
NOTHING_IMPORTED = define("finance.import.nothing_imported",
                          _("Nothing was imported from %(file)s: %(where)s%(problem)s%(more)s"))
AT_ROW = define("finance.import.at_row", _("row %(row)s: "))
MORE_PROBLEMS = define("finance.import.more_problems",
                       _(" (%(count)s more problems listed under 'errors')"))
NO_ROWS = define("finance.import.no_rows", _("Nothing was imported: %(file)s has no rows."))
NOT_TEXT = define("finance.import.not_text",
                  _("The file is neither UTF-8 nor GBK text; upload the statement as "
                    "downloaded."))
NOT_TEXT_OR_XLSX = define("finance.import.not_text_or_xlsx",
                          _("The file is neither UTF-8 nor GBK text nor an xlsx workbook; upload "
                            "the statement as downloaded."))
KIND_UNKNOWN = define(
    "finance.import.kind_unknown",
    _("The kind of statement of %(file)s cannot be told from its header (none of the Alipay, "
      "WeChat Pay, Amazon settlement or template headers was found in its first %(lines)s "
      "lines); choose the kind of statement."))
NOT_ALIPAY = define("finance.import.not_alipay",
                    _("This is not an %(bill)s: no header row with the columns %(columns)s was "
                      "found."))
NOT_WECHATPAY = define("finance.import.not_wechatpay",
                       _("This is not a WeChat Pay trade bill: the first lines lack the header "
                         "(%(columns)s)."))
NOT_AMAZON = define("finance.import.not_amazon",
                    _("This is not an Amazon settlement report (flat file V2): the first line "
                      "lacks %(columns)s."))
NOT_XLSX = define("finance.import.not_xlsx", _("%(file)s is not a readable xlsx file (%(why)s)."))
NOT_CSV = define("finance.import.not_csv", _("%(file)s is not a readable csv file (%(why)s)."))
NOT_TEMPLATE = define("finance.import.not_template",
                      _("%(file)s does not follow the column template: it lacks %(missing)s (the "
                        "template's columns: %(columns)s)."))
LACKS_COLUMNS = define("finance.import.lacks_columns",
                       _("%(file)s lacks the columns %(missing)s."))
# Rows.
NOT_AN_AMOUNT = define("finance.import.not_an_amount", _("%(column)s '%(value)s' is not an amount"))
NOT_CENTS = define("finance.import.not_cents",
                   _("%(column)s '%(value)s' is not an amount to the cent"))
OUT_OF_RANGE = define("finance.import.out_of_range", _("%(column)s '%(value)s' is out of range"))
TOO_MANY_DECIMALS = define(
    "finance.import.too_many_decimals",
    _("%(column)s '%(value)s' has more decimals than the statement allows"))
EMPTY = define("finance.import.empty", _("%(column)s is empty"))
NOT_A_TIME = define("finance.import.not_a_time",
                    _("%(column)s '%(value)s' is not a date and time"))
NOT_A_NUMBER = define("finance.import.not_a_number", _("an amount is not a number"))
UNREADABLE = define("finance.import.unreadable", _("a value cannot be read"))
WIDTH = define("finance.import.width", _("the row has %(cells)s columns, the header %(width)s"))
FOOTER_COUNT = define("finance.import.footer_count",
                      _("the footer counts %(expected)s %(label)s rows but the file has "
                        "%(counted)s: the file is incomplete or was edited"))
SUMMARY_MISSING = define("finance.import.summary_missing",
                         _("the summary lines (总交易单数, …) at the end are missing: the file is "
                           "incomplete"))
SUMMARY_COUNT = define("finance.import.summary_count",
                       _("总交易单数 says %(declared)s but the file has %(rows)s rows: the file "
                         "is incomplete or was edited"))
AMAZON_SUMMARY_MISSING = define(
    "finance.import.amazon_summary_missing",
    _("the summary row (settlement-id, deposit-date, total-amount) is missing"))
AMAZON_TOTAL = define("finance.import.amazon_total",
                      _("the rows add up to %(summed)s %(currency)s but total-amount deposited is "
                        "%(total)s: the file is incomplete or was edited"))
NOT_IN_RANGE = define("finance.import.not_in_range",
                      _("%(column)s %(value)s is not an amount in range"))
DECIMALS = define("finance.import.decimals", _("%(column)s %(value)s has more decimals than allowed"))
BAD_KIND = define("finance.import.bad_kind", _("kind '%(value)s' is not one of %(kinds)s"))
NO_SERIALS = define("finance.import.no_serials",
                    _("payment_serial_no and merchant_order_no are both empty"))
NO_ORDER = define("finance.import.no_order", _("no order with hub number '%(hub_no)s'"))
