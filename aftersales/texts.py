"""The texts after-sales stores for people (alerts, history notes): codes with parameters,
rendered in the reader's language (``orderhub.core.texts``)."""
from django.utils.translation import gettext_lazy as _

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
