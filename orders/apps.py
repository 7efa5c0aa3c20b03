from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(**kwargs) -> None:
    from orders.roles import sync_roles

    sync_roles()


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # A flush (after a transactional test) empties the groups; the roles come back here.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="orders-sync-roles")
