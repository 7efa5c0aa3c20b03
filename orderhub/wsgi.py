"""WSGI entry point (``gunicorn orderhub.wsgi``).

Refuses to start with DEBUG off on the development SECRET_KEY or without collected static
files (``orderhub.core.startup``).
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")
application = get_wsgi_application()

from orderhub.core.startup import refuse_unsafe_start  # noqa: E402  (needs the settings)

refuse_unsafe_start(role="web")
