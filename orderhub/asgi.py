"""ASGI entry point.

Refuses to start with DEBUG off on the development SECRET_KEY or without collected static
files (``orderhub.core.startup``), as the WSGI entry point does.
"""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")
application = get_asgi_application()

from orderhub.core.startup import refuse_unsafe_start  # noqa: E402  (needs the settings)

refuse_unsafe_start(role="web")
