"""Test-wide set-up. Settings overrides live in orderhub/test_settings.py."""
import os

# pytest-django's live server and Playwright's sync API share the main thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
