"""The texts finance stores for people (alert titles): codes with parameters, rendered in the
reader's language (``orderhub.core.texts``)."""
from django.utils.translation import gettext_lazy as _

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
