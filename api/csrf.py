"""CSRF protection of the browser forms (the creditor page), with Litestar's own middleware.

Double submit: a GET of a page sets a signed token in a cookie (SameSite=Lax, HttpOnly, Secure behind https) and
in each form (`csrf_input`); a POST must bring both, or it is a 403 and nothing is done. The JSON API under /v1
takes bearer keys (no cookie a browser would send by itself) and the other routes are not for browsers, so
those are excluded; whatever else is added later is protected by default.
"""

from __future__ import annotations

import secrets

from litestar.config.csrf import CSRFConfig

from debt_coord.kernel.settings import Settings

NOT_FOR_BROWSER_FORMS = ["^/v1/", "^/schema", "^/health$", "^/ready$", "^/metrics$", "^/debtor$", "^/$"]


def csrf_config(settings: Settings) -> CSRFConfig:
    secret = settings.csrf_secret.get_secret_value() if settings.csrf_secret else secrets.token_hex(32)
    return CSRFConfig(secret=secret, cookie_name="csrftoken", cookie_httponly=True, cookie_samesite="lax",
                      cookie_secure=settings.effective_public_url.startswith("https://"),
                      exclude=NOT_FOR_BROWSER_FORMS)
