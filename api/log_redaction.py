"""Keep secrets that travel in URLs out of the access log.

A debtor's link carries its token in the query string (a calendar app can only subscribe to a
URL), and an access log may write the whole path or the referer. The filter rewrites what is logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

_SECRET_PARAMETER = re.compile(r"(?P<name>(?:^|[?&])(?:token|key|api_key)=)[^&#\s]*", re.IGNORECASE)
REDACTED = "[redacted]"


def redact_url(path: str) -> str:
    return _SECRET_PARAMETER.sub(lambda m: m["name"] + REDACTED, path)


class RedactSecrets(logging.Filter):
    """For uvicorn.access, whose records carry (client, method, path, http version, status) as args, and
    hypercorn.access, whose args are a mapping of atoms (path, query, referer...) for its format."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, Mapping):
            # Only the format's short atoms: Hypercorn's also hold every request header (Authorization) and
            # environment variable, which no handler that writes out a record's args may see.
            record.args = {key: redact_url(value) if isinstance(value, str) else value
                           for key, value in record.args.items() if not str(key).startswith("{")}
        return True


def redact_access_log() -> None:
    for name in ("uvicorn.access", "hypercorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
