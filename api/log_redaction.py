"""Keep secrets that travel in URLs out of the access log.

A debtor's link carries its token in the query string (a calendar app can only subscribe to a
URL), and uvicorn's access log writes the whole path. The filter rewrites the logged path.
"""

from __future__ import annotations

import logging
import re

_SECRET_PARAMETER = re.compile(r"(?P<name>(?:^|[?&])(?:token|key|api_key)=)[^&#\s]*", re.IGNORECASE)
REDACTED = "[redacted]"


def redact_url(path: str) -> str:
    return _SECRET_PARAMETER.sub(lambda m: m["name"] + REDACTED, path)


class RedactSecrets(logging.Filter):
    """For uvicorn.access: its records carry (client, method, path, http version, status) as args."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def redact_access_log() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
