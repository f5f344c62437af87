"""Production settings: DEBUG off, a real SECRET_KEY required, HTTPS everywhere.

Use with ``DJANGO_SETTINGS_MODULE=workbench.settings_production``. Everything
else still comes from the environment (see README, "Configuration").
"""

import os

os.environ["DEBUG"] = "0"  # production never runs with DEBUG, whatever the environment says

from .settings import *  # noqa: E402,F403
from .settings import env_bool  # noqa: E402

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probed over plain HTTP from inside the container
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
