"""The texts the alerts app stores for people (the notes of an alert's timeline, the history
notes of its ladders): codes with parameters, rendered in the reader's language
(``orderhub.core.texts``)."""
from django.utils.translation import gettext_lazy as _

from orderhub.core.texts import define

ESCALATED = define("alerts.note.escalated", _("level %(level)s after %(minutes)s min"))
NOTIFIED = define("alerts.note.notified", _("%(transport)s → %(target)s"))
GAVE_UP = define("alerts.note.gave_up",
                 _("gave up on %(target)s after %(attempts)s attempts: %(error)s"))
RETRY_AT = define("alerts.note.retry_at",
                  _("%(target)s, attempt %(attempts)s: %(error)s; retry at %(time)s"))
STEP_SAVED = define("alerts.history.step_saved", _("escalation step saved"))
STEP_CHANGED_IN_ADMIN = define("alerts.history.step_changed_in_admin", _("changed in the admin"))
