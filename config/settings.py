"""Filière settings: one module, every deployment choice read from the environment.

No DATABASE_URL means SQLite in the project folder; no CELERY_BROKER_URL means tasks run
eagerly in the web process. The variables read here are listed in ENVIRONMENT_VARIABLES, which
docker-compose.yml is checked against.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT_VARIABLES = [
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "DATABASE_PGBOUNCER",
    "DATABASE_CONN_MAX_AGE",
    "DATABASE_CONN_HEALTH_CHECKS",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CACHE_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "SITE_URL",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "FILIERE_S3_BUCKET",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_S3_ADDRESSING_STYLE",
    "FILIERE_MAP_TILE_URL",
    "FILIERE_MAP_TILE_ATTRIBUTION",
    "PROCONNECT_ISSUER",
    "PROCONNECT_CLIENT_ID",
    "PROCONNECT_CLIENT_SECRET",
]


def env(name: str, default: str = "") -> str:
    assert name in ENVIRONMENT_VARIABLES, name
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", "insecure-development-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Absolute base for URLs printed outside a request (QR codes on labels, e-mails).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "import_export",
    "django_celery_beat",
    "axes",
    "csp",
    "core",
    "accounts",
    "notices",
    "inventory",
    "reconditioning",
    "beneficiaries",
    "reports",
    "maps",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.headers.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# The kinds of background job the sweep looks after (core.jobs.JobKind), each declared by its app.
JOB_KINDS = [
    "inventory.tasks.IMPORT_JOBS",
    "reports.tasks.REPORT_JOBS",
    "reconditioning.tasks.BULK_STEP_JOBS",
]
# The home page's sections, in order: each app provides its own (core knows none of them).
# The "Today" sections (reports.today) come first: each shows only to the roles it is for.
HOME_SECTIONS = [
    "inventory.home.actions",
    "beneficiaries.home.actions",
    "reports.today.technician",
    "reports.today.workshop_manager",
    "reports.today.coordinator",
    "reports.today.mediation",
    "reports.today.funder",
    "reports.today.donor",
    "beneficiaries.home.orders",
    "inventory.home.stock",
]

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
                "django.template.context_processors.i18n",
                "notices.context_processors.unread_notices",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


# Connections (docs/scaling.md): kept 60 s by each process unless told otherwise; a kept
# connection is checked before a request reuses it when DATABASE_CONN_HEALTH_CHECKS is on.
DATABASE_CONN_MAX_AGE = int(env("DATABASE_CONN_MAX_AGE") or "60")
DATABASE_CONN_HEALTH_CHECKS = env_bool("DATABASE_CONN_HEALTH_CHECKS", default=False)
# Behind PgBouncer in transaction mode each transaction may run on another server
# connection: a server-side cursor (what .iterator() uses) declared in one transaction is
# gone in the next, so they are off, and the pooler, not Django, keeps connections open.
# Prepared statements, the other thing transaction pooling breaks, are off in Django's
# psycopg settings unless OPTIONS asks for them (prepare_threshold): never ask here.
DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", default=False)


def database(url: str) -> dict:
    db = dj_database_url.parse(
        url, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=DATABASE_CONN_HEALTH_CHECKS
    )
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # Wait for a concurrent writer instead of failing at once (runserver + eager tasks).
        db.setdefault("OPTIONS", {})["timeout"] = 20
        db["CONN_MAX_AGE"] = 0
    elif DATABASE_PGBOUNCER and db["ENGINE"] == "django.db.backends.postgresql":
        db["DISABLE_SERVER_SIDE_CURSORS"] = True
        db["CONN_MAX_AGE"] = 0
    return db


DATABASES = {"default": database(env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# A read replica (docs/scaling.md): reports and exports read it (core.db.reading_replica),
# everything else, and every write, the primary. It never takes a request's transaction:
# nothing is written there. Tests point it at the test database itself (MIRROR).
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database(env("DATABASE_REPLICA_URL"))
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# The accounts hold personal data of people in precarious situations: 12 characters at least.
# (seed_demo sets the demo password directly, so validators do not apply to it.)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes checks the lockout before the usual backend authenticates.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Answers only the ProConnect callback, and only when ProConnect is configured.
    "accounts.proconnect.ProConnectBackend",
]
# Brute force: 5 wrong passwords for one username from one address lock that pair out for
# 15 minutes (locking a username alone would let anyone lock a colleague out from anywhere).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Keep only failures in the access log; successful logins are not personal data we need.
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
# Proxies in front of Django that append to X-Forwarded-For (see accounts.security).
TRUSTED_PROXY_HOPS = 0

# ProConnect (OpenID Connect for public agents, accounts.proconnect): on only when the client id
# and secret given by ProConnect are configured; its endpoints follow from the issuer.
PROCONNECT_ISSUER = env("PROCONNECT_ISSUER", "https://auth.proconnect.gouv.fr/api/v2").rstrip("/")
OIDC_RP_CLIENT_ID = env("PROCONNECT_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env("PROCONNECT_CLIENT_SECRET")
PROCONNECT_ENABLED = bool(OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET)
_PROCONNECT_ORIGIN = "/".join(PROCONNECT_ISSUER.split("/")[:3])
OIDC_OP_AUTHORIZATION_ENDPOINT = f"{PROCONNECT_ISSUER}/authorize"
OIDC_OP_TOKEN_ENDPOINT = f"{PROCONNECT_ISSUER}/token"
OIDC_OP_USER_ENDPOINT = f"{PROCONNECT_ISSUER}/userinfo"
OIDC_OP_JWKS_ENDPOINT = f"{PROCONNECT_ISSUER}/jwks"
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email given_name usual_name siret uid"
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": "eidas1"}
OIDC_CREATE_USER = False
OIDC_TIMEOUT = 10
OIDC_CALLBACK_CLASS = "accounts.proconnect.CallbackView"
# Kept in the session for ProConnect's logout (id_token_hint), which ProConnect requires.
OIDC_STORE_ID_TOKEN = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

# Stored files (uploaded imports, built reports and certificates): the MEDIA_ROOT folder by
# default; an S3-compatible object store (django-storages) when a bucket is named, so that
# several web and worker machines share them. Either way they are read only through the views
# that check who asks: the bucket stays private (no ACL), and a URL of it, if one is ever
# made, is signed and short-lived. Static files are not concerned.
FILIERE_S3_BUCKET = env("FILIERE_S3_BUCKET")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if FILIERE_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": FILIERE_S3_BUCKET,
            # Empty: AWS itself; or MinIO, Garage, OVHcloud, Scaleway (docs/deployment.md).
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            # Empty: boto3 finds credentials itself (instance role, ~/.aws).
            "access_key": env("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
            # "path" for most self-hosted servers (MinIO, Garage); empty: the library's choice.
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            # A second file of the same name gets a suffix: a stored file is never replaced.
            "file_overwrite": False,
            # A file read back (a download, an import) spills to a temporary file past 8 MB.
            "max_memory_size": 8 * 1024 * 1024,
        },
    }

# Uploads: request bodies read into memory (forms, request.body) stay small; uploaded files
# above 2.5 MB go to a temporary file. Each kind of file has its own limit (end of this file).
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# E-mail: console in development, SMTP when a host is configured.
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "filiere@localhost")

# The cache holds the slow aggregates (core.fresh: the map, the funder's home) and their
# refresh locks. Local memory by default: each process counts once and refreshes alone. With
# several web processes or machines, a shared Redis (CACHE_URL=redis://…) makes the first
# request after a change the only one that waits, and one refresh serve every process.
CACHE_URL = env("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "filiere",
            # An unreachable cache must not hold a request longer than the broker does.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: eager when no broker is configured, so `make run` needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Redis on an unreachable host (packets dropped, not refused) must not hold a web request:
# publishing gives up after a short connect timeout and the job waits, marked delayed.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
# Queues by kind of work (docs/scaling.md), each consumed by its own workers
# (docker-compose.yml): a 2,000-device certificate in "pdf" never delays a 10-row import in
# "imports", and a mail server timing out in "mail" holds neither. Every task of the code is
# routed here (tests/test_queues.py); a worker for all of them: `-Q default,imports,pdf,mail`.
CELERY_TASK_DEFAULT_QUEUE = "default"
FILIERE_WORKER_QUEUES = ["default", "imports", "pdf", "mail"]
CELERY_TASK_ROUTES = {
    # A person waits at the screen for these: spreadsheet imports and bulk steps.
    "inventory.tasks.import_job_analyse_task": {"queue": "imports"},
    "inventory.tasks.import_job_run_task": {"queue": "imports"},
    "reconditioning.tasks.bulk_step_job_task": {"queue": "imports"},
    # Long and heavy in memory: documents, reports and exports, the whole-base audit.
    "inventory.tasks.report_job_task": {"queue": "pdf"},
    "inventory.tasks.stock_report_weekly_task": {"queue": "pdf"},
    "beneficiaries.tasks.funder_reports_monthly_task": {"queue": "pdf"},
    "reports.tasks.chain_audit_nightly_task": {"queue": "pdf"},
    # Protected aggregates counted again after a change (seconds at a national volume).
    "maps.tasks.map_figures_refresh_task": {"queue": "pdf"},
    "reports.tasks.funder_report_refresh_task": {"queue": "pdf"},
    "reports.tasks.stock_report_refresh_task": {"queue": "pdf"},
    "reports.tasks.figures_warm_nightly_task": {"queue": "pdf"},
    # One mail per notice, retried for up to an hour when the mail server fails.
    "notices.tasks.send_notice_mail": {"queue": "mail"},
    # Short housekeeping: the jobs' sweep, anonymisation, the daily digests (their mails go
    # through send_notice_mail).
    "inventory.tasks.jobs_sweep_task": {"queue": "default"},
    "beneficiaries.tasks.people_anonymise_inactive_task": {"queue": "default"},
    "beneficiaries.tasks.handover_digest_daily_task": {"queue": "default"},
    "beneficiaries.tasks.training_tomorrow_daily_task": {"queue": "default"},
}
# A worker process is replaced after it grew past 500 MB (WeasyPrint on long tables); each
# worker service of docker-compose.yml sets its own limit with --max-memory-per-child.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 500_000
CELERY_TIMEZONE = TIME_ZONE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.MachineTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Filière API",
    "DESCRIPTION": "Workshop machines post hardware reports; staff read devices.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is for the workshops' machines and staff, not for anonymous visitors.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.no_nul_in_query_strings",
    ],
}

# Exports: a cell starting with = + - @ tab or CR must not run as a formula in a spreadsheet.
# Formula escaping is done by core.exports.escape_cell (the library only strips "=").
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# Control characters typed at intake would make openpyxl refuse the whole XLSX export.
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True

# Upload limits (refused with a message before the file is parsed or stored). A 200,000-row
# donor CSV, the importer's maximum, is about 15 MB; an lshw report is under 1 MB; the national
# LaMednum file about 20 MB. nginx (docker-compose.yml) refuses bodies over 25 MB before.
SPREADSHEET_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
HARDWARE_REPORT_MAX_BYTES = 2 * 1024 * 1024
NWIPE_LOG_MAX_BYTES = 10 * 1024 * 1024
MEDNUM_CSV_MAX_BYTES = 24 * 1024 * 1024

# Heavy documents and exports past these sizes are built by a report job (progress bar, then a
# download) instead of in the request; smaller ones stay in the request. Measured on the
# shared 2-CPU machine (docs/reports.md, "Built in the request or as a job"): a batch's erasure
# certificate or "what became of the devices" costs 12–19 ms per device, the yearly reuse
# statement about 10 ms per batch, a device export 0.25 ms (CSV) to 0.7 ms (XLSX) per row — so
# each limit keeps a document made in the request under about 3 to 4 seconds.
# The map's base layer: empty, the map draws the outlines alone and works offline. Online,
# IGN's Plan IGN (docs/deployment.md); its host is added to the CSP's img-src.
FILIERE_MAP_TILE_URL = env("FILIERE_MAP_TILE_URL", "")
FILIERE_MAP_TILE_ATTRIBUTION = env("FILIERE_MAP_TILE_ATTRIBUTION", "")
FILIERE_SYNC_DOCUMENT_MAX_DEVICES = 200
FILIERE_SYNC_STATEMENT_MAX_BATCHES = 200
FILIERE_SYNC_EXPORT_MAX_ROWS = 5000
# A bulk step on more devices than this runs as a background job with a progress bar
# (about 20 ms per device and step on PostgreSQL: 200 devices stay under 4 s in the request).
FILIERE_BULK_SYNC_MAX = 200
# Communes typed by name or postal code in the workshop's forms: resolved and suggested by
# the app that holds the communes (inventory, below it, knows none).
FILIERE_COMMUNE_RESOLVER = "beneficiaries.territories.commune_resolve"
FILIERE_COMMUNE_SUGGESTIONS = "beneficiaries:commune_suggestions"
# The quasi-don: one device of each type per person within this many months (0: no limit);
# a coordinator may override it for one hand-over, with a reason.
FILIERE_ONE_DEVICE_PER_TYPE_MONTHS = int(os.environ.get("FILIERE_ONE_DEVICE_PER_TYPE_MONTHS", "24"))
# A device donated by a public body, sold at a solidarity price: the proof of precarity must
# have been seen within this many months of the hand-over (0: once is enough).
FILIERE_ELIGIBILITY_RECHECK_MONTHS = int(os.environ.get("FILIERE_ELIGIBILITY_RECHECK_MONTHS", "12"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Security headers. SecurityMiddleware sends nosniff, Referrer-Policy and
# Cross-Origin-Opener-Policy; core.headers adds Permissions-Policy.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The camera for this site only: the scan box reads labels with a phone's camera.
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"
)

# Content Security Policy (django-csp 4): scripts, styles, images only from the site itself,
# no inline script, no inline style, no eval; the site cannot be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        # The logout form ends the ProConnect session too: a redirect to its issuer.
        "form-action": ["'self'"] + ([_PROCONNECT_ORIGIN] if PROCONNECT_ENABLED else []),
        "frame-ancestors": ["'none'"],
    },
}

if FILIERE_MAP_TILE_URL:
    _tiles = urlsplit(FILIERE_MAP_TILE_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")

# Cookies: never readable from JavaScript (the CSRF token reaches htmx through the page),
# sent on top-level navigations only.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# HTTPS is on when the public address is https:// (production, behind the TLS proxy of
# docs/deployment.md): secure cookies, redirect to HTTPS, HSTS. The proxy passes
# X-Forwarded-Proto; the container healthcheck calls /healthz/ over plain HTTP.
HTTPS = SITE_URL.startswith("https://")
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The TLS proxy, then nginx (docker-compose.yml).
    TRUSTED_PROXY_HOPS = 2
# Asking browsers to preload HSTS is a submission the operator makes for the whole domain,
# not something the application can decide.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
