"""Test-wide set-up that must happen before Django reads its settings."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")
os.environ.setdefault("Q_SYNC", "1")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
