"""WSGI entry point (``gunicorn orderhub.wsgi``).

Refuses to start with DEBUG off on the development SECRET_KEY or without collected static
files (``orderhub.core.startup``).
"""
import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")
application = get_wsgi_application()

from orderhub.core.startup import refuse_unsafe_start  # noqa: E402  (needs the settings)

refuse_unsafe_start(role="web")

# What the process loaded to serve (settings, apps, the URLs and their views) lives as long as
# it does: frozen out of the cycle collector's sight, so that its full collections during a
# peak day scan what requests made, not the whole of Django each time.
_views = get_resolver().url_patterns  # imports the URLs and their views now, not at the first hit
gc.freeze()
