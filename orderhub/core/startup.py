"""What a serving process refuses to start with (README, "Security and production").

Every entry point that serves or works for the hub calls :func:`refuse_unsafe_start`:
``orderhub/wsgi.py`` (gunicorn), ``orderhub/asgi.py``, and ``CoreConfig.ready`` for
``manage.py runserver`` and ``manage.py qcluster`` (django-q2's worker, which signs its tasks
with ``SECRET_KEY``). Other commands (``migrate``, ``collectstatic``, ``check --deploy``) run
without, so that a release can be prepared before its secrets are in place.

With ``DEBUG`` off:
- the development ``SECRET_KEY`` is refused (sessions, CSRF tokens, password resets and the
  worker's signed tasks could be forged by anyone who read this repository);
- a web process whose static storage is whitenoise's manifest refuses to start when
  ``collectstatic`` has not been run: the manifest storage raises on every ``{% static %}``,
  so every admin page would answer 500 (the worker renders no pages and is not held up).
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The commands that are entry points of their own (the web server, the worker).
SERVING_COMMANDS = {"runserver": "web", "qcluster": "worker"}


def start_problems(*, role: str = "web") -> list[str]:
    """What is wrong for a ``role`` ("web" or "worker") process to start; empty when fine."""
    if settings.DEBUG:
        return []
    problems = []
    if getattr(settings, "SECRET_KEY_IS_FALLBACK", False):
        problems.append(
            "SECRET_KEY is not set: with DEBUG off the hub refuses the development key. Set "
            "SECRET_KEY in the environment (the same value for web and worker)."
        )
    if role == "web" and _manifest_missing():
        problems.append(
            f"Static files were not collected ({_manifest_path()} is missing): run "
            f"`manage.py collectstatic --noinput` before starting the web server, or set "
            f"STATIC_MANIFEST=0 to serve them without the manifest."
        )
    return problems


def refuse_unsafe_start(*, role: str = "web") -> None:
    """Raise ImproperlyConfigured naming every problem of :func:`start_problems`."""
    problems = start_problems(role=role)
    if problems:
        raise ImproperlyConfigured(" ".join(problems))


def _manifest_path() -> Path | None:
    storage = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    if "Manifest" not in storage or not settings.STATIC_ROOT:
        return None
    return Path(settings.STATIC_ROOT) / "staticfiles.json"


def _manifest_missing() -> bool:
    path = _manifest_path()
    return path is not None and not path.is_file()
