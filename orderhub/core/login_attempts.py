"""django-axes (login throttling) as an installed app named in the reader's language.

Its own ``AppConfig`` is named "Axes", untranslated, and that is what the admin's app list
shows. This config lives in a module of its own: ``orderhub/core/apps.py`` must hold one config
only, or Django stops picking ``CoreConfig`` for ``orderhub.core``.
"""
from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class LoginAttemptsConfig(AxesAppConfig):
    verbose_name = _("Login attempts")
