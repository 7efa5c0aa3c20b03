from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = _("Logistics")

    def ready(self) -> None:
        # The order's JSON gets its shipments and expected delivery wherever it is rendered
        # (API, webhooks in the worker), not only once the URLs are loaded.
        from logistics.shipments import api  # noqa: F401,PLC0415
