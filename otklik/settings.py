"""Django settings. Every value comes from an environment variable with a safe default."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from otklik.core.processes import default_processes

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("OTKLIK_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "да"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("OTKLIK_DEBUG", False)
SECRET_KEY = os.environ.get("OTKLIK_SECRET_KEY", "")
if not SECRET_KEY:
    # A development-only key; production must set OTKLIK_SECRET_KEY (see README, "Configuration").
    SECRET_KEY = "otklik-insecure-development-key-set-OTKLIK_SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("OTKLIK_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("OTKLIK_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "otklik.core",
    "otklik.territory",
    "otklik.org",
    "otklik.cases",
    "otklik.audit",
    "otklik.notifications",
    "otklik.api",
    "otklik.intake",
    "otklik.quality",
    "otklik.nlp",
    "otklik.analytics",
    "otklik.problems",
    "otklik.participation",
    "otklik.publications",
    "otklik.reports",
    "otklik.accounts",
    "otklik.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "otklik.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "otklik.web.middleware.MunicipalityTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "otklik.accounts.middleware.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a lock-out noticed during the request into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

# Calls authenticated by an API token go through this shorter chain (otklik.wsgi): the same security
# headers, NUL refusal and common checks, in the same order; nothing of a browser's session.
API_TOKEN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "otklik.api.middleware.FixedPolicyCSPMiddleware",  # django-csp's policy, built once
    "otklik.core.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "otklik.api.middleware.AnonymousUntilTokenMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "otklik.urls"
WSGI_APPLICATION = "otklik.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "otklik.web.context_processors.product",
            ],
        },
    },
]

DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'otklik.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; a busy timeout avoids "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )

# The planner's cost of a random page read on PostgreSQL, sent with each connection: 1.1 (the usual value
# for SSDs and for data held in memory) instead of the server's default 4, which priced index probes so
# high that the dashboard's rating count took a parallel scan of every rating (68 ms) over an index
# nested loop (19 ms). Empty: the server's own setting (then set it there, docs/deploy.md).
OTKLIK_PG_RANDOM_PAGE_COST = os.environ.get("OTKLIK_PG_RANDOM_PAGE_COST", "1.1").strip()
if OTKLIK_PG_RANDOM_PAGE_COST:
    try:
        if float(OTKLIK_PG_RANDOM_PAGE_COST) <= 0:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            "OTKLIK_PG_RANDOM_PAGE_COST: нужно положительное число, например 1.1, "
            f"а не «{OTKLIK_PG_RANDOM_PAGE_COST}»"
        ) from None


def _planner_options(database: dict[str, Any]) -> None:
    if database["ENGINE"] != "django.db.backends.postgresql" or not OTKLIK_PG_RANDOM_PAGE_COST:
        return
    options = database.setdefault("OPTIONS", {})
    given = options.get("options", "")
    if "random_page_cost" not in given:  # one given in DATABASE_URL wins
        options["options"] = f"{given} -c random_page_cost={OTKLIK_PG_RANDOM_PAGE_COST}".strip()


_planner_options(DATABASES["default"])

# The hottest statements (an API call's token and roles, the registration counter) are kept
# prepared on each PostgreSQL connection: the server parses and plans them once per connection, not
# once per request (otklik.core.fastsql.prepared_cursor). Off ("0") behind a pooler that cannot carry
# prepared statements (PgBouncer in transaction mode before 1.21; docs/deploy.md).
OTKLIK_PG_PREPARED_STATEMENTS = env_bool("OTKLIK_PG_PREPARED_STATEMENTS", True)


def _prepared_statements(database: dict[str, Any]) -> None:
    # psycopg prepares nothing unless the connection has a threshold (Django's own cursors bind on the
    # client and never prepare, whatever it is); fastsql's cursor asks for each of its statements.
    # A threshold given in the database's URL wins.
    if OTKLIK_PG_PREPARED_STATEMENTS and database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)


_prepared_statements(DATABASES["default"])

# Seconds during which a PostgreSQL connection that passed its health check passes again without a
# `SELECT 1` (otklik.core.postgresql: the server's closing of a connection is still seen at once);
# 0: Django's check by a statement at the start of every request.
try:
    OTKLIK_PG_HEALTH_CHECK_SECONDS = float(os.environ.get("OTKLIK_PG_HEALTH_CHECK_SECONDS", "1"))
    if OTKLIK_PG_HEALTH_CHECK_SECONDS < 0:
        raise ValueError
except ValueError:
    raise ImproperlyConfigured(
        "OTKLIK_PG_HEALTH_CHECK_SECONDS: нужно неотрицательное число секунд, например 1, а не "
        f"«{os.environ.get('OTKLIK_PG_HEALTH_CHECK_SECONDS')}»"
    ) from None
POSTGRESQL_ENGINE = "otklik.core.postgresql"


def _engine(database: dict[str, Any]) -> None:
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["ENGINE"] = POSTGRESQL_ENGINE


_engine(DATABASES["default"])

# A streaming replica of the PostgreSQL primary (docs/deploy.md): when set, the dashboard, the ratings and
# the reports read from it inside `otklik.core.db_router.use_replica()`; everything else uses the primary.
OTKLIK_REPLICA_DATABASE_URL = os.environ.get("OTKLIK_REPLICA_DATABASE_URL", "")
if OTKLIK_REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        OTKLIK_REPLICA_DATABASE_URL, conn_max_age=60, conn_health_checks=True
    )
    # Tests read the primary's test database through this alias; no second test database is made.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    _planner_options(DATABASES["replica"])
    _prepared_statements(DATABASES["replica"])
    _engine(DATABASES["replica"])
DATABASE_ROUTERS = ["otklik.core.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("OTKLIK_SESSION_SECONDS", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lock-out after repeated failed logins (django-axes, kept in the database so that every server process
# and worker sees the same count): OTKLIK_LOGIN_FAILURES wrong passwords or codes for one user name from
# one address lock that pair for OTKLIK_LOCKOUT_MINUTES. `otklik unlock USERNAME` lifts it earlier.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
OTKLIK_LOGIN_FAILURES = int(os.environ.get("OTKLIK_LOGIN_FAILURES", "5"))
OTKLIK_LOCKOUT_MINUTES = int(os.environ.get("OTKLIK_LOCKOUT_MINUTES", "30"))
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = OTKLIK_LOGIN_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=OTKLIK_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lock lasts the announced time; attempts made meanwhile do not prolong it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "otklik.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "otklik.intake.webform.services.client_ip"
AXES_VERBOSE = False

# Optional second factor (TOTP, django-otp); OTKLIK_REQUIRE_2FA_FOR_ADMINS makes it compulsory for staff.
OTKLIK_REQUIRE_2FA_FOR_ADMINS = env_bool("OTKLIK_REQUIRE_2FA_FOR_ADMINS", False)
OTP_TOTP_ISSUER = "Отклик"

HTTPS = env_bool("OTKLIK_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("OTKLIK_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): scripts and styles from our own static files only — no inline
# scripts, no inline styles, no CDN; data: images for the QR code of the second factor.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
# The default zone of the installation; each municipality carries its own (Municipality.timezone).
TIME_ZONE = os.environ.get("OTKLIK_TIME_ZONE", "Europe/Volgograd")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end packages come from the npm registry at set-up (package.json) and are served by the app.
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{prefix}", NODE_MODULES / path)
    for prefix, path in (("htmx", "htmx.org/dist"), ("echarts", "echarts/dist"))
    if (NODE_MODULES / path).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("OTKLIK_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

EMAIL_BACKEND = os.environ.get("OTKLIK_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("OTKLIK_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("OTKLIK_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("OTKLIK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("OTKLIK_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("OTKLIK_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("OTKLIK_EMAIL_FROM", "otklik@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OTKLIK_LOG_LEVEL", "INFO")},
    "loggers": {
        "pymorphy3": {"level": "WARNING"},
        "pymorphy2": {"level": "WARNING"},
        # Failed logins and lock-outs are warnings; every successful login would be noise.
        "axes": {"level": "WARNING"},
    },
}

# Background work: the Django tasks API with its database backend; `otklik worker` runs the queue and the
# periodic jobs (deadline watch, escalation, e-mail, daily digest).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
OTKLIK_WATCH_INTERVAL = int(os.environ.get("OTKLIK_WATCH_INTERVAL", "300"))
#: A task still "running" this many minutes after it started lost its worker (killed, machine restarted):
#: `otklik worker` puts it back on the queue. Longer than the longest task (a region's report, an import).
OTKLIK_TASK_STALE_MINUTES = int(os.environ.get("OTKLIK_TASK_STALE_MINUTES", "60"))
# Processes that draw a large report's charts (otklik.reports.charts.draw_all); 1 draws them in the
# building process itself.
OTKLIK_REPORT_PROCESSES = max(1, int(os.environ.get("OTKLIK_REPORT_PROCESSES") or default_processes()))
#: Reference data (territory, topics, routing) is cached per process; another process's edit is seen within
#: this many seconds (an edit in the same process at once).
OTKLIK_CACHE_CHECK_SECONDS = float(os.environ.get("OTKLIK_CACHE_CHECK_SECONDS", "2"))
OTKLIK_DIGEST_HOUR = int(os.environ.get("OTKLIK_DIGEST_HOUR", "8"))
OTKLIK_BASE_URL = os.environ.get("OTKLIK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
OTKLIK_CALENDAR_DIR = os.environ.get("OTKLIK_CALENDAR_DIR", "")

OTKLIK_PRODUCT_NAME = "Отклик"
# The centre's mailbox for e-mail appeals: `otklik email poll`, and the worker every OTKLIK_IMAP_INTERVAL s.
OTKLIK_IMAP_HOST = os.environ.get("OTKLIK_IMAP_HOST", "")
OTKLIK_IMAP_PORT = int(os.environ.get("OTKLIK_IMAP_PORT", "993"))
OTKLIK_IMAP_USER = os.environ.get("OTKLIK_IMAP_USER", "")
OTKLIK_IMAP_PASSWORD = os.environ.get("OTKLIK_IMAP_PASSWORD", "")
OTKLIK_IMAP_SSL = env_bool("OTKLIK_IMAP_SSL", True)
OTKLIK_IMAP_FOLDER = os.environ.get("OTKLIK_IMAP_FOLDER", "INBOX")
OTKLIK_IMAP_DONE_FOLDER = os.environ.get("OTKLIK_IMAP_DONE_FOLDER", "")
OTKLIK_IMAP_MUNICIPALITY = os.environ.get("OTKLIK_IMAP_MUNICIPALITY", "")
OTKLIK_IMAP_INTERVAL = int(os.environ.get("OTKLIK_IMAP_INTERVAL", "300"))
OTKLIK_WEBFORM_PER_HOUR = int(os.environ.get("OTKLIK_WEBFORM_PER_HOUR", "5"))
#: Retention (152-ФЗ): personal data of cases closed this many days ago is removed by `otklik purge`
#: (authors' data, attachments, unmasked texts; the anonymised case stays for statistics).
OTKLIK_PD_RETENTION_DAYS = int(os.environ.get("OTKLIK_PD_RETENTION_DAYS", str(5 * 365)))
#: The personal-data access log and import rejections (raw rows) are kept this many days.
OTKLIK_LOG_RETENTION_DAYS = int(os.environ.get("OTKLIK_LOG_RETENTION_DAYS", str(3 * 365)))
#: Posts of the one-page rating form per client address and hour.
OTKLIK_RATING_PER_HOUR = int(os.environ.get("OTKLIK_RATING_PER_HOUR", "30"))
OTKLIK_WEBFORM_PER_DAY = int(os.environ.get("OTKLIK_WEBFORM_PER_DAY", "20"))
# How many reverse proxies of our own stand in front of the app; 0: X-Forwarded-For is ignored.
OTKLIK_TRUSTED_PROXIES = int(
    os.environ.get("OTKLIK_TRUSTED_PROXIES", "1" if env_bool("OTKLIK_TRUSTED_PROXY", False) else "0")
)
#: Largest export file `otklik import` and the page «Импорт» accept, MB.
OTKLIK_IMPORT_MAX_MB = int(os.environ.get("OTKLIK_IMPORT_MAX_MB", "25"))
OTKLIK_TOPIC_THRESHOLD = float(os.environ.get("OTKLIK_TOPIC_THRESHOLD", "0.5"))
OTKLIK_OPEN311_PUBLIC_CHANNELS = os.environ.get("OTKLIK_OPEN311_PUBLIC_CHANNELS", "open311")
OTKLIK_DEFAULT_MUNICIPALITY = os.environ.get("OTKLIK_MUNICIPALITY", "kotelnikovo")

# Polls, votes and public discussions (docs/participation.md).
#: The SMS gateway for one-time codes: a class path; "" turns codes by SMS off (e-mail only).
OTKLIK_SMS_BACKEND = os.environ.get("OTKLIK_SMS_BACKEND", "otklik.participation.sms.FileSmsBackend")
OTKLIK_SMS_DIR = os.environ.get("OTKLIK_SMS_DIR", str(VAR_DIR / "sms"))
#: The key of the residents' contact hashes (one vote per resident); SECRET_KEY when empty.
OTKLIK_PARTICIPATION_KEY = os.environ.get("OTKLIK_PARTICIPATION_KEY", "")
OTKLIK_CODE_PER_HOUR = int(os.environ.get("OTKLIK_CODE_PER_HOUR", "10"))
OTKLIK_VOTE_PER_HOUR = int(os.environ.get("OTKLIK_VOTE_PER_HOUR", "30"))
OTKLIK_COMMENT_PER_HOUR = int(os.environ.get("OTKLIK_COMMENT_PER_HOUR", "10"))
# Publications on the administration's official pages (docs/participation.md, «Публикации»).
OTKLIK_PUBLICATION_SENDER = os.environ.get(
    "OTKLIK_PUBLICATION_SENDER", "otklik.publications.senders.FileSender"
)
OTKLIK_PUBLICATION_DIR = os.environ.get("OTKLIK_PUBLICATION_DIR", str(VAR_DIR / "publications"))
OTKLIK_PUBLICATION_WEBHOOK_URL = os.environ.get("OTKLIK_PUBLICATION_WEBHOOK_URL", "")
OTKLIK_PUBLICATION_WEBHOOK_TOKEN = os.environ.get("OTKLIK_PUBLICATION_WEBHOOK_TOKEN", "")
OTKLIK_PUBLICATION_WEBHOOK_TIMEOUT = int(os.environ.get("OTKLIK_PUBLICATION_WEBHOOK_TIMEOUT", "15"))
