"""The production start (README, "Security and production"): each entry point refuses the
development SECRET_KEY and uncollected static files with DEBUG off, and `check --deploy` passes
with the documented production settings. Each case starts a real process with the real
settings (orderhub.settings, not the test settings)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_KEY = "k3y-for-the-production-start-tests-" + "x7Qp2Lm9Zr4Tv8Wb" * 3


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "STATIC_ROOT",
                          "STATIC_MANIFEST", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE",
                          "ORDERHUB_BASE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="orderhub.settings", DEBUG="0",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               STATIC_ROOT=str(tmp_path / "static"), **extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _collected(tmp_path: Path) -> None:
    # What collectstatic leaves for the manifest storage (its content is not read at start).
    (tmp_path / "static").mkdir(exist_ok=True)
    (tmp_path / "static" / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1"}))


ENTRY_POINTS = {
    "wsgi": ["-c", "import orderhub.wsgi"],
    "asgi": ["-c", "import orderhub.asgi"],
    "runserver": ["manage.py", "runserver", "127.0.0.1:0"],
    "qcluster": ["manage.py", "qcluster"],
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_entry_point_refuses_the_development_key_with_debug_off(tmp_path, entry):
    # Given static files collected but no SECRET_KEY, with DEBUG off
    _collected(tmp_path)

    # When the entry point starts
    done = _run(ENTRY_POINTS[entry], _env(tmp_path))

    # Then it stops at once, saying why (runserver's reloader does not swallow it)
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr


def test_a_web_process_refuses_to_start_without_collectstatic(tmp_path):
    # Given a real key but nothing collected (the manifest storage would answer 500 everywhere)
    env = _env(tmp_path, SECRET_KEY=REAL_KEY)

    # When gunicorn's entry point is imported
    done = _run(ENTRY_POINTS["wsgi"], env)

    # Then it refuses, naming the command to run
    assert done.returncode != 0
    assert "collectstatic --noinput" in done.stderr


def test_a_web_process_starts_with_a_key_and_collected_static_files(tmp_path):
    # Given the production settings done right
    _collected(tmp_path)
    env = _env(tmp_path, SECRET_KEY=REAL_KEY)

    # When gunicorn's entry point is imported
    done = _run(["-c", (
        "import orderhub.wsgi as w; "
        "from django.conf import settings; "
        "print('ready', settings.DEBUG, w.application is not None)")], env)

    # Then it starts
    assert done.returncode == 0, done.stderr
    assert "ready False True" in done.stdout


def test_check_deploy_passes_with_the_documented_production_settings(tmp_path):
    # Given the environment README's "Security and production" lists
    env = _env(tmp_path, SECRET_KEY=REAL_KEY, ALLOWED_HOSTS="hub.example.com",
               CSRF_TRUSTED_ORIGINS="https://hub.example.com",
               ORDERHUB_BASE_URL="https://hub.example.com")

    # When Django's deployment checks run, warnings counting as failures
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    # Then nothing is reported
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_warns_when_the_public_address_is_unset(tmp_path):
    # Given production settings without ORDERHUB_BASE_URL
    env = _env(tmp_path, SECRET_KEY=REAL_KEY, ALLOWED_HOSTS="hub.example.com")

    # When the deployment checks run, warnings counting as failures
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    # Then the missing address is named, with what to set
    assert done.returncode != 0
    assert "orderhub.W001" in done.stderr and "ORDERHUB_BASE_URL" in done.stderr

    # And the plain checks (every other command runs them) stay quiet about it
    plain = _run(["manage.py", "check", "--fail-level", "WARNING"], env)
    assert "orderhub.W001" not in plain.stdout + plain.stderr


def test_check_deploy_fails_on_the_development_key(tmp_path):
    # Given no SECRET_KEY (check is not an entry point: it runs, and reports)
    env = _env(tmp_path, ALLOWED_HOSTS="hub.example.com")

    # When the deployment checks run
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    # Then the weak key is named
    assert done.returncode != 0
    assert "security.W009" in done.stdout + done.stderr
