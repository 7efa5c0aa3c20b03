import sys

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reset_system_user(**kwargs) -> None:
    from orderhub.core.history import ensure_system_user, system_user_id

    system_user_id.cache_clear()
    ensure_system_user()


def _sync_roles(**kwargs) -> None:
    from orderhub.core.roles import sync_roles

    sync_roles()


class CoreConfig(AppConfig):
    name = "orderhub.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # runserver and qcluster are entry points of their own (wsgi.py and asgi.py check
        # themselves): refuse the development SECRET_KEY, or uncollected static files, there.
        from orderhub.core.startup import SERVING_COMMANDS, refuse_unsafe_start

        role = SERVING_COMMANDS.get(sys.argv[1] if len(sys.argv) > 1 else "")
        if role is not None:
            try:
                refuse_unsafe_start(role=role)
            except ImproperlyConfigured as problem:
                # Exit, not raise: runserver's autoreloader would catch the exception and
                # wait for a code change instead of stopping.
                sys.exit(f"Order Hub refuses to start: {problem}")
        # The system check of the hub's public address (ORDERHUB_BASE_URL).
        from orderhub.core import site  # noqa: F401
        # Infrastructure signal only: stamps every history row with the request's IP address.
        from orderhub.core import history  # noqa: F401
        # Stored texts (codes with parameters) read in each staff member's language.
        from orderhub.core.admin_texts import install as install_admin_texts

        install_admin_texts()

        # A flush (e.g. after a transactional test) deletes the system user; make it again.
        post_migrate.connect(_reset_system_user, sender=self, dispatch_uid="core-system-user")
        # Groups get every app's role permissions after each migrate (and after a flush).
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="core-sync-roles")
