"""The texts the events app stores for people (the alert when an effect gives up): codes with
parameters, rendered in the reader's language (``orderhub.core.texts``)."""
from django.utils.translation import gettext_lazy as _

from orderhub.core.texts import define

DEAD_LETTER_TITLE = define("events.alert.dead_letter",
                           _("An effect gave up after %(attempts)s attempts: %(handler)s "
                             "(order #%(order)s)"))
DEAD_LETTER_MESSAGE = define(
    "events.alert.dead_letter_message",
    _("The handler '%(handler)s' failed on event #%(event)s %(attempts)s times: %(error)s. "
      "Later events of the same order wait behind it. Fix the cause, then retry it (Events "
      "between the apps → Event tasks, 'Retry now'), or discard it with a reason."))
