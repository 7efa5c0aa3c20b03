from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "orderhub.events"
    label = "events"
    verbose_name = _("Events between the apps")

    def ready(self) -> None:
        # Every app's ``handlers`` module registers what it does when an event arrives
        # (``orderhub.events.registry.handles``); importing them here is the registration.
        autodiscover_modules("handlers")
