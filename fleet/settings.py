"""One settings module, driven by environment variables with safe local defaults.

Production: set SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL) and leave DEBUG off.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name, "")
    if value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name, default):
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
    "django_tables2",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "fleet.workers",  # before django_tasks_db: its db_worker replaces django-tasks-db's own
    "django_tasks",
    "django_tasks_db",
    "fleet",
    "events",
    "vehicles",
    "csp",
    "axes",  # last, as django-axes asks
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "fleet.urls"
WSGI_APPLICATION = "fleet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "fleet.context_processors.workspace_nav",
            ],
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]

# --- Database: SQLite file by default, PostgreSQL in production (DATABASE_URL) ---
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections (DB_CONN_MAX_AGE, as for PostgreSQL): each web process (one request at a time per
    # thread) keeps its connection instead of opening the file, running the PRAGMAs below and, on closing the
    # last connection, checkpointing the WAL on every request. Safe: connections are per thread and opened lazily
    # (after gunicorn forks), autocommit holds no read snapshot between requests, a connection in error is closed
    # at the end of its request, and SQLite re-reads the schema itself after a migration. (Issue 6 benchmark.)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at BEGIN,
        # so two writers queue on the busy timeout instead of failing on a lock upgrade.
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA cache_size=-64000",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that asks the server only when the connection has something to say
    # (fleet/db/postgresql/base.py): CONN_HEALTH_CHECKS' guarantee without a round trip per request.
    DATABASES["default"]["ENGINE"] = "fleet.db.postgresql"
    # An unreachable database host fails a request in seconds (a 503) instead of holding a worker until the
    # TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
    # Prepared statements (Django's documented options, docs/bench-api.md): with server-side binding, psycopg
    # prepares a statement on its connection once it has run DB_PREPARE_THRESHOLD times, so the queries of every
    # API request (token, Get Vehicle Status) are planned once per connection instead of on every run. Turn
    # DB_PREPARED_STATEMENTS off behind a pooler that cannot keep them (PgBouncer older than 1.21 in transaction
    # mode); the parameters are then still bound on the server.
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = env_bool("DB_SERVER_SIDE_BINDING", True)
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
        env_int("DB_PREPARE_THRESHOLD", 5) if env_bool("DB_PREPARED_STATEMENTS", True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        # Shared between the web processes and the worker without any extra service. fleet.cache's backend makes
        # incr atomic and keep the key's expiry (rate-limit counters); MAX_ENTRIES high enough that culling never
        # drops live counters (Django's default is 300).
        else {
            "BACKEND": "fleet.cache.AtomicDatabaseCache",
            "LOCATION": "fleet_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    )
}

if TESTING:
    # Tests log the cast in hundreds of times: a fast hash there, the strong default everywhere else.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Security: strict unless DEBUG ---
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Only behind a proxy of ours that sets X-Forwarded-Proto and X-Forwarded-For itself (deploy/nginx.conf.template
# does; docs/deploy.md): then HTTPS is read from X-Forwarded-Proto and the client's address from X-Forwarded-For.
# Anywhere else a client could forge both.
TRUST_PROXY_HEADERS = env_bool("TRUST_PROXY_HEADERS", False)
if TRUST_PROXY_HEADERS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # __Host-: the browser accepts these cookies only over HTTPS, for this host alone, with Path=/ (no
    # subdomain can set or shadow them). Nothing reads the CSRF cookie from JavaScript: htmx sends the token
    # rendered into the page (<body hx-headers>).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (default 8 h): the session's expiry is
# SESSION_IDLE_TIMEOUT after its last save, and fleet.headers.SessionIdleTimeoutMiddleware saves it again at most
# once a minute while it is in use (SESSION_SAVE_EVERY_REQUEST would write the session on every request).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 8 * 3600)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_TOUCH_INTERVAL = 60

# Content-Security-Policy (django-csp) on every response: scripts from this site only (an inline script needs
# the request's nonce), no plugin, no framing, no outside host. The API reference pages loosen style-src only
# (vehicles/api/docs.py). Permissions-Policy and Cache-Control: fleet.headers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "fleet.headers.SecurityHeadersMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "fleet.headers.SessionIdleTimeoutMiddleware",
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=(), screen-wake-lock=(), serial=(), hid=(), bluetooth=()"
)

# --- Background tasks: django-tasks with the database backend; `manage.py db_worker` runs them ---
# The change log (events/, docs/webhooks.md): events older than EVENTS_RETENTION_DAYS are deleted by
# `manage.py prune_events` (run it daily); the feed without a cursor starts EVENTS_FEED_DEFAULT_DAYS ago.
EVENTS_RETENTION_DAYS = env_int("EVENTS_RETENTION_DAYS", 400)
EVENTS_FEED_DEFAULT_DAYS = env_int("EVENTS_FEED_DEFAULT_DAYS", 7)
# The live VIN table (static/fleet/live.js): one request every LIVE_TABLE_INTERVAL_SECONDS while the tab is
# visible; it stops after LIVE_TABLE_IDLE_MINUTES without a key, pointer or scroll.
LIVE_TABLE_INTERVAL_SECONDS = env_int("LIVE_TABLE_INTERVAL_SECONDS", 5)
LIVE_TABLE_IDLE_MINUTES = env_int("LIVE_TABLE_IDLE_MINUTES", 30)

# Webhooks (docs/webhooks.md). Sent by the task worker only. A delivery succeeds on a 2xx within
# WEBHOOK_TIMEOUT_SECONDS; a failed one is retried after each wait of WEBHOOK_RETRY_SCHEDULE (seconds) in turn; after
# WEBHOOK_DISABLE_AFTER_FAILURES events in a row exhausted their retries, the endpoint is switched off.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_RETRY_SCHEDULE = [int(s) for s in env_list("WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000")]
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 20)
# http:// and loopback addresses (local development, the tests' receiver); never in production.
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", DEBUG)
# The endpoints' signing secrets are stored encrypted with Fernet under a key derived (HKDF-SHA256) from this;
# by default from SECRET_KEY. Set it on its own to rotate SECRET_KEY without it; when rotating this one, list
# the former value in WEBHOOK_SECRET_KEYS_OLD and run `manage.py rotate_webhook_secrets`.
WEBHOOK_SECRET_KEY = env_str("WEBHOOK_SECRET_KEY") or SECRET_KEY
WEBHOOK_SECRET_KEYS_OLD = env_list("WEBHOOK_SECRET_KEYS_OLD")
# The CA certificates that endpoints' TLS certificates are checked against (a PEM file); empty: the system's.
WEBHOOK_CA_BUNDLE = env_str("WEBHOOK_CA_BUNDLE")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Task workers (fleet/workers, docs/deploy.md "Task workers"): each writes a heartbeat every few seconds; a RUNNING
# task whose worker has not been seen for WORKER_LOST_AFTER_SECONDS is enqueued again if its task is in
# WORKER_RETRY_TASKS (safe to run twice) and was tried fewer than WORKER_MAX_ATTEMPTS times, else marked failed.
# A database error makes a worker reconnect, waiting WORKER_DB_RETRY_SECONDS doubled up to the maximum.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 5)
WORKER_LOST_AFTER_SECONDS = env_int("WORKER_LOST_AFTER_SECONDS", 30)
WORKER_MAX_ATTEMPTS = env_int("WORKER_MAX_ATTEMPTS", 3)
WORKER_DB_RETRY_SECONDS = env_int("WORKER_DB_RETRY_SECONDS", 1)
WORKER_DB_RETRY_MAX_SECONDS = env_int("WORKER_DB_RETRY_MAX_SECONDS", 30)
WORKER_RETRY_TASKS = env_list(
    "WORKER_RETRY_TASKS",
    # The import is one transaction (a killed run left nothing; a second run after a finished one does nothing);
    # a reading fetch inserts with ON CONFLICT DO NOTHING; the chain's steps re-read Pending VINs of their round.
    # The webhook dispatcher leases each endpoint before sending and sends only what is still pending.
    "vehicles.tasks.imports.import_vins_file,vehicles.tasks.readings.fetch_readings,"
    "vehicles.tasks.approvals.start_approvals,vehicles.tasks.approvals.request_enablement,"
    "events.tasks.deliver_webhooks,vehicles.tasks.medians.refresh_pending_medians",
)

# --- Product settings ---
# Upload: a file above this size is refused before it is read; above this many rows it runs in the worker.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
UPLOAD_BACKGROUND_ROWS = env_int("UPLOAD_BACKGROUND_ROWS", 2000)
# A running import with no progress for this long is shown as stalled, with Retry (its worker is taken for lost
# after WORKER_LOST_AFTER_SECONDS and the import is enqueued again by any live worker).
IMPORT_STALL_SECONDS = env_int("IMPORT_STALL_SECONDS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- REST API (issue 6): DRF, OAuth2 client credentials, throttling, OpenAPI ---
# Errors under /api/ are JSON even outside DRF's views (unknown paths, crashes, the token endpoint).
MIDDLEWARE.insert(0, "vehicles.api.errors.JsonErrorsForApiMiddleware")
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("API_TOKEN_EXPIRE_SECONDS", 3600),
    "SCOPES": {"vehicles": "Manage the workspace's vehicles and read their data"},
    "DEFAULT_SCOPES": ["vehicles"],
    # Client credentials only: the token endpoint refuses every other grant (see vehicles.api.auth).
    "OAUTH2_VALIDATOR_CLASS": "vehicles.api.auth.ClientCredentialsOnlyValidator",
    # RFC 9700 (OAuth 2.0 Security BCP) everywhere; tokens are stored only as their SHA-256 checksum.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "PKCE_REQUIRED": True,
}
API_VIN_LIMIT = env_int("API_VIN_LIMIT", 10_000)
# The VIN table's "Select all N matching": one action changes at most this many vehicles (as one API call does).
BULK_ACTION_LIMIT = env_int("BULK_ACTION_LIMIT", API_VIN_LIMIT)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 5 * 1024 * 1024)
# One limit for a request body that is not a file: Django's own check and the API's parser (413) agree.
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
API_REPORT_DAYS = env_int("API_REPORT_DAYS", 30)
# The token endpoint: after API_TOKEN_MAX_FAILURES failed attempts within the window, for one client id or from one
# address, 429 until the window ends (SPEC.md "Operations": 10 within 15 minutes). A client keeps at most
# API_TOKENS_PER_CLIENT live tokens: issuing one more revokes the oldest.
API_TOKEN_MAX_FAILURES = env_int("API_TOKEN_MAX_FAILURES", 10)
API_TOKEN_FAILURE_WINDOW_SECONDS = env_int("API_TOKEN_FAILURE_WINDOW_SECONDS", 15 * 60)
API_TOKENS_PER_CLIENT = env_int("API_TOKENS_PER_CLIENT", 5)
# Proxies whose X-Forwarded-For gives the client's address (deploy/nginx.conf.template sets it).
API_TRUSTED_PROXIES = env_list("API_TRUSTED_PROXIES", "127.0.0.1,::1")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["vehicles.api.auth.WorkspaceTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["vehicles.api.auth.IsApiClient"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["vehicles.api.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "vehicles.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["vehicles.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api": env_str("API_RATE", "20000/hour"),
        "status": env_str("API_STATUS_RATE", "20000/hour"),
        "reports": env_str("API_REPORTS_RATE", "120/hour"),
    },
    "UNAUTHENTICATED_USER": None,
    # /api/v1/ and /api/v2/ are the URL namespaces `v1` and `v2` (vehicles/api/urls.py): `request.version`.
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1", "v2"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fleet Vehicle Management API",
    "DESCRIPTION": (
        "Manage a workspace's VINs and read their status data. Authenticate with OAuth2 client credentials "
        "(`POST /api/oauth/token/`) and send `Authorization: Bearer <token>`. v1 speaks the old statuses "
        "(Consented, Pending, Revoked), v2 the new ones."
    ),
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: Swagger UI puts them as links inside each operation's button (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SORT_OPERATIONS": False,  # paths in the order of vehicles/api/urls.py (and so the Postman collection)
    "ENUM_NAME_OVERRIDES": {
        "StatusV2Enum": ["enabled", "pending", "incomplete", "disabled", "error"],
        "StatusV1Enum": ["Consented", "Pending", "Revoked"],
        "HistoryStatusV2Enum": ["enabled", "pending", "incomplete", "disabled", "error", "deleted"],
        "HistoryStatusV1Enum": ["Consented", "Pending", "Revoked", "Deleted"],
        "ErrorCodeEnum": "vehicles.api.errors.ERROR_CODES",
        "ResultErrorCodeEnum": "vehicles.api.serializers.RESULT_ERROR_CODES",
        "EventTypeEnum": "events.models.PUBLIC_TYPES",
    },
    "OAS_VERSION": "3.1.0",
    # One schema for every version of REST_FRAMEWORK["ALLOWED_VERSIONS"] (drf-spectacular describes one a run).
    "DEFAULT_GENERATOR_CLASS": "vehicles.api.schema.VersionedSchemaGenerator",
    # servers (this host), the token endpoint and the headers of 401/202/429 answers: vehicles/api/schema.py
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "vehicles.api.schema.finish_schema"],
    "TAGS": [
        {"name": "authentication", "description": "OAuth2 client credentials: a bearer token for one workspace."},
        {"name": "v1 vehicle management", "description": "VINs of the workspace in the old statuses (v1, frozen)."},
        {"name": "v1 vehicle data", "description": "Status readings of Enabled VINs (v1)."},
        {"name": "v1 reports", "description": "Asynchronous status reports (v1)."},
        {"name": "v2 vehicle management", "description": "VINs of the workspace in the new statuses (v2)."},
        {"name": "v2 vehicle data", "description": "Status readings of Enabled VINs (v2)."},
        {"name": "v2 reports", "description": "Asynchronous status reports (v2)."},
        {"name": "v2 events", "description": "The workspace's change log: every change, in order (v2)."},
        {"name": "v2 webhooks", "description": "Endpoints that receive the workspace's events, signed (v2)."},
    ],
    "CONTACT": {"name": "Fleet Vehicle Management", "url": "https://example.invalid/support"},
    "LICENSE": {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
    "SCHEMA_PATH_PREFIX": r"/api/v[12]",
}

# --- Approval chain, providers and status data (issue 5; see docs/providers.md) ---
# The provider of each make (make name → Provider class); "default" serves every make not named.
VEHICLE_PROVIDERS = {"default": "vehicles.providers.simulated.SimulatedProvider"}
# The simulated provider: decides after a delay, refuses VINs whose last character is in REFUSE_LAST_CHARACTERS.
SIMULATED_PROVIDER = {
    "DECISION_DELAY_SECONDS": env_int("SIMULATED_DECISION_DELAY_SECONDS", 5),
    "REFUSE_LAST_CHARACTERS": env_str("SIMULATED_REFUSE_LAST_CHARACTERS", "7"),
    "UNREACHABLE_LAST_CHARACTERS": env_str("SIMULATED_UNREACHABLE_LAST_CHARACTERS", ""),
    "REVOKE_LAST_CHARACTERS": env_str("SIMULATED_REVOKE_LAST_CHARACTERS", ""),
}
PROVIDER_BATCH_SIZE = env_int("PROVIDER_BATCH_SIZE", 500)  # VINs per provider request
PROVIDER_MAX_ATTEMPTS = env_int("PROVIDER_MAX_ATTEMPTS", 5)  # then the VIN goes to Error with the reason
PROVIDER_RETRY_BACKOFF_SECONDS = env_int("PROVIDER_RETRY_BACKOFF_SECONDS", 5)  # doubled at each attempt
PROVIDER_RESUME_AFTER_SECONDS = env_int("PROVIDER_RESUME_AFTER_SECONDS", 3600)  # a lost chain task is restarted
READING_MAX_AGE_SECONDS = env_int("READING_MAX_AGE_SECONDS", 300)  # older: fetched again from the provider
READING_FETCH_TIMEOUT_SECONDS = env_int("READING_FETCH_TIMEOUT_SECONDS", 5)  # within a page or API request
READING_POLL_INTERVAL_SECONDS = env_int("READING_POLL_INTERVAL_SECONDS", 900)  # the worker's periodic fetch
# What a VIN waits for (vehicles/status/waiting.py): a make's usual Pending time is the median Pending → Enabled
# over the last PENDING_MEDIAN_DAYS, used from PENDING_MEDIAN_MIN_CASES cases; a VIN Pending for longer than three
# times it (or than PENDING_STUCK_AFTER_HOURS where the make has no usable median) is Stuck. The worker refreshes
# the medians every PENDING_MEDIAN_REFRESH_SECONDS.
PENDING_STUCK_AFTER_HOURS = env_int("PENDING_STUCK_AFTER_HOURS", 48)
PENDING_MEDIAN_DAYS = env_int("PENDING_MEDIAN_DAYS", 30)
PENDING_MEDIAN_MIN_CASES = env_int("PENDING_MEDIAN_MIN_CASES", 5)
PENDING_MEDIAN_REFRESH_SECONDS = env_int("PENDING_MEDIAN_REFRESH_SECONDS", 3600)
# An import that wrote at least this many vehicles refreshes the vehicles table's statistics after its commit.
IMPORT_ANALYZE_AFTER_ROWS = env_int("IMPORT_ANALYZE_AFTER_ROWS", 10_000)

# --- VIN table: keep parsed templates in memory (the explicit loaders above would otherwise read and parse
# every template again on each request; a table page is mostly template rendering) ---
TEMPLATES[0]["OPTIONS"]["loaders"] = [
    (
        "template_partials.loader.Loader",
        [
            (
                "django.template.loaders.cached.Loader",
                [
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
            )
        ],
    )
]

# --- Operations (issue 11): health check and answers while the database is down (fleet/outage.py) ---
# /healthz is answered first of all (before the host check and the HTTPS redirect); a database error becomes a
# 503 page or, under /api/, a JSON 503 `unavailable`, both with Retry-After.
MIDDLEWARE.insert(0, "fleet.outage.HealthCheckMiddleware")
MIDDLEWARE.append("fleet.outage.DatabaseUnavailableMiddleware")
UNAVAILABLE_RETRY_AFTER_SECONDS = env_int("UNAVAILABLE_RETRY_AFTER_SECONDS", 30)
# /healthz says "degraded" (still 200) when a task has been due for longer than this without a worker taking it.
HEALTH_WORKER_STALE_SECONDS = env_int("HEALTH_WORKER_STALE_SECONDS", 300)

# --- Login throttling (django-axes; fleet/security.py): after AXES_FAILURE_LIMIT failed logins for one username
# or from one address, each within AXES_COOLOFF_MINUTES of the previous one, logging in is refused — even with
# the right password — for AXES_COOLOFF_MINUTES, with the login page saying so and status 429. ---
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: a username, or an address
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused attempts do not lengthen the lockout
AXES_RESET_ON_SUCCESS = False  # logging in to one's own account does not wipe an address's failures
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "fleet.security.locked_out"
AXES_CLIENT_IP_CALLABLE = "fleet.security.client_ip"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
