from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "orderhub.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        # Infrastructure signals only: they keep the cached ladders true to their table.
        from orderhub.alerts import ladder  # noqa: F401
