"""Settings for the test suite: the real settings with test-only speed-ups.

pytest-django reads these before any conftest runs, so overrides that must hold for every test
live here rather than in environment variables set by a conftest.
"""
from orderhub.settings import *  # noqa: F403

# Static URLs without a collected manifest (the admin pages render in tests).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Background tasks run inline, inside the test.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
# Tests make many staff users; the production hasher costs a third of a second each.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT = None  # whitenoise serves from the finders; nothing is collected in tests
# Tests read English; the tests of the Chinese default set LANGUAGE_CODE themselves.
LANGUAGE_CODE = "en"
# The test client speaks plain HTTP; tests/core/test_production.py checks the production
# defaults (HTTPS redirect, HSTS) with `check --deploy` in a process of their own.
SECURE_SSL_REDIRECT = False
# The test client's login() passes no request, which django-axes needs; the throttling tests
# switch it on (tests/core/test_login_throttle.py).
AXES_ENABLED = False
