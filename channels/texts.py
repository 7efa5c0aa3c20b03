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
