"""WSGI entry point (``gunicorn orderhub.wsgi``)."""
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")
application = get_wsgi_application()

if settings.SECRET_KEY_IS_FALLBACK and not settings.DEBUG:
    raise ImproperlyConfigured("SECRET_KEY is not set: set it in the environment to serve the hub.")
