"""Cockpit settings: everything comes from the environment (django-environ).

Nothing differs between environments except the environment. The embedded default (no variables
set) is SQLite under ./data, the kombu filesystem broker, `django-db` task results, a file cache
and an in-process channel layer; REDIS_URL switches broker, cache and channel layer to Redis.
"""

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import environ

from cockpit.secrets import read_secret_file

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data"))).resolve()

# --- Secrets --------------------------------------------------------------------------------
# JWT_SECRET / API_KEY from the environment win; otherwise the files `make run` generated.
# A missing or placeholder JWT_SECRET stops web and worker at start-up (cockpit.startup).
JWT_SECRET = env.str("JWT_SECRET", default="") or read_secret_file(DATA_DIR, "jwt_secret") or ""
API_KEY = env.str("API_KEY", default="") or read_secret_file(DATA_DIR, "api_key") or ""
PLACEHOLDER_JWT_SECRETS = {"change-me-in-production", "changeme", "secret"}


def _derived_key(purpose: str) -> str:
    """A key for one purpose derived from JWT_SECRET, so one secret configures a deployment."""
    return hmac.new(JWT_SECRET.encode(), purpose.encode(), hashlib.sha256).hexdigest()


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _derived_key("django-secret-key") * 2

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Product settings (names and defaults follow the original's environment) -----------------
SERVER_NAME = env.str("SERVER_NAME", default="Cockpit Server")
AUTH_MODE = env.str("AUTH_MODE", default="key")
ADMIN_EMAIL = env.str("ADMIN_EMAIL", default="")
ADMIN_PASSWORD = env.str("ADMIN_PASSWORD", default="")
CORS_ORIGINS = env.list("CORS_ORIGINS", default=[])
RATE_LIMIT_MAX = env.int("RATE_LIMIT_MAX", default=100)
RATE_LIMIT_STRICT_MAX = env.int("RATE_LIMIT_STRICT_MAX", default=10)  # destructive routes
FORCE_HTTPS = env.str("FORCE_HTTPS", default="false") == "true"
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
MAX_SSE_CLIENTS = env.int("MAX_SSE_CLIENTS", default=10000)
# Live stream (core/stream): keep-alive comment, `metrics`/`containers` cadence, how often open
# streams re-check their principal's access, browser ticket lifetime, alert events kept per
# organisation for Last-Event-ID replay.
SSE_KEEPALIVE_SECONDS = env.float("SSE_KEEPALIVE_SECONDS", default=30)
SSE_SNAPSHOT_SECONDS = env.float("SSE_SNAPSHOT_SECONDS", default=15)
SSE_ACCESS_RECHECK_SECONDS = env.float("SSE_ACCESS_RECHECK_SECONDS", default=60)
SSE_TICKET_SECONDS = env.int("SSE_TICKET_SECONDS", default=30)
SSE_REPLAY_SIZE = env.int("SSE_REPLAY_SIZE", default=200)
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=90)
ALERT_EVENT_RETENTION_DAYS = env.int("ALERT_EVENT_RETENTION_DAYS", default=90)
LICENSE_KEY = env.str("LICENSE_KEY", default="")
# Verifies licences: PEM text or a file path (`manage.py license_keygen` makes a dev pair).
LICENSE_PUBLIC_KEY = env.str("LICENSE_PUBLIC_KEY", default="")
UPGRADE_URL = env.str("UPGRADE_URL", default="https://lagoontechsystems.com/upgrade")
MAX_BODY_BYTES = env.int("MAX_BODY_BYTES", default=16 * 1024)
# Proxies in front of Cockpit whose X-Forwarded-For entries are believed (the original: 1).
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=1)
DOCKER_HOST = env.str("DOCKER_HOST", default="unix:///var/run/docker.sock")
DOCKER_TIMEOUT = env.float("DOCKER_TIMEOUT", default=10.0)
HEALTH_DOCKER_TIMEOUT = 3.0
SOURCE_URL = env.str("SOURCE_URL", default="")
# Containers: Cockpit's own container (refused destructive actions; detected from /proc when
# empty), exec commands allowed on top of the original's list, bounds on followed log streams.
COCKPIT_CONTAINER_ID = env.str("COCKPIT_CONTAINER_ID", default="")
EXEC_EXTRA_COMMANDS = env.list("EXEC_EXTRA_COMMANDS", default=[])
LOG_FOLLOW_MAX_STREAMS = env.int("LOG_FOLLOW_MAX_STREAMS", default=20)
LOG_FOLLOW_MAX_SECONDS = env.int("LOG_FOLLOW_MAX_SECONDS", default=3600)
# Host metrics: procfs root (a container mounts the host's /proc, e.g. /host/proc) and the
# mount whose disk usage is reported (a container mounts the host's root, e.g. /host).
PROC_PATH = env.str("PROC_PATH", default="/proc")
HOST_DISK_PATH = env.str("HOST_DISK_PATH", default="/")
# Probes (core.probes): `/api/endpoints` entries `Name|URL|ExpectedStatus,...`, `/api/ssl`
# hosts `example.com,other.example:8443,...`; endpoint probes verify TLS unless STRICT_TLS is
# exactly `false` (any other value, a typo included, stays strict: spec §13.50).
ENDPOINTS = env.str("ENDPOINTS", default="")
SSL_DOMAINS = env.str("SSL_DOMAINS", default="")
STRICT_TLS = env.str("STRICT_TLS", default="true") != "false"
# Outbound HTTP (core.outbound): webhooks, integrations, probes. Private targets (loopback,
# RFC 1918, ...) are refused unless allowed here or per organisation in Django admin.
OUTBOUND_ALLOW_PRIVATE = env.bool("OUTBOUND_ALLOW_PRIVATE", default=False)
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])
OUTBOUND_TIMEOUT = env.float("OUTBOUND_TIMEOUT", default=10.0)
OUTBOUND_CONNECT_TIMEOUT = env.float("OUTBOUND_CONNECT_TIMEOUT", default=5.0)
OUTBOUND_MAX_RESPONSE_BYTES = env.int("OUTBOUND_MAX_RESPONSE_BYTES", default=1024 * 1024)
OUTBOUND_CA_BUNDLE = env.str("OUTBOUND_CA_BUNDLE", default="")  # empty: certifi's bundle
OUTBOUND_USER_AGENT = "Cockpit/0.1"
# Webhooks (core.webhooks): per-attempt timeout, seconds before each retry (so 4 attempts by
# default), how long the delivery log is kept.
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_RETRY_DELAYS = env.list("WEBHOOK_RETRY_DELAYS", cast=int, default=[10, 60, 300])
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=30)
# Integrations (core.integrations): keys encrypting configs at rest, newest first (any decrypts;
# a JWT_SECRET-derived key is always tried last), poll lease, points kept per poll and days.
INTEGRATIONS_KEY = env.list("INTEGRATIONS_KEY", default=[])
INTEGRATION_POLL_LEASE_SECONDS = env.int("INTEGRATION_POLL_LEASE_SECONDS", default=300)
INTEGRATION_MAX_POINTS_PER_POLL = env.int("INTEGRATION_MAX_POINTS_PER_POLL", default=1000)
INTEGRATION_DATA_RETENTION_DAYS = env.int("INTEGRATION_DATA_RETENTION_DAYS", default=7)
INTEGRATIONS_MAX_RESPONSE_BYTES = env.int(
    "INTEGRATIONS_MAX_RESPONSE_BYTES", default=4 * 1024 * 1024
)
# Schedules (core.schedules): a beat message older than this after its run time is skipped.
SCHEDULE_MISFIRE_GRACE_SECONDS = env.int("SCHEDULE_MISFIRE_GRACE_SECONDS", default=300)
# A run whose worker died is taken over by its redelivered message once its lease (longer than
# any action takes) has run out; a due minute beat could not send is re-sent this long after.
SCHEDULE_RUN_LEASE_SECONDS = env.int("SCHEDULE_RUN_LEASE_SECONDS", default=300)
SCHEDULE_CATCH_UP_SECONDS = env.float("SCHEDULE_CATCH_UP_SECONDS", default=60)
# Stacks (core.stacks): the worker running a compose operation renews its lease every third of
# this while compose runs; a redelivered message takes over an operation whose lease ran out.
STACK_OPERATION_LEASE_SECONDS = env.int("STACK_OPERATION_LEASE_SECONDS", default=60)
# Push (core.push): the Expo push endpoint (tests point it at a local server), its optional
# access token, and the per-request timeout.
EXPO_PUSH_URL = env.str("EXPO_PUSH_URL", default="https://exp.host/--/api/v2/push/send")
EXPO_ACCESS_TOKEN = env.str("EXPO_ACCESS_TOKEN", default="")
EXPO_PUSH_TIMEOUT = env.float("EXPO_PUSH_TIMEOUT", default=10.0)
# Agent hosts (core/agents): heartbeat cadence, the silence after which an agent host is
# offline, enrollment token lifetime, and the broker URL enrolling agents are given (default:
# REDIS_URL; it must be reachable from the Docker hosts). The agent's own side: COCKPIT_AGENT=1
# (set by `manage.py agent`), COCKPIT_URL and ENROLLMENT_TOKEN for its first start, BROKER_URL
# to reach the broker by another address, the redelivery timeout of its unfinished tasks.
AGENT_HEARTBEAT_SECONDS = env.float("AGENT_HEARTBEAT_SECONDS", default=10.0)
AGENT_OFFLINE_AFTER_SECONDS = env.float("AGENT_OFFLINE_AFTER_SECONDS", default=30.0)
AGENT_ENROLLMENT_TTL_SECONDS = env.int("AGENT_ENROLLMENT_TTL_SECONDS", default=24 * 3600)
AGENT_BROKER_URL = env.str("AGENT_BROKER_URL", default="")
AGENT_MODE = env.bool("COCKPIT_AGENT", default=False)
COCKPIT_URL = env.str("COCKPIT_URL", default="")
ENROLLMENT_TOKEN = env.str("ENROLLMENT_TOKEN", default="")
AGENT_BROKER_OVERRIDE = env.str("BROKER_URL", default="")
AGENT_VISIBILITY_TIMEOUT = env.int("AGENT_VISIBILITY_TIMEOUT", default=300)
AGENT_CONCURRENCY = env.int("AGENT_CONCURRENCY", default=2)
# Streamed calls (log follows, pulls, compose) run on the agent's second worker, in threads.
AGENT_STREAM_CONCURRENCY = env.int("AGENT_STREAM_CONCURRENCY", default=8)

# --- Django ---------------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    "django_celery_results",
    "django_celery_beat",
    "django_prometheus",
    "core",
    "pro",
    "enterprise",
]

# core.http.inline.X is Django's (or django-prometheus') X with its hooks run on the event
# loop instead of a thread per hook; core.http.static is WhiteNoise, likewise (bench/README.md).
MIDDLEWARE = [
    "core.http.inline.PrometheusBeforeMiddleware",
    "core.http.middleware.RequestIdMiddleware",
    "core.http.security_headers.SecurityHeadersMiddleware",
    "core.http.middleware.JsonErrorMiddleware",
    "core.http.middleware.BodySizeLimitMiddleware",
    "core.http.middleware.NulCharacterGuardMiddleware",
    "core.http.inline.SecurityMiddleware",
    "core.http.static.StaticFilesMiddleware",
    "core.http.cors.CorsMiddleware",  # answers every OPTIONS (204) before rate limiting
    "core.http.ratelimit.GlobalRateLimitMiddleware",
    "core.audit.middleware.AuditMutationMiddleware",
    "core.http.inline.SessionMiddleware",
    "core.http.inline.CommonMiddleware",
    "core.http.inline.CsrfViewMiddleware",
    "core.http.inline.AuthenticationMiddleware",
    "core.http.inline.MessageMiddleware",
    "core.http.inline.XFrameOptionsMiddleware",
    "core.http.inline.PrometheusAfterMiddleware",
]

# Django checks for its security, clickjacking and CSRF middleware by exact path; ours are
# subclasses (core.http.inline), which core.checks verifies instead (cockpit.W001).
SILENCED_SYSTEM_CHECKS = ["security.W001", "security.W002", "security.W003"]

ROOT_URLCONF = "cockpit.urls"
ASGI_APPLICATION = "cockpit.asgi.application"
AUTH_USER_MODEL = "core.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
APPEND_SLASH = False

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'cockpit.db'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while web reads; IMMEDIATE avoids lock upgrades that deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default="") or None  # set by images that collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve admin and docs assets without a collectstatic step

DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_BODY_BYTES

# --- Security (FORCE_HTTPS mirrors the original's redirect; production sets the rest) --------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = FORCE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if FORCE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = FORCE_HTTPS
SECURE_HSTS_PRELOAD = FORCE_HTTPS
SESSION_COOKIE_SECURE = FORCE_HTTPS
CSRF_COOKIE_SECURE = FORCE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
X_FRAME_OPTIONS = "DENY"

CORS_ALLOW_ALL_ORIGINS = not CORS_ORIGINS
CORS_ALLOWED_ORIGINS = CORS_ORIGINS
CORS_ALLOW_CREDENTIALS = bool(CORS_ORIGINS)
CORS_EXPOSE_HEADERS = ["X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After"]
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "X-Request-ID"]
# The original's list plus PATCH, which partial updates (rules, webhooks, schedules) use.
CORS_ALLOW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CORS_PREFLIGHT_MAX_AGE = 86400

# --- Redis or the embedded equivalents ------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "cockpit.cache.SharedPoolRedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    # Web and worker are separate processes even in the embedded default, so the cache they
    # share (sampler snapshots, rate-limit windows) must live outside either of them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery -------------------------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
BROKER_VISIBILITY_TIMEOUT = env.int("BROKER_VISIBILITY_TIMEOUT", default=600)
# Embedded: kombu's filesystem broker, made safe for several processes (cockpit/broker.py).
CELERY_BROKER_URL = REDIS_URL or "cockpitfs://"
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # An acks_late task (schedule runs, stack operations) whose worker died is delivered again
    # after this long; a vanished broker fails a publish or a poll within the socket timeouts
    # instead of hanging.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": max(1, min(10, BROKER_VISIBILITY_TIMEOUT // 4)),
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
    }
CELERY_RESULT_BACKEND = REDIS_URL or "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Fixed ticks; the DatabaseScheduler syncs these into its tables at start-up.
CELERY_BEAT_SCHEDULE = {
    "audit-prune": {"task": "core.audit.prune", "schedule": 24 * 3600.0},
    "alert-events-prune": {"task": "core.alerts.prune_events", "schedule": 24 * 3600.0},
    "refresh-tokens-prune": {"task": "core.accounts.prune_refresh_tokens", "schedule": 3600.0},
    "webhook-deliveries-prune": {"task": "core.webhooks.prune", "schedule": 24 * 3600.0},
    "integrations-tick": {"task": "core.integrations.tick", "schedule": 10.0},
    "integrations-prune": {"task": "core.integrations.prune", "schedule": 3600.0},
    # Every host every 15 s, watched or not; a sample task left queued past the next tick is
    # dropped (core.sampling.tasks).
    "sampling-tick": {"task": "core.sampling.tick", "schedule": 15.0, "options": {"expires": 14}},
    "metrics-rollup": {"task": "core.metrics_history.rollup", "schedule": 300.0},
    "metrics-prune": {"task": "core.metrics_history.prune", "schedule": 3600.0},
    # Agent hosts whose heartbeats stopped turn offline (core.agents), checked every beat.
    "schedules-catch-up": {
        "task": "core.schedules.catch_up",
        "schedule": SCHEDULE_CATCH_UP_SECONDS,
        "options": {"expires": SCHEDULE_CATCH_UP_SECONDS},
    },
    "agents-offline-tick": {
        "task": "core.agents.mark_offline",
        "schedule": AGENT_HEARTBEAT_SECONDS,
    },
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- REST framework and the OpenAPI schema -------------------------------------------------
REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "core.http.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.http.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.accounts.authentication.BearerTokenAuthentication"],
    # Fail closed: a view that declares nothing needs a token (viewer reads, admin writes).
    "DEFAULT_PERMISSION_CLASSES": ["core.accounts.permissions.RolePermission"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.CockpitAutoSchema",
}

# Access tokens: HS256 with JWT_SECRET only, 15 minutes (spec §2.1). Claims are read by
# core.accounts.authentication; refresh tokens are opaque and live in the database.
SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SECRET,
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "USER_ID_CLAIM": "sub",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}
REFRESH_TOKEN_LIFETIME = timedelta(days=7)

SPECTACULAR_SETTINGS = {
    "TITLE": "Cockpit API",
    "DESCRIPTION": "Self-hosted control plane for Docker infrastructure.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging: one line per event, with the request id -----------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.http.request_id.RequestIdLogFilter"}},
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},  # 4xx are answers, not incidents
        "django.server": {"level": "WARNING"},
    },
}
