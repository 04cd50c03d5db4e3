"""Settings shared by every profile, read from the environment.

With no variables set the project runs embedded: SQLite under var/, a filesystem
Celery transport and a local-memory cache. DATABASE_URL and REDIS_URL switch to
PostgreSQL and Redis (docs/adr/0001-settings-and-the-embedded-default.md).
"""

import base64
import hashlib
import secrets
from ipaddress import ip_network
from pathlib import Path

import dj_database_url

from config.settings.environment import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("SERVICEFLOW_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    """Return a per-checkout key kept in var/, so embedded sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("DJANGO_SECRET_KEY") or _local_secret_key()
# Fernet keys sealing the secrets the server reads back (webhook signing secrets), newest
# first: all open, the newest seals. Without them (embedded, development) one is derived from
# SECRET_KEY; production requires them (docs/adr/0015-secrets-at-rest.md).
ENCRYPTION_KEYS = env_list("SERVICEFLOW_ENCRYPTION_KEYS") or [
    base64.urlsafe_b64encode(
        hashlib.sha256(f"serviceflow.sealing:{SECRET_KEY}".encode()).digest()
    ).decode()
]
DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Absolute base of problem `type` URIs; empty means "the host the request came to".
PUBLIC_BASE_URL = env_str("SERVICEFLOW_PUBLIC_BASE_URL").rstrip("/")

# `make run` loads these, in order, into the demo organization (config imports no app by name).
DEMO_ACCOUNTS_LOADER = "accounts.demo.load_demo_accounts"
DEMO_LOADERS = [
    "helpdesk.demo.load_demo_tickets",
    # The garment template names the seam checklist: it must be published first.
    "qc.demo.load_demo_checklists",
    "workflow.demo.load_demo_workflow",
    "qc.demo.load_demo_inspections",
]
# Where Idempotency-Key claims and responses are stored (the HTTP inbox of the outbox app).
IDEMPOTENCY_STORE = "outbox.services.idempotency"

INSTALLED_APPS = [
    "config.apps.ServiceFlowConfig",
    "accounts",
    "helpdesk",
    "workflow",
    "qc",
    "outbox",
    "accounts.apps.OTPAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "config.request_context.RequestContextMiddleware",
    "config.metrics.PrometheusMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.api.throttling.RateLimitHeadersMiddleware",
    "config.api.middleware.ApiProblemMiddleware",
    "config.api.limits.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Benchmarks mount extra views next to the project's (tests/benchmarks/urls.py).
ROOT_URLCONF = env_str("DJANGO_ROOT_URLCONF", "config.urls")
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'serviceflow.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Take the write lock when a transaction starts, so embedded workers queue, not deadlock.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "serviceflow",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication ----------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/api/auth/login/"
LOGIN_REDIRECT_URL = "/api/v1/"
OTP_TOTP_ISSUER = "ServiceFlow"
# The admin never shows an OTP device's key, its QR code or its backup tokens after creation.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# No per-device throttle: its delays double for years whoever fails, so anyone holding the
# password could lock the owner out. accounts/sign_in_limits.py delays the failing addresses.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# argon2id cost of one API-key verification (docs/adr/0002-api-keys.md).
API_KEY_ARGON2_TIME_COST = env_int("API_KEY_ARGON2_TIME_COST", 2)
API_KEY_ARGON2_MEMORY_KIB = env_int("API_KEY_ARGON2_MEMORY_KIB", 19456)
API_KEY_ARGON2_PARALLELISM = env_int("API_KEY_ARGON2_PARALLELISM", 1)
API_KEY_CACHE_SECONDS = env_int("API_KEY_CACHE_SECONDS", 60)
API_KEY_TOUCH_SECONDS = env_int("API_KEY_TOUCH_SECONDS", 60)
API_KEY_MAX_FAILURES_PER_MINUTE = env_int("API_KEY_MAX_FAILURES_PER_MINUTE", 30)
# How long a cached verification is trusted before the key's row is read again: the bound on a
# revocation that could not reach Redis (docs/adr/0002-api-keys.md).
API_KEY_RECHECK_SECONDS = env_int("API_KEY_RECHECK_SECONDS", 5)

# Session sign-in: free failures per address and per account, then delays that double up to
# a cap; a delay only ever holds back the address that failed (docs/adr/0017-sign-in-limits.md).
SIGN_IN_FREE_FAILURES = env_int("SIGN_IN_FREE_FAILURES", 5)
SIGN_IN_FIRST_DELAY_SECONDS = env_int("SIGN_IN_FIRST_DELAY_SECONDS", 1)
SIGN_IN_MAX_DELAY_SECONDS = env_int("SIGN_IN_MAX_DELAY_SECONDS", 900)
SIGN_IN_FAILURE_WINDOW_SECONDS = env_int("SIGN_IN_FAILURE_WINDOW_SECONDS", 3600)

# Proxies (CIDRs) whose X-Forwarded-For is believed; from anyone else the header is ignored.
# `none` says clients connect directly (production requires the variable to be set).
TRUSTED_PROXIES = [
    str(ip_network(cidr, strict=False))
    for cidr in env_list("TRUSTED_PROXIES")
    if cidr.lower() != "none"
]
# After a cache error, a process leaves the cache alone this long (fails open meanwhile).
CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 1)

# --- HTTP API ----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.OrganizationSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.IsOrganizationMember"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsing.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["config.api.filters.FilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.PrincipalRateThrottle",
        "config.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "principal": env_str("API_THROTTLE_PRINCIPAL_RATE", "1200/min"),
        "anonymous": env_str("API_THROTTLE_ANONYMOUS_RATE", "120/min"),
    },
    "EXCEPTION_HANDLER": "config.api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.ProblemAwareAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200)
# Request bodies larger than this are refused (413) before they are read; uploads get their own.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES  # the same bound for bodies outside the API
WORKFLOW_BULK_ACTION_LIMIT = env_int("WORKFLOW_BULK_ACTION_LIMIT", 100)  # tasks per bulk action
# How long the dashboard and graph of one state of a deliverable are shared between readers.
WORKFLOW_DASHBOARD_CACHE_SECONDS = env_int("WORKFLOW_DASHBOARD_CACHE_SECONDS", 60)
QC_ESCALATION_REJECTIONS = env_int("QC_ESCALATION_REJECTIONS", 3)  # rejections that escalate a task

SPECTACULAR_SETTINGS = {
    "TITLE": "ServiceFlow API",
    "DESCRIPTION": (
        "Helpdesk, template-driven workflow and quality control. Every error is an RFC 9457 "
        "problem (`application/problem+json`). Authenticate with `Authorization: Bearer <api key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # The headers every response carries, defined once (config/api/schema.py).
        "config.api.schema.add_common_response_headers",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choices that share a field name across apps get their own names; the ticket's keep theirs.
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "config.roles.Role",
        "StatusEnum": "helpdesk.models.Ticket.Status",
        "TemplateVersionStatusEnum": "workflow.models.TemplateVersion.Status",
        "DeliverableStatusEnum": "workflow.models.Deliverable.Status",
        "TaskStatusEnum": "workflow.models.Task.Status",
        "TaskKindEnum": "workflow.models.TaskKind",
        "KindEnum": ["user", "api_key"],
        "ChecklistItemKindEnum": "qc.models.ItemKind",
        "AllowedActionsEnum": "helpdesk.actions.ACTIONS",
        # Also in the inspection events; the name it had before them stays (docs/adr/0029).
        "InspectionOutStatusEnum": "qc.models.Inspection.Status",
        "SlaTargetEnum": ["first_response", "resolution"],
    },
}

# --- Celery ------------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Exchange bindings; kombu's default is `control/` in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        # Publishing (commit nudges, beat) fails at once when the broker is away instead of
        # retrying inside a request; beat's next tick does the work. Workers reconnect on
        # their own schedule (broker_connection_retry).
        "max_retries": 0,
        "socket_connect_timeout": 2,
    }
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No task may hold a worker for long: the soft limit raises inside the task (its leases expire
# and another worker takes the rows again), the hard limit kills the child process.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection before and after every task unless told
# to reuse it: every drain tick paid a new PostgreSQL backend (docs/adr/0032). Connections are
# reused, and closed at task boundaries by Django's own rules instead (config/celery.py).
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_BEAT_SCHEDULE_FILENAME = env_str(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(VAR_DIR / "celerybeat-schedule")
)
# Only the beat holding a PostgreSQL advisory lock sends ticks; another one stands by and asks
# for the lock this often (config/beat.py).
CELERY_BEAT_SCHEDULER = "config.beat:SingleBeatScheduler"
BEAT_LOCK_RETRY_SECONDS = float(env_str("BEAT_LOCK_RETRY_SECONDS", "1"))
# Ticks that find nothing to do cost one indexed query; a tick older than its period is dropped.
CELERY_BEAT_SCHEDULE = {
    "drain-outbox": {
        "task": "outbox.tasks.drain_outbox",
        "schedule": 1.0,
        "options": {"expires": 5},
    },
    "sequence-event-feed": {
        "task": "outbox.tasks.sequence_event_feed",
        "schedule": 5.0,
        "options": {"expires": 10},
    },
    "deliver-webhooks": {
        "task": "outbox.tasks.deliver_webhooks",
        "schedule": 2.0,
        "options": {"expires": 10},
    },
    "send-notification-emails": {
        "task": "outbox.tasks.send_notification_emails",
        "schedule": 10.0,
        "options": {"expires": 30},
    },
    "mark-sla-breaches": {
        "task": "helpdesk.tasks.mark_sla_breaches",
        "schedule": 30.0,
        "options": {"expires": 60},
    },
    "purge-history": {
        "task": "outbox.tasks.purge_history",
        "schedule": 600.0,
        "options": {"expires": 600},
    },
}

# --- Outbox, webhooks, idempotency ---------------------------------------------------------

OUTBOX_BROKER_URL = env_str("OUTBOX_BROKER_URL")
OUTBOX_BROKER_EXCHANGE = env_str("OUTBOX_BROKER_EXCHANGE", "serviceflow.events")
OUTBOX_PUBLISHERS = env_list(
    "OUTBOX_PUBLISHERS",
    [
        "outbox.publishers.consumers.InProcessConsumers",
        "outbox.publishers.webhooks.WebhookFanout",
        *(["outbox.publishers.broker.BrokerPublisher"] if OUTBOX_BROKER_URL else []),
    ],
)
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 100)
OUTBOX_DRAIN_SECONDS = env_int("OUTBOX_DRAIN_SECONDS", 5)
OUTBOX_NUDGE_INTERVAL_SECONDS = float(env_str("OUTBOX_NUDGE_INTERVAL_SECONDS", "0.05"))
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 12)
OUTBOX_BACKOFF_BASE_SECONDS = env_int("OUTBOX_BACKOFF_BASE_SECONDS", 1)
OUTBOX_BACKOFF_MAX_SECONDS = env_int("OUTBOX_BACKOFF_MAX_SECONDS", 600)
# How long a sender owns the rows it claimed; longer than CELERY_TASK_TIME_LIMIT, so a live
# worker never loses its rows, and a dead one's come back after it (docs/adr/0007).
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 120)
# /metrics counts backlogs up to this many rows (an indexed, bounded count).
OUTBOX_METRICS_COUNT_CAP = env_int("OUTBOX_METRICS_COUNT_CAP", 10_000)
# The whole of one webhook request: connect, send, and read the response (docs/adr/0010).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_RESPONSE_MAX_BYTES = env_int("WEBHOOK_RESPONSE_MAX_BYTES", 64 * 1024)
WEBHOOK_BATCH_SIZE = env_int("WEBHOOK_BATCH_SIZE", 50)
# Standard Webhooks' suggested schedule: ~5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then dead.
WEBHOOK_RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000]
IDEMPOTENCY_TTL_SECONDS = env_int("IDEMPOTENCY_TTL_SECONDS", 24 * 3600)
IDEMPOTENCY_WAIT_SECONDS = env_int("IDEMPOTENCY_WAIT_SECONDS", 10)
NOTIFICATION_EMAIL_BATCH_SIZE = env_int("NOTIFICATION_EMAIL_BATCH_SIZE", 50)
# Retries of one e-mail the server refused, like webhook deliveries' (about 27 h, then dead);
# while the server cannot be reached at all, no e-mail is charged an attempt.
NOTIFICATION_EMAIL_RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000]
# Retention (docs/adr/0016): history older than this many days is purged in small batches.
# The event feed reaches back OUTBOX_RETENTION_DAYS.
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 30)
WEBHOOK_DELIVERY_RETENTION_DAYS = env_int("WEBHOOK_DELIVERY_RETENTION_DAYS", 30)
CONSUMER_RECEIPT_RETENTION_DAYS = env_int("CONSUMER_RECEIPT_RETENTION_DAYS", 30)
NOTIFICATION_RETENTION_DAYS = env_int("NOTIFICATION_RETENTION_DAYS", 90)
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 500)

# --- Helpdesk -------------------------------------------------------------------------------

# Attachments live outside any public URL; they are served only by the authenticated API.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
HELPDESK_ATTACHMENT_MAX_BYTES = env_int("HELPDESK_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# A multipart upload's body: the largest file plus room for the form's own parts and headers.
API_MAX_UPLOAD_BYTES = env_int("API_MAX_UPLOAD_BYTES", HELPDESK_ATTACHMENT_MAX_BYTES + 64 * 1024)
HELPDESK_ATTACHMENT_TYPES = env_list(
    "HELPDESK_ATTACHMENT_TYPES",
    [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/json",
    ],
)
# How long a worker may use SLA targets it read before an edit made in another process.
SLA_TARGETS_CACHE_SECONDS = env_int("SLA_TARGETS_CACHE_SECONDS", 30)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ServiceFlow <no-reply@serviceflow.invalid>")
# Seconds an SMTP connection may block; Django's default is forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)

# --- Static files, i18n ------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Observability -----------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "config.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
    },
}
OTEL_SERVICE_NAME = env_str("OTEL_SERVICE_NAME", "serviceflow")
READINESS_TIMEOUT_SECONDS = env_int("READINESS_TIMEOUT_SECONDS", 2)
# While this file exists /readyz answers 503, so a load balancer stops sending before SIGTERM
# (`manage.py drain`, the web pods' preStop; gunicorn removes it when it starts). One per port,
# so that web nodes sharing a host drain alone.
SHUTDOWN_DRAIN_FILE = env_str(
    "SERVICEFLOW_DRAIN_FILE", str(VAR_DIR / f"draining-{env_str('PORT', '8000')}")
)
# `/metrics` wants `Authorization: Bearer <METRICS_TOKEN>` when set; without a token it is
# open, unless METRICS_REQUIRE_TOKEN (on in production), which then turns it off.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_REQUIRE_TOKEN = env_bool("METRICS_REQUIRE_TOKEN", default=False)
