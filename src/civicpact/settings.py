"""CivicPact settings: one module, configured only by environment variables.

Every variable read here is listed in docs/configuration.md.
"""

from __future__ import annotations

import base64
import os
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def env_percent(name: str, default: str) -> str:
    """A percentage 0 to 100 with at most 2 decimals, kept as text (money code reads it as a Decimal)."""
    value = os.environ.get(name) or default
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} must be a percentage such as 23 or 5.5, not {value!r}") from None
    if not number.is_finite() or not 0 <= number <= 100 or number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"{name} must be a percentage from 0 to 100 with at most 2 decimals, not {value!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str) -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (for Docker/systemd secrets)."""
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    return value


DATA_DIR = Path(env_str("CIVICPACT_DATA_DIR", str(REPO_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = env_str("CIVICPACT_ENV", "development") == "production"
DEBUG = env_bool("CIVICPACT_DEBUG", default=False)


def _secret_key() -> str:
    key = env_secret("SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()


def _bid_master_key() -> str:
    """The key that wraps each tender's bid-encryption key (base64 of 32 bytes). Production must set it; elsewhere
    one is generated once into the data folder, like the secret key."""
    key = env_secret("CIVICPACT_BID_MASTER_KEY")
    if key or PRODUCTION:
        return key
    key_file = DATA_DIR / "bid_master_key"
    if not key_file.exists():
        key_file.write_text(base64.b64encode(secrets.token_bytes(32)).decode(), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


CIVICPACT_BID_MASTER_KEY = _bid_master_key()
# Master keys retired by a rotation, still used to unwrap tenders sealed before it (comma-separated base64).
CIVICPACT_BID_MASTER_KEYS_RETIRED = env_list("CIVICPACT_BID_MASTER_KEYS_RETIRED", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Our apps first, so that their templates (e.g. registration/*.html) win over the admin's.
    "civicpact.accounts",
    "civicpact.ledger",
    "civicpact.pipeline",
    "civicpact.appraisal",
    "civicpact.tendering",
    "civicpact.contracts",
    "civicpact.performance",
    "civicpact.finance",
    "civicpact.transparency",
    "civicpact.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "template_partials",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
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
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicpact.urls"
WSGI_APPLICATION = "civicpact.wsgi.application"

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
                "civicpact.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'civicpact.sqlite3'}"),
        conn_max_age=env_int("CIVICPACT_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers appending to the
    # audit chain queue up instead of failing half-way; WAL lets readers go on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# address, further attempts are refused for the cool-off time. Attempts live in the database,
# so every web process sees the same count.
AXES_FAILURE_LIMIT = env_int("CIVICPACT_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CIVICPACT_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("CIVICPACT_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing folder; finders serve the files
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": DATA_DIR / "media"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CivicPact <civicpact@localhost>")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CIVICPACT_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("CIVICPACT_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The OCDS publisher: one deployment, one ocid prefix (registered with the Open Contracting
# Partnership for real use), one publisher name.
CIVICPACT_OCID_PREFIX = env_str("CIVICPACT_OCID_PREFIX", "ocds-cvp0dm")
CIVICPACT_PUBLISHER_NAME = env_str("CIVICPACT_PUBLISHER_NAME", "City of Port Aurelia")
CIVICPACT_OCDS_DIR = env_str("CIVICPACT_OCDS_DIR", str((REPO_DIR.parent / "shared" / "ocds").resolve()))
CIVICPACT_CITY_NAME = env_str("CIVICPACT_CITY_NAME", "Port Aurelia")
CIVICPACT_CURRENCY = env_str("CIVICPACT_CURRENCY", "EUR")
# Publish each bid's tenderer, status and price in the award release (bids.details); false withholds them.
CIVICPACT_PUBLISH_BID_DETAILS = env_bool("CIVICPACT_PUBLISH_BID_DETAILS", default=True)
# The largest document a bid may attach, and how many (they are sealed with the bid).
CIVICPACT_BID_DOCUMENT_MAX_BYTES = env_int("CIVICPACT_BID_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
# Telemetry: interval rows as partitioned Parquet (contract=<id>/month=<YYYY-MM>/), and the rejection reports
# Change control's delegation ladder: who may authorise a contract change, by the absolute change in value and
# term (up to the first limits a contract manager, up to the second the PPP unit, above them the council)
CIVICPACT_CHANGE_DELEGATION = {
    "manager_amount": env_str("CIVICPACT_CHANGE_MANAGER_AMOUNT", "50000"),
    "manager_days": env_int("CIVICPACT_CHANGE_MANAGER_DAYS", 30),
    "unit_amount": env_str("CIVICPACT_CHANGE_UNIT_AMOUNT", "500000"),
    "unit_days": env_int("CIVICPACT_CHANGE_UNIT_DAYS", 180),
}
# Dispute escalation ladder: days each rung has to settle a dispute before either party may escalate it
CIVICPACT_DISPUTE_DAYS = {
    "operational": env_int("CIVICPACT_DISPUTE_DAYS_OPERATIONAL", 14),
    "steering_committee": env_int("CIVICPACT_DISPUTE_DAYS_STEERING", 30),
    "expert_determination": env_int("CIVICPACT_DISPUTE_DAYS_EXPERT", 60),
    "arbitration": env_int("CIVICPACT_DISPUTE_DAYS_ARBITRATION", 180),
}
# The finance hand-off (docs/finance.md): the VAT rate on invoices (percent, up to 2 decimals; a contract's finance
# terms may override it) and the days from an invoice's receipt to its due date (the EU late-payment rule's 30)
CIVICPACT_VAT_PERCENT = env_percent("CIVICPACT_VAT_PERCENT", "23")
CIVICPACT_PAYMENT_DAYS = env_int("CIVICPACT_PAYMENT_DAYS", 30)
CIVICPACT_TELEMETRY_DIR = Path(env_str("CIVICPACT_TELEMETRY_DIR", str(DATA_DIR / "telemetry"))).resolve()
CIVICPACT_TELEMETRY_BATCH_MAX_BYTES = env_int("CIVICPACT_TELEMETRY_BATCH_MAX_BYTES", 10 * 1024 * 1024)
CIVICPACT_TENDER_DOCUMENT_MAX_BYTES = env_int("CIVICPACT_TENDER_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
# Where the public reaches this deployment: absolute links in published data (OCDS document urls)
CIVICPACT_PUBLIC_URL = env_str("CIVICPACT_PUBLIC_URL", "http://127.0.0.1:8000")
CIVICPACT_BID_DOCUMENTS_MAX = env_int("CIVICPACT_BID_DOCUMENTS_MAX", 5)
# Monte Carlo iterations one business-case run may ask for (the domain's hard cap is 5,000,000).
CIVICPACT_MAX_ITERATIONS = min(env_int("CIVICPACT_MAX_ITERATIONS", 2_000_000), 5_000_000)
# Red flags (docs/red-flags.md): the indicators' thresholds. Fences left empty are computed from the quartiles as
# Cardinal does, over at least MIN_SAMPLE values; decimals are read as text.
CIVICPACT_RED_FLAGS = {
    "competitive_methods": env_list("CIVICPACT_RED_FLAGS_COMPETITIVE_METHODS", ["open", "selective"]),
    "r003_days": env_int("CIVICPACT_RED_FLAGS_R003_DAYS", 15),
    "r024_threshold": env_str("CIVICPACT_RED_FLAGS_R024_THRESHOLD", ""),
    "r025_percentile": env_int("CIVICPACT_RED_FLAGS_R025_PERCENTILE", 75),
    "r025_threshold": env_str("CIVICPACT_RED_FLAGS_R025_THRESHOLD", ""),
    "r035_threshold": env_int("CIVICPACT_RED_FLAGS_R035_THRESHOLD", 1),
    "r038_threshold": env_str("CIVICPACT_RED_FLAGS_R038_THRESHOLD", ""),
    "r038_minimum_submitted_bids": env_int("CIVICPACT_RED_FLAGS_R038_MINIMUM_SUBMITTED_BIDS", 2),
    "r038_minimum_contracting_processes": env_int("CIVICPACT_RED_FLAGS_R038_MINIMUM_CONTRACTING_PROCESSES", 2),
    "r058_threshold": env_str("CIVICPACT_RED_FLAGS_R058_THRESHOLD", ""),
    "minimum_sample": env_int("CIVICPACT_RED_FLAGS_MIN_SAMPLE", 8),
    "amendments_count": env_int("CIVICPACT_RED_FLAGS_AMENDMENTS", 3),
    "amendments_months": env_int("CIVICPACT_RED_FLAGS_AMENDMENT_MONTHS", 6),
    "capped_months": env_int("CIVICPACT_RED_FLAGS_CAPPED_MONTHS", 3),
    "unsolicited_markers": env_list("CIVICPACT_RED_FLAGS_UNSOLICITED_MARKERS", ["unsolicited", "swiss challenge"]),
    "value_growth": env_str("CIVICPACT_RED_FLAGS_VALUE_GROWTH", "0.10"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CIVICPACT_LOG_LEVEL", "WARNING")},
}

# OCDS package metadata (transparency/packages.py, docs/ocds.md): the publisher's identity, the data's licence and
# publication policy. Empty values are left out of the packages.
CIVICPACT_PUBLISHER_URI = env_str("CIVICPACT_PUBLISHER_URI", "")
CIVICPACT_PUBLISHER_SCHEME = env_str("CIVICPACT_PUBLISHER_SCHEME", "")
CIVICPACT_PUBLISHER_UID = env_str("CIVICPACT_PUBLISHER_UID", "")
CIVICPACT_OCDS_LICENSE = env_str("CIVICPACT_OCDS_LICENSE", "https://creativecommons.org/licenses/by/4.0/")
CIVICPACT_OCDS_PUBLICATION_POLICY = env_str("CIVICPACT_OCDS_PUBLICATION_POLICY", "")
# Page size of the OCDS API's release and record lists (?page=N), at most 1000.
CIVICPACT_OCDS_PAGE_SIZE = min(env_int("CIVICPACT_OCDS_PAGE_SIZE", 100), 1000)
