"""Settings, read from the environment (documented in docs/configuration.md).

Two modes: ``JILIANG_ENV=development`` (the default; what `make demo` runs) generates a secret
key into ``var/`` on first run, and ``JILIANG_ENV=production`` refuses to start unless the operator
has given a secret key, turned DEBUG off and named the allowed hosts.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from jiliang.config import (
    ConfigurationError,
    env_bool,
    env_int,
    env_list,
    load_or_create_secret_key,
    secret_key_weakness,
    var_dir,
)
from jiliang.proxies import parse_networks

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = var_dir()

JILIANG_ENV = os.environ.get("JILIANG_ENV", "development")
if JILIANG_ENV not in {"development", "production"}:
    raise ConfigurationError(
        f"JILIANG_ENV must be 'development' or 'production', not {JILIANG_ENV!r}."
    )
PRODUCTION = JILIANG_ENV == "production"

DEBUG = env_bool("JILIANG_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ConfigurationError(
        "JILIANG_DEBUG is on while JILIANG_ENV=production: debug pages leak source code and "
        "settings. Unset JILIANG_DEBUG before starting a production server."
    )

SECRET_KEY = os.environ.get("JILIANG_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ConfigurationError(
            "JILIANG_SECRET_KEY is not set while JILIANG_ENV=production. Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` and put it in the "
            "service's environment (never in the repository)."
        )
    SECRET_KEY = load_or_create_secret_key(VAR_DIR / "secret_key")
if PRODUCTION and (weakness := secret_key_weakness(SECRET_KEY)):
    raise ConfigurationError(
        f"JILIANG_SECRET_KEY is too weak for JILIANG_ENV=production: {weakness}. Generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env_list("JILIANG_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigurationError(
        "JILIANG_ALLOWED_HOSTS is empty while JILIANG_ENV=production: name the host names the "
        "platform is served under, comma-separated (e.g. jiliang.bzsjj.gov.cn)."
    )
CSRF_TRUSTED_ORIGINS = env_list("JILIANG_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "jiliang.ui",
    "jiliang.accounts",
    "jiliang.registry",
    "jiliang.verification",
    "jiliang.ledger",
    "jiliang.monitoring",
    "jiliang.dashboard",
    "jiliang.notifications",
    "jiliang.credit",
    "jiliang.supervision",
    "jiliang.enforcement",
    "jiliang.portal",
    "jiliang.jobs",
    "jiliang.operations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "jiliang.health.HealthMiddleware",
    "jiliang.accounts.middleware.RequestContextMiddleware",
    # Outside Django's own answers: an /api/ error Django answers itself (unknown path, 405, body too
    # large) gets the API's error body, with the request id set just above.
    "jiliang.api_contract.ErrorBodies",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiliang.accounts.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # A QR scan of the public check answered from the shared page here, before the rest (its docstring).
    "jiliang.verification.public_views.SharedCheckPageMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "jiliang.accounts.middleware.SignInPolicyMiddleware",
    "jiliang.textguard.RejectControlCharactersMiddleware",
    # Axes last, as its documentation asks: it must see the authenticated request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiliang.urls"
WSGI_APPLICATION = "jiliang.wsgi.application"
ASGI_APPLICATION = "jiliang.asgi.application"

# Django's form rendering, with <select> written in Python (ui/renderers.py: a template include per option
# was the costliest part of pages with a county or type select).
FORM_RENDERER = "jiliang.ui.renderers.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiliang.ui.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'jiliang.sqlite3'}",
        conn_max_age=env_int("JILIANG_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue instead of failing with "database is locked" half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # PostgreSQL's defaults price a random read as on a spinning disk and sort in 4 MB: with them the
    # planner scans all certificates for a recall list rather than follow its index, and the list's
    # sort spills to disk (docs/verification.md, benchmark). Per session, so no server change is needed.
    postgres_options = os.environ.get("JILIANG_POSTGRES_OPTIONS", "-c random_page_cost=1.1 -c work_mem=64MB")
    DATABASES["default"]["OPTIONS"] = {"options": postgres_options} if postgres_options else {}
    # A bounded pool per process (psycopg_pool through Django): a threaded server kept one connection
    # per request thread for CONN_MAX_AGE and exhausted the server's max_connections (issue 15).
    if (pool_size := env_int("JILIANG_DB_POOL_SIZE", 10)) > 0:
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1, "max_size": pool_size, "max_idle": 60, "timeout": env_int("JILIANG_DB_POOL_TIMEOUT", 30),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django's pool requires it: a request returns its connection
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "ui:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "ui:login"

# Password policy of a government system (GB/T 22239 level 3 asks for complexity and length).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("JILIANG_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jiliang.accounts.passwords.CharacterClassValidator"},
]

# Login throttling (docs/security.md): an account locks after AXES_FAILURE_LIMIT failures, a client
# address after JILIANG_LOGIN_ADDRESS_FAILURE_LIMIT failures over any usernames, each for the
# cool-off time counted from the failure that locked it: attempts during a lock do not prolong it,
# so nobody can keep an officer locked out by guessing on.
AXES_FAILURE_LIMIT = env_int("JILIANG_LOGIN_FAILURE_LIMIT", 5)
JILIANG_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("JILIANG_LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("JILIANG_LOGIN_LOCK_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "jiliang.accounts.lockout.LockoutHandler"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "ui/locked_out.html"
AXES_VERBOSE = False

# Privileged roles ("admin": the back office's superusers and staff) sign in with a second factor
# (TOTP) and change their password every JILIANG_PASSWORD_MAX_AGE_DAYS days (0: never), by default
# in production only, so a development trial signs in with the password alone (docs/security.md).
JILIANG_PRIVILEGED_ROLES = env_list("JILIANG_PRIVILEGED_ROLES", ["city_regulator", "auditor", "admin"])
JILIANG_TWO_FACTOR_REQUIRED = env_bool("JILIANG_TWO_FACTOR_REQUIRED", PRODUCTION)
JILIANG_PASSWORD_MAX_AGE_DAYS = env_int("JILIANG_PASSWORD_MAX_AGE_DAYS", 90 if PRODUCTION else 0)
# The city's and the bureau's names, in Chinese, as every page header, label and certificate shows
# them: another city sets its own with its divisions (jiliang load-divisions, JILIANG_CITY_DIVISION_CODE).
JILIANG_CITY_NAME = os.environ.get("JILIANG_CITY_NAME", "巴中市")
JILIANG_BUREAU_NAME = os.environ.get("JILIANG_BUREAU_NAME", f"{JILIANG_CITY_NAME}市场监督管理局")
# The public portal's footer (docs/configuration.md): the site's filing numbers (ICP备案, 公安备案) and
# the bureau's public contact details; each one left empty is not shown.
JILIANG_ICP_FILING = os.environ.get("JILIANG_ICP_FILING", "")
JILIANG_POLICE_FILING = os.environ.get("JILIANG_POLICE_FILING", "")
JILIANG_CONTACT_PHONE = os.environ.get("JILIANG_CONTACT_PHONE", "12315")
JILIANG_CONTACT_ADDRESS = os.environ.get("JILIANG_CONTACT_ADDRESS", "")
OTP_TOTP_ISSUER = os.environ.get("JILIANG_TWO_FACTOR_ISSUER", f"{JILIANG_CITY_NAME}智慧计量")
JILIANG_RECOVERY_CODES = 10
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# API tokens (docs/security.md): a token expires after JILIANG_API_TOKEN_DAYS unless its owner
# chooses fewer days, and never later than JILIANG_API_TOKEN_MAX_DAYS.
JILIANG_API_TOKEN_DAYS = env_int("JILIANG_API_TOKEN_DAYS", 90)
JILIANG_API_TOKEN_MAX_DAYS = env_int("JILIANG_API_TOKEN_MAX_DAYS", 365)

# The API description (/api/docs, /api/openapi.json) lists every endpoint: signed-in users only in production.
JILIANG_API_DOCS_LOGIN_REQUIRED = env_bool("JILIANG_API_DOCS_LOGIN_REQUIRED", PRODUCTION)

# Sessions end after this many idle minutes; use renews them, at most once a minute
# (accounts.middleware.SessionRenewalMiddleware).
SESSION_COOKIE_AGE = env_int("JILIANG_SESSION_IDLE_MINUTES", 30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Behind TLS (a reverse proxy terminating HTTPS): secure cookies, HSTS, redirect to https.
BEHIND_TLS = env_bool("JILIANG_BEHIND_TLS", PRODUCTION)
if BEHIND_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("JILIANG_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("JILIANG_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: only our own origin, no inline script, nothing from a CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, untranslated, so a reader finds their own language in the switch.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("JILIANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("JILIANG_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (development, tests) WhiteNoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = False
MEDIA_ROOT = VAR_DIR / "media"
# Temporary files that need a name (large uploads, an import's spooled upload) go here, and only
# here, so that what a killed process leaves behind is found and swept (the tmp.sweep job).
JILIANG_TMP_DIR = Path(os.environ.get("JILIANG_TMP_DIR", VAR_DIR / "tmp"))
JILIANG_TMP_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
FILE_UPLOAD_TEMP_DIR = str(JILIANG_TMP_DIR)

# The city this installation serves: the root of every regulator's jurisdiction by default.
JILIANG_CITY_DIVISION_CODE = os.environ.get("JILIANG_CITY_DIVISION_CODE", "511900")
JILIANG_PAGE_SIZE = env_int("JILIANG_PAGE_SIZE", 50)
JILIANG_EXPORT_MAX_ROWS = env_int("JILIANG_EXPORT_MAX_ROWS", 1_000_000)
# An import or export of more rows runs as a background task in the jobs process, not within the
# web request (docs/operations.md "Background tasks").
JILIANG_BACKGROUND_ROWS = env_int("JILIANG_BACKGROUND_ROWS", 20_000)
# The address people reach the platform at, for links in e-mails and other messages sent outside it.
JILIANG_SITE_URL = os.environ.get("JILIANG_SITE_URL", "http://127.0.0.1:8000")

# Reminders and notifications (docs/verification-due.md). Notifiers by dotted path, comma-separated:
# each class has deliver(notices); add jiliang.notifications.notifiers.EmailNotifier or an SMS
# gateway's adapter here.
JILIANG_NOTIFIERS = env_list("JILIANG_NOTIFIERS", [
    "jiliang.notifications.notifiers.LogNotifier", "jiliang.notifications.notifiers.InAppNotifier",
])
# "Due soon": a verification certificate that expires within this many days.
JILIANG_VERIFICATION_DUE_DAYS = env_int("JILIANG_VERIFICATION_DUE_DAYS", 30)
# How long the home page's due cards and the statistics page keep their figures (0: no caching).
JILIANG_FIGURES_CACHE_SECONDS = env_int("JILIANG_FIGURES_CACHE_SECONDS", 300)
# The dashboard's figures (docs/dashboard.md): how often the job counts them, how many months it keeps.
JILIANG_DASHBOARD_REFRESH_MINUTES = env_int("JILIANG_DASHBOARD_REFRESH_MINUTES", 15)
JILIANG_DASHBOARD_MONTHS = env_int("JILIANG_DASHBOARD_MONTHS", 24)
# The public certificate check (docs/public-check.md): check codes are an HMAC of the certificate
# number under this secret (default: the secret key; set it to keep printed codes when rotating that),
# and a client address gets this many wrong answers per window before it is refused (429).
JILIANG_CHECK_CODE_SECRET = os.environ.get("JILIANG_CHECK_CODE_SECRET", "")
JILIANG_PUBLIC_CHECK_LIMIT = env_int("JILIANG_PUBLIC_CHECK_LIMIT", 10)
# The cache every process shares (docs/configuration.md "Cache"): the public forms' rate limits and
# captcha answers, the figures. Redis when set; else each process's own memory, right only for one process.
JILIANG_REDIS_URL = os.environ.get("JILIANG_REDIS_URL", "")
if JILIANG_REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": JILIANG_REDIS_URL,
                          "KEY_PREFIX": "jiliang"}}
# The public complaint form (enforcement/abuse.py): a captcha after this many submissions from one
# client address in an hour, a refusal after the limit; wrong tracking codes refused past their limit.
JILIANG_COMPLAINT_CAPTCHA_AFTER = env_int("JILIANG_COMPLAINT_CAPTCHA_AFTER", 3)
JILIANG_COMPLAINT_LIMIT_PER_HOUR = env_int("JILIANG_COMPLAINT_LIMIT_PER_HOUR", 20)
JILIANG_COMPLAINT_TRACK_LIMIT = env_int("JILIANG_COMPLAINT_TRACK_LIMIT", 20)
# Two complaints about the same site (or address) and subject within this many days are one.
JILIANG_COMPLAINT_DUPLICATE_DAYS = env_int("JILIANG_COMPLAINT_DUPLICATE_DAYS", 7)
# The key sealing reporters' identities (enforcement/identity.py); SECRET_KEY when empty.
JILIANG_IDENTITY_KEY = os.environ.get("JILIANG_IDENTITY_KEY", "")
# Where the daily sharing export (enforcement/sharing.py) drops its files.
JILIANG_SHARING_DIR = Path(os.environ.get("JILIANG_SHARING_DIR", VAR_DIR / "sharing"))
JILIANG_SHARING_ADAPTER = os.environ.get("JILIANG_SHARING_ADAPTER", "jiliang.enforcement.sharing.FileDropAdapter")
JILIANG_PUBLIC_CHECK_WINDOW_MINUTES = env_int("JILIANG_PUBLIC_CHECK_WINDOW_MINUTES", 15)
EMAIL_HOST = os.environ.get("JILIANG_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("JILIANG_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("JILIANG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("JILIANG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("JILIANG_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("JILIANG_EMAIL_FROM", "jiliang@localhost")

# One line per record: ISO time with its offset in TIME_ZONE, level, logger, request id, message
# (docs/deployment.md); JILIANG_LOG_FORMAT=json writes the same as JSON. Access lines go to the
# "jiliang.access" logger; a request for a host not in ALLOWED_HOSTS is one warning line.
LOG_LEVEL = os.environ.get("JILIANG_LOG_LEVEL", "INFO").upper()
LOG_FORMAT = os.environ.get("JILIANG_LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ConfigurationError(f"JILIANG_LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}.")
JILIANG_ACCESS_LOG = env_bool("JILIANG_ACCESS_LOG", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal_data": {"()": "jiliang.accounts.masking.PersonalDataLogFilter"},
        "request_id": {"()": "jiliang.logs.RequestIdFilter"},
        "no_traceback": {"()": "jiliang.logs.NoTracebackFilter"},
    },
    "formatters": {
        "plain": {"()": "jiliang.logs.IsoFormatter",
                  "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "jiliang.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "mask_personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING" if LOG_LEVEL != "DEBUG" else "INFO"},
        # jiliang.jobs logs each run (start, end, outcome); the scheduler's own lines would repeat it.
        "apscheduler": {"level": "WARNING"},
        "django.security.DisallowedHost": {"level": "WARNING", "filters": ["no_traceback"]},
        "jiliang.access": {"level": "INFO" if JILIANG_ACCESS_LOG else "WARNING"},
    },
}

# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated): the
# client's address in the audit log and the lock-out is the first address not among them.
JILIANG_TRUSTED_PROXIES = env_list("JILIANG_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
try:
    parse_networks(JILIANG_TRUSTED_PROXIES)
except ValueError as error:
    raise ConfigurationError(f"JILIANG_TRUSTED_PROXIES: {error}") from None
# `jiliang backup` writes here (docs/deployment.md); the passphrase is JILIANG_BACKUP_PASSPHRASE.
JILIANG_BACKUP_DIR = Path(os.environ.get("JILIANG_BACKUP_DIR", VAR_DIR / "backups"))
# /readyz also checks that the MQTT broker answers (installations that take device data over MQTT).
JILIANG_READY_CHECKS_BROKER = env_bool("JILIANG_READY_CHECKS_BROKER", False)

# The transparency log (docs/ledger.md). Its keys are made once in JILIANG_LEDGER_KEY_DIR (0600) by
# `jiliang init --origin ORIGIN` (the demo makes them for the example origin); the name of the log
# key is the origin, which never changes, so production has no default.
JILIANG_LEDGER_ORIGIN = os.environ.get("JILIANG_LEDGER_ORIGIN", "" if PRODUCTION else "ledger.bazhong.example/jiliang")
JILIANG_LEDGER_KEY_DIR = Path(os.environ.get("JILIANG_LEDGER_KEY_DIR", VAR_DIR / "ledger"))
JILIANG_LEDGER_SEQUENCE_INTERVAL_MS = env_int("JILIANG_LEDGER_SEQUENCE_INTERVAL_MS", 1000)
JILIANG_LEDGER_BATCH_SIZE = env_int("JILIANG_LEDGER_BATCH_SIZE", 4096)
# Witnesses as "<vkey> <add-checkpoint URL prefix>" items, comma-separated; a checkpoint is
# published once JILIANG_LEDGER_WITNESS_QUORUM of them have cosigned it.
JILIANG_LEDGER_WITNESSES = env_list("JILIANG_LEDGER_WITNESSES", [])
JILIANG_LEDGER_WITNESS_QUORUM = env_int("JILIANG_LEDGER_WITNESS_QUORUM", 0)
JILIANG_LEDGER_WITNESS_TIMEOUT_MS = env_int("JILIANG_LEDGER_WITNESS_TIMEOUT_MS", 3000)

# Remote monitoring (docs/monitoring.md): device ingest, rollups, alerts.
JILIANG_MONITORING_RETENTION_DAYS = env_int("JILIANG_MONITORING_RETENTION_DAYS", 400)
JILIANG_MONITORING_MAX_FUTURE_SECONDS = env_int("JILIANG_MONITORING_MAX_FUTURE_SECONDS", 600)
JILIANG_MONITORING_HTTP_MAX_MESSAGES = env_int("JILIANG_MONITORING_HTTP_MAX_MESSAGES", 10_000)
JILIANG_MONITORING_QUEUE_SIZE = env_int("JILIANG_MONITORING_QUEUE_SIZE", 20_000)
JILIANG_MONITORING_BATCH_SIZE = env_int("JILIANG_MONITORING_BATCH_SIZE", 5_000)
JILIANG_MONITORING_BATCH_WAIT_MS = env_int("JILIANG_MONITORING_BATCH_WAIT_MS", 50)
# MQTT workers split each batch by publisher into this many shards, one transaction each, so that
# workers of one share group work on different devices at once instead of waiting for each
# other's row locks (PostgreSQL; SQLite writes one transaction at a time anyway).
JILIANG_MONITORING_WORKER_SHARDS = env_int("JILIANG_MONITORING_WORKER_SHARDS", 4)
# ... in transactions of at least this many messages (each taking the locks of its shards): a
# transaction has a fixed cost (locks, device and window reads), and the small batches of a paced
# stream paid it four times over.
JILIANG_MONITORING_SHARD_MESSAGES = env_int("JILIANG_MONITORING_SHARD_MESSAGES", 500)
JILIANG_MONITORING_RETRY_AFTER_SECONDS = env_int("JILIANG_MONITORING_RETRY_AFTER_SECONDS", 2)
JILIANG_MONITORING_MQTT_HOST = os.environ.get("JILIANG_MONITORING_MQTT_HOST", "127.0.0.1")
JILIANG_MONITORING_MQTT_PORT = env_int("JILIANG_MONITORING_MQTT_PORT", 1883)
JILIANG_MONITORING_MQTT_CLIENT_ID = os.environ.get("JILIANG_MONITORING_MQTT_CLIENT_ID", "jiliang-ingest")
JILIANG_MONITORING_ROLLUP_MAX_GAP_HOURS = env_int("JILIANG_MONITORING_ROLLUP_MAX_GAP_HOURS", 72)
# Escalation and clear times are thresholds (rules.json "persistence"), edited with the rules.
JILIANG_MONITORING_ARRIVAL_WINDOW_MINUTES = env_int("JILIANG_MONITORING_ARRIVAL_WINDOW_MINUTES", 60)
JILIANG_MONITORING_REMIND_AFTER_MINUTES = env_int("JILIANG_MONITORING_REMIND_AFTER_MINUTES", 24 * 60)
# An assigned alert's assignee is told this long before its deadline (monitoring.followup).
JILIANG_ALERT_DEADLINE_WARN_HOURS = env_int("JILIANG_ALERT_DEADLINE_WARN_HOURS", 24)
JILIANG_MONITORING_TICK_SECONDS = env_int("JILIANG_MONITORING_TICK_SECONDS", 60)
# The demo's devices send a heartbeat every five minutes while the platform serves (`jiliang demo` turns it on).
JILIANG_MONITORING_DEMO_FEED = env_bool("JILIANG_MONITORING_DEMO_FEED", False)
