"""One settings module, driven by environment variables.

SQLite (WAL) is the embedded default; DATABASE_URL=postgres://… switches to PostgreSQL.
Rule thresholds, lockout and idle timeouts live in the runtime settings table (core.RuntimeSetting),
not here: the office and the security administrator change them on a page.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from jianfu.core.syslog_forward import logging_config as _syslog_config

BASE_DIR = Path(__file__).resolve().parent
# Where the embedded database, uploaded files and the audit chain heads live.
VAR_DIR = Path(os.environ.get("JIANFU_VAR_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # An embedded install keeps a generated key beside its database so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


DEBUG = _env_bool("DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
TESTING = _env_bool("JIANFU_TESTING")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "template_partials",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "jianfu.core",
    "jianfu.administration",
    "jianfu.registry",
    "jianfu.monitoring",
    "jianfu.signals",
    "jianfu.rectification",
    "jianfu.supervision",
    "jianfu.gate",
    "jianfu.accountability",
    # After the apps whose pages it places its navigation entries among.
    "jianfu.notify",
    "jianfu.bulletins",
    "jianfu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jianfu.core.middleware.ApiErrorsAsJsonMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jianfu.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jianfu.core.middleware.RoleCacheMiddleware",
    "jianfu.core.scope_guard.ScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jianfu.core.middleware.IdleTimeoutMiddleware",
    "jianfu.core.middleware.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jianfu.core.middleware.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jianfu.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "jianfu.urls"
WSGI_APPLICATION = "jianfu.wsgi.application"

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
                "csp.context_processors.nonce",
                "jianfu.core.navigation.context",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{VAR_DIR / 'jianfu.sqlite3'}"


def _database(url: str) -> dict:
    """A database from its URL: persistent connections, checked at each request; PostgreSQL's
    check asks the socket, not the server (core/postgresql)."""
    db = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if db["ENGINE"] == "django.db.backends.postgresql":
        db["ENGINE"] = "jianfu.core.postgresql"
    return db


DATABASES = {"default": _database(os.environ.get("DATABASE_URL") or _default_db)}  # empty: unset
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN, so two
    # writers queue on the busy timeout instead of failing "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-64000;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else 600
# A PostgreSQL replica for the pages marked read-only (core/replica.py); every write, every read
# inside a transaction, and the accounts, sessions and audit chain stay on the primary.
if _replica := os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = _database(_replica)
    DATABASE_ROUTERS = ["jianfu.core.replica.ReplicaRouter"]
    # Only with a replica: without one, the month-end burst pays nothing for it.
    MIDDLEWARE.append("jianfu.core.replica.ReplicaReadsMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

# --- Background work ----------------------------------------------------------------------------
# JIANFU_TASK_BACKEND: "database" (the default: a queue in the database, one machine) or "rq"
# (Redis at JIANFU_REDIS_URL: web processes and task workers on several machines), or a dotted path.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_task_backend = os.environ.get("JIANFU_TASK_BACKEND", "immediate" if TESTING else "database")
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS.get(_task_backend, _task_backend),
        "QUEUES": ["default"],
    }
}
if TASKS["default"]["BACKEND"] == _TASK_BACKENDS["rq"]:
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("JIANFU_REDIS_URL", "redis://127.0.0.1:6379/0"),
            # A nightly rule run over a province takes minutes; rq's default is 3.
            "DEFAULT_TIMEOUT": 3600,
        }
    }

# --- Authentication and sessions (等保2.0 level 3 baseline) ------------------------------------
# ModelBackend, reading the session's account with one plain statement (see the class).
AUTHENTICATION_BACKENDS = ["jianfu.core.security.AccountBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "jianfu.core.security.ComplexityValidator"},
    # Django's list of 20,000 common passwords and our own, after undoing "Passw0rd!"-style
    # disguises; then no reuse of the last five passwords.
    {"NAME": "jianfu.core.passwords.CommonPasswordValidator"},
    {"NAME": "jianfu.core.passwords.HistoryValidator"},
]
# The authenticator app shows this name beside the account.
OTP_TOTP_ISSUER = "jianfu"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The idle timeout proper is enforced by IdleTimeoutMiddleware from the runtime settings; this is
# the hard ceiling of a session's life.
SESSION_COOKIE_AGE = 12 * 3600
# Django's database sessions, read and updated by one plain statement each (see the module).
SESSION_ENGINE = "jianfu.core.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Secure cookies and HSTS when served over HTTPS; off by default so the demo works over plain http
# on a LAN address.
HTTPS = _env_bool("JIANFU_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict Content-Security-Policy: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------------
STATIC_URL = "static/"
# Behind nginx the collected files sit where nginx may read them, outside the private var dir.
STATIC_ROOT = Path(os.environ.get("JIANFU_STATIC_ROOT", VAR_DIR / "static")).resolve()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at start-up when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "files"
# Uploaded spreadsheets are refused above this size (bytes).
UPLOAD_MAX_BYTES = int(os.environ.get("JIANFU_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
# A spreadsheet is parsed in a child process (core.sheet_guard): the memory it may take on top of
# what it inherits, and its CPU seconds. Its first sheet's XML (with the shared strings) is not
# inflated beyond SHEET_XML bytes. The rows and columns an import allows are runtime settings.
SHEET_PARSE_MEMORY_MB = int(os.environ.get("JIANFU_SHEET_PARSE_MEMORY_MB", 2048))
SHEET_PARSE_SECONDS = int(os.environ.get("JIANFU_SHEET_PARSE_SECONDS", 120))
# An uploaded file no import refers to is removed once it is this old (a server stopped in the
# middle of an import leaves one); younger ones may belong to an import under way.
UPLOAD_ORPHAN_MINUTES = int(os.environ.get("JIANFU_UPLOAD_ORPHAN_MINUTES", 60))
UPLOAD_MAX_SHEET_XML_BYTES = int(
    os.environ.get("JIANFU_UPLOAD_MAX_SHEET_XML_BYTES", 400 * 1024 * 1024)
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # The level on the handler too: a record that propagates from a logger of its own level
    # (Django's request log warns on every 4xx) passes the root's level unchecked.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": LOG_LEVEL,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
# Audit entries and checkpoints go to syslog too ("host:port" over UDP, or /dev/log): what the
# syslog server received, the database writer cannot rewrite. See core.syslog_forward.
SYSLOG_ADDRESS = os.environ.get("JIANFU_SYSLOG_ADDRESS", "")
_syslog = _syslog_config(SYSLOG_ADDRESS)
LOGGING["handlers"].update(_syslog["handlers"])
LOGGING["loggers"]["jianfu.audit.syslog"] = _syslog["logger"]
# The audit chain's written heads. In production a directory the application may only append to,
# owned by another user (chattr +a), outside VAR_DIR: the deploy check jianfu.W012 says so.
AUDIT_CHECKPOINT_DIR = Path(
    os.environ.get("JIANFU_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit")
).resolve()
# Where `jianfu backup` writes when no --to is given.
BACKUP_DIR = Path(os.environ.get("JIANFU_BACKUP_DIR", VAR_DIR / "backups")).resolve()

NINJA_PAGINATION_PER_PAGE = 50
JIANFU_SITE_TITLE = _("基层减负监测平台")
