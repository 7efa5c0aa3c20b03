"""The texts the webhooks app stores for people (why a subscription was switched off, its
alert): codes with parameters, rendered in the reader's language (``orderhub.core.texts``).
What a receiver or the network answered (``last_error``) is data and is kept as received."""
from django.utils.translation import gettext_lazy as _

from orderhub.core.texts import define

GAVE_UP = define("webhooks.disabled.gave_up",
                 _("No attempt has succeeded for %(hours)s h (%(failures)s failed in a row); "
                   "the last: %(error)s"))
SWITCHED_OFF_BY = define("webhooks.disabled.by_hand", _("switched off by %(who)s: %(reason)s"))
THE_HUB = define("webhooks.the_hub", _("the hub"))
IN_THE_ADMIN = define("webhooks.in_the_admin", _("in the admin"))
DISABLED_TITLE = define("webhooks.alert.disabled",
                        _("Webhook endpoint of %(owner)s switched off: %(url)s"))
DISABLED_MESSAGE = define(
    "webhooks.alert.disabled_message",
    _("%(reason)s\nEvents are no longer delivered to it. When the receiver works again, "
      "re-enable the subscription in the admin (Webhook subscriptions → Re-enable); what was "
      "already owed is then sent, in order.%(link)s"))
