"""Production profile: the base settings hardened; refuses to start half-configured."""

from cryptography.fernet import Fernet, MultiFernet
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.environment import env_bool, env_int, env_list, env_str

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to at least 50 random characters")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the hosts this site serves")
# Not derived from SECRET_KEY here: rotating that must not make webhook secrets unreadable.
ENCRYPTION_KEYS = env_list("SERVICEFLOW_ENCRYPTION_KEYS")
try:
    MultiFernet([Fernet(key) for key in ENCRYPTION_KEYS])  # refuses none and malformed ones
except ValueError:
    raise ImproperlyConfigured(
        "SERVICEFLOW_ENCRYPTION_KEYS must list Fernet keys (Fernet.generate_key()), newest first"
    ) from None
# Behind a proxy no one named, every client has the proxy's address and shares its limits.
if not env_list("TRUSTED_PROXIES"):
    raise ImproperlyConfigured(
        "TRUSTED_PROXIES must list the CIDRs of the proxies in front of the web processes, "
        "or be `none` when clients connect directly"
    )
DEBUG = False

# TLS ends at the proxy in front of gunicorn, which says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes and scrapers speak plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# `/metrics` answers only to `Authorization: Bearer $METRICS_TOKEN`; without a token it is off.
METRICS_REQUIRE_TOKEN = True
