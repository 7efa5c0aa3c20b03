"""Settings for Order Hub, read from the environment.

Defaults give the embedded set-up of DESIGN.md section 5 (an SQLite file, django-q2's ORM
broker), so a fresh clone runs with nothing else. Production sets at least ``SECRET_KEY``,
``DEBUG=0``, ``ALLOWED_HOSTS`` and ``DATABASE_URL=postgres://...``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Local work and tests run without one; the production entry point (orderhub/wsgi.py) refuses
# to start on this fallback unless DEBUG is on.
SECRET_KEY_IS_FALLBACK = not SECRET_KEY
if SECRET_KEY_IS_FALLBACK:
    SECRET_KEY = "insecure-dev-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_q",
    "import_export",
    "orderhub.core.login_attempts.LoginAttemptsConfig",  # django-axes, named in Chinese
    "orderhub.core",
    "orderhub.events",
    "orderhub.alerts",
    "orderhub.webhooks",
    "orderhub.workbench",
    "orders",
    "channels",
    "logistics",
    "finance",
    "aftersales",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any process_view (the CSRF check reads request.POST, which parses an upload):
    # body size and who uploads are checked on the headers (orderhub/core/limits.py).
    "orderhub.core.limits.RequestGuardMiddleware",
    # A NUL in a query string, form field or URL argument: 400 before any view reads it.
    "orderhub.core.nul_guard.NulGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "orderhub.urls"
WSGI_APPLICATION = "orderhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# True in django-q2's background worker (`manage.py qcluster`, `django-admin qcluster`): Django
# runs the command named by argv[1], and this reads the same word. The worker connects to
# PostgreSQL differently from the web processes (below); gunicorn, runserver and every other
# command keep the pool.
QCLUSTER_PROCESS = sys.argv[1:2] == ["qcluster"]
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'orderhub.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # SSD storage: with the default random_page_cost of 4 the planner ignores the
    # (status, -id) index for a status-filtered first page (measured 140 ms → 0.2 ms on 1M
    # orders, bench/lookup.py). Set PG_RANDOM_PAGE_COST="" to keep the server's value.
    if os.environ.get("PG_RANDOM_PAGE_COST", "1.1"):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c random_page_cost={float(os.environ.get('PG_RANDOM_PAGE_COST', '1.1'))}"
        )
    if QCLUSTER_PROCESS:
        # No pool in the background worker, whatever DB_POOL says. django-q2's sentinel
        # process connects while it starts (its ORM broker asks Django for the autocommit
        # state), which opens the pool; `connections.close_all()` then only gives the connection
        # back to the pool, and the sentinel forks the workers, the monitor and the pusher. Each
        # child inherits the same pool object, its open sockets and none of its threads: the
        # sentinel and its four children take turns on the pool's two PostgreSQL sessions
        # ("can't change 'autocommit' now: connection in transaction status INTRANS", "the last
        # operation didn't produce records (command status: ROLLBACK)"), and tasks stall
        # (bench/worker.py with the pool: 5 of 600 small tasks and 0 of 300 paid orders done in
        # 25 s). A pool per child would have to be rebuilt after each fork and would serve one
        # thread that holds one connection anyway.
        # So each process keeps one connection of its own: without a pool, close_all() before a
        # fork really closes it, and every child connects itself. Kept for 10 minutes, not
        # reopened for every task and every 0.2 s poll of the broker; checked before reuse after
        # each task (CONN_HEALTH_CHECKS), so a restarted server costs a reconnect, not a task.
        DATABASES["default"]["CONN_MAX_AGE"] = 600
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    elif env_bool("DB_POOL", True):
        # Django's native psycopg 3 pool (web processes, commands); it requires
        # CONN_MAX_AGE = 0 (PITFALLS.md).
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN", "1")),
            "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
            "timeout": 10,
        }
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # The demo's web server and worker write at once. SQLite fails at once with "database is
    # locked" when a read transaction later wants to write; IMMEDIATE transactions take the
    # write lock up front and wait (timeout) instead, and WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "var" / "static")
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve from the finders when nothing was collected (tests, `make demo` without collectstatic).
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
if WHITENOISE_USE_FINDERS:
    # whitenoise warns on every start when the (not yet collected) folder is missing.
    try:
        STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass

# --- Security for production ----------------------------------------------------------------
# `manage.py check --deploy` passes with these defaults and a real SECRET_KEY (README,
# "Security and production"; tests/core/test_production.py runs it).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only: plain HTTP is redirected (the load balancer's /healthz probe is exempt) and
# browsers are told to remember it (HSTS, a year unless SECURE_HSTS_SECONDS says otherwise).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is the owner's decision for their whole domain (SECURE_HSTS_PRELOAD=1).
    "security.W021",
]

# Request bodies (orderhub/core/limits.py refuses larger ones with 413 before reading them):
# any body, signed channel pushes included, and any multipart upload (channel spreadsheets,
# payment statements, stock, invoices).
ORDERHUB_MAX_BODY_BYTES = int(os.environ.get("ORDERHUB_MAX_BODY_BYTES", str(50 * 1024 * 1024)))
ORDERHUB_UPLOAD_MAX_BYTES = int(os.environ.get("ORDERHUB_UPLOAD_MAX_BYTES",
                                               str(20 * 1024 * 1024)))

# Exports never carry a formula someone typed (orderhub/core/spreadsheets.py); a control
# character openpyxl cannot write becomes U+FFFD instead of failing the export.
# (classes, as django-import-export wants them; imports stay as django-import-export reads them)
from orderhub.core.spreadsheets import SafeCSV, SafeXLSX  # noqa: E402

EXPORT_FORMATS = [SafeCSV, SafeXLSX]
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

# --- Login throttling (django-axes) -----------------------------------------------------------
# Failed logins (the admin's form and POST /api/auth/token/) are counted per user name and
# address; past AXES_FAILURE_LIMIT the pair is locked out for AXES_COOLOFF_MINUTES (429).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "orderhub.core.history.client_ip"
AXES_HTTP_RESPONSE_CODE = 429

# --- Audit trail ----------------------------------------------------------------------------
# Reverting an FSM-protected model from history raises ConcurrentTransition (PITFALLS.md).
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_DATE_INDEX = "Composite"
# The user recorded for changes made by background tasks and commands.
ORDERHUB_SYSTEM_USERNAME = "system"

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # DRF's own three, with the multipart parser that refuses NUL (orderhub/core/nul_guard.py).
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "orderhub.core.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "orderhub.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Order Hub API",
    "DESCRIPTION": "订单中枢: every channel's orders in one place. See DESIGN.md section 4.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Background jobs (django-q2, ORM broker) ------------------------------------------------
Q_CLUSTER = {
    "name": "orderhub",
    "orm": "default",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 300,
    "retry": 360,  # must exceed timeout or tasks run twice (PITFALLS.md)
    "max_attempts": 5,
    # The newest 250 successful results are kept (django-q2's default, pinned): the worker
    # heartbeat of /healthz reads the newest (orderhub/core/selectors.py). Never 0 (no pruning)
    # or negative (successes not saved).
    "save_limit": 250,
    "catch_up": False,
    "sync": env_bool("Q_SYNC", False),
    "label": _("Background jobs"),
}

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "orderhub@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Channels (issue 3: getting orders in) ---------------------------------------------------
# The folder the daily schedule imports spreadsheets from (processed files move to processed/
# or failed/ beside a per-row report), and the largest body a channel may post at once.
ORDERHUB_IMPORT_DIR = Path(os.environ.get("ORDERHUB_IMPORT_DIR", BASE_DIR / "var" / "imports"))
ORDERHUB_CHANNEL_MAX_BODY_BYTES = int(
    os.environ.get("ORDERHUB_CHANNEL_MAX_BODY_BYTES", str(50 * 1024 * 1024))
)

# --- Deadlines and alerts (issue 5) -----------------------------------------------------------
# At most this many new breaches are raised per sweep run (most overdue first); the scheduled
# task runs again at once for the rest, so a burst after downtime never blocks the minute.
ORDERHUB_SLA_SWEEP_BATCH = int(os.environ.get("ORDERHUB_SLA_SWEEP_BATCH", "1000"))
# The hub's public address, e.g. https://hub.example.com: links in alert messages (e-mail, chat
# robots), the buyer's tracking link in webhook deliveries, the courier push address. Unset, a
# link takes the asking request's host, else http://localhost:8000 (orderhub/core/site.py); with
# DEBUG off, `manage.py check --deploy` warns (orderhub.W001) while it is unset.
ORDERHUB_BASE_URL = os.environ.get("ORDERHUB_BASE_URL", "")

# --- Events between the apps and /healthz (issue 9) --------------------------------------------
# An event's handler is tried this many times (5 s, 30 s, 2 min, … apart) before its task becomes
# a dead letter that operations retry or discard; handled events are kept this many days.
ORDERHUB_EVENT_MAX_ATTEMPTS = int(os.environ.get("ORDERHUB_EVENT_MAX_ATTEMPTS", "8"))
ORDERHUB_EVENTS_KEEP_DAYS = int(os.environ.get("ORDERHUB_EVENTS_KEEP_DAYS", "14"))
# /healthz answers 503 past these: no worker finished a task, or an effect waits to be handled.
ORDERHUB_HEALTH_WORKER_MAX_SECONDS = int(os.environ.get("ORDERHUB_HEALTH_WORKER_MAX_SECONDS", "180"))
ORDERHUB_HEALTH_EVENT_MAX_SECONDS = int(os.environ.get("ORDERHUB_HEALTH_EVENT_MAX_SECONDS", "300"))

# --- Webhooks to integrators (DESIGN.md section 4, "Events out") -------------------------------
# Subscribed URLs must resolve to public addresses (no loopback, private, link-local, ...), so
# that a token cannot make the hub call internal services; 1 lifts that for a test bench or a
# receiver inside the same private network.
ORDERHUB_WEBHOOKS_ALLOW_PRIVATE = env_bool("ORDERHUB_WEBHOOKS_ALLOW_PRIVATE", False)
# Sent and given-up deliveries (with their attempts) are kept this many days.
ORDERHUB_WEBHOOKS_KEEP_DAYS = int(os.environ.get("ORDERHUB_WEBHOOKS_KEEP_DAYS", "14"))

# --- Shipping write-back to the channels (issue 10) --------------------------------------------
# A platform call waits this long for its answer; a write-back that the platform has not
# decided is tried this many times (10 s, 1 min, 5 min, … then hourly) before it gives up and
# alerts; and it alerts anyway when it is not confirmed this many minutes before the order's
# ship-by time.
ORDERHUB_WRITEBACK_TIMEOUT_SECONDS = float(os.environ.get("ORDERHUB_WRITEBACK_TIMEOUT_SECONDS", "10"))
ORDERHUB_WRITEBACK_MAX_ATTEMPTS = int(os.environ.get("ORDERHUB_WRITEBACK_MAX_ATTEMPTS", "24"))
ORDERHUB_WRITEBACK_ALERT_MINUTES = int(os.environ.get("ORDERHUB_WRITEBACK_ALERT_MINUTES", "60"))

# --- Shipments and courier tracking (issue 10) -------------------------------------------------
# Kuaidi100: the salt that signs its pushes (sign = upper-case MD5 of param + salt), the
# enterprise key and customer id of the subscription (poll) request, the secret of the
# electronic-waybill request, the partner account at the carrier, and the addresses called.
ORDERHUB_KUAIDI100_SALT = os.environ.get("ORDERHUB_KUAIDI100_SALT", "")
ORDERHUB_KUAIDI100_KEY = os.environ.get("ORDERHUB_KUAIDI100_KEY", "")
ORDERHUB_KUAIDI100_SECRET = os.environ.get("ORDERHUB_KUAIDI100_SECRET", "")
ORDERHUB_KUAIDI100_PARTNER_ID = os.environ.get("ORDERHUB_KUAIDI100_PARTNER_ID", "")
ORDERHUB_KUAIDI100_PARTNER_KEY = os.environ.get("ORDERHUB_KUAIDI100_PARTNER_KEY", "")
ORDERHUB_KUAIDI100_POLL_URL = os.environ.get("ORDERHUB_KUAIDI100_POLL_URL",
                                             "https://poll.kuaidi100.com/poll")
ORDERHUB_KUAIDI100_LABEL_URL = os.environ.get("ORDERHUB_KUAIDI100_LABEL_URL",
                                              "https://api.kuaidi100.com/label/order")
ORDERHUB_KUAIDI100_TIMEOUT_SECONDS = float(os.environ.get("ORDERHUB_KUAIDI100_TIMEOUT_SECONDS", "10"))
# The sender printed on electronic waybills.
ORDERHUB_SHIPPER_NAME = os.environ.get("ORDERHUB_SHIPPER_NAME", "")
ORDERHUB_SHIPPER_PHONE = os.environ.get("ORDERHUB_SHIPPER_PHONE", "")
ORDERHUB_SHIPPER_ADDRESS = os.environ.get("ORDERHUB_SHIPPER_ADDRESS", "")
# SF's route push: the token expected in the push URL's ``?token=`` (SF's push carries no
# signature of its own; empty refuses every SF push).
ORDERHUB_SF_PUSH_TOKEN = os.environ.get("ORDERHUB_SF_PUSH_TOKEN", "")
# A courier push larger than this is refused (and only this much of it is stored).
ORDERHUB_COURIER_PUSH_MAX_BYTES = int(os.environ.get("ORDERHUB_COURIER_PUSH_MAX_BYTES", str(256 * 1024)))
# Expected delivery when a carrier has too few measured deliveries on a route (days).
ORDERHUB_EXPECTED_DELIVERY_DAYS = int(os.environ.get("ORDERHUB_EXPECTED_DELIVERY_DAYS", "3"))
# At most this many stale-trace alerts a sweep run; the task runs batches back to back.
ORDERHUB_TRACE_SWEEP_BATCH = int(os.environ.get("ORDERHUB_TRACE_SWEEP_BATCH", "500"))
# After-sales: the answer window when a platform sends no deadline of its own (hours).
ORDERHUB_AFTERSALES_WINDOW_HOURS = int(os.environ.get("ORDERHUB_AFTERSALES_WINDOW_HOURS", "48"))
