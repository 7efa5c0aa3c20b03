from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "orderhub.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks to integrators")

    def ready(self) -> None:
        # Each app that owns an object integrators receive registers its renderer in its own
        # ``webhooks`` module (orderhub.webhooks.registry.renders), as apps register their
        # event handlers in ``handlers``: importing them here is the registration, and no
        # app's AppConfig has to know about webhooks.
        autodiscover_modules("webhooks")
