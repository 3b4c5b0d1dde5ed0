"""The one settings module of the iLumen site.

Everything that differs between a laptop, CI and production comes from environment
variables (or a `.env` file beside `manage.py`); `.env.example` documents each one.
With nothing set, the site runs on embedded defaults: SQLite, Celery tasks executed
in-process, e-mail printed to the console.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# Production unless told otherwise: a forgotten variable must not serve debug pages or sign
# with a public key. `make run`, `make test`, the benchmarks and the fault suite set DEBUG=True
# (or production on loopback) themselves.
DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-development-key-only")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    # Production must never fall back to a guessable key or accept any Host header.
    # The erasure key too: a worker started without it could not check the hash list before
    # sending. And a shared cache: without Redis every process would count rate limits on its
    # own. Gunicorn and Celery never run `check --deploy`, so a check would not stop them.
    try:
        SECRET_KEY = env.str("SECRET_KEY")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
        env.str("ERASURE_HMAC_KEY")
        if not env.str("REDIS_URL"):
            raise ImproperlyConfigured("Set the REDIS_URL environment variable")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            f"{exc}. With DEBUG=False SECRET_KEY, ALLOWED_HOSTS, ERASURE_HMAC_KEY and REDIS_URL must be set "
            "(see .env.example)."
        ) from None
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("With DEBUG=False, ALLOWED_HOSTS must not be empty.")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "anymail",
    "core",
    "mail",
    "pages",
    "privacy",
    "consent",
    "newsletter",
    "staff",
    "contact",
    "accesslog",
    "datarights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Gives a page that renders third-party code (an integration) its own policy (core/csp.py).
    "core.csp.ThirdPartySourcesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Inside LocaleMiddleware: the page for a wrong method is in the visitor's language.
    "pages.middleware.MethodNotAllowedPageMiddleware",
    # Appends each page view to an in-memory buffer (written in batches by a thread; no query here).
    "accesslog.middleware.AccessLogMiddleware",
    # After LocaleMiddleware (a GPC refusal is counted under the page language); no database query.
    "consent.middleware.ConsentMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# The benchmarks add bare baseline views through their own settings module (bench/settings.py).
ROOT_URLCONF = "ilumen_site.urls"
WSGI_APPLICATION = "ilumen_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pages.context_processors.company",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="ilumen"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "core.cache.WindowCountingLocMemCache"}}

# --- Celery ------------------------------------------------------------------------

_broker_url = env.str("CELERY_BROKER_URL", default="")
# Without a broker the tasks run in-process, so `make run` needs nothing but Python.
CELERY_TASK_ALWAYS_EAGER = not _broker_url
# Celery takes a producer from its pool even for a task it runs in-process; an in-memory
# broker with a host name keeps kombu from falling back to, and warning about, a default one.
CELERY_BROKER_URL = _broker_url or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Brussels"
# Beat keeps its schedule in memory: every periodic task is an interval and idempotent, so
# nothing is lost on a restart, and Python 3.13's dbm-backed schedule file failed under load.
CELERY_BEAT_SCHEDULER = "celery.beat:Scheduler"
# Each app adds its periodic tasks and routes below (.update), so blocks don't collide.
CELERY_BEAT_SCHEDULE: dict = {
    "beat-heartbeat": {"task": "ilumen_site.beat_heartbeat", "schedule": 60.0},
}
CELERY_TASK_ROUTES: dict = {}

# --- E-mail ------------------------------------------------------------------------

# Django 6.1 configures mail through MAILERS; EMAIL_URL stays the one variable to set.
_email = env.email_url("EMAIL_URL", default="consolemail://")
_EMAIL_OPTIONS = {
    "EMAIL_HOST": "host", "EMAIL_PORT": "port", "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password", "EMAIL_USE_TLS": "use_tls", "EMAIL_USE_SSL": "use_ssl",
    "EMAIL_FILE_PATH": "file_path", "EMAIL_TIMEOUT": "timeout",
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            option: _email[key] for key, option in _EMAIL_OPTIONS.items() if _email.get(key) not in (None, "")
        }
        if _email["EMAIL_BACKEND"].endswith(("smtp.EmailBackend", "filebased.EmailBackend"))
        else {},
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"].setdefault("timeout", env.int("EMAIL_TIMEOUT", default=30))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="iLumen <info@ilumen.be>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Languages ---------------------------------------------------------------------

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Production serves collected files with hashed names (long-lived caching) via whitenoise.
if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- Uploaded media (campaign images; core/media.py, newsletter/services/images.py) ---

MEDIA_URL = "media/"
# Shared by every web host, and backed up: sent e-mails keep pointing at these files.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# The site serves /media/ itself (core.media.media_serve) in `make run` and the tests;
# production lets the web server do it with the same headers (docs/deploy.md).
MEDIA_SERVE = env.bool("MEDIA_SERVE", default=DEBUG)

# --- Security ----------------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "pages.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"

# Admin login guessing: django-axes locks an IP address out after repeated failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("ADMIN_LOGIN_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.ipaddress.axes_client_network"
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
AXES_VERBOSE = False
# Masked in the attempts axes stores (it masks the password itself): a code may still be valid.
AXES_SENSITIVE_PARAMETERS = ["otp_token"]
# Staff sign in with a second factor: a TOTP app (django-otp), backup codes as fallback.
OTP_TOTP_ISSUER = "iLumen"
# Only staff have sessions (visitors need none): they end with the browser or after a working day.
SESSION_COOKIE_AGE = env.int("STAFF_SESSION_SECONDS", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Reverse proxies (CIDRs) whose X-Forwarded-For is believed; see core/ipaddress.py.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Multiplies every visitor rate limit (core/ratelimit.py); raised only for load benchmarks.
RATE_LIMIT_MULTIPLIER = env.int("RATE_LIMIT_MULTIPLIER", default=1)
# Limits count an IPv6 client per /64; its /48 may make this many times a /64's limit.
RATE_LIMIT_IPV6_SITE_FACTOR = env.int("RATE_LIMIT_IPV6_SITE_FACTOR", default=4)
SECURITY_CONTACT = env.str("SECURITY_CONTACT", default="security@ilumen.be")
# /healthz calls Celery beat stale when its heartbeat is older than this (seconds).
HEALTH_BEAT_MAX_AGE = env.int("HEALTH_BEAT_MAX_AGE", default=300)

# --- Site behaviour ----------------------------------------------------------------

# The statement shown at /<lang>/privacy/.
PRIVACY_PRIMARY_DOCUMENT = env.str("PRIVACY_PRIMARY_DOCUMENT", default="ilumen")
STATEMENT_CACHE_SECONDS = env.int("STATEMENT_CACHE_SECONDS", default=24 * 3600)
# Four eyes: a draft is published by someone who did not edit it. Off only for a one-person company.
PRIVACY_FOUR_EYES = env.bool("PRIVACY_FOUR_EYES", default=True)

# --- Cookie consent (consent/middleware.py, consent/services.py) --------------------

# Off only for the benchmark's baseline (bench/consent_overhead.py): no banner, no gating.
CONSENT_ENABLED = env.bool("CONSENT_ENABLED", default=True)
CONSENT_COOKIE_NAME = "ilumen_consent"
CONSENT_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
# A choice is asked again after this many days (and whenever the cookie policy changes).
CONSENT_MAX_AGE_DAYS = env.int("CONSENT_MAX_AGE_DAYS", default=182)
# Parent domains the site's cookies may be set on (e.g. ilumen.be for www.ilumen.be): a
# withdrawal expires refused cookies there as well as on the host itself.
CONSENT_COOKIE_DOMAINS = env.list("CONSENT_COOKIE_DOMAINS", default=[])
CONSENT_REGISTRY_CACHE_SECONDS = env.int("CONSENT_REGISTRY_CACHE_SECONDS", default=3600)
# Each process also keeps the registry this long, saving a cache round trip per page.
CONSENT_REGISTRY_LOCAL_SECONDS = env.float("CONSENT_REGISTRY_LOCAL_SECONDS", default=2.0)
# Consent decisions per client IP per hour (each one is a stored record).
CONSENT_DECISIONS_PER_HOUR = env.int("CONSENT_DECISIONS_PER_HOUR", default=60)
# Integrations (consent/integrations.py): switched on by Legal in the admin; these settings,
# when set, take precedence (a deployment pins them). Each loads only after consent, and its
# hosts enter the CSP only of the pages that render it (core/csp.py).
# Google Analytics 4 (Consent Mode v2 basic). No measurement id here or in the admin: no analytics code at all.
GA_MEASUREMENT_ID = env.str("GA_MEASUREMENT_ID", default="")
GA_SCRIPT_URL = env.str("GA_SCRIPT_URL", default="https://www.googletagmanager.com/gtag/js")
GA_CONNECT_ORIGINS = env.list("GA_CONNECT_ORIGINS", default=[
    "https://*.google-analytics.com", "https://*.analytics.google.com", "https://*.googletagmanager.com",
])
# Social-media embeds ({% social_embed %}): provider=script URL, e.g.
# "twitter=https://platform.twitter.com/widgets.js". None: embeds stay plain links.
SOCIAL_EMBED_SCRIPTS = env.dict("SOCIAL_EMBED_SCRIPTS", default={})
SOCIAL_FRAME_ORIGINS = env.list("SOCIAL_FRAME_ORIGINS", default=[])
# Matomo on your own server: its https origin and the site's id there (both, or neither).
MATOMO_URL = env.str("MATOMO_URL", default="").rstrip("/")
MATOMO_SITE_ID = env.int("MATOMO_SITE_ID", default=None)
# The networks' own share buttons switched on here (facebook, x, linkedin), beside the plain
# share links; each behind a click-to-load placeholder until social consent.
SOCIAL_BUTTONS = env.list("SOCIAL_BUTTONS", default=[])
# Where each network's button code comes from, and what it frames; not admin fields, so that
# nobody can point a page at another script ('{locale}': nl_BE or en_GB).
SOCIAL_BUTTON_SCRIPTS = {
    "facebook": "https://connect.facebook.net/{locale}/sdk.js",
    "x": "https://platform.twitter.com/widgets.js",
    "linkedin": "https://platform.linkedin.com/in.js",
}
SOCIAL_BUTTON_FRAME_ORIGINS = {
    "facebook": ["https://www.facebook.com", "https://web.facebook.com"],
    "x": ["https://platform.twitter.com"],
    "linkedin": ["https://www.linkedin.com"],
}
# Whole public pages (core/pagecache.py); 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)
# How long a process serves its own copy of a page before asking Redis again (0: always ask).
PAGE_CACHE_LOCAL_SECONDS = env.float("PAGE_CACHE_LOCAL_SECONDS", default=2.0)
PAGE_CACHE_VARIANTS = ["consent.middleware.page_cache_variant"]

# --- Newsletter --------------------------------------------------------------------

# Double opt-in links expire after this many days; unconfirmed requests are deleted after
# NEWSLETTER_PENDING_RETENTION_DAYS.
NEWSLETTER_CONFIRM_MAX_AGE_DAYS = env.int("NEWSLETTER_CONFIRM_MAX_AGE_DAYS", default=7)
NEWSLETTER_PENDING_RETENTION_DAYS = env.int("NEWSLETTER_PENDING_RETENTION_DAYS", default=30)
# Subscription requests per window, per IP address and per e-mail address.
NEWSLETTER_SUBSCRIBE_PER_IP = env.int("NEWSLETTER_SUBSCRIBE_PER_IP", default=20)
NEWSLETTER_SUBSCRIBE_PER_EMAIL = env.int("NEWSLETTER_SUBSCRIBE_PER_EMAIL", default=3)
NEWSLETTER_SUBSCRIBE_WINDOW_SECONDS = env.int("NEWSLETTER_SUBSCRIBE_WINDOW_SECONDS", default=3600)
# Campaign messages per second across all workers together (0 = no limit); kept in Redis.
# Mail's settings were named NEWSLETTER_* before mail/ existed: those names still count.
MAIL_SEND_RATE = env.float("MAIL_SEND_RATE", default=env.float("NEWSLETTER_SEND_RATE", default=20))
MAIL_REDIS_URL = env.str("MAIL_REDIS_URL", default=env.str("NEWSLETTER_REDIS_URL", default=REDIS_URL or _broker_url))
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", default=500)
# SMTP connections (threads) each worker process sends on side by side.
NEWSLETTER_SENDERS = env.int("NEWSLETTER_SENDERS", default=2)
NEWSLETTER_PARALLEL_BATCHES = env.int("NEWSLETTER_PARALLEL_BATCHES", default=4)
# A claimed delivery row belongs to its worker this long (renewed while it works); a dead
# worker's rows go back to the queue when it runs out.
NEWSLETTER_LEASE_SECONDS = env.int("NEWSLETTER_LEASE_SECONDS", default=120)
# The same for a transactional outbox row (it shared the setting above before mail/ existed).
MAIL_LEASE_SECONDS = env.int("MAIL_LEASE_SECONDS", default=NEWSLETTER_LEASE_SECONDS)
NEWSLETTER_TASK_SECONDS = env.int("NEWSLETTER_TASK_SECONDS", default=60)
NEWSLETTER_MAX_TRIES = env.int("NEWSLETTER_MAX_TRIES", default=6)
NEWSLETTER_RETRY_BASE_SECONDS = env.int("NEWSLETTER_RETRY_BASE_SECONDS", default=300)
# A campaign pauses itself when more than this share of at least MIN_SAMPLE attempts failed.
NEWSLETTER_FAILURE_THRESHOLD = env.float("NEWSLETTER_FAILURE_THRESHOLD", default=0.1)
NEWSLETTER_FAILURE_MIN_SAMPLE = env.int("NEWSLETTER_FAILURE_MIN_SAMPLE", default=50)
# Spam complaints: mailbox providers require under 0.3% and advise under 0.1%. A campaign
# still sending pauses above THRESHOLD (once MIN_SAMPLE messages went out); the admin warns
# about any campaign of the last 30 days above AIM.
NEWSLETTER_COMPLAINT_THRESHOLD = env.float("NEWSLETTER_COMPLAINT_THRESHOLD", default=0.003)
NEWSLETTER_COMPLAINT_MIN_SAMPLE = env.int("NEWSLETTER_COMPLAINT_MIN_SAMPLE", default=500)
NEWSLETTER_COMPLAINT_AIM = env.float("NEWSLETTER_COMPLAINT_AIM", default=0.001)
# A soft bounce (mailbox full, server busy) suppresses the address once there were this many
# within this many days; a hard bounce at once. Bounce reports are kept KEEP_DAYS.
NEWSLETTER_SOFT_BOUNCE_LIMIT = env.int("NEWSLETTER_SOFT_BOUNCE_LIMIT", default=3)
NEWSLETTER_SOFT_BOUNCE_DAYS = env.int("NEWSLETTER_SOFT_BOUNCE_DAYS", default=30)
NEWSLETTER_BOUNCE_KEEP_DAYS = env.int("NEWSLETTER_BOUNCE_KEEP_DAYS", default=395)
# A scheduled campaign found later than this waits for a person instead of sending.
NEWSLETTER_OVERDUE_SECONDS = env.int("NEWSLETTER_OVERDUE_SECONDS", default=3600)
NEWSLETTER_TICK_SECONDS = env.float("NEWSLETTER_TICK_SECONDS", default=30)
NEWSLETTER_FROM_EMAIL = env.str("NEWSLETTER_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
# VERP: campaign messages go out with a per-message envelope sender on this domain (a
# subdomain of the From domain, so SPF and DMARC stay aligned; check mail.E004), which is
# how a bounce that arrives later is tied to its message. Empty: the From address is used.
MAIL_BOUNCE_DOMAIN = env.str("MAIL_BOUNCE_DOMAIN", default="")
# The bounce mailbox (docs/newsletter.md), where bounces and complaints to those addresses arrive:
# imaps://user:password@host:port/Mailbox (imap:// uses STARTTLS when offered); empty = not read.
MAIL_BOUNCE_IMAP_URL = env.str("MAIL_BOUNCE_IMAP_URL", default="")
MAIL_BOUNCE_CHECK_SECONDS = env.float("MAIL_BOUNCE_CHECK_SECONDS", default=300)
# The settings holding a From address the site sends with: mail checks each against DKIM_DOMAIN.
MAIL_FROM_SETTINGS = ["DEFAULT_FROM_EMAIL", "NEWSLETTER_FROM_EMAIL"]
# Campaign images: the largest upload accepted, and the widest image stored (twice the
# e-mail's 600 px, for sharp images on high-density screens); wider ones are scaled down.
NEWSLETTER_IMAGE_MAX_BYTES = env.int("NEWSLETTER_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
NEWSLETTER_IMAGE_MAX_WIDTH = env.int("NEWSLETTER_IMAGE_MAX_WIDTH", default=1200)
# Subscriber imports (docs/newsletter.md, "Importing subscribers"): uploaded CSV files wait here,
# outside MEDIA_ROOT so that no web server ever serves them, and are deleted once imported. The
# controller named in a row's consent evidence must be one of these names (compared without case).
NEWSLETTER_IMPORT_DIR = env.path("NEWSLETTER_IMPORT_DIR", default=BASE_DIR / "var" / "imports")
NEWSLETTER_IMPORT_CONTROLLER_NAMES = env.list("NEWSLETTER_IMPORT_CONTROLLER_NAMES", default=["iLumen", "iLumen NV"])
# Bearer token of the bounce/complaint webhook (docs/newsletter.md); empty = webhook off.
NEWSLETTER_WEBHOOK_TOKEN = env.str("NEWSLETTER_WEBHOOK_TOKEN", default="")
# The e-mail service the site sends through, by its django-anymail name ("postmark", "mailgun", …):
# its bounce, complaint and unsubscribe webhook is served at /webhooks/anymail/<name>/tracking/
# (docs/newsletter.md, "Provider webhooks"). Empty = no such webhook.
MAIL_PROVIDER = env.str("MAIL_PROVIDER", default="").strip().lower()
ANYMAIL = {
    # "user:password" the provider sends as HTTP basic auth; newsletter.E011 requires it.
    "WEBHOOK_SECRET": env.str("MAIL_PROVIDER_WEBHOOK_SECRET", default=""),
    # Mailgun signs each event with this key (its "HTTP webhook signing key"); anymail checks it.
    "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
}
# DKIM signing of outgoing mail, when a key is configured (PEM text or a file).
DKIM_PRIVATE_KEY = env.str("DKIM_PRIVATE_KEY", default="", multiline=True)
if not DKIM_PRIVATE_KEY and env.str("DKIM_PRIVATE_KEY_FILE", default=""):
    DKIM_PRIVATE_KEY = Path(env.str("DKIM_PRIVATE_KEY_FILE")).read_text()
DKIM_SELECTOR = env.str("DKIM_SELECTOR", default="")
DKIM_DOMAIN = env.str("DKIM_DOMAIN", default="")
# For instance mail.W001 when the mail relay signs instead (see docs/deploy.md); the DKIM
# checks were newsletter.* before mail/ existed, and those ids still silence them.
_OLD_CHECK_IDS = {f"newsletter.{n}": f"mail.{n}" for n in ("E001", "E002", "E003", "W001")}
SILENCED_SYSTEM_CHECKS = [_OLD_CHECK_IDS.get(check, check) for check in env.list("SILENCED_SYSTEM_CHECKS", default=[])]

CELERY_BEAT_SCHEDULE.update({
    "newsletter-tick": {"task": "newsletter.tasks.campaigns_tick", "schedule": NEWSLETTER_TICK_SECONDS},
    "newsletter-outbox-sweep": {"task": "newsletter.tasks.outbox_sweep", "schedule": NEWSLETTER_TICK_SECONDS},
    "newsletter-welcomes-sweep": {"task": "newsletter.tasks.welcomes_sweep", "schedule": NEWSLETTER_TICK_SECONDS},
    "newsletter-bounces-read": {"task": "newsletter.tasks.bounce_mailbox_read", "schedule": MAIL_BOUNCE_CHECK_SECONDS},
    "newsletter-imports-sweep": {"task": "newsletter.tasks.subscriber_imports_sweep", "schedule": 60},
})
# Transactional mail has its own queue (and worker), so it never waits behind a campaign.
CELERY_TASK_ROUTES.update({
    "newsletter.tasks.outbox_sweep": {"queue": "transactional"},
    # A welcome follows its confirmation as promptly as the confirmation mail itself.
    "newsletter.tasks.welcome_send": {"queue": "transactional"},
    "newsletter.tasks.welcomes_sweep": {"queue": "transactional"},
})

# --- Data rights, retention, access log, contact form -------------------------------

# Keyed hashes of erased addresses (suppression list, erasure log): a key of its own, never
# SECRET_KEY. Required in production (`check --deploy` fails without it).
ERASURE_HMAC_KEY = env.str("ERASURE_HMAC_KEY", default="insecure-local-erasure-key-only" if DEBUG else "")
# The erasure log is also appended here, outside the database, for `manage.py reapply_erasures`
# after a restore. Put it on storage that is not restored with the database.
ERASURE_LOG_FILE = env.path("ERASURE_LOG_FILE", default=BASE_DIR / "var" / "erasures.jsonl")
# My-data links: valid this long, then a session of this many minutes; link requests per hour.
DATARIGHTS_LINK_MAX_AGE_HOURS = env.int("DATARIGHTS_LINK_MAX_AGE_HOURS", default=2)
DATARIGHTS_SESSION_MINUTES = env.int("DATARIGHTS_SESSION_MINUTES", default=30)
DATARIGHTS_LINKS_PER_IP = env.int("DATARIGHTS_LINKS_PER_IP", default=10)
DATARIGHTS_LINKS_PER_ADDRESS = env.int("DATARIGHTS_LINKS_PER_ADDRESS", default=3)
# The link that confirms a self-service address change (mailed to the new address) works this
# many hours, and at most as long as the my-data link's record (DATARIGHTS_LINK_KEEP_DAYS).
DATARIGHTS_ADDRESS_CHANGE_MAX_AGE_HOURS = env.int("DATARIGHTS_ADDRESS_CHANGE_MAX_AGE_HOURS", default=24)
# The download link sent with an answer to a data request works this many days.
DATARIGHTS_EXPORT_LINK_DAYS = env.int("DATARIGHTS_EXPORT_LINK_DAYS", default=14)
# A daily e-mail to this group's members: data requests due within a week and overdue (counts only).
DATARIGHTS_DIGEST_ENABLED = env.bool("DATARIGHTS_DIGEST_ENABLED", default=False)
DATARIGHTS_DIGEST_GROUP = env.str("DATARIGHTS_DIGEST_GROUP", default="Support")
# The record of processing activities (GDPR Art. 30): the transfers outside the European Economic
# Area this deployment's processors make, with their safeguard (Art. 46), e.g. "Postmark (USA), the
# e-mail service: EU-US Data Privacy Framework". Empty: none.
PROCESSING_TRANSFERS = env.str("PROCESSING_TRANSFERS", default="")
# Retention periods in days (the page /<lang>/privacy/retention/ is generated from these).
DATARIGHTS_LINK_KEEP_DAYS = env.int("DATARIGHTS_LINK_KEEP_DAYS", default=1)
DATA_REQUEST_KEEP_DAYS = env.int("DATA_REQUEST_KEEP_DAYS", default=3 * 365)
NEWSLETTER_UNSUBSCRIBED_KEEP_DAYS = env.int("NEWSLETTER_UNSUBSCRIBED_KEEP_DAYS", default=30)
INACTIVE_PROFILE_DAYS = env.int("INACTIVE_PROFILE_DAYS", default=4 * 365)
INACTIVE_PROFILE_WARNING_DAYS = env.int("INACTIVE_PROFILE_WARNING_DAYS", default=30)
TRANSACTIONAL_MAIL_KEEP_DAYS = env.int("TRANSACTIONAL_MAIL_KEEP_DAYS", default=30)
MAIL_BOUNCE_KEEP_DAYS = env.int("MAIL_BOUNCE_KEEP_DAYS", default=30)
CONSENT_PROOF_KEEP_DAYS = env.int("CONSENT_PROOF_KEEP_DAYS", default=5 * 365)
CONTACT_KEEP_DAYS_AFTER_HANDLED = env.int("CONTACT_KEEP_DAYS_AFTER_HANDLED", default=180)
ACCESS_LOG_KEEP_DAYS = env.int("ACCESS_LOG_KEEP_DAYS", default=90)
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=5000)
# Access log: rows are buffered per process and written by a background thread in batches.
ACCESS_LOG_ENABLED = env.bool("ACCESS_LOG_ENABLED", default=True)
ACCESS_LOG_WRITER = env.str("ACCESS_LOG_WRITER", default="thread")  # "manual": only flush() writes (tests)
ACCESS_LOG_BATCH_SIZE = env.int("ACCESS_LOG_BATCH_SIZE", default=200)
ACCESS_LOG_FLUSH_SECONDS = env.float("ACCESS_LOG_FLUSH_SECONDS", default=5.0)
ACCESS_LOG_MAX_BUFFER = env.int("ACCESS_LOG_MAX_BUFFER", default=20000)
# Media too: a campaign image is fetched by every opened e-mail, which must leave no trace here.
ACCESS_LOG_SKIP_PREFIXES = ["/" + STATIC_URL.lstrip("/"), "/" + MEDIA_URL.lstrip("/"), "/healthz", "/favicon.ico"]
# URL keyword arguments whose names contain one of these never reach the log.
ACCESS_LOG_SECRET_KWARGS = ["token", "key", "signature", "uid", "nonce", "secret"]
# Contact form: where messages are forwarded, and messages per hour.
CONTACT_FORWARD_TO = env.list("CONTACT_FORWARD_TO", default=["info@ilumen.be"])
CONTACT_RATE_LIMIT_PER_IP = env.int("CONTACT_RATE_LIMIT_PER_IP", default=5)
CONTACT_RATE_LIMIT_PER_ADDRESS = env.int("CONTACT_RATE_LIMIT_PER_ADDRESS", default=3)

CELERY_BEAT_SCHEDULE.update({
    "datarights-retention": {"task": "datarights.retention_run", "schedule": crontab(hour=3, minute=17)},
    "datarights-digest": {"task": "datarights.requests_digest", "schedule": crontab(hour=7, minute=45)},
})

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # flufl.bounce logs each of its detectors at INFO for every message read.
    "loggers": {"flufl.bounce": {"level": "WARNING"}},
}
