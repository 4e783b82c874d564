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
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF

from civicpact import logs

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


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_secret(name: str, default: str = "") -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker secrets, systemd credentials).

    Surrounding whitespace and the final newline of the file are ignored. Setting both, or naming a file that
    cannot be read or is empty, is an error naming the variable (the CLI's exit 2).
    """
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if value and path:
        raise ValueError(f"set {name} or {name}_FILE, not both")
    if not path:
        return value or default
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ValueError(f"{name}_FILE: cannot read {path}: {reason}") from None
    if not value:
        raise ValueError(f"{name}_FILE: {path} is empty")
    return value


def env_secret_list(name: str) -> list[str]:
    """A list of secrets from NAME or NAME_FILE, separated by commas or new lines."""
    return [item.strip() for item in env_secret(name).replace("\n", ",").split(",") if item.strip()]


DATA_DIR = Path(env_str("CIVICPACT_DATA_DIR", str(REPO_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = env_choice("CIVICPACT_ENV", ("development", "production"), "development") == "production"
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


BID_MASTER_KEY_FILE = DATA_DIR / "bid_master_key"
BID_MASTER_KEYS_RETIRED_FILE = DATA_DIR / "bid_master_keys_retired"


def _bid_master_key() -> tuple[str, str]:
    """The key that wraps each tender's bid-encryption key (base64 of 32 bytes), and where it came from
    ("environment", "data-dir" or "unset"). Production must set it; elsewhere one is generated once into the data
    folder, like the secret key (docs/keys.md)."""
    key = env_secret("CIVICPACT_BID_MASTER_KEY")
    if key:
        return key, "environment"
    if PRODUCTION:
        return "", "unset"
    if not BID_MASTER_KEY_FILE.exists():
        BID_MASTER_KEY_FILE.write_text(base64.b64encode(secrets.token_bytes(32)).decode(), encoding="utf-8")
        BID_MASTER_KEY_FILE.chmod(0o600)
    return BID_MASTER_KEY_FILE.read_text(encoding="utf-8").strip(), "data-dir"


def _retired_bid_master_keys() -> list[str]:
    """Master keys retired by a rotation, still used to unwrap tenders sealed under them: from the environment (or
    its _FILE), else, when the current key lives in the data folder, from the data folder's retired-keys file."""
    keys = env_secret_list("CIVICPACT_BID_MASTER_KEYS_RETIRED")
    if keys or CIVICPACT_BID_MASTER_KEY_SOURCE != "data-dir" or not BID_MASTER_KEYS_RETIRED_FILE.exists():
        return keys
    text = BID_MASTER_KEYS_RETIRED_FILE.read_text(encoding="utf-8")
    return [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]


CIVICPACT_BID_MASTER_KEY, CIVICPACT_BID_MASTER_KEY_SOURCE = _bid_master_key()
CIVICPACT_BID_MASTER_KEYS_RETIRED = _retired_bid_master_keys()
# The passphrase that encrypts the bid master keys inside a backup archive (docs/backup.md); empty leaves them out.
CIVICPACT_BACKUP_PASSPHRASE = env_secret("CIVICPACT_BACKUP_PASSPHRASE")
if PRODUCTION and not env_list("ALLOWED_HOSTS", []):
    raise ValueError("ALLOWED_HOSTS must be set when CIVICPACT_ENV=production: the host names the proxy forwards")
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
    "civicpact.notifications",
    "civicpact.web",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    "civicpact.web.middleware.RequestLogMiddleware",
    "civicpact.web.middleware.OutOfRangeIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # after the sessions, before CommonMiddleware: the language from the cookie, then Accept-Language
    "django.middleware.locale.LocaleMiddleware",
    "civicpact.web.middleware.ApiInEnglishMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # after the person is known: without a language cookie, the language kept on their account
    "civicpact.web.middleware.ReaderLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # after the messages and sessions: sends a person who still owes a second factor to enrol or verify
    "civicpact.accounts.middleware.TwoFactorMiddleware",
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
                "civicpact.notifications.context_processors.unread",
                "django.template.context_processors.i18n",
            ],
            # every template may use {% translate %} and |money without loading them
            "builtins": ["django.templatetags.i18n", "civicpact.web.templatetags.money"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_secret("DATABASE_URL", f"sqlite:///{DATA_DIR / 'civicpact.sqlite3'}"),
        conn_max_age=env_int("CIVICPACT_DB_CONN_MAX_AGE", 0),
    )
}
if env_secret("DATABASE_PASSWORD"):  # the password apart from the URL, e.g. DATABASE_PASSWORD_FILE=/run/secrets/db
    DATABASES["default"]["PASSWORD"] = env_secret("DATABASE_PASSWORD")
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
    # single sign-on (docs/sign-in.md); answers None at once while CIVICPACT_OIDC_* is not configured
    "civicpact.accounts.oidc.CityOIDCBackend",
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

# Two-factor authentication (django-otp, docs/sign-in.md): on by default in production, off in the demo and in
# development so the demo's people sign in with their password alone. The roles that must use it:
# administrators, the PPP unit's procurement officers, evaluators and supplier users (who submit bids).
CIVICPACT_REQUIRE_2FA = env_bool("CIVICPACT_REQUIRE_2FA", default=PRODUCTION)
CIVICPACT_2FA_ROLES = env_list(
    "CIVICPACT_2FA_ROLES", ["administrator", "procurement_officer", "evaluator", "supplier_user"]
)
CIVICPACT_2FA_BACKUP_CODES = env_int("CIVICPACT_2FA_BACKUP_CODES", 10)
OTP_TOTP_ISSUER = env_str("CIVICPACT_2FA_ISSUER", f"CivicPact {env_str('CIVICPACT_CITY_NAME', 'Port Aurelia')}")

# Single sign-on for city staff with OpenID Connect (mozilla-django-oidc, docs/sign-in.md). Enabled when the
# issuer, the client id and the client secret are set; the endpoints come from the issuer's discovery document
# unless given one by one. The role map (JSON) says which CivicPact role in which organisation each value of the
# groups claim grants.
CIVICPACT_OIDC = {
    "name": env_str("CIVICPACT_OIDC_NAME", "city single sign-on"),
    "issuer": env_str("CIVICPACT_OIDC_ISSUER").rstrip("/"),
    "authorization_endpoint": env_str("CIVICPACT_OIDC_AUTHORIZATION_ENDPOINT"),
    "token_endpoint": env_str("CIVICPACT_OIDC_TOKEN_ENDPOINT"),
    "userinfo_endpoint": env_str("CIVICPACT_OIDC_USERINFO_ENDPOINT"),
    "jwks_uri": env_str("CIVICPACT_OIDC_JWKS_URI"),
    "end_session_endpoint": env_str("CIVICPACT_OIDC_END_SESSION_ENDPOINT"),
    "client_id": env_str("CIVICPACT_OIDC_CLIENT_ID"),
    "client_secret": env_secret("CIVICPACT_OIDC_CLIENT_SECRET"),
    "scopes": env_str("CIVICPACT_OIDC_SCOPES", "openid email profile"),
    "sign_algo": env_str("CIVICPACT_OIDC_SIGN_ALGO", "RS256"),
    "use_pkce": env_bool("CIVICPACT_OIDC_USE_PKCE", default=True),
    "token_auth": env_str("CIVICPACT_OIDC_TOKEN_AUTH", "client_secret_basic"),
    "allowed_email_domains": env_list("CIVICPACT_OIDC_ALLOWED_EMAIL_DOMAINS", []),
    "groups_claim": env_str("CIVICPACT_OIDC_GROUPS_CLAIM", "groups"),
    "role_map": env_secret("CIVICPACT_OIDC_ROLE_MAP"),
    "trust_mfa": env_bool("CIVICPACT_OIDC_TRUST_MFA", default=True),
    "mfa_amr": env_list("CIVICPACT_OIDC_MFA_AMR", ["mfa", "otp"]),
    "timeout": env_int("CIVICPACT_OIDC_TIMEOUT", 10),
}

# Languages and formats (docs/languages.md). The city's language is the interface's default, the language its
# OCDS releases declare, and the locale of its dates, numbers and money; a person may choose another of LANGUAGES
# (a cookie set by /i18n/setlang/), and the pages then speak and format in that one.
LANGUAGES = [("en", "English"), ("fr", "Français")]
LANGUAGE_CODE = env_str("CIVICPACT_LANGUAGE", "en-gb").lower()
if LANGUAGE_CODE.split("-")[0] not in {code for code, _ in LANGUAGES}:
    raise ValueError(
        f"CIVICPACT_LANGUAGE={LANGUAGE_CODE!r}: choose one of {', '.join(code for code, _ in LANGUAGES)}"
        " (optionally with a region, e.g. fr-be)"
    )
# The OCDS `language` field: ISO 639-1, two letters.
CIVICPACT_OCDS_LANGUAGE = LANGUAGE_CODE.split("-")[0]
LOCALE_PATHS: list[Path] = []  # every string belongs to an app: <app>/locale/<lang>/LC_MESSAGES/django.po
# Our own date formats per language (civicpact/formats/<lang>/formats.py), Django's for whatever they leave out.
FORMAT_MODULE_PATH = ["civicpact.formats"]
LANGUAGE_COOKIE_NAME = "civicpact_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a year; a signed-in person's choice is also kept on their account
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("CIVICPACT_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("CIVICPACT_STATIC_ROOT", str(DATA_DIR / "static"))).resolve()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
# In production, `manage.py collectstatic` writes the files with hashed names and compressed copies, and
# WhiteNoise serves them from STATIC_ROOT with far-future cache headers; elsewhere the finders serve the sources.
STATICFILES_BACKEND = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if PRODUCTION
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
WHITENOISE_USE_FINDERS = not PRODUCTION


def _media_root() -> Path:
    return Path(env_str("CIVICPACT_MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()


MEDIA_ROOT = _media_root()


def _document_storage() -> dict[str, Any]:
    """Where uploaded documents live: a folder (CIVICPACT_MEDIA_ROOT) or an S3-compatible bucket
    (docs/deployment.md, "Documents on S3-compatible storage")."""
    if env_choice("CIVICPACT_DOCUMENT_STORAGE", ("filesystem", "s3"), "filesystem") == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": _media_root()}}
    bucket = env_str("CIVICPACT_S3_BUCKET")
    if not bucket:
        raise ValueError("CIVICPACT_S3_BUCKET must be set when CIVICPACT_DOCUMENT_STORAGE=s3")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": env_str("CIVICPACT_S3_PREFIX", "documents"),
        "endpoint_url": env_str("CIVICPACT_S3_ENDPOINT_URL") or None,
        "region_name": env_str("CIVICPACT_S3_REGION") or None,
        "addressing_style": env_choice("CIVICPACT_S3_ADDRESSING_STYLE", ("auto", "path", "virtual"), "auto"),
        "default_acl": None,  # the bucket's own policy: documents are private and served through CivicPact
        "querystring_auth": True,
        "file_overwrite": False,  # a name in use gets a suffix, as on the filesystem
    }
    # Credentials from these, or else from boto3's own chain (AWS_ACCESS_KEY_ID, ~/.aws, an instance role)
    access_key, secret_key = env_secret("CIVICPACT_S3_ACCESS_KEY_ID"), env_secret("CIVICPACT_S3_SECRET_ACCESS_KEY")
    if access_key or secret_key:
        options |= {"access_key": access_key, "secret_key": secret_key}
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": _document_storage(),
    "staticfiles": {"BACKEND": STATICFILES_BACKEND},
}

CIVICPACT_REDIS_URL = env_secret("REDIS_URL")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CIVICPACT_REDIS_URL:  # may carry a password: REDIS_URL_FILE works too
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CIVICPACT_REDIS_URL}}
# /readyz fails when a background task has waited longer than this many minutes for the worker (0: not checked)
CIVICPACT_READYZ_WORKER_MINUTES = env_int("CIVICPACT_READYZ_WORKER_MINUTES", 0)

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
    # Probes reach gunicorn over plain HTTP on the machine itself, without the proxy's X-Forwarded-Proto
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
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


def _ocds_dir() -> str:
    """The OCDS schemas, codelists and extensions (docs/ocds.md, "The schemas"): CIVICPACT_OCDS_DIR when set; else
    the copy `civicpact ocds fetch-schemas` fetched into the data folder; else a checkout's ../shared/ocds; else the
    data folder's ocds/, where a fetch puts them."""
    fetched = DATA_DIR / "ocds"
    beside_checkout = REPO_DIR.parent / "shared" / "ocds"
    default = beside_checkout if not fetched.is_dir() and beside_checkout.is_dir() else fetched
    return env_str("CIVICPACT_OCDS_DIR") or str(default.resolve())


CIVICPACT_OCDS_DIR = _ocds_dir()
# Where `civicpact ocds fetch-schemas` (and CIVICPACT_OCDS_FETCH) put the files: CIVICPACT_OCDS_DIR when it is set,
# else the data folder's ocds/ (never a checkout's ../shared/ocds).
CIVICPACT_OCDS_FETCH_INTO = env_str("CIVICPACT_OCDS_DIR") or str((DATA_DIR / "ocds").resolve())
# Fetch the pinned OCDS files into CIVICPACT_OCDS_DIR on first need when it does not hold them (off: run
# `civicpact ocds fetch-schemas`), and where from: empty for upstream, else a copy with the same layout.
CIVICPACT_OCDS_FETCH = env_bool("CIVICPACT_OCDS_FETCH", default=False)
CIVICPACT_OCDS_FETCH_URL = env_str("CIVICPACT_OCDS_FETCH_URL", "")
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
# Disputes: count each rung's days as working days (weekends and the city's holidays skipped) instead of calendar
# days, for contracts whose dispute clause says "business days" (docs/notifications.md)
CIVICPACT_DISPUTE_WORKING_DAYS = env_bool("CIVICPACT_DISPUTE_WORKING_DAYS", default=False)
# The city's working-day calendar (docs/notifications.md): public holidays from the holidays library for this
# country (ISO 3166-1 alpha-2, empty for none) and subdivision, the weekend's days, plus the administrator's own days
CIVICPACT_HOLIDAYS_COUNTRY = env_str("CIVICPACT_HOLIDAYS_COUNTRY", "").strip().upper()
CIVICPACT_HOLIDAYS_SUBDIVISION = env_str("CIVICPACT_HOLIDAYS_SUBDIVISION", "").strip()
CIVICPACT_WEEKEND = env_list("CIVICPACT_WEEKEND", ["sat", "sun"])
# Deadline reminders: how long before each deadline, in hours (default 7 days and 1 day)
CIVICPACT_REMINDER_HOURS = env_list("CIVICPACT_REMINDER_HOURS", ["168", "24"])
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

# Logs go to stderr: JSON lines in production, text elsewhere (civicpact/logs.py, docs/deployment.md "Logs");
# one line per request when CIVICPACT_LOG_REQUESTS (by default in production).
LOGGING = logs.logging_config(
    fmt=logs.log_format(),
    level=logs.log_level(),
    requests=env_bool("CIVICPACT_LOG_REQUESTS", default=PRODUCTION),
)

# OCDS package metadata (transparency/packages.py, docs/ocds.md): the publisher's identity, the data's licence and
# publication policy. Empty values are left out of the packages.
CIVICPACT_PUBLISHER_URI = env_str("CIVICPACT_PUBLISHER_URI", "")
CIVICPACT_PUBLISHER_SCHEME = env_str("CIVICPACT_PUBLISHER_SCHEME", "")
CIVICPACT_PUBLISHER_UID = env_str("CIVICPACT_PUBLISHER_UID", "")
CIVICPACT_OCDS_LICENSE = env_str("CIVICPACT_OCDS_LICENSE", "https://creativecommons.org/licenses/by/4.0/")
CIVICPACT_OCDS_PUBLICATION_POLICY = env_str("CIVICPACT_OCDS_PUBLICATION_POLICY", "")
# Page size of the OCDS API's release and record lists (?page=N), at most 1000.
CIVICPACT_OCDS_PAGE_SIZE = min(env_int("CIVICPACT_OCDS_PAGE_SIZE", 100), 1000)


def _token_days() -> tuple[int, int]:
    """API tokens' lifetime: the default and the longest a person may choose, in days (docs/keys.md)."""
    default, longest = env_int("CIVICPACT_API_TOKEN_DAYS", 90), env_int("CIVICPACT_API_TOKEN_MAX_DAYS", 365)
    if not 1 <= default <= longest:
        raise ValueError(
            f"CIVICPACT_API_TOKEN_DAYS must be from 1 to CIVICPACT_API_TOKEN_MAX_DAYS ({longest}), not {default}"
        )
    return default, longest


CIVICPACT_API_TOKEN_DAYS, CIVICPACT_API_TOKEN_MAX_DAYS = _token_days()
